//! Iceberg tables as Athena manages them: the table properties Athena
//! accepts, and how Athena stores them in the Iceberg metadata.

use std::collections::BTreeMap;

use common::config::{SourceFile, YPath};
use common::diagnostic::{did_you_mean, Diagnostics};

use super::spec::{ColumnSpec, PartitionField, Transform};
use crate::types::HiveType;

/// The table properties Athena accepts in `CREATE TABLE … TBLPROPERTIES`
/// and `ALTER TABLE … SET TBLPROPERTIES` for an Iceberg table ("Athena
/// allows only a predefined list of key-value pairs … Athena does not
/// accept custom table properties"), besides `table_type`, which the tool
/// sets itself. Source: Amazon Athena User Guide, "Create Iceberg tables",
/// section "Specify table properties"
/// <https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html#querying-iceberg-table-properties>
/// (current and earlier editions: the `vacuum_*` keys were added later, the
/// `optimize_rewrite_*_data_file_size_bytes` keys listed earlier), and
/// "ALTER TABLE SET TBLPROPERTIES"
/// <https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-set-properties.html>
/// (`write.data.path`, `write.object-storage.path`).
pub const ATHENA_ICEBERG_PROPERTIES: &[&str] = &[
    "format",
    "write_compression",
    "write_target_data_file_size_bytes",
    "optimize_rewrite_min_data_file_size_bytes",
    "optimize_rewrite_max_data_file_size_bytes",
    "optimize_rewrite_data_file_threshold",
    "optimize_rewrite_delete_file_threshold",
    "vacuum_min_snapshots_to_keep",
    "vacuum_max_snapshot_age_seconds",
    "vacuum_max_metadata_files_to_keep",
    "write.data.path",
    "write.object-storage.path",
];

/// Athena properties that Athena stores in the Iceberg metadata under the
/// open-source Iceberg key (with a unit factor: Iceberg's snapshot age is
/// in milliseconds, Athena's in seconds). An Iceberg table written by
/// another engine carries only the Iceberg key.
const ICEBERG_EQUIVALENTS: &[(&str, &str, u64)] = &[
    ("format", "write.format.default", 1),
    ("write_compression", "write.parquet.compression-codec", 1),
    (
        "write_target_data_file_size_bytes",
        "write.target-file-size-bytes",
        1,
    ),
    (
        "vacuum_min_snapshots_to_keep",
        "history.expire.min-snapshots-to-keep",
        1,
    ),
    (
        "vacuum_max_snapshot_age_seconds",
        "history.expire.max-snapshot-age-ms",
        1000,
    ),
    (
        "vacuum_max_metadata_files_to_keep",
        "write.metadata.previous-versions-max",
        1,
    ),
];

/// Properties whose values Athena and Iceberg write in either case
/// (`PARQUET` / `parquet`, `ZSTD` / `zstd`).
const CASE_INSENSITIVE: &[&str] = &["format", "write_compression"];

