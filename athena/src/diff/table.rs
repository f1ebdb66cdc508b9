//! Phase: external (Hive) tables through Glue, and table creation and
//! deletion of every kind.

use common::plan::{Action, Change, FieldChange, Planned};

use super::fields::{address, cols_text, column_fields, map_fields, opt_field, same_location};
use super::iceberg::iceberg_create;
use super::op::{Op, PARTITION_BATCH};
use super::partitions::partition_changes;
use super::safety::{unsafe_column_changes, Access};
use super::view::view_statement;
use crate::model::{ColumnSpec, Kind, PartitionSpec, TableSpec};

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
        return Some(partition_key_change(db, want, have));
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
    let dropped = partition_changes(
        db,
        want,
        have.partitions.as_deref(),
        &mut fields,
        &mut statements,
        &mut ops,
    );
    if dropped > 0 {
        reasons.push(format!(
            "unregisters {dropped} live partition(s) not declared in `partitions:`: queries no longer see their data (the files in S3 are kept)"
        ));
    }
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

/// The live partitions of `have` under `want`'s partition keys, when the key
/// names are the same (in any order: a type, comment or order change);
/// `None` when a key is added, removed or renamed.
fn surviving_partitions(
    want: &TableSpec,
    have: &[PartitionSpec],
    old_keys: &[ColumnSpec],
) -> Option<Vec<PartitionSpec>> {
    let mut a: Vec<&str> = want
        .partition_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    let mut b: Vec<&str> = old_keys.iter().map(|k| k.name.as_str()).collect();
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return None;
    }
    let index: Vec<usize> = want
        .partition_keys
        .iter()
        .filter_map(|k| old_keys.iter().position(|o| o.name == k.name))
        .collect();
    Some(
        have.iter()
            .filter(|p| p.values.len() == old_keys.len())
            .map(|p| PartitionSpec {
                values: index.iter().map(|&i| p.values[i].clone()).collect(),
                location: p.location.clone(),
            })
            .collect(),
    )
}

/// A partition-key change: Glue cannot change the keys of a table, so it is
/// dropped and re-created; its registered partitions go with it. Declared
/// partitions are registered again; without declared partitions, the live
/// ones are re-registered when the key names survive. Always destructive,
/// with the number of partitions lost.
fn partition_key_change(db: &str, want: &TableSpec, have: &TableSpec) -> Planned<Op> {
    let mut change = Change::new(address(db, want), Action::Replace)
        .field(FieldChange::new(
            "partition_keys",
            Some(cols_text(&have.partition_keys)),
            Some(cols_text(&want.partition_keys)),
        ))
        .statement(format!("glue:DeleteTable {db}.{}", want.name))
        .statement(glue_create_text(db, want));
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
    let Some(live) = have.partitions.as_deref() else {
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
        return Planned::new(
            change.destructive(
                "changing partition keys drops and re-creates the table: its registered partitions are lost (data in S3 is kept)",
            ),
            ops,
        );
    };
    let survivors = surviving_partitions(want, live, &have.partition_keys);
    let reason = if let Some(declared) = &want.partitions {
        let kept = survivors
            .as_ref()
            .map(|s| {
                s.iter()
                    .filter(|p| declared.iter().any(|d| d.values == p.values))
                    .count()
            })
            .unwrap_or(0);
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
        format!(
            "changing partition keys drops and re-creates the table with its {} registered partition(s): the {} declared partition(s) are registered again; {} of the live ones are not among them and are lost (data in S3 is kept)",
            live.len(),
            declared.len(),
            live.len() - kept
        )
    } else {
        let again = survivors.unwrap_or_default();
        change.fields.push(FieldChange::new(
            "partitions",
            Some(format!("{} registered", live.len())),
            Some(format!("{} re-registered", again.len())),
        ));
        let lost = live.len() - again.len();
        let how = if again.is_empty() && !live.is_empty() {
            " (a partition key is added, removed or renamed, so their values do not fit the new keys)"
        } else {
            ""
        };
        if !again.is_empty() {
            change.statements.push(format!(
                "glue:BatchCreatePartition {db}.{} ({} live partitions re-registered, {} request(s))",
                want.name,
                again.len(),
                again.len().div_ceil(PARTITION_BATCH)
            ));
            ops.push(Op::CreatePartitions {
                db: db.into(),
                spec: want.clone(),
                partitions: again.clone(),
            });
        }
        format!(
            "changing partition keys drops and re-creates the table with its {} registered partition(s): {} re-registered under the new keys, {lost} lost{how} (data in S3 is kept)",
            live.len(),
            again.len()
        )
    };
    Planned::new(change.destructive(reason), ops)
}
