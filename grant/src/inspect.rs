//! `grant inspect`: who can do what — each role's effective privileges on
//! each object, through memberships (INHERIT) and ownership.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::live::{Live, LiveDb, Name, ObjRef};
use crate::model::{glob_match, is_system_role};
use crate::privs::{ObjectKind, Privilege};

/// One row of the matrix.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    /// Role.
    pub role: String,
    /// Database.
    pub database: String,
    /// Object, e.g. `table sales.orders`.
    pub object: String,
    /// Effective privileges (`*` = with grant option).
    pub privileges: Vec<String>,
    /// Where they come from: `direct`, `owner`, `via <group>`.
    pub via: Vec<String>,
}

fn object_name(o: &ObjRef) -> String {
    match o {
        ObjRef::Database { name } => format!("database {name}"),
        ObjRef::Schema { name } => format!("schema {name}"),
        ObjRef::Table { schema, name } => format!("table {schema}.{name}"),
        ObjRef::Sequence { schema, name } => format!("sequence {schema}.{name}"),
        ObjRef::Function { schema, signature } => format!("function {schema}.{signature}"),
        ObjRef::Column {
            schema,
            table,
            column,
        } => format!("column {schema}.{table}.{column}"),
    }
}

fn kind_of(o: &ObjRef) -> ObjectKind {
    match o {
        ObjRef::Database { .. } => ObjectKind::Database,
        ObjRef::Schema { .. } => ObjectKind::Schema,
        ObjRef::Table { .. } => ObjectKind::Table,
        ObjRef::Sequence { .. } => ObjectKind::Sequence,
        ObjRef::Function { .. } => ObjectKind::Function,
        ObjRef::Column { .. } => ObjectKind::Column,
    }
}

/// The roles whose privileges `role` uses: itself and, through members
/// with INHERIT, its groups (transitively).
pub fn inherited(live: &Live, role: &str) -> BTreeSet<String> {
    let mut groups_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (g, members) in &live.memberships {
        for m in members.keys() {
            groups_of.entry(m.as_str()).or_default().push(g.as_str());
        }
    }
    let mut out = BTreeSet::new();
    let mut todo = vec![role.to_string()];
    while let Some(r) = todo.pop() {
        if !out.insert(r.clone()) {
            continue;
        }
        let inherits = live.roles.get(&r).is_none_or(|l| l.attrs.inherit);
        if inherits {
            for g in groups_of.get(r.as_str()).into_iter().flatten() {
                todo.push((*g).to_string());
            }
        }
    }
    out
}

fn objects(db: &LiveDb) -> Vec<(ObjRef, String)> {
    let mut out: Vec<(ObjRef, String)> = Vec::new();
    out.push((
        ObjRef::Database {
            name: Name::default(),
        },
        db.owner.clone(),
    ));
    for (s, o) in &db.schemas {
        out.push((ObjRef::Schema { name: s.into() }, o.clone()));
    }
    for (s, rels) in &db.relations {
        for (n, r) in rels {
            let o = if r.kind == crate::live::RelKind::Sequence {
                ObjRef::Sequence {
                    schema: s.clone(),
                    name: n.clone(),
                }
            } else {
                ObjRef::Table {
                    schema: s.clone(),
                    name: n.clone(),
                }
            };
            out.push((o, r.owner.clone()));
        }
    }
    for (s, fs) in &db.functions {
        for (sig, f) in fs {
            out.push((
                ObjRef::Function {
                    schema: s.into(),
                    signature: sig.into(),
                },
                f.owner.clone(),
            ));
        }
    }
    out
}

