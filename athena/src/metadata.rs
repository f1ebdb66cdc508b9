//! Iceberg table metadata (the JSON file a Glue table's `metadata_location`
//! names): the current schema, the default partition spec and the table
//! properties, as the live state of an Iceberg table. Parsing only; the
//! reader (`crate::live`) fetches the file from S3.
//!
//! Follows the Iceberg table spec (format versions 1 and 2): `schemas` +
//! `current-schema-id` (v1 also `schema`), `partition-specs` +
//! `default-spec-id` (v1 also `partition-spec`), `properties`.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::Value;

use crate::model::{
    athena_properties, ColumnSpec, IcebergContents, PartitionField, TableSpec, Transform,
};
use crate::types::HiveType;

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "current-schema-id")]
    current_schema_id: Option<i64>,
    #[serde(default)]
    schemas: Vec<Schema>,
    schema: Option<Schema>,
    #[serde(rename = "default-spec-id")]
    default_spec_id: Option<i64>,
    #[serde(rename = "partition-specs", default)]
    partition_specs: Vec<Spec>,
    #[serde(rename = "partition-spec")]
    partition_spec: Option<Vec<SpecField>>,
    #[serde(default)]
    properties: BTreeMap<String, String>,
    #[serde(rename = "current-snapshot-id")]
    current_snapshot_id: Option<i64>,
    #[serde(default)]
    snapshots: Vec<Snapshot>,
}

