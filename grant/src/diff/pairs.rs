//! The two sides of the privilege diff: (group key, grantee) → the declared
//! and the held privileges, for 100,000 pairs and more.
//!
//! Objects and grantees are numbered as they come (a few thousand objects,
//! a few hundred roles: small tables that stay in cache), and the pairs are
//! keyed by the two numbers with the privileges inline as bits: 20 bytes a
//! pair, where a table keyed by the object itself took 150 and every probe
//! missed the cache. Column grants (keyed by their table's column group)
//! keep their per-column detail in a map of their own.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::objects::PrivMap;
use crate::live::ObjRef;
use crate::privs::Privilege;

/// Hash maps with a fast hasher: the keys are catalog names and numbers,
/// not attacker input.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Privileges as bits (held, and with the grant option): the converged
/// comparison of 100,000 (object, grantee) pairs allocates no tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Bits {
    held: u16,
    go: u16,
}

/// Every privilege, in declaration (= `Ord`) order: bit `i` is `ALL[i]`.
const ALL: [Privilege; 14] = [
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Execute,
    Privilege::Usage,
    Privilege::Create,
    Privilege::Connect,
    Privilege::Temporary,
    Privilege::Drop,
    Privilege::Maintain,
];

impl Bits {
    /// Holds `p`, with the grant option when `go`.
    pub(super) fn add(&mut self, p: Privilege, go: bool) {
        let bit = 1u16 << (p as u16);
        self.held |= bit;
        if go {
            self.go |= bit;
        }
    }

    /// (held, with the grant option) for `p`.
    pub(super) fn get(self, p: Privilege) -> (bool, bool) {
        let bit = 1u16 << (p as u16);
        (self.held & bit != 0, self.go & bit != 0)
    }

    /// As a privilege → grant option map.
    pub(super) fn map(self) -> PrivMap {
        ALL.iter()
            .filter(|p| self.held & (1u16 << (**p as u16)) != 0)
            .map(|p| (*p, self.go & (1u16 << (*p as u16)) != 0))
            .collect()
    }
}

/// Column ("" unless a column) → privileges, sorted by column: one small
/// vector where an ordered map of maps cost hundreds of bytes per pair.
/// Inline for the usual single entry (no column): no allocation per pair.
pub(super) type Cols = smallvec::SmallVec<[(String, Bits); 1]>;

/// `a == b`, the privileges compared first (the columns are nearly always
/// `""` on both sides: no string comparison).
pub(super) fn same(a: &Cols, b: &Cols) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ca, ba), (cb, bb))| {
            ba == bb && ca.len() == cb.len() && (ca.is_empty() || ca == cb)
        })
}

/// The privileges of `col`, added when absent (kept sorted).
fn col_entry(v: &mut Cols, col: String) -> &mut Bits {
    let i = match v.binary_search_by(|(c, _)| c.as_str().cmp(&col)) {
        Ok(i) => i,
        Err(i) => {
            v.insert(i, (col, Bits::default()));
            i
        }
    };
    &mut v[i].1
}

/// As the column → privilege → grant option map the phase compares.
pub(super) fn cols_map(v: &Cols) -> BTreeMap<String, PrivMap> {
    v.iter().map(|(c, b)| (c.clone(), b.map())).collect()
}

/// One pair other than a column group: its only column is `""`.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    want: Bits,
    have: Bits,
    /// Declared (even when every privilege is denied).
    wanted: bool,
    /// Held (some entry of the live ACL).
    had: bool,
}

/// The desired and the live privileges of one column group.
#[derive(Default)]
struct Sides {
    want: Cols,
    have: Cols,
}

/// (group key, grantee) → desired and live privileges.
#[derive(Default)]
pub(super) struct Pairs<'a> {
    objects: HashMap<Cow<'a, ObjRef>, u32>,
    object_list: Vec<Cow<'a, ObjRef>>,
    roles: HashMap<&'a str, u32>,
    role_list: Vec<&'a str>,
    slots: HashMap<(u32, u32), Slot>,
    columns: HashMap<(u32, u32), Sides>,
    /// The last live object numbered: the live entries come by object.
    last: Option<(&'a ObjRef, u32)>,
}

/// (object, grantee, desired, held) as [`Pairs::iter`] gives them.
pub(super) type Pair<'p, 'a> = (&'p ObjRef, &'a str, Cols, Cols);

