//! The YAML configuration format, as written by users (deserialized with
//! unknown keys rejected). [`crate::model`] validates it into the desired
//! state.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The JSON Schema of a configuration file (pretty-printed), for editors
/// and CI linting; committed as `schemas/athena.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(File);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// One configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// Glue databases and their tables and views.
    #[serde(default)]
    pub databases: Vec<Database>,
}

/// A Glue database.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Database name (Glue lower-cases names).
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default location (`LocationUri`), e.g. `s3://bucket/db/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Database parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// Delete tables and views of this database that the configuration does
    /// not declare (still needs `apply --allow-destructive`). Default: they
    /// are reported as unmanaged and left alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_unmanaged: bool,
    /// Tables (Hive external tables and Iceberg tables).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
    /// Views, created through Athena.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
}

/// A storage format shorthand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Apache ORC.
    Orc,
    /// JSON lines (OpenX JSON SerDe).
    Json,
    /// Comma-separated values (LazySimpleSerDe, or OpenCSVSerde with `quote`).
    Csv,
    /// Tab-separated values.
    Tsv,
    /// Apache Avro.
    Avro,
    /// Delimited text (LazySimpleSerDe).
    Textfile,
}

/// Table kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableType {
    /// A Hive external table managed through the Glue API.
    #[default]
    External,
    /// An Iceberg table managed through Athena DDL.
    Iceberg,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name (lower-cased).
    pub name: String,
    /// Hive DDL type: `string`, `bigint`, `decimal(10,2)`, `array<struct<a:int>>`, ...
    #[serde(rename = "type")]
    pub type_: String,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Explicit SerDe.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Serde {
    /// SerDe class, e.g. `org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe`.
    pub library: String,
    /// SerDe parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

/// A Glue (Hive) table.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Table name (lower-cased).
    pub name: String,
    /// `external` (default) or `iceberg`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub table_type: TableType,
    /// Table comment (Glue `Description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Data location, e.g. `s3://bucket/events/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Storage format shorthand; expands to input/output format and SerDe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Field delimiter (csv, tsv, textfile), one character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Quote character (csv): selects OpenCSVSerde.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Escape character (csv with `quote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escape: Option<String>,
    /// Header lines to skip (csv, tsv, textfile): `skip.header.line.count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_header_lines: Option<u32>,
    /// Explicit SerDe (overrides the format's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serde: Option<Serde>,
    /// Explicit input format class (overrides the format's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_format: Option<String>,
    /// Explicit output format class (overrides the format's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// Data columns, in order.
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Partition keys, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partition_keys: Vec<Column>,
    /// Iceberg partitioning, in order: a column name, or a transform
    /// `bucket(N, col)`, `truncate(N, col)`, `year(col)`, `month(col)`,
    /// `day(col)`, `hour(col)` (Iceberg tables only; external tables use
    /// `partition_keys`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitioned_by: Vec<String>,
    /// Table properties (Glue `Parameters`; for Iceberg tables, the
    /// properties Athena accepts, kept in the Iceberg metadata).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// Partition projection, rendered to the `projection.*` properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<Projection>,
    /// Registered partitions. When present, the table's partitions are
    /// managed: missing ones are added, undeclared ones removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitions: Option<Vec<PartitionSet>>,
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// Partition projection settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// `projection.enabled` (default true).
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub enabled: bool,
    /// `storage.location.template`, e.g. `s3://bucket/t/${dt}/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_template: Option<String>,
    /// Per partition key.
    pub columns: BTreeMap<String, ProjectedColumn>,
}

fn yes() -> bool {
    true
}

/// How one partition key is projected.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProjectedColumn {
    /// A fixed list of values.
    Enum {
        /// The values.
        values: Vec<String>,
    },
    /// A range of integers.
    Integer {
        /// `[min, max]`.
        range: [i64; 2],
        /// Step (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<i64>,
        /// Zero-padded width.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digits: Option<u32>,
    },
    /// A range of dates.
    Date {
        /// `[start, end]`: dates in `format`, or `NOW`, `NOW-3YEARS`, `NOW+1DAYS`.
        range: [String; 2],
        /// Java date pattern, e.g. `yyyy-MM-dd`.
        format: String,
        /// Step (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<i64>,
        /// `YEARS`, `MONTHS`, `WEEKS`, `DAYS`, `HOURS`, `MINUTES`, `SECONDS`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// Values taken from the query's WHERE clause.
    Injected,
}

/// A group of registered partitions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionSet {
    /// Fixed values per partition key. Without `date_range`, exactly one partition.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// One partition per day, like athena-rs's `date_range` (end exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_range: Option<DateRange>,
    /// Location template; `{key}` is replaced by that key's value. Default:
    /// `<table location>/key=value/...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A range of days for one partition key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// The partition key that takes the dates.
    pub key: String,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Day after the last one, `YYYY-MM-DD` (exclusive, as athena-rs).
    pub end: String,
    /// strftime format of the value (default `%Y-%m-%d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A view.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// View name (lower-cased).
    pub name: String,
    /// The SELECT statement.
    pub sql: String,
    /// Expected columns (Presto types); checked against the catalog, not applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ViewColumn>,
}

/// A view column as Athena records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewColumn {
    /// Name.
    pub name: String,
    /// Presto/Trino type, e.g. `varchar`, `bigint`.
    #[serde(rename = "type")]
    pub type_: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/athena.schema.json");
        let now = format!("{}\n", super::json_schema());
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == now, "schemas/athena.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p athena committed_schema");
    }
}
