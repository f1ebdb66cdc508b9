//! ACL strings (`{grantee=privileges/grantor,…}`) parsed, pure. Redshift has
//! no `aclexplode`, so ACL arrays are read as text and parsed here; its
//! letters differ from PostgreSQL's (`D` is DROP, not TRUNCATE; `A` ALTER and
//! `P` are not modelled).

use serde::Serialize;

use crate::model::Dialect;

/// One parsed ACL item: `grantee=privileges/grantor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclItem {
    /// Grantee; `PUBLIC` when empty.
    pub grantee: String,
    /// The grantee is a Redshift group (`group name=…`).
    pub group: bool,
    /// Privilege names with their grant option.
    pub privileges: Vec<(String, bool)>,
    /// Grantor.
    pub grantor: String,
}

fn letter(c: char, dialect: Dialect) -> Option<&'static str> {
    Some(match (c, dialect) {
        ('r', _) => "SELECT",
        ('w', _) => "UPDATE",
        ('a', _) => "INSERT",
        ('d', _) => "DELETE",
        ('D', Dialect::Postgres) => "TRUNCATE",
        ('D', Dialect::Redshift) => "DROP",
        ('x', _) => "REFERENCES",
        ('t', _) => "TRIGGER",
        ('X', _) => "EXECUTE",
        ('U', _) => "USAGE",
        ('C', _) => "CREATE",
        ('c', _) => "CONNECT",
        ('T', _) => "TEMPORARY",
        ('m', Dialect::Postgres) => "MAINTAIN",
        _ => return None,
    })
}

/// Splits an array literal `{a,"b c",d}` into its elements.
pub fn split_array(s: &str) -> Vec<String> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = inner.chars();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn unquote_name(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s.to_string()
    }
}

/// Parses one ACL item (an element of `relacl::text`).
pub fn parse_item(item: &str, dialect: Dialect) -> Option<AclItem> {
    let slash = item.rfind('/')?;
    let (head, grantor) = (&item[..slash], &item[slash + 1..]);
    // The `=` separating grantee and privileges: the last one outside quotes.
    let mut eq = None;
    let mut quoted = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => eq = Some(i),
            _ => {}
        }
    }
    let eq = eq?;
    let (who, privs) = (&head[..eq], &head[eq + 1..]);
    let (group, name) = match who.strip_prefix("group ") {
        Some(g) => (true, unquote_name(g)),
        None => (false, unquote_name(who)),
    };
    let mut privileges = Vec::new();
    let mut it = privs.chars().peekable();
    while let Some(c) = it.next() {
        let go = it.peek() == Some(&'*');
        if go {
            it.next();
        }
        if let Some(p) = letter(c, dialect) {
            privileges.push((p.to_string(), go));
        }
    }
    Some(AclItem {
        grantee: if name.is_empty() {
            "PUBLIC".into()
        } else {
            name
        },
        group,
        privileges,
        grantor: unquote_name(grantor),
    })
}

/// Parses an ACL array's text; unparsable items are skipped.
pub fn parse_acl(s: Option<&str>, dialect: Dialect) -> Vec<AclItem> {
    s.map(|s| {
        split_array(s)
            .iter()
            .filter_map(|i| parse_item(i, dialect))
            .collect()
    })
    .unwrap_or_default()
}
