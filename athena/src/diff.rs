//! The pure difference between the desired and live catalogs, with Athena's
//! schema-update safety rules deciding which column changes are destructive.

use std::collections::{BTreeMap, BTreeSet};

use common::plan::{Action, Change, FieldChange, Note, Planned};
use common::run::Diff;

use crate::live::Live;
use crate::model::{self, ColumnSpec, DatabaseSpec, Desired, Kind, PartitionSpec, TableSpec};
use crate::sql::{self, literal, quote_ddl_ident, quote_ident};
use crate::types::HiveType;

/// Glue's BatchCreatePartition / BatchDeletePartition limit.
pub const PARTITION_BATCH: usize = 100;

/// One executable step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Glue CreateDatabase.
    CreateDatabase(DatabaseSpec),
    /// Glue UpdateDatabase (description, location, parameters).
    UpdateDatabase(DatabaseSpec),
    /// Glue CreateTable.
    CreateTable {
        /// Database.
        db: String,
        /// The table.
        spec: TableSpec,
    },
    /// Glue GetTable + UpdateTable (read-modify-write, VersionId passed).
    UpdateTable {
        /// Database.
        db: String,
        /// The managed fields to write.
        spec: TableSpec,
    },
    /// Glue DeleteTable.
    DeleteTable {
        /// Database.
        db: String,
        /// Table or view.
        name: String,
    },
    /// Glue BatchCreatePartition, in chunks of [`PARTITION_BATCH`].
    CreatePartitions {
        /// Database.
        db: String,
        /// The table (its storage is copied into each partition).
        spec: TableSpec,
        /// Partitions to add.
        partitions: Vec<PartitionSpec>,
    },
    /// Glue BatchDeletePartition, in chunks of [`PARTITION_BATCH`].
    DeletePartitions {
        /// Database.
        db: String,
        /// Table.
        table: String,
        /// Partition values to remove.
        values: Vec<Vec<String>>,
    },
    /// An Athena statement (StartQueryExecution, polled to completion).
    Athena {
        /// Database set in QueryExecutionContext.
        db: String,
        /// The statement.
        sql: String,
    },
}

/// How a table's data files map to its columns, for Athena's safety rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// CSV / TSV / delimited text: by position.
    Csv,
    /// JSON: by name.
    Json,
    /// Avro: by name.
    Avro,
    /// Parquet read by name (Athena's default).
    ParquetByName,
    /// Parquet with `parquet.column.index.access=true`.
    ParquetByIndex,
    /// ORC by index (Athena's default).
    OrcByIndex,
    /// ORC with `orc.column.index.access=false`.
    OrcByName,
    /// Iceberg: columns tracked by id, every change is safe.
    Iceberg,
    /// Unknown SerDe: treated like CSV (by position).
    Unknown,
}

impl Access {
    /// The access mode of a table.
    pub fn of(t: &TableSpec) -> Access {
        if t.kind == Kind::Iceberg {
            return Access::Iceberg;
        }
        let lib = t.serde_library.as_deref().unwrap_or("");
        let flag = |k: &str| {
            t.serde_parameters
                .get(k)
                .map(|v| v.eq_ignore_ascii_case("true"))
        };
        if lib == model::PARQUET_SERDE {
            if flag("parquet.column.index.access") == Some(true) {
                Access::ParquetByIndex
            } else {
                Access::ParquetByName
            }
        } else if lib == model::ORC_SERDE {
            if flag("orc.column.index.access") == Some(false) {
                Access::OrcByName
            } else {
                Access::OrcByIndex
            }
        } else if lib == model::JSON_SERDE || lib == model::HIVE_JSON_SERDE {
            Access::Json
        } else if lib == model::AVRO_SERDE {
            Access::Avro
        } else if lib == model::LAZY_SERDE
            || lib == model::OPENCSV_SERDE
            || lib.ends_with("RegexSerDe")
        {
            Access::Csv
        } else {
            Access::Unknown
        }
    }