#[derive(Deserialize)]
struct Snapshot {
    #[serde(rename = "snapshot-id")]
    snapshot_id: i64,
    #[serde(default)]
    summary: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct Schema {
    #[serde(rename = "schema-id")]
    schema_id: Option<i64>,
    fields: Vec<Field>,
}

#[derive(Deserialize)]
struct Field {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    type_: Value,
    doc: Option<String>,
}

#[derive(Deserialize)]
struct Spec {
    #[serde(rename = "spec-id")]
    spec_id: i64,
    fields: Vec<SpecField>,
}

#[derive(Deserialize)]
struct SpecField {
    #[serde(rename = "source-id")]
    source_id: i64,
    transform: String,
}

/// The Hive DDL type of an Iceberg type (`long` → `bigint`, `list` →
/// `array<…>`, …), as Athena shows it.
fn hive_type(t: &Value) -> anyhow::Result<String> {
    Ok(match t {
        Value::String(s) => match s.as_str() {
            "boolean" => "boolean".into(),
            "int" => "int".into(),
            "long" => "bigint".into(),
            "float" => "float".into(),
            "double" => "double".into(),
            "date" => "date".into(),
            "timestamp" | "timestamptz" | "timestamp_ns" | "timestamptz_ns" => "timestamp".into(),
            "string" | "uuid" | "time" => "string".into(),
            "binary" => "binary".into(),
            s if s.starts_with("fixed[") => "binary".into(),
            s if s.starts_with("decimal(") => s.replace(' ', ""),
            other => bail!("unknown Iceberg type `{other}`"),
        },
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("struct") => {
                let fields = o
                    .get("fields")
                    .and_then(Value::as_array)
                    .context("struct without fields")?;
                let parts = fields
                    .iter()
                    .map(|f| {
                        let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                        Ok(format!(
                            "{}:{}",
                            name.to_lowercase(),
                            hive_type(f.get("type").unwrap_or(&Value::Null))?
                        ))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                format!("struct<{}>", parts.join(","))
            }
            Some("list") => format!(
                "array<{}>",
                hive_type(o.get("element").unwrap_or(&Value::Null))?
            ),
            Some("map") => format!(
                "map<{},{}>",
                hive_type(o.get("key").unwrap_or(&Value::Null))?,
                hive_type(o.get("value").unwrap_or(&Value::Null))?
            ),
            _ => bail!("unknown Iceberg type {t}"),
        },
        _ => bail!("unknown Iceberg type {t}"),
    })
}

fn transform(t: &str) -> Option<Transform> {
    let width = |p: &str| {
        t.strip_prefix(p)
            .and_then(|r| r.strip_prefix('['))
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse().ok())
    };
    Some(match t {
        "identity" => Transform::Identity,
        "year" => Transform::Year,
        "month" => Transform::Month,
        "day" => Transform::Day,
        "hour" => Transform::Hour,
        _ => {
            if let Some(n) = width("bucket") {
                Transform::Bucket(n)
            } else if let Some(n) = width("truncate") {
                Transform::Truncate(n)
            } else {
                return None;
            }
        }
    })
}

/// Replaces the columns, partition spec and properties of a live Iceberg
/// table (read from Glue) with those of its metadata JSON. The properties
/// become the Athena keys found in the metadata (see
/// [`crate::model::athena_properties`]) plus `table_type`.
pub fn apply_metadata(spec: &mut TableSpec, json: &[u8]) -> anyhow::Result<()> {
    let m: Metadata = serde_json::from_slice(json).context("not Iceberg table metadata JSON")?;
    let schema = match m.current_schema_id {
        Some(id) => m.schemas.iter().find(|s| s.schema_id == Some(id)),
        None => None,
    }
    .or(m.schema.as_ref())
    .or(m.schemas.last())
    .context("no current schema in the Iceberg metadata")?;
    let mut columns = Vec::new();
    for f in &schema.fields {
        let t = hive_type(&f.type_).with_context(|| format!("column `{}`", f.name))?;
        let canonical = HiveType::parse(&t).map(|h| h.to_string()).unwrap_or(t);
        columns.push(ColumnSpec {
            name: f.name.to_lowercase(),
            type_: canonical,
            comment: f.doc.clone(),
        });
    }
    let spec_fields: &[SpecField] = match m.default_spec_id {
        Some(id) => m
            .partition_specs
            .iter()
            .find(|s| s.spec_id == id)
            .map(|s| s.fields.as_slice()),
        None => None,
    }
    .or(m.partition_spec.as_deref())
    .unwrap_or(&[]);
    let mut partitioning = Vec::new();
    for p in spec_fields {
        if p.transform == "void" {
            continue; // a dropped partition field (v1 keeps it as void)
        }
        let column = schema
            .fields
            .iter()
            .find(|f| f.id == p.source_id)
            .map(|f| f.name.to_lowercase())
            .with_context(|| {
                format!(
                    "partition source field {} is not in the schema",
                    p.source_id
                )
            })?;
        let transform = transform(&p.transform)
            .with_context(|| format!("unknown partition transform `{}`", p.transform))?;
        partitioning.push(PartitionField { transform, column });
    }
    let current = m
        .current_snapshot_id
        .and_then(|id| m.snapshots.iter().find(|s| s.snapshot_id == id));
    let total = |key: &str| {
        current
            .and_then(|s| s.summary.get(key))
            .and_then(|v| match v {
                Value::String(t) => t.parse().ok(),
                Value::Number(n) => n.as_u64(),
                _ => None,
            })
    };
    // No current snapshot: a table nothing was written to. A current
    // snapshot id that is not in `snapshots` (a damaged file): unknown.
    let empty = m.current_snapshot_id.is_none_or(|id| id < 0);
    spec.iceberg_contents = Some(IcebergContents {
        records: if empty {
            Some(0)
        } else {
            total("total-records")
        },
        data_files: if empty {
            Some(0)
        } else {
            total("total-data-files")
        },
        snapshots: m.snapshots.len(),
    });
    spec.columns = columns;
    spec.partition_keys = Vec::new();
    spec.partitioning = partitioning;
    spec.parameters = athena_properties(&m.properties);
    spec.parameters
        .insert("table_type".into(), "ICEBERG".into());
    Ok(())
}

/// Bucket and key of an `s3://bucket/key` URI.
pub fn split_s3_uri(uri: &str) -> anyhow::Result<(String, String)> {
    let rest = uri
        .strip_prefix("s3://")
        .or_else(|| uri.strip_prefix("s3a://"))
        .with_context(|| format!("metadata_location `{uri}` is not an s3:// URI"))?;
    match rest.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok((b.to_string(), k.to_string())),
        _ => bail!("metadata_location `{uri}` has no object key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    #[test]
    fn reads_schema_spec_and_properties() {
        let json = br#"{
          "format-version": 2, "current-schema-id": 1, "default-spec-id": 0,
          "schemas": [
            {"schema-id": 0, "fields": [{"id": 1, "name": "old", "required": false, "type": "int"}]},
            {"schema-id": 1, "fields": [
              {"id": 1, "name": "ID", "required": false, "type": "long", "doc": "key"},
              {"id": 2, "name": "ts", "required": false, "type": "timestamptz"},
              {"id": 3, "name": "tags", "required": false, "type": {"type": "list", "element-id": 5, "element": "string", "element-required": false}},
              {"id": 4, "name": "amount", "required": false, "type": "decimal(10, 2)"}
            ]}
          ],
          "partition-specs": [{"spec-id": 0, "fields": [
            {"name": "ts_day", "transform": "day", "source-id": 2, "field-id": 1000},
            {"name": "id_bucket", "transform": "bucket[16]", "source-id": 1, "field-id": 1001}
          ]}],
          "properties": {"write.format.default": "parquet", "optimize_rewrite_delete_file_threshold": "10", "owner": "x"}
        }"#;
        let mut t = TableSpec::new("t", Kind::Iceberg);
        apply_metadata(&mut t, json).unwrap();
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.type_))
            .collect();
        assert_eq!(
            cols,
            [
                "id bigint",
                "ts timestamp",
                "tags array<string>",
                "amount decimal(10,2)"
            ]
        );
        assert_eq!(t.columns[0].comment.as_deref(), Some("key"));
        let parts: Vec<String> = t.partitioning.iter().map(|p| p.to_string()).collect();
        assert_eq!(parts, ["day(ts)", "bucket(16, id)"]);
        assert_eq!(t.parameters.len(), 3, "{:?}", t.parameters);
        assert_eq!(t.parameters["format"], "parquet");
        assert!(apply_metadata(&mut t, b"{}").is_err());
        assert_eq!(
            split_s3_uri("s3://b/p/m.json").unwrap(),
            ("b".to_string(), "p/m.json".to_string())
        );
        assert!(split_s3_uri("s3://b").is_err());
    }
}