/// Computes the matrix. `role` and `object` are globs on the role name and
/// on the object (`table sales.*`, `*orders*`).
pub fn matrix(live: &Live, role: Option<&str>, object: Option<&str>) -> Vec<Row> {
    let mut rows = Vec::new();
    for name in live.roles.keys() {
        if is_system_role(name) || role.is_some_and(|p| !glob_match(p, name)) {
            continue;
        }
        let mine = inherited(live, name);
        for (dbname, db) in &live.databases {
            // object → privilege → (grantable, sources)
            let mut acc: BTreeMap<ObjRef, (BTreeMap<Privilege, bool>, BTreeSet<String>)> =
                BTreeMap::new();
            for (o, owner) in objects(db) {
                let o = match o {
                    ObjRef::Database { .. } => ObjRef::Database {
                        name: dbname.into(),
                    },
                    o => o,
                };
                if mine.contains(&owner) {
                    let e = acc.entry(o.clone()).or_default();
                    for p in kind_of(&o).allowed(false) {
                        if crate::privs::since(*p).is_some_and(|v| live.server_version < v) {
                            continue;
                        }
                        e.0.insert(*p, true);
                    }
                    e.1.insert(if owner == *name {
                        "owner".into()
                    } else {
                        format!("owner via {owner}")
                    });
                }
            }
            for a in &db.acl {
                if !mine.contains(a.grantee.as_str()) {
                    continue;
                }
                let e = acc.entry(a.object.clone()).or_default();
                let go = e.0.entry(a.privilege).or_insert(false);
                *go |= a.grantable;
                e.1.insert(if a.grantee == *name {
                    "direct".into()
                } else {
                    format!("via {}", a.grantee)
                });
            }
            for (o, (privs, via)) in acc {
                let obj = object_name(&o);
                if object.is_some_and(|p| {
                    !glob_match(p, &obj) && !glob_match(p, obj.split_once(' ').map_or("", |x| x.1))
                }) {
                    continue;
                }
                rows.push(Row {
                    role: name.clone(),
                    database: dbname.clone(),
                    object: obj,
                    privileges: privs
                        .iter()
                        .map(|(p, g)| if *g { format!("{p}*") } else { p.to_string() })
                        .collect(),
                    via: via.into_iter().collect(),
                });
            }
        }
    }
    rows.sort();
    rows
}

