//! Phase: schema and table ownership.

use common::{Change, FieldChange, Note};

use super::ops::{Builder, Op, Phase};
use crate::live::{LiveDb, ObjRef, Relation};
use crate::model::Database;
use crate::sql::{qualified, quote_ident};

/// The owner an object will have after the ownership changes of the plan.
pub(super) fn effective_owner<'a>(
    desired: &'a Database,
    live: &'a LiveDb,
    o: &ObjRef,
) -> Option<&'a str> {
    match o {
        ObjRef::Schema { name } => desired
            .schema_owners
            .get(name.as_str())
            .map(String::as_str)
            .or_else(|| live.owner_of(o)),
        ObjRef::Table { schema, name }
        | ObjRef::Sequence { schema, name }
        | ObjRef::Column {
            schema,
            table: name,
            ..
        } => relation_owner(
            desired,
            schema,
            live.relations.get(schema).and_then(|t| t.get(name)),
        ),
        _ => live.owner_of(o),
    }
}

/// [`effective_owner`] of a relation (or of one of its columns) in `schema`,
/// `rel` being the live relation, already looked up (`None`: absent).
pub(super) fn relation_owner<'a>(
    desired: &'a Database,
    schema: &str,
    rel: Option<&'a Relation>,
) -> Option<&'a str> {
    match desired.tables_owners.get(schema) {
        Some(o) if !rel.is_some_and(|r| r.linked) => Some(o.as_str()),
        _ => rel.map(|r| r.owner.as_str()),
    }
}

pub(super) fn ownership(b: &mut Builder, dbname: &str, desired: &Database, live: &LiveDb) {
    for (schema, owner) in &desired.schema_owners {
        let current = live.schemas.get(schema);
        if current.map(String::as_str) != Some(owner.as_str()) {
            let address = format!("owner.{dbname}.schema.{schema}");
            if current.is_none() {
                b.notes.push(Note {
                    address: address.clone(),
                    message: format!("schema `{schema}` does not exist in database `{dbname}`"),
                });
            }
            let sql = format!(
                "ALTER SCHEMA {} OWNER TO {}",
                quote_ident(schema),
                quote_ident(owner)
            );
            let c = Change::new(address, common::Action::Update)
                .field(FieldChange::new(
                    "owner",
                    current.cloned(),
                    Some(owner.clone()),
                ))
                .statement(&sql);
            b.push(Phase::Owner, c, vec![Op::new(dbname, sql)]);
        }
    }
    for (schema, owner) in &desired.tables_owners {
        let Some(rels) = live.relations.get(schema.as_str()) else {
            b.notes.push(Note {
                address: format!("owner.{dbname}.schema.{schema}"),
                message: format!("schema `{schema}` has no tables in database `{dbname}`"),
            });
            continue;
        };
        for (name, rel) in rels {
            if rel.linked || rel.owner == *owner {
                continue;
            }
            let kw = rel.kind.alter_keyword();
            let sql = format!(
                "ALTER {kw} {} OWNER TO {}",
                qualified(schema, name),
                quote_ident(owner)
            );
            let c = Change::new(
                format!(
                    "owner.{dbname}.{}.{schema}.{name}",
                    kw.to_ascii_lowercase().replace(' ', "_")
                ),
                common::Action::Update,
            )
            .field(FieldChange::new(
                "owner",
                Some(rel.owner.clone()),
                Some(owner.clone()),
            ))
            .statement(&sql);
            b.push(Phase::Owner, c, vec![Op::new(dbname, sql)]);
        }
    }
}
