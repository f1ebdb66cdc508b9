//! Phase: external (Hive) tables through Glue, and table creation and
//! deletion of every kind.

use common::plan::{Action, Change, FieldChange, Planned};

use super::fields::{address, cols_text, column_fields, map_fields, opt_field, same_location};
use super::iceberg::iceberg_create;
use super::op::Op;
use super::partitions::partition_changes;
use super::safety::{unsafe_column_changes, Access};
use super::view::view_statement;
use crate::model::{Kind, TableSpec};

fn glue_create_text(db: &str, t: &TableSpec) -> String {
    format!(
        "glue:CreateTable {db}.{} (EXTERNAL_TABLE, {} columns, {} partition keys, SerDe {}, location {})",
        t.name,
        t.columns.len(),
        t.partition_keys.len(),
        t.serde_library.as_deref().unwrap_or("-"),
        t.location.as_deref().unwrap_or("-")
    )
}

pub(super) fn create_table(db: &str, t: &TableSpec) -> Planned<Op> {
    let mut change = Change::new(address(db, t), Action::Create);
    let mut ops = Vec::new();
    match t.kind {
        Kind::External => {
            change.fields.push(FieldChange::new(
                "columns",
                None::<String>,
                Some(cols_text(&t.columns)),
            ));
            if !t.partition_keys.is_empty() {
                change.fields.push(FieldChange::new(
                    "partition_keys",
                    None::<String>,
                    Some(cols_text(&t.partition_keys)),
                ));
            }
            change.fields.push(FieldChange::new(
                "location",
                None::<String>,
                t.location.clone(),
            ));
            change.statements.push(glue_create_text(db, t));
            ops.push(Op::CreateTable {
                db: db.into(),
                spec: t.clone(),
            });
            let mut fields = Vec::new();
            partition_changes(db, t, None, &mut fields, &mut change.statements, &mut ops);
            change.fields.extend(fields);
        }
        Kind::Iceberg => {
            let s = iceberg_create(t);
            change.statements.push(s.clone());
            ops.push(Op::Athena {
                db: db.into(),
                sql: s,
            });
        }
        Kind::View => {
            let v = t.view.as_ref().map(|v| v.sql.as_str()).unwrap_or("");
            let s = view_statement(&t.name, v);
            change.statements.push(s.clone());
            ops.push(Op::Athena {
                db: db.into(),
                sql: s,
            });
        }
    }
    Planned::new(change, ops)
}

pub(super) fn delete_table(db: &str, t: &TableSpec, reason: &str) -> Planned<Op> {
    let change = Change::new(address(db, t), Action::Delete)
        .statement(format!("glue:DeleteTable {db}.{}", t.name))
        .destructive(reason.to_string());
    Planned::new(
        change,
        vec![Op::DeleteTable {
            db: db.into(),
            name: t.name.clone(),
        }],
    )
}

pub(super) fn external_update(db: &str, want: &TableSpec, have: &TableSpec) -> Option<Planned<Op>> {
    let addr = address(db, want);
    if want.partition_keys != have.partition_keys {
        let mut change = Change::new(addr, Action::Replace)
            .field(FieldChange::new("partition_keys", Some(cols_text(&have.partition_keys)), Some(cols_text(&want.partition_keys))))
            .statement(format!("glue:DeleteTable {db}.{}", want.name))
            .statement(glue_create_text(db, want))
            .destructive(
                "changing partition keys drops and re-creates the table: its registered partitions are lost (data in S3 is kept)",
            );
        let mut ops = vec![
            Op::DeleteTable {
                db: db.into(),
                name: want.name.clone(),
            },
            Op::CreateTable {
                db: db.into(),
                spec: want.clone(),
            },
        ];
        let mut fields = Vec::new();
        partition_changes(
            db,
            want,
            None,
            &mut fields,
            &mut change.statements,
            &mut ops,
        );
        change.fields.extend(fields);
        return Some(Planned::new(change, ops));
    }
    let mut fields = Vec::new();
    fields.extend(opt_field("comment", &have.description, &want.description));
    if !same_location(&have.location, &want.location) {
        fields.push(FieldChange::new(
            "location",
            have.location.clone(),
            want.location.clone(),
        ));
    }
    fields.extend(opt_field(
        "input_format",
        &have.input_format,
        &want.input_format,
    ));
    fields.extend(opt_field(
        "output_format",
        &have.output_format,
        &want.output_format,
    ));
    fields.extend(opt_field("serde", &have.serde_library, &want.serde_library));
    fields.extend(map_fields(
        "serde_parameters",
        &have.serde_parameters,
        &want.serde_parameters,
    ));
    fields.extend(map_fields("properties", &have.parameters, &want.parameters));
    fields.extend(column_fields("columns", &have.columns, &want.columns));
    let mut reasons = unsafe_column_changes(&have.columns, &want.columns, Access::of(have));
    if Access::of(have) != Access::of(want) && have.columns != want.columns {
        reasons.extend(unsafe_column_changes(
            &have.columns,
            &want.columns,
            Access::of(want),
        ));
        reasons.dedup();
    }
    let mut statements = Vec::new();
    let mut ops = Vec::new();
    if !fields.is_empty() {
        statements.push(format!(
            "glue:GetTable {db}.{0} + glue:UpdateTable {db}.{0} (full TableInput as read, managed fields replaced, VersionId as read)",
            want.name
        ));
        ops.push(Op::UpdateTable {
            db: db.into(),
            spec: want.clone(),
        });
    }
    partition_changes(
        db,
        want,
        have.partitions.as_deref(),
        &mut fields,
        &mut statements,
        &mut ops,
    );
    if ops.is_empty() {
        return None;
    }
    let mut change = Change::new(addr, Action::Update);
    change.fields = fields;
    change.statements = statements;
    if !reasons.is_empty() {
        change = change.destructive(reasons.join("; "));
    }
    Some(Planned::new(change, ops))
}