/// Whether two values of an Iceberg property are the same setting.
pub fn same_property_value(key: &str, a: &str, b: &str) -> bool {
    if CASE_INSENSITIVE.contains(&key) {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// Checks declared Iceberg table properties against the keys Athena
/// accepts; an unknown key is an error at its location, with the Athena key
/// it most likely means.
pub(super) fn check_properties(
    file: &SourceFile,
    path: &YPath,
    props: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) {
    for k in props.keys() {
        if k.eq_ignore_ascii_case("table_type") {
            diags.push(file.error(&path.key(k), "`table_type` is set by `table_type: iceberg`"));
            continue;
        }
        if ATHENA_ICEBERG_PROPERTIES.contains(&k.as_str()) {
            if let Some(msg) = value_error(k, &props[k], props) {
                diags.push(file.error(&path.key(k), msg));
            }
            continue;
        }
        let lower = k.to_lowercase();
        let suggestion = ICEBERG_EQUIVALENTS
            .iter()
            .find(|(_, ice, _)| *ice == lower || ice.starts_with(&format!("{lower}.")))
            .map(|(athena, _, _)| *athena)
            .or_else(|| {
                ATHENA_ICEBERG_PROPERTIES
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(k))
                    .copied()
            })
            .or_else(|| did_you_mean(&lower, ATHENA_ICEBERG_PROPERTIES.iter().copied()));
        let mut d = common::diagnostic::Diagnostic::at(
            file.locate_key(&path.key(k)),
            format!(
                "Athena does not accept the Iceberg table property `{k}` (it accepts: {})",
                ATHENA_ICEBERG_PROPERTIES.join(", ")
            ),
        );
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        diags.push(d);
    }
}

/// The file formats Athena writes Iceberg data in (`format`).
const FORMATS: &[&str] = &["parquet", "orc", "avro"];

/// `write_compression` values Athena accepts for each `format`: the write
/// columns of Athena's "Use Iceberg table compression" table (engine
/// version 3): Parquet GZIP, SNAPPY, ZSTD, NONE (or UNCOMPRESSED); ORC LZ4,
/// SNAPPY, ZLIB, ZSTD, NONE; Avro GZIP, SNAPPY, ZSTD, NONE (or DEFLATE).
/// <https://docs.aws.amazon.com/athena/latest/ug/compression-support-iceberg.html>
const COMPRESSIONS: &[(&str, &[&str])] = &[
    (
        "parquet",
        &["zstd", "snappy", "gzip", "none", "uncompressed"],
    ),
    ("orc", &["zstd", "snappy", "lz4", "zlib", "none"]),
    ("avro", &["zstd", "snappy", "gzip", "none", "deflate"]),
];

/// Properties whose value is a whole number of bytes, files, snapshots or
/// seconds: Athena's "Allowed property values: a positive number".
const POSITIVE_INTEGERS: &[&str] = &[
    "write_target_data_file_size_bytes",
    "optimize_rewrite_min_data_file_size_bytes",
    "optimize_rewrite_max_data_file_size_bytes",
    "optimize_rewrite_data_file_threshold",
    "optimize_rewrite_delete_file_threshold",
    "vacuum_min_snapshots_to_keep",
    "vacuum_max_snapshot_age_seconds",
    "vacuum_max_metadata_files_to_keep",
];

/// Why Athena would reject the value of the Athena Iceberg property `key`
/// (`props` for `write_compression`, whose values depend on `format`).
fn value_error(key: &str, value: &str, props: &BTreeMap<String, String>) -> Option<String> {
    let v = value.trim();
    match key {
        "format" => (!FORMATS.iter().any(|f| f.eq_ignore_ascii_case(v))).then(|| {
            format!(
                "`{value}` is not an Iceberg file format Athena writes: use {}",
                FORMATS.join(", ")
            )
        }),
        "write_compression" => {
            let format = props
                .get("format")
                .map(|f| f.trim().to_lowercase())
                .unwrap_or_else(|| "parquet".into());
            let (_, allowed) = COMPRESSIONS.iter().find(|(f, _)| *f == format)?;
            (!allowed.iter().any(|c| c.eq_ignore_ascii_case(v))).then(|| {
                format!(
                    "Athena does not write `{value}` compression for {format} Iceberg tables: use {}",
                    allowed.join(", ")
                )
            })
        }
        k if POSITIVE_INTEGERS.contains(&k) => match v.parse::<u64>() {
            Ok(n) if n > 0 && n <= i64::MAX as u64 => None,
            _ => Some(format!(
                "`{key}` must be a whole number greater than 0, not `{value}`"
            )),
        },
        "write.data.path" | "write.object-storage.path" => {
            let bucket = v.strip_prefix("s3://").unwrap_or("");
            (bucket.is_empty() || bucket.starts_with('/')).then(|| {
                format!("`{key}` must be an S3 location (`s3://bucket/prefix`), not `{value}`")
            })
        }
        _ => None,
    }
}

/// Parses and checks `partitioned_by`: each entry a column of the table
/// or a transform of one, with the types Athena allows for it.
///
/// Hand-written: the grammar is six function names, a column and an
/// optional width; a SQL parser would accept far more than Athena does.
pub(super) fn partitioning(
    file: &SourceFile,
    path: &YPath,
    fields: &[String],
    columns: &[ColumnSpec],
    diags: &mut Diagnostics,
) -> Vec<PartitionField> {
    const FORMS: &str = "a column, `bucket(N, col)`, `truncate(N, col)`, `year(col)`, `month(col)`, `day(col)` or `hour(col)`";
    let re = regex::Regex::new(r"^\s*(?:(\w+)\s*\(\s*(?:(\w+)\s*,\s*)?(\w+)\s*\)|(\w+))\s*$")
        .expect("static regex");
    let mut out = Vec::new();
    let mut seen = super::validate::Seen::new(file);
    for (i, text) in fields.iter().enumerate() {
        let fp = path.index(i);
        let Some(m) = re.captures(text) else {
            diags.push(file.error(
                &fp,
                format!("`{text}` is not a partition field: use {FORMS}"),
            ));
            continue;
        };
        let column = m
            .get(3)
            .or(m.get(4))
            .map(|c| c.as_str().to_lowercase())
            .unwrap_or_default();
        let func = m.get(1).map(|f| f.as_str().to_lowercase());
        let width = m.get(2).map(|w| w.as_str());
        let transform = match (func.as_deref(), width) {
            (None, None) => Transform::Identity,
            (Some(f @ ("bucket" | "truncate")), Some(w)) => match w.parse::<u32>() {
                Ok(n) if n > 0 => {
                    if f == "bucket" {
                        Transform::Bucket(n)
                    } else {
                        Transform::Truncate(n)
                    }
                }
                _ => {
                    diags.push(file.error(&fp, format!("`{text}`: the {f} width must be a whole number greater than 0, not `{w}`")));
                    continue;
                }
            },
            (Some(f @ ("bucket" | "truncate")), None) => {
                diags.push(file.error(
                    &fp,
                    format!("`{text}`: {f} takes a width and a column: `{f}(N, col)`"),
                ));
                continue;
            }
            (Some("year"), None) => Transform::Year,
            (Some("month"), None) => Transform::Month,
            (Some("day"), None) => Transform::Day,
            (Some("hour"), None) => Transform::Hour,
            (Some(f), _) => {
                diags.push(file.error(&fp, format!("`{text}` is not a partition field: use {FORMS} (`{f}` with these arguments is not one)")));
                continue;
            }
            (None, Some(_)) => unreachable!("the regex captures a width only with a function"),
        };
        let Some(col) = columns.iter().find(|c| c.name == column) else {
            let mut d = file.error(&fp, format!("`{column}` is not a column of this table"));
            if let Some(s) = did_you_mean(&column, columns.iter().map(|c| c.name.as_str())) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
            continue;
        };
        let ty = HiveType::parse(&col.type_)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let base = ty.split('(').next().unwrap_or("").to_string();
        let allowed: &[&str] = match transform {
            Transform::Identity => &[],
            Transform::Year | Transform::Month | Transform::Day => &["date", "timestamp"],
            Transform::Hour => &["timestamp"],
            Transform::Bucket(_) => &[
                "int",
                "bigint",
                "decimal",
                "date",
                "timestamp",
                "string",
                "binary",
            ],
            Transform::Truncate(_) => &["int", "bigint", "decimal", "string"],
        };
        if transform == Transform::Identity && base.contains('<') {
            diags.push(file.error(
                &fp,
                format!(
                    "`{column}` has a nested type ({ty}); a partition column must be primitive"
                ),
            ));
            continue;
        }
        if !allowed.is_empty() && !allowed.contains(&base.as_str()) {
            diags.push(file.error(
                &fp,
                format!(
                    "`{text}`: `{column}` is {ty}; this transform takes {}",
                    allowed.join(", ")
                ),
            ));
            continue;
        }
        let field = PartitionField { transform, column };
        if let Err(d) = seen.insert("partition field", field.to_string(), fp) {
            diags.push(d);
            continue;
        }
        out.push(field);
    }
    out
}

/// The Iceberg metadata properties of a table in Athena's key space: each
/// Athena key found under its own name, else under its Iceberg equivalent
/// (converted to Athena's unit). Other metadata properties (Iceberg's own,
/// another engine's) cannot be managed through Athena and are left out.
pub fn athena_properties(metadata: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for key in ATHENA_ICEBERG_PROPERTIES {
        if let Some(v) = metadata.get(*key) {
            out.insert(key.to_string(), v.clone());
            continue;
        }
        let Some((_, ice, factor)) = ICEBERG_EQUIVALENTS.iter().find(|(a, _, _)| a == key) else {
            continue;
        };
        if let Some(v) = metadata.get(*ice) {
            let v = match (factor, v.parse::<u64>()) {
                (1, _) => v.clone(),
                (f, Ok(n)) if n % f == 0 => (n / f).to_string(),
                // Not a whole number of Athena units: kept as written, so
                // it differs from any declared value and shows.
                _ => format!("{v} ({ice})"),
            };
            out.insert(key.to_string(), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_keys_from_metadata() {
        let m: BTreeMap<String, String> = [
            ("write.format.default", "PARQUET"),
            ("history.expire.max-snapshot-age-ms", "432000000"),
            ("optimize_rewrite_delete_file_threshold", "10"),
            ("write.parquet.compression-codec", "zstd"),
            ("write_compression", "snappy"),
            ("created_by", "pyiceberg"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let a = athena_properties(&m);
        assert_eq!(a.get("format").map(String::as_str), Some("PARQUET"));
        assert_eq!(
            a.get("vacuum_max_snapshot_age_seconds").map(String::as_str),
            Some("432000")
        );
        assert_eq!(
            a.get("write_compression").map(String::as_str),
            Some("snappy")
        );
        assert_eq!(a.len(), 4, "{a:?}");
        assert!(same_property_value("format", "parquet", "PARQUET"));
        assert!(!same_property_value(
            "optimize_rewrite_delete_file_threshold",
            "1",
            "01"
        ));
    }
}
