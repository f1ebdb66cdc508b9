//! Phase: Iceberg tables (Athena DDL: CREATE TABLE, ALTER TABLE columns and
//! properties).

use std::collections::BTreeMap;

use common::plan::{Action, Change, Note, Planned};

use super::fields::{address, column_fields, map_fields, same_location};
use super::op::Op;
use crate::live::Live;
use crate::model::{
    same_property_value, ColumnSpec, Desired, Kind, PartitionField, TableSpec, Transform,
};
use crate::sql::{literal, quote_ddl_ident};
use crate::types::HiveType;

fn ddl_columns(cols: &[ColumnSpec]) -> String {
    cols.iter()
        .map(|c| {
            let mut s = format!("{} {}", quote_ddl_ident(&c.name), c.type_);
            if let Some(m) = &c.comment {
                s.push_str(&format!(" COMMENT {}", literal(m)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn props(p: &BTreeMap<String, String>) -> String {
    p.iter()
        .map(|(k, v)| format!("{}={}", literal(k), literal(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A partition field in Athena's `PARTITIONED BY`, the column quoted.
fn ddl_partition_field(p: &PartitionField) -> String {
    let c = quote_ddl_ident(&p.column);
    match p.transform {
        Transform::Identity => c,
        Transform::Bucket(n) => format!("bucket({n}, {c})"),
        Transform::Truncate(n) => format!("truncate({n}, {c})"),
        Transform::Year => format!("year({c})"),
        Transform::Month => format!("month({c})"),
        Transform::Day => format!("day({c})"),
        Transform::Hour => format!("hour({c})"),
    }
}

/// `CREATE TABLE` for an Iceberg table.
pub fn iceberg_create(t: &TableSpec) -> String {
    let mut s = format!(
        "CREATE TABLE {} ({})",
        quote_ddl_ident(&t.name),
        ddl_columns(&t.columns)
    );
    if let Some(c) = &t.description {
        s.push_str(&format!("\nCOMMENT {}", literal(c)));
    }
    if !t.partitioning.is_empty() {
        let fields: Vec<String> = t.partitioning.iter().map(ddl_partition_field).collect();
        s.push_str(&format!("\nPARTITIONED BY ({})", fields.join(", ")));
    }
    if let Some(l) = &t.location {
        s.push_str(&format!("\nLOCATION {}", literal(l)));
    }
    s.push_str(&format!("\nTBLPROPERTIES ({})", props(&t.parameters)));
    s
}

fn show_partitioning(p: &[PartitionField]) -> String {
    if p.is_empty() {
        "unpartitioned".to_string()
    } else {
        p.iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What dropping a live Iceberg table loses, as read from its metadata.
fn contents_text(have: &TableSpec) -> String {
    let Some(c) = &have.iceberg_contents else {
        return "all its rows and snapshots".into();
    };
    let rows = match (c.records, c.data_files) {
        (Some(r), Some(f)) => format!("its {r} row(s) in {f} data file(s)"),
        (Some(r), None) => format!("its {r} row(s)"),
        (None, Some(f)) => format!("its {f} data file(s)"),
        (None, None) => "all its rows".into(),
    };
    format!("{rows} and its {} snapshot(s) (time travel)", c.snapshots)
}

/// A changed partition spec on an existing Iceberg table. Athena DDL has
/// no partition evolution (its Iceberg ALTER TABLE covers columns and
/// properties only), so the only way there is DROP TABLE + CREATE TABLE,
/// and Athena's DROP TABLE deletes an Iceberg table's data: a destructive
/// replace that names what is lost.
fn partition_spec_replace(db: &str, want: &TableSpec, have: &TableSpec) -> Planned<Op> {
    let drop = format!("DROP TABLE {}", quote_ddl_ident(&want.name));
    let create = iceberg_create(want);
    let change = Change::new(address(db, want), Action::Replace)
        .field(common::plan::FieldChange::new(
            "partitioned_by",
            Some(show_partitioning(&have.partitioning)),
            Some(show_partitioning(&want.partitioning)),
        ))
        .statement(drop.clone())
        .statement(create.clone())
        .destructive(format!(
            "Athena DDL cannot change the partition spec of an existing Iceberg table, so this empty table is dropped and re-created: {} are lost. (A table holding data is never replaced: the plan refuses it)",
            contents_text(have)
        ));
    let ops = [drop, create]
        .into_iter()
        .map(|sql| Op::Athena { db: db.into(), sql })
        .collect();
    Planned::new(change, ops)
}

/// True when the live table is known to hold no rows and no data files
/// (read from its metadata): replacing it loses only its snapshot history.
fn known_empty(have: &TableSpec) -> bool {
    have.iceberg_contents
        .as_ref()
        .is_some_and(|c| c.records == Some(0) && c.data_files == Some(0))
}

/// The declared Iceberg tables whose partition spec differs from a live
/// table that holds data (or whose contents are unknown): the only way
/// Athena DDL changes a spec is DROP TABLE + CREATE TABLE, and Athena's DROP
/// TABLE deletes an Iceberg table's data. Such a change is refused before
/// planning, like Terraform's `prevent_destroy`: even with
/// `--allow-destructive`, which pipelines pass for routine catalog changes
/// that keep the data, the tool never deletes table data. One message per
/// table.
pub fn spec_changes_losing_data(desired: &Desired, live: &Live) -> Vec<String> {
    let mut out = Vec::new();
    for (db, d) in &desired.databases {
        let Some(ld) = live.databases.get(db) else {
            continue;
        };
        for (name, want) in &d.tables {
            let Some(have) = ld.tables.get(name) else {
                continue;
            };
            if want.kind != Kind::Iceberg
                || have.kind != Kind::Iceberg
                || have.iceberg_contents.is_none()
                || have.partitioning == want.partitioning
                || known_empty(have)
            {
                continue;
            }
            out.push(format!(
                "table `{db}.{name}`: the declared partition spec ({}) differs from the live one ({}). Athena DDL cannot change the partition spec of an Iceberg table, and dropping it to re-create it would delete {}; the tool never deletes table data. Evolve the spec with an Iceberg engine (Spark `ALTER TABLE … ADD/DROP PARTITION FIELD`, pyiceberg `update_spec`) and declare the spec it leaves, or drop the table yourself if its data may go",
                show_partitioning(&want.partitioning),
                show_partitioning(&have.partitioning),
                contents_text(have)
            ));
        }
    }
    out
}

pub(super) fn iceberg_update(
    db: &str,
    want: &TableSpec,
    have: &TableSpec,
    notes: &mut Vec<Note>,
) -> Option<Planned<Op>> {
    if have.partitioning != want.partitioning {
        if have.iceberg_contents.is_some() {
            // Empty (a table holding data is refused before the diff by
            // `spec_changes_losing_data`).
            return Some(partition_spec_replace(db, want, have));
        }
        notes.push(Note {
            address: address(db, want),
            message: "the Iceberg metadata was not read (no `metadata_location`): the partition spec is not compared".into(),
        });
    }
    let addr = address(db, want);
    let t = quote_ddl_ident(&want.name);
    let mut fields = column_fields("columns", &have.columns, &want.columns);
    let mut stmts = Vec::new();
    let mut destructive = Vec::new();
    let added: Vec<ColumnSpec> = want
        .columns
        .iter()
        .filter(|c| !have.columns.iter().any(|h| h.name == c.name))
        .cloned()
        .collect();
    for h in &have.columns {
        match want.columns.iter().find(|c| c.name == h.name) {
            None => {
                stmts.push(format!(
                    "ALTER TABLE {t} DROP COLUMN {}",
                    quote_ddl_ident(&h.name)
                ));
                destructive.push(format!(
                    "dropping column `{}` of an Iceberg table removes its data from queries",
                    h.name
                ));
            }
            Some(c) if c.type_ != h.type_ || c.comment != h.comment => {
                let mut s = format!(
                    "ALTER TABLE {t} CHANGE COLUMN {} {} {}",
                    quote_ddl_ident(&h.name),
                    quote_ddl_ident(&c.name),
                    c.type_
                );
                if let Some(m) = &c.comment {
                    s.push_str(&format!(" COMMENT {}", literal(m)));
                }
                let widening = matches!((HiveType::parse(&h.type_), HiveType::parse(&c.type_)), (Ok(a), Ok(b)) if a.widens_to(&b));
                if !widening {
                    destructive.push(format!(
                        "Iceberg allows only widening type changes; `{}` {} → {}",
                        c.name, h.type_, c.type_
                    ));
                }
                stmts.push(s);
            }
            Some(_) => {}
        }
    }
    if !added.is_empty() {
        stmts.push(format!(
            "ALTER TABLE {t} ADD COLUMNS ({})",
            ddl_columns(&added)
        ));
    }
    let kept_have: Vec<&str> = have
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| want.columns.iter().any(|c| c.name == *n))
        .collect();
    let kept_want: Vec<&str> = want
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| kept_have.contains(n))
        .collect();
    let new_at_end = want
        .columns
        .iter()
        .skip(kept_want.len())
        .all(|c| added.iter().any(|a| a.name == c.name));
    if kept_have != kept_want || !new_at_end {
        notes.push(Note {
            address: addr.clone(),
            message: "the Iceberg column order differs from the configuration; this tool adds columns at the end and does not reorder them".into(),
        });
    }
    // Compare declared properties only: Athena and Iceberg write defaults
    // into the metadata (`write_compression`, `format`, ...), so an
    // undeclared live property is reported, never unset.
    let have_props: BTreeMap<String, String> = have
        .parameters
        .iter()
        .filter(|(k, v)| match want.parameters.get(*k) {
            Some(w) => !same_property_value(k, w, v),
            None => true,
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let want_props: BTreeMap<String, String> = want
        .parameters
        .iter()
        .filter(|(k, w)| {
            !have
                .parameters
                .get(*k)
                .is_some_and(|v| same_property_value(k, w, v))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let undeclared: Vec<String> = have_props
        .iter()
        .filter(|(k, _)| !want.parameters.contains_key(*k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !undeclared.is_empty() {
        notes.push(Note {
            address: addr.clone(),
            message: format!(
                "Iceberg properties not in the configuration, left as they are: {}",
                undeclared.join(", ")
            ),
        });
    }
    let pf = map_fields(
        "properties",
        &have_props
            .into_iter()
            .filter(|(k, _)| want.parameters.contains_key(k))
            .collect(),
        &want_props,
    );
    let set: BTreeMap<String, String> = want_props
        .into_iter()
        .filter(|(k, _)| k != "table_type")
        .collect();
    if !set.is_empty() {
        stmts.push(format!(
            "ALTER TABLE {t} SET TBLPROPERTIES ({})",
            props(&set)
        ));
    }
    fields.extend(pf);
    if !same_location(&have.location, &want.location) {
        notes.push(Note {
            address: addr.clone(),
            message: format!(
                "location differs ({} → {}); Athena cannot move an Iceberg table, so it is not changed",
                have.location.as_deref().unwrap_or("-"),
                want.location.as_deref().unwrap_or("-")
            ),
        });
    }
    if have.description != want.description {
        notes.push(Note {
            address: addr.clone(),
            message: "the Iceberg table comment differs; it is not changed".into(),
        });
    }
    if stmts.is_empty() {
        return None;
    }
    let ops = stmts
        .iter()
        .map(|s| Op::Athena {
            db: db.into(),
            sql: s.clone(),
        })
        .collect();
    let mut change = Change::new(addr, Action::Update);
    change.fields = fields;
    change.statements = stmts;
    if !destructive.is_empty() {
        change = change.destructive(destructive.join("; "));
    }
    Some(Planned::new(change, ops))
}
