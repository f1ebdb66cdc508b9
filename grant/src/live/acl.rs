//! PostgreSQL ACL arrays read as text (`relacl::text`:
//! `{grantee=privileges/grantor,…}`) and split without copying.
//!
//! Hand-written because no maintained crate decodes `aclitem`, and the
//! server has no binary form for it; reading the array as text (one row per
//! object) instead of `aclexplode` (one row per privilege, every name
//! repeated) makes the catalog query and the client's work several times
//! smaller on databases with 100,000 grants.

use std::borrow::Cow;

use anyhow::bail;

use crate::privs::Privilege;

/// One `aclitem`: `grantee=privileges/grantor`, names unquoted.
#[derive(Debug, PartialEq)]
pub struct Item<'a> {
    /// Grantee; `PUBLIC` when the item's grantee is empty.
    pub grantee: Cow<'a, str>,
    /// The privilege letters, each optionally followed by `*` (grant option).
    pub privileges: &'a str,
    /// Grantor.
    pub grantor: Cow<'a, str>,
}

impl Item<'_> {
    /// The privileges this tool knows, with their grant option, in the
    /// order of the letters (`SET` and `ALTER SYSTEM` are left out, as
    /// `Privilege::parse` leaves them out of `aclexplode`'s names).
    pub fn privileges(&self) -> impl Iterator<Item = (Privilege, bool)> + '_ {
        let b = self.privileges.as_bytes();
        b.iter().enumerate().filter_map(move |(i, c)| {
            let p = letter(*c)?;
            Some((p, b.get(i + 1) == Some(&b'*')))
        })
    }
}

/// PostgreSQL's letter for each privilege (`aclitemout`).
fn letter(c: u8) -> Option<Privilege> {
    Some(match c {
        b'a' => Privilege::Insert,
        b'r' => Privilege::Select,
        b'w' => Privilege::Update,
        b'd' => Privilege::Delete,
        b'D' => Privilege::Truncate,
        b'x' => Privilege::References,
        b't' => Privilege::Trigger,
        b'X' => Privilege::Execute,
        b'U' => Privilege::Usage,
        b'C' => Privilege::Create,
        b'T' => Privilege::Temporary,
        b'c' => Privilege::Connect,
        b'm' => Privilege::Maintain,
        _ => return None,
    })
}

/// Removes one level of quoting: `"a""b"` → `a"b` (role names in an
/// aclitem), or `"a\"b"` → `a"b` (array elements), borrowed when there is
/// nothing to unescape.
fn unquote(s: &str, array: bool) -> Cow<'_, str> {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return Cow::Borrowed(s);
    };
    let escape = if array { '\\' } else { '"' };
    if !inner.contains(escape) {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The end of the (possibly double-quoted) name at the start of `s`, for an
/// aclitem name (`""` escapes) ending at `stop` or at the end.
fn name_end(s: &str, stop: Option<u8>) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() == Some(&b'"') {
        return crate::sql::quoted_len(s);
    }
    Some(match stop {
        Some(c) => b.iter().position(|x| *x == c)?,
        None => b.len(),
    })
}

/// Parses one aclitem (`grantee=privileges/grantor`).
fn item(s: &str) -> anyhow::Result<Item<'_>> {
    let parts = name_end(s, Some(b'=')).and_then(|g| {
        if s.as_bytes().get(g) != Some(&b'=') {
            return None;
        }
        let slash = g + 1 + s[g + 1..].find('/')?;
        let end = name_end(&s[slash + 1..], None)?;
        (slash + 1 + end == s.len()).then_some((g, slash))
    });
    let Some((g, slash)) = parts else {
        bail!("unexpected ACL item `{s}`");
    };
    Ok(Item {
        grantee: grantee(unquote(&s[..g], false)),
        privileges: &s[g + 1..slash],
        grantor: unquote(&s[slash + 1..], false),
    })
}

/// An empty grantee is PUBLIC.
fn grantee(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.is_empty() {
        Cow::Borrowed("PUBLIC")
    } else {
        s
    }
}

/// Calls `f` with each item of an ACL array's text form (`{a=r/b,…}`).
pub fn for_each(
    text: &str,
    mut f: impl FnMut(Item<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        bail!("unexpected ACL `{text}`");
    };
    let b = inner.as_bytes();
    let mut start = 0;
    while start < b.len() {
        // One array element: quoted (`"…"`, `\` escapes) or up to a comma.
        let end = if b[start] == b'"' {
            let mut i = start + 1;
            loop {
                match b.get(i) {
                    Some(b'\\') => i += 2,
                    Some(b'"') => break i + 1,
                    Some(_) => i += 1,
                    None => bail!("unexpected ACL `{text}`"),
                }
            }
        } else {
            start + inner[start..].find(',').unwrap_or(inner.len() - start)
        };
        let element = unquote(&inner[start..end], true);
        f(item(&element)?)?;
        start = end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (grantee, privileges with grant option, grantor).
    type Parsed = (String, Vec<(Privilege, bool)>, String);

    fn parse(text: &str) -> Vec<Parsed> {
        let mut out = Vec::new();
        for_each(text, |i| {
            out.push((
                i.grantee.to_string(),
                i.privileges().collect(),
                i.grantor.to_string(),
            ));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn reads_what_postgresql_writes() {
        // `relacl::text` as PostgreSQL 15 writes it for these role names.
        let text = r#"{postgres=arwdDxt/postgres,"\"gsp_a\"\"b\"=r/postgres","\"gsp_x, y\"=r/postgres","\"gsp_Ünï\"=r/postgres","\"gsp_b\\s\"=r/postgres","\"gsp_{}\"=r/postgres",=r/postgres,gsp_plain=a*w*d/postgres}"#;
        let s = |n: &str| n.to_string();
        use Privilege::*;
        assert_eq!(
            parse(text),
            vec![
                (
                    s("postgres"),
                    vec![
                        (Insert, false),
                        (Select, false),
                        (Update, false),
                        (Delete, false),
                        (Truncate, false),
                        (References, false),
                        (Trigger, false)
                    ],
                    s("postgres")
                ),
                (s("gsp_a\"b"), vec![(Select, false)], s("postgres")),
                (s("gsp_x, y"), vec![(Select, false)], s("postgres")),
                (s("gsp_Ünï"), vec![(Select, false)], s("postgres")),
                (s("gsp_b\\s"), vec![(Select, false)], s("postgres")),
                (s("gsp_{}"), vec![(Select, false)], s("postgres")),
                (s("PUBLIC"), vec![(Select, false)], s("postgres")),
                (
                    s("gsp_plain"),
                    vec![(Insert, true), (Update, true), (Delete, false)],
                    s("postgres")
                ),
            ]
        );
        // Quoted grantor, PG17's MAINTAIN, SET / ALTER SYSTEM left out.
        assert_eq!(
            parse(r#"{"\"a b\"=m*sA/\"c,d\""}"#),
            vec![(s("a b"), vec![(Maintain, true)], s("c,d"))]
        );
        assert!(parse("{}").is_empty());
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for t in [
            "",
            "a=r/b",
            "{a=r}",
            "{a/b}",
            r#"{"a=r/b}"#,
            r#"{"\"a=r/b"}"#,
        ] {
            assert!(for_each(t, |_| Ok(())).is_err(), "{t}");
        }
    }
}