    fn name(self) -> &'static str {
        match self {
            Access::Csv => "CSV/TSV",
            Access::Json => "JSON",
            Access::Avro => "Avro",
            Access::ParquetByName => "Parquet (read by name)",
            Access::ParquetByIndex => "Parquet (read by index)",
            Access::OrcByIndex => "ORC (read by index)",
            Access::OrcByName => "ORC (read by name)",
            Access::Iceberg => "Iceberg",
            Access::Unknown => "an unknown SerDe (assumed positional)",
        }
    }

    fn positional(self) -> bool {
        matches!(
            self,
            Access::Csv | Access::ParquetByIndex | Access::OrcByIndex | Access::Unknown
        )
    }
}

/// Why a column change would break reading existing data in `access` mode;
/// empty when every change is safe. Follows Athena's "Handling schema
/// updates" table.
pub fn unsafe_column_changes(
    old: &[ColumnSpec],
    new: &[ColumnSpec],
    access: Access,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let fmt = access.name();
    let old_names: Vec<&str> = old.iter().map(|c| c.name.as_str()).collect();
    let new_names: Vec<&str> = new.iter().map(|c| c.name.as_str()).collect();
    // Renames: same position, both names absent on the other side, same type.
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for (o, n) in old.iter().zip(new) {
        if o.name != n.name
            && !new_names.contains(&o.name.as_str())
            && !old_names.contains(&n.name.as_str())
            && o.type_ == n.type_
        {
            renamed.insert(&o.name, &n.name);
        }
    }
    for (o, n) in &renamed {
        if !access.positional() && access != Access::Iceberg {
            reasons.push(format!("renaming column `{o}` to `{n}` breaks reading {fmt} data: columns are matched by name"));
        }
    }
    let mapped: Vec<&str> = old_names
        .iter()
        .map(|n| renamed.get(n).copied().unwrap_or(n))
        .collect();
    let removed: Vec<&str> = mapped
        .iter()
        .filter(|n| !new_names.contains(n))
        .copied()
        .collect();
    let added: Vec<&str> = new_names
        .iter()
        .filter(|n| !mapped.contains(n))
        .copied()
        .collect();
    let kept_new: Vec<&str> = new_names
        .iter()
        .filter(|n| mapped.contains(n))
        .copied()
        .collect();
    let kept_old: Vec<&str> = mapped
        .iter()
        .filter(|n| new_names.contains(n))
        .copied()
        .collect();
    if access.positional() {
        for r in &removed {
            reasons.push(format!(
                "removing column `{r}` breaks reading {fmt} data: columns are matched by position"
            ));
        }
        let first_added = new_names.iter().position(|n| added.contains(n));
        let last_kept = new_names.iter().rposition(|n| kept_new.contains(n));
        if let (Some(a), Some(k)) = (first_added, last_kept) {
            if a < k {
                reasons.push(format!(
                    "adding column `{}` before existing columns breaks reading {fmt} data: add new columns at the end",
                    new_names[a]
                ));
            }
        }
        if kept_new != kept_old {
            reasons.push(format!(
                "reordering columns breaks reading {fmt} data: columns are matched by position"
            ));
        }
    }
    for n in new {
        let old_name = renamed
            .iter()
            .find(|(_, v)| **v == n.name)
            .map(|(k, _)| *k)
            .unwrap_or(&n.name);
        let Some(o) = old.iter().find(|o| o.name == old_name) else {
            continue;
        };
        if o.type_ == n.type_ {
            continue;
        }
        match (HiveType::parse(&o.type_), HiveType::parse(&n.type_)) {
            (Ok(a), Ok(b)) if a.is_nested() || b.is_nested() => {
                if access != Access::Iceberg {
                    reasons.push(format!(
                        "changing the nested type of `{}` from `{}` to `{}`: Athena schema updates do not support nested types",
                        n.name, o.type_, n.type_
                    ));
                }
            }
            (Ok(a), Ok(b)) if a.widens_to(&b) => {}
            _ => reasons.push(format!(
                "changing the type of `{}` from `{}` to `{}` is not a widening: existing data may no longer be readable",
                n.name, o.type_, n.type_
            )),
        }
    }
    reasons
}

fn cols_text(cols: &[ColumnSpec]) -> String {
    cols.iter()
        .map(|c| format!("{} {}", c.name, c.type_))
        .collect::<Vec<_>>()
        .join(", ")
}