/// A plain text table.
pub fn text(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "No privileges match.\n".into();
    }
    let head = ["ROLE", "DATABASE", "OBJECT", "PRIVILEGES", "VIA"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.role.clone(),
                r.database.clone(),
                r.object.clone(),
                r.privileges.join(", "),
                r.via.join(", "),
            ]
        })
        .collect();
    let mut w = head.map(|h| h.chars().count());
    for c in &cells {
        for i in 0..5 {
            w[i] = w[i].max(c[i].chars().count());
        }
    }
    let line = |c: [&str; 5]| {
        let mut s = String::new();
        for i in 0..5 {
            s.push_str(c[i]);
            if i < 4 {
                s.push_str(&" ".repeat(w[i] - c[i].chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(head);
    for c in &cells {
        out.push_str(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    out.push_str("(* = WITH GRANT OPTION; PUBLIC's built-in privileges and superusers' bypass are not shown)\n");
    out
}

fn code(p: &str) -> String {
    let (name, go) = match p.strip_suffix('*') {
        Some(n) => (n, "*"),
        None => (p, ""),
    };
    let c = match name {
        "SELECT" => "r",
        "INSERT" => "a",
        "UPDATE" => "w",
        "DELETE" => "d",
        "TRUNCATE" => "D",
        "REFERENCES" => "x",
        "TRIGGER" => "t",
        "EXECUTE" => "X",
        "USAGE" => "U",
        "CREATE" => "C",
        "CONNECT" => "c",
        "TEMPORARY" => "T",
        "DROP" => "P",
        "MAINTAIN" => "m",
        _ => "?",
    };
    format!("{c}{go}")
}

/// The matrix view: one row per object, one column per role, cells in
/// `aclitem` letters (psql's `\dp` legend).
pub fn matrix_text(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "No privileges match.\n".into();
    }
    let roles: Vec<&str> = {
        let mut r: Vec<&str> = rows.iter().map(|r| r.role.as_str()).collect();
        r.sort();
        r.dedup();
        r
    };
    let mut objects: BTreeMap<(String, String), BTreeMap<&str, String>> = BTreeMap::new();
    for r in rows {
        let cell: String = r.privileges.iter().map(|p| code(p)).collect();
        objects
            .entry((r.database.clone(), r.object.clone()))
            .or_default()
            .insert(r.role.as_str(), cell);
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["DATABASE".to_string(), "OBJECT".to_string()];
    head.extend(roles.iter().map(|r| r.to_string()));
    table.push(head);
    for ((db, obj), cells) in &objects {
        let mut line = vec![db.clone(), obj.clone()];
        line.extend(
            roles
                .iter()
                .map(|r| cells.get(r).cloned().unwrap_or_else(|| "-".into())),
        );
        table.push(line);
    }
    let ncol = table[0].len();
    let widths: Vec<usize> = (0..ncol)
        .map(|i| {
            table
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in &table {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            s.push_str(c);
            if i + 1 < ncol {
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    }
    out.push_str(
        "(r SELECT, a INSERT, w UPDATE, d DELETE, D TRUNCATE, x REFERENCES, t TRIGGER, X EXECUTE, U USAGE, C CREATE, c CONNECT, T TEMPORARY, P DROP; * WITH GRANT OPTION; - none)\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{push_acl, AclRow, LiveRole, RelKind, Relation};
    use crate::model::{Dialect, MemberOpts, RoleAttrs};

    #[test]
    fn effective_privileges_through_memberships() {
        let mut live = Live {
            dialect: Dialect::Postgres,
            current_user: "postgres".into(),
            connection_db: "app".into(),
            passwords_readable: false,
            server_version: 0,
            rbac_roles: Default::default(),
            roles: BTreeMap::new(),
            memberships: BTreeMap::new(),
            membership_grantors: Default::default(),
            owned: BTreeMap::new(),
            dependent_dbs: Default::default(),
            database_owners: Default::default(),
            other_db_grants: Default::default(),
            databases: BTreeMap::new(),
        };
        for (r, inherit) in [
            ("alice", true),
            ("bob", false),
            ("readers", true),
            ("owner", true),
        ] {
            live.roles.insert(
                r.into(),
                LiveRole {
                    attrs: RoleAttrs {
                        inherit,
                        ..RoleAttrs::default()
                    },
                    comment: None,
                    settings: BTreeMap::new(),
                    verifier: None,
                },
            );
        }
        for m in ["alice", "bob"] {
            live.memberships
                .entry("readers".into())
                .or_default()
                .insert(m.into(), MemberOpts::default());
        }
        let mut db = LiveDb {
            owner: "postgres".into(),
            ..LiveDb::default()
        };
        db.schemas.insert("s".into(), "owner".into());
        db.relations.entry("s".into()).or_default().insert(
            "t".into(),
            Relation {
                kind: RelKind::Table,
                owner: "owner".into(),
                linked: false,
            },
        );
        let t = ObjRef::Table {
            schema: "s".into(),
            name: "t".into(),
        };
        push_acl(
            &mut db.acl,
            t.clone(),
            "owner",
            Some(AclRow {
                grantee: "readers".into(),
                privilege: "SELECT".into(),
                grantable: false,
                grantor: String::new(),
            }),
        );
        push_acl(
            &mut db.acl,
            t,
            "owner",
            Some(AclRow {
                grantee: "alice".into(),
                privilege: "UPDATE".into(),
                grantable: true,
                grantor: String::new(),
            }),
        );
        live.databases.insert("app".into(), db);
        let rows = matrix(&live, None, Some("table s.*"));
        insta::assert_snapshot!(text(&rows));
        insta::assert_snapshot!("matrix", matrix_text(&matrix(&live, None, None)));
        assert!(
            matrix(&live, Some("bob"), None).is_empty(),
            "NOINHERIT: bob does not use readers' privileges"
        );
    }
}
