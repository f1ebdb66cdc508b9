//! Athena's schema-update safety rules: which column changes break reading
//! existing data files, by storage format and access mode.

use std::collections::BTreeMap;

use crate::model::{self, ColumnSpec, Kind, TableSpec};
use crate::types::HiveType;

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
