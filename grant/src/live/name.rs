//! [`Name`]: a catalog name shared by every live entry that mentions it.
//!
//! A database with 100,000 grants names the same few thousand schemas,
//! relations and roles over and over: each entry holding its own `String`
//! copies cost four allocations per privilege, and the privilege diff's
//! lookups chased them all over the heap. One shared, reference-counted copy
//! per name keeps the live model small and the names in cache; comparing two
//! entries that share a name compares pointers first.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// An immutable catalog name; compares, orders, hashes, prints and
/// serializes exactly as the string it holds.
#[derive(Clone)]
pub struct Name(Arc<str>);

impl Name {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Name {
    /// The empty name (shared: no allocation).
    fn default() -> Name {
        static EMPTY: std::sync::LazyLock<Name> = std::sync::LazyLock::new(|| Name::from(""));
        EMPTY.clone()
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name(Arc::from(s.as_str()))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.to_string()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        **self == *other.0
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            return Ordering::Equal;
        }
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Name {
    // As `str` hashes: `Borrow<str>` lookups find the same entries.
    fn hash<H: Hasher>(&self, state: &mut H) {
        (*self.0).hash(state)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Hands out one shared [`Name`] per distinct string (the grantees and
/// grantors of a database's ACLs: a few hundred names, 100,000 uses).
#[derive(Default)]
pub struct Interner(std::collections::HashMap<Arc<str>, Name, foldhash::fast::RandomState>);

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Name {
        if let Some(n) = self.0.get(s) {
            return n.clone();
        }
        let n = Name::from(s);
        self.0.insert(n.0.clone(), n.clone());
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_its_string() {
        let (a, b) = (Name::from("a\"b"), Name::from(String::from("b")));
        let owned = String::from("b");
        assert!(a < b && a == "a\"b" && "b" == b);
        assert_eq!(b, owned);
        assert_eq!(owned, b);
        assert_eq!(a.cmp(&Name::from("a\"b")), Ordering::Equal);
        assert_eq!(format!("{a} {a:?}"), format!("{} {:?}", "a\"b", "a\"b"));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""a\"b""#);
        let mut i = Interner::default();
        let (x, y) = (i.get("r"), i.get("r"));
        assert!(Arc::ptr_eq(&x.0, &y.0) && x == "r");
        let set: std::collections::BTreeSet<Name> = [b.clone(), a.clone()].into();
        assert!(set.contains("b") && set.iter().next() == Some(&a));
    }
}
