//! `objects: ["*"]` and objects created later: with `future: true` a grant
//! also declares the default privileges that give the same privileges on new
//! objects, for the owner of the schema's objects; without it (and without a
//! declared default privilege covering it) the plan says that new objects
//! get nothing until the next apply.

use std::borrow::Cow;
use std::collections::BTreeSet;

use common::Note;

use crate::live::{LiveDb, RelKind};
use crate::model::{Database, DefaultPriv, Grant};
use crate::privs::{DefaultKind, ObjectKind};

/// The default-privilege kind a `*` grant's objects are created as.
fn kind_of(k: ObjectKind) -> Option<DefaultKind> {
    Some(match k {
        ObjectKind::Table => DefaultKind::Tables,
        ObjectKind::Sequence => DefaultKind::Sequences,
        ObjectKind::Function => DefaultKind::Functions,
        ObjectKind::Schema => DefaultKind::Schemas,
        _ => return None,
    })
}

/// The roles that create the objects of a `*` grant: the declared tables
/// owner, else the owners of the live objects, else the schema's owner.
fn owners(g: &Grant, desired: &Database, ldb: &LiveDb) -> BTreeSet<String> {
    let schema = g.schema.clone().unwrap_or_default();
    if matches!(g.kind, ObjectKind::Table | ObjectKind::Sequence) {
        if let Some(o) = desired.tables_owners.get(&schema) {
            return [o.clone()].into();
        }
    }
    let mut out: BTreeSet<String> = match g.kind {
        ObjectKind::Schema => ldb.schemas.values().cloned().collect(),
        ObjectKind::Function => ldb
            .functions
            .get(&schema)
            .into_iter()
            .flat_map(|f| f.values().map(|f| f.owner.clone()))
            .collect(),
        _ => {
            let seq = g.kind == ObjectKind::Sequence;
            ldb.relations
                .get(schema.as_str())
                .into_iter()
                .flat_map(|r| r.values())
                .filter(|r| (r.kind == RelKind::Sequence) == seq)
                .map(|r| r.owner.clone())
                .collect()
        }
    };
    if out.is_empty() {
        let fallback = match g.kind {
            ObjectKind::Schema => Some(ldb.owner.clone()),
            _ => desired
                .schema_owners
                .get(&schema)
                .or_else(|| ldb.schemas.get(&schema))
                .cloned(),
        };
        out.extend(fallback.filter(|o| !o.is_empty()));
    }
    out
}

/// `desired` with the default privileges `future: true` grants declare;
/// notes for `*` grants that leave later objects out.
pub(super) fn expand<'a>(
    dbname: &str,
    desired: &'a Database,
    ldb: &LiveDb,
    notes: &mut Vec<Note>,
) -> Cow<'a, Database> {
    let mut extra = Vec::new();
    for g in &desired.grants {
        if g.revoke || !g.objects.iter().any(|o| o == "*") {
            continue;
        }
        let Some(kind) = kind_of(g.kind) else {
            continue;
        };
        let schema = (kind != DefaultKind::Schemas).then(|| g.schema.clone().unwrap_or_default());
        if !g.future {
            let covered = g.to.iter().all(|t| {
                desired.default_privileges.iter().any(|d| {
                    d.kind == kind && d.to.contains(t) && (d.schema.is_none() || d.schema == schema)
                })
            });
            if !covered {
                notes.push(Note {
                    address: format!(
                        "privileges.{dbname}.{}.{}*",
                        g.kind.name(),
                        schema.as_deref().map(|s| format!("{s}.")).unwrap_or_default()
                    ),
                    message: format!(
                        "`*` covers the {k}s that exist at apply time; set `future: true` to also grant on the ones created later (a grant-rs file's `ALL` has no such key: as with grant-rs, run apply again after creating {k}s)",
                        k = g.kind.name()
                    ),
                });
            }
            continue;
        }
        for owner in owners(g, desired, ldb) {
            let to: Vec<String> = g.to.iter().filter(|t| **t != owner).cloned().collect();
            if to.is_empty() {
                continue;
            }
            extra.push(DefaultPriv {
                for_role: owner,
                schema: schema.clone(),
                kind,
                to,
                privileges: g.privileges.clone(),
                all: g.all,
                grant_option: g.grant_option,
            });
        }
    }
    if extra.is_empty() {
        return Cow::Borrowed(desired);
    }
    let mut d = desired.clone();
    d.default_privileges.extend(extra);
    Cow::Owned(d)
}