fn same_location(a: &Option<String>, b: &Option<String>) -> bool {
    a.as_deref().map(|s| s.trim_end_matches('/')) == b.as_deref().map(|s| s.trim_end_matches('/'))
}

fn opt_field(name: &str, before: &Option<String>, after: &Option<String>) -> Option<FieldChange> {
    (before != after).then(|| FieldChange::new(name, before.clone(), after.clone()))
}

fn map_fields(
    prefix: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            FieldChange::new(
                format!("{prefix}.{k}"),
                before.get(k).cloned(),
                after.get(k).cloned(),
            )
        })
        .collect()
}

fn column_fields(prefix: &str, before: &[ColumnSpec], after: &[ColumnSpec]) -> Vec<FieldChange> {
    if before == after {
        return Vec::new();
    }
    let show = |c: &ColumnSpec| match &c.comment {
        Some(m) => format!("{} (comment {m:?})", c.type_),
        None => c.type_.clone(),
    };
    let mut out = Vec::new();
    let order_before: Vec<&str> = before.iter().map(|c| c.name.as_str()).collect();
    let order_after: Vec<&str> = after.iter().map(|c| c.name.as_str()).collect();
    for c in before {
        let a = after.iter().find(|x| x.name == c.name);
        if a != Some(c) {
            out.push(FieldChange::new(
                format!("{prefix}.{}", c.name),
                Some(show(c)),
                a.map(show),
            ));
        }
    }
    for c in after {
        if !before.iter().any(|x| x.name == c.name) {
            out.push(FieldChange::new(
                format!("{prefix}.{}", c.name),
                None::<String>,
                Some(show(c)),
            ));
        }
    }
    let common_before: Vec<&str> = order_before
        .iter()
        .filter(|n| order_after.contains(n))
        .copied()
        .collect();
    let common_after: Vec<&str> = order_after
        .iter()
        .filter(|n| order_before.contains(n))
        .copied()
        .collect();
    if common_before != common_after || out.is_empty() {
        out.push(FieldChange::new(
            format!("{prefix}.order"),
            Some(order_before.join(", ")),
            Some(order_after.join(", ")),
        ));
    }
    out
}

fn partition_name(keys: &[ColumnSpec], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{}={v}", k.name))
        .collect::<Vec<_>>()
        .join("/")
}

const SHOWN_PARTITIONS: usize = 20;

/// Partition additions and removals as fields and ops.
fn partition_changes(
    db: &str,
    desired: &TableSpec,
    live: Option<&[PartitionSpec]>,
    fields: &mut Vec<FieldChange>,
    statements: &mut Vec<String>,
    ops: &mut Vec<Op>,
) {
    let Some(want) = &desired.partitions else {
        return;
    };
    let have: &[PartitionSpec] = live.unwrap_or(&[]);
    let have_map: BTreeMap<&Vec<String>, &Option<String>> =
        have.iter().map(|p| (&p.values, &p.location)).collect();
    let want_map: BTreeMap<&Vec<String>, &Option<String>> =
        want.iter().map(|p| (&p.values, &p.location)).collect();
    let mut add: Vec<PartitionSpec> = Vec::new();
    let mut remove: Vec<Vec<String>> = Vec::new();
    for p in want {
        match have_map.get(&p.values) {
            None => add.push(p.clone()),
            Some(loc) if !same_location(loc, &p.location) => {
                remove.push(p.values.clone());
                add.push(p.clone());
            }
            Some(_) => {}
        }
    }
    for p in have {
        if !want_map.contains_key(&p.values) {
            remove.push(p.values.clone());
        }
    }
    if add.is_empty() && remove.is_empty() {
        return;
    }
    let keys = &desired.partition_keys;
    let mut shown = 0;
    for v in &remove {
        if shown < SHOWN_PARTITIONS {
            let before = have_map
                .get(v)
                .and_then(|l| (*l).clone())
                .unwrap_or_default();
            let after = want_map.get(v).and_then(|l| (*l).clone());
            fields.push(FieldChange::new(
                format!("partition[{}]", partition_name(keys, v)),
                Some(before),
                after,
            ));
            shown += 1;
        }
    }
    for p in &add {
        if shown < SHOWN_PARTITIONS && !remove.contains(&p.values) {
            fields.push(FieldChange::new(
                format!("partition[{}]", partition_name(keys, &p.values)),
                None::<String>,
                Some(p.location.clone().unwrap_or_default()),
            ));
            shown += 1;
        }
    }
    if add.len() + remove.len() > shown {
        fields.push(FieldChange::new(
            "partitions",
            Some(format!("{} registered", have.len())),
            Some(format!(
                "{} registered (+{} -{})",
                want.len(),
                add.len(),
                remove.len()
            )),
        ));
    }
    if !remove.is_empty() {
        statements.push(format!(
            "glue:BatchDeletePartition {db}.{} ({} partitions, {} request(s))",
            desired.name,
            remove.len(),
            remove.len().div_ceil(PARTITION_BATCH)
        ));
        ops.push(Op::DeletePartitions {
            db: db.to_string(),
            table: desired.name.clone(),
            values: remove,
        });
    }
    if !add.is_empty() {
        statements.push(format!(
            "glue:BatchCreatePartition {db}.{} ({} partitions, {} request(s))",
            desired.name,
            add.len(),
            add.len().div_ceil(PARTITION_BATCH)
        ));
        ops.push(Op::CreatePartitions {
            db: db.to_string(),
            spec: desired.clone(),
            partitions: add,
        });
    }
}