impl<'a> Pairs<'a> {
    /// Room for about `n` pairs.
    pub(super) fn with_capacity(n: usize) -> Pairs<'a> {
        Pairs {
            slots: HashMap::with_capacity_and_hasher(n, Default::default()),
            ..Pairs::default()
        }
    }

    fn object_id(&mut self, o: Cow<'a, ObjRef>) -> u32 {
        if let (Cow::Borrowed(b), Some((last, id))) = (&o, self.last) {
            if std::ptr::eq(*b, last) {
                return id;
            }
        }
        let id = match self.objects.get(o.as_ref()) {
            Some(id) => *id,
            None => {
                let id = self.object_list.len() as u32;
                self.object_list.push(o.clone());
                self.objects.insert(o.clone(), id);
                id
            }
        };
        if let Cow::Borrowed(b) = o {
            self.last = Some((b, id));
        }
        id
    }

    fn role_id(&mut self, g: &'a str) -> u32 {
        match self.roles.get(g) {
            Some(id) => *id,
            None => {
                let id = self.role_list.len() as u32;
                self.role_list.push(g);
                self.roles.insert(g, id);
                id
            }
        }
    }

    fn id(&self, o: &ObjRef, g: &str) -> Option<(u32, u32)> {
        Some((*self.objects.get(o)?, *self.roles.get(g)?))
    }

    /// The declared privileges of `col` (`""` unless `o` is a column group)
    /// for (`o`, `g`), the pair declared from now on.
    pub(super) fn want(&mut self, o: Cow<'a, ObjRef>, g: &'a str, col: String) -> &mut Bits {
        self.side(o, g, col, true)
    }

    /// The held privileges of `col` for (`o`, `g`).
    pub(super) fn have(&mut self, o: Cow<'a, ObjRef>, g: &'a str, col: String) -> &mut Bits {
        self.side(o, g, col, false)
    }

    fn side(&mut self, o: Cow<'a, ObjRef>, g: &'a str, col: String, want: bool) -> &mut Bits {
        let column = matches!(o.as_ref(), ObjRef::Column { .. });
        let k = (self.object_id(o), self.role_id(g));
        if column {
            let s = self.columns.entry(k).or_default();
            return col_entry(if want { &mut s.want } else { &mut s.have }, col);
        }
        let s = self.slots.entry(k).or_default();
        if want {
            s.wanted = true;
            &mut s.want
        } else {
            s.had = true;
            &mut s.have
        }
    }

    /// Whether the configuration declares (`o`, `g`).
    pub(super) fn wanted(&self, o: &ObjRef, g: &str) -> bool {
        let Some(k) = self.id(o, g) else {
            return false;
        };
        match o {
            ObjRef::Column { .. } => self.columns.get(&k).is_some_and(|s| !s.want.is_empty()),
            _ => self.slots.get(&k).is_some_and(|s| s.wanted),
        }
    }

    /// (desired, held) of (`o`, `g`); empty when absent.
    pub(super) fn sides(&self, o: &ObjRef, g: &str) -> (Cols, Cols) {
        let Some(k) = self.id(o, g) else {
            return (Cols::new(), Cols::new());
        };
        match o {
            ObjRef::Column { .. } => self
                .columns
                .get(&k)
                .map_or_else(Default::default, |s| (s.want.clone(), s.have.clone())),
            _ => self.slots.get(&k).map_or_else(Default::default, cols),
        }
    }

    /// Every pair, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = Pair<'_, 'a>> + '_ {
        let at = |(o, g): (u32, u32)| {
            (
                self.object_list[o as usize].as_ref(),
                self.role_list[g as usize],
            )
        };
        self.slots
            .iter()
            .map(move |(k, s)| {
                let (o, g) = at(*k);
                let (w, h) = cols(s);
                (o, g, w, h)
            })
            .chain(self.columns.iter().map(move |(k, s)| {
                let (o, g) = at(*k);
                (o, g, s.want.clone(), s.have.clone())
            }))
    }
}

/// A slot's sides as column lists (no allocation: one inline entry each).
fn cols(s: &Slot) -> (Cols, Cols) {
    let one = |present: bool, b: Bits| {
        let mut c = Cols::new();
        if present {
            c.push((String::new(), b));
        }
        c
    };
    (one(s.wanted, s.want), one(s.had, s.have))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Name;

    fn table(n: &str) -> ObjRef {
        ObjRef::Table {
            schema: Name::from("s"),
            name: Name::from(n),
        }
    }

    #[test]
    fn both_sides_by_object_and_grantee() {
        let live = [table("a"), table("b")];
        let cols = ObjRef::Column {
            schema: Name::from("s"),
            table: Name::from("a"),
            column: Name::default(),
        };
        let mut p = Pairs::default();
        p.want(Cow::Owned(table("a")), "r", String::new())
            .add(Privilege::Select, false);
        // Declared with every privilege denied: declared all the same.
        p.want(Cow::Owned(table("b")), "r", String::new());
        p.have(Cow::Borrowed(&live[0]), "r", String::new())
            .add(Privilege::Select, true);
        p.have(Cow::Borrowed(&live[1]), "x", String::new())
            .add(Privilege::Insert, false);
        p.want(Cow::Owned(cols.clone()), "r", "c2".into())
            .add(Privilege::Update, false);
        p.want(Cow::Owned(cols.clone()), "r", "c1".into())
            .add(Privilege::Update, true);
        assert!(p.wanted(&table("a"), "r") && p.wanted(&table("b"), "r"));
        assert!(!p.wanted(&table("b"), "x") && !p.wanted(&table("c"), "r"));
        assert!(p.wanted(&cols, "r") && !p.wanted(&cols, "x"));
        let (w, h) = p.sides(&table("a"), "r");
        assert_eq!(w[0].1.get(Privilege::Select), (true, false));
        assert_eq!(h[0].1.get(Privilege::Select), (true, true));
        assert!(!same(&w, &h));
        let (w, h) = p.sides(&cols, "r");
        let names: Vec<&str> = w.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!((names, h.len()), (vec!["c1", "c2"], 0));
        let mut all: Vec<(String, &str, usize, usize)> = p
            .iter()
            .map(|(o, g, w, h)| (format!("{o:?}"), g, w.len(), h.len()))
            .collect();
        all.sort(); // Column, then Table a (r), Table b (r, x)
        assert_eq!(all.len(), 4);
        assert_eq!(
            all.iter().map(|t| (t.1, t.2, t.3)).collect::<Vec<_>>(),
            [("r", 2, 0), ("r", 1, 1), ("r", 1, 0), ("x", 0, 1)]
        );
    }
}