/// `CREATE OR REPLACE VIEW "v" AS <sql>`.
pub fn view_statement(name: &str, view_sql: &str) -> String {
    format!(
        "CREATE OR REPLACE VIEW {} AS\n{}",
        quote_ident(name),
        view_sql
    )
}

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
    if let Some(l) = &t.location {
        s.push_str(&format!("\nLOCATION {}", literal(l)));
    }
    s.push_str(&format!("\nTBLPROPERTIES ({})", props(&t.parameters)));
    s
}

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

fn create_table(db: &str, t: &TableSpec) -> Planned<Op> {
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

/// The plan address of a table or view.
pub fn address(db: &str, t: &TableSpec) -> String {
    let kind = if t.kind == Kind::View {
        "view"
    } else {
        "table"
    };
    format!("{kind}.{db}.{}", t.name)
}

fn delete_table(db: &str, t: &TableSpec, reason: &str) -> Planned<Op> {
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

fn external_update(db: &str, want: &TableSpec, have: &TableSpec) -> Option<Planned<Op>> {
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

fn iceberg_update(
    db: &str,
    want: &TableSpec,
    have: &TableSpec,
    notes: &mut Vec<Note>,
) -> Option<Planned<Op>> {
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
    let pf = map_fields("properties", &have.parameters, &want.parameters);
    let set: BTreeMap<String, String> = want
        .parameters
        .iter()
        .filter(|(k, v)| have.parameters.get(*k) != Some(*v) && *k != "table_type")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let unset: Vec<&String> = have
        .parameters
        .keys()
        .filter(|k| !want.parameters.contains_key(*k))
        .collect();
    if !set.is_empty() {
        stmts.push(format!(
            "ALTER TABLE {t} SET TBLPROPERTIES ({})",
            props(&set)
        ));
    }
    if !unset.is_empty() {
        stmts.push(format!(
            "ALTER TABLE {t} UNSET TBLPROPERTIES ({})",
            unset
                .iter()
                .map(|k| literal(k))
                .collect::<Vec<_>>()
                .join(", ")
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

fn view_update(
    db: &str,
    want: &TableSpec,
    have: &TableSpec,
    notes: &mut Vec<Note>,
) -> Option<Planned<Op>> {
    let (Some(w), Some(h)) = (&want.view, &have.view) else {
        return None;
    };
    let addr = address(db, want);
    if sql::normalize(&w.sql) != sql::normalize(&h.sql) {
        let s = view_statement(&want.name, &w.sql);
        let change = Change::new(addr, Action::Update)
            .field(FieldChange::new(
                "sql",
                Some(h.sql.clone()),
                Some(w.sql.clone()),
            ))
            .statement(s.clone());
        return Some(Planned::new(
            change,
            vec![Op::Athena {
                db: db.into(),
                sql: s,
            }],
        ));
    }
    if !w.columns.is_empty() && w.columns != h.columns {
        let show = |c: &[(String, String)]| {
            c.iter()
                .map(|(n, t)| format!("{n} {t}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        notes.push(Note {
            address: addr,
            message: format!(
                "the view's columns in the catalog ({}) differ from the declared ones ({}); Athena derives them from the SQL",
                show(&h.columns),
                show(&w.columns)
            ),
        });
    }
    None
}

fn database_changes(want: &DatabaseSpec, have: Option<&DatabaseSpec>) -> Option<Planned<Op>> {
    let addr = format!("database.{}", want.name);
    match have {
        None => {
            let mut c = Change::new(addr, Action::Create)
                .statement(format!("glue:CreateDatabase {}", want.name));
            c.fields
                .extend(opt_field("description", &None, &want.description));
            c.fields
                .extend(opt_field("location", &None, &want.location));
            c.fields
                .extend(map_fields("parameters", &BTreeMap::new(), &want.parameters));
            Some(Planned::new(c, vec![Op::CreateDatabase(want.clone())]))
        }
        Some(h) => {
            let mut fields = Vec::new();
            fields.extend(opt_field("description", &h.description, &want.description));
            if !same_location(&h.location, &want.location) {
                fields.push(FieldChange::new(
                    "location",
                    h.location.clone(),
                    want.location.clone(),
                ));
            }
            fields.extend(map_fields("parameters", &h.parameters, &want.parameters));
            if fields.is_empty() {
                return None;
            }
            let mut c = Change::new(addr, Action::Update)
                .statement(format!("glue:UpdateDatabase {}", want.name));
            c.fields = fields;
            Some(Planned::new(c, vec![Op::UpdateDatabase(want.clone())]))
        }
    }
}

/// The changes that bring the live catalog to the desired one, in order:
/// databases, then tables, then views.
pub fn diff(desired: &Desired, live: &Live) -> Diff<Op> {
    let mut dbs = Vec::new();
    let mut tables = Vec::new();
    let mut views = Vec::new();
    let mut notes = Vec::new();
    for (name, want) in &desired.databases {
        let have = live.databases.get(name);
        dbs.extend(database_changes(want, have));
        for t in want.tables.values() {
            let live_t = have.and_then(|h| h.tables.get(&t.name));
            let target = if t.kind == Kind::View {
                &mut views
            } else {
                &mut tables
            };
            match live_t {
                None => target.push(create_table(name, t)),
                Some(h) if h.kind != t.kind => {
                    let mut del = delete_table(name, h, "");
                    let create = create_table(name, t);
                    let mut change = Change::new(address(name, t), Action::Replace).destructive(format!(
                        "`{}` is a {} in the catalog and a {} in the configuration: it is dropped and re-created",
                        t.name,
                        h.kind.name(),
                        t.kind.name()
                    ));
                    change.statements = del
                        .change
                        .statements
                        .drain(..)
                        .chain(create.change.statements)
                        .collect();
                    change.fields = create.change.fields;
                    let ops = del.ops.into_iter().chain(create.ops).collect();
                    target.push(Planned::new(change, ops));
                }
                Some(h) => {
                    let p = match t.kind {
                        Kind::External => external_update(name, t, h),
                        Kind::Iceberg => iceberg_update(name, t, h, &mut notes),
                        Kind::View => view_update(name, t, h, &mut notes),
                    };
                    target.extend(p);
                }
            }
        }
        if let Some(h) = have {
            for t in h.tables.values() {
                if want.tables.contains_key(&t.name) {
                    continue;
                }
                if want.delete_unmanaged {
                    tables.push(delete_table(
                        name,
                        t,
                        &format!("{} `{name}.{}` is not in the configuration and `delete_unmanaged` is set", t.kind.name(), t.name),
                    ));
                } else {
                    notes.push(Note {
                        address: address(name, t),
                        message: format!(
                            "unmanaged {}: it exists in Glue but not in the configuration; left alone (set `delete_unmanaged: true` on the database to delete it)",
                            t.kind.name()
                        ),
                    });
                }
            }
        }
    }
    let mut changes = dbs;
    changes.extend(tables);
    changes.extend(views);
    Diff { changes, notes }
}

#[cfg(test)]
mod tests;
