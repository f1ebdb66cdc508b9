//! The validated model types, shared with the live state: a table is a
//! [`TableSpec`] on both sides, so the diff compares like with like. Also the
//! catalog renderings of configuration shorthands (storage formats,
//! partition projection) that validation and import both use. Pure: no I/O.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{self, Format, ProjectedColumn};

/// Parquet SerDe and formats.
pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
/// Parquet input format.
pub const PARQUET_INPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
/// Parquet output format.
pub const PARQUET_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
/// ORC SerDe.
pub const ORC_SERDE: &str = "org.apache.hadoop.hive.ql.io.orc.OrcSerde";
/// ORC input format.
pub const ORC_INPUT: &str = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat";
/// ORC output format.
pub const ORC_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat";
/// OpenX JSON SerDe.
pub const JSON_SERDE: &str = "org.openx.data.jsonserde.JsonSerDe";
/// Hive JSON SerDe.
pub const HIVE_JSON_SERDE: &str = "org.apache.hive.hcatalog.data.JsonSerDe";
/// Text input format (csv, tsv, json, textfile).
pub const TEXT_INPUT: &str = "org.apache.hadoop.mapred.TextInputFormat";
/// Text output format.
pub const TEXT_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
/// LazySimpleSerDe (delimited text).
pub const LAZY_SERDE: &str = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
/// OpenCSVSerde (quoted CSV).
pub const OPENCSV_SERDE: &str = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
/// Avro SerDe.
pub const AVRO_SERDE: &str = "org.apache.hadoop.hive.serde2.avro.AvroSerDe";
/// Avro input format.
pub const AVRO_INPUT: &str = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat";
/// Avro output format.
pub const AVRO_OUTPUT: &str = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat";

/// Table parameters Glue, Athena or Iceberg maintain themselves; they are
/// never compared, written or imported.
pub const MANAGED_PARAMETERS: &[&str] = &[
    "transient_lastDdlTime",
    "last_modified_by",
    "last_modified_time",
    "numFiles",
    "numRows",
    "totalSize",
    "rawDataSize",
    "COLUMN_STATS_ACCURATE",
    "metadata_location",
    "previous_metadata_location",
    "presto_view",
    "comment",
];

/// Whether a table parameter is maintained by the catalog, not the config.
pub fn is_managed_parameter(key: &str) -> bool {
    MANAGED_PARAMETERS.contains(&key)
}

/// What a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Hive external table (`EXTERNAL_TABLE`).
    External,
    /// Iceberg table (`table_type=ICEBERG`).
    Iceberg,
    /// View (`VIRTUAL_VIEW`).
    View,
}

impl Kind {
    /// Lower-case name for plans.
    pub fn name(self) -> &'static str {
        match self {
            Kind::External => "table",
            Kind::Iceberg => "iceberg table",
            Kind::View => "view",
        }
    }
}

/// A column: name lower-cased, type canonical.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ColumnSpec {
    /// Name.
    pub name: String,
    /// Canonical Hive type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewSpec {
    /// The SQL as written (compared normalized for whitespace).
    pub sql: String,
    /// Columns as Athena records them (name, Presto type); empty = not checked.
    pub columns: Vec<(String, String)>,
    /// Live views: the database the engine resolved the SQL's unqualified
    /// names in (the view JSON's `schema`, lower case). Declared views:
    /// `None`, meaning the view's own database (the tool runs the view's
    /// statement there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// A registered partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PartitionSpec {
    /// Values, in partition-key order.
    pub values: Vec<String>,
    /// Location.
    pub location: Option<String>,
}

/// An Iceberg partition transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    /// The column's value.
    Identity,
    /// Hash of the value modulo N buckets.
    Bucket(u32),
    /// The value truncated to width N.
    Truncate(u32),
    /// Year of a date / timestamp.
    Year,
    /// Month of a date / timestamp.
    Month,
    /// Day of a date / timestamp.
    Day,
    /// Hour of a timestamp.
    Hour,
}

/// One field of an Iceberg partition spec: a transform of a source column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PartitionField {
    /// The transform.
    pub transform: Transform,
    /// The source column (lower case).
    pub column: String,
}

impl std::fmt::Display for PartitionField {
    /// The field as written in the configuration and in Athena's
    /// `PARTITIONED BY` (unquoted: column names are `[a-z0-9_]`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.column;
        match self.transform {
            Transform::Identity => write!(f, "{c}"),
            Transform::Bucket(n) => write!(f, "bucket({n}, {c})"),
            Transform::Truncate(n) => write!(f, "truncate({n}, {c})"),
            Transform::Year => write!(f, "year({c})"),
            Transform::Month => write!(f, "month({c})"),
            Transform::Day => write!(f, "day({c})"),
            Transform::Hour => write!(f, "hour({c})"),
        }
    }
}

/// A table or view, desired or live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSpec {
    /// Name (lower case).
    pub name: String,
    /// Table, Iceberg table or view.
    pub kind: Kind,
    /// Glue `Description` (the table comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Data columns.
    pub columns: Vec<ColumnSpec>,
    /// Partition keys.
    pub partition_keys: Vec<ColumnSpec>,
    /// Iceberg partition spec (Iceberg tables).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partitioning: Vec<PartitionField>,
    /// Storage location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Input format class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_format: Option<String>,
    /// Output format class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// SerDe class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serde_library: Option<String>,
    /// SerDe parameters.
    pub serde_parameters: BTreeMap<String, String>,
    /// Table parameters, without [`MANAGED_PARAMETERS`].
    pub parameters: BTreeMap<String, String>,
    /// The view definition, for views.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<ViewSpec>,
    /// Registered partitions: desired when the config manages them; live
    /// when they were read (sorted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<Vec<PartitionSpec>>,
    /// What a live Iceberg table holds (from its metadata); `None` when
    /// desired or not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iceberg_contents: Option<IcebergContents>,
}

/// What a live Iceberg table holds, read from its metadata: what dropping
/// it would lose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IcebergContents {
    /// Rows in the current snapshot (its summary's `total-records`).
    pub records: Option<u64>,
    /// Data files in the current snapshot (`total-data-files`).
    pub data_files: Option<u64>,
    /// Snapshots kept in the metadata (the time-travel history).
    pub snapshots: usize,
}

impl TableSpec {
    /// An empty spec of a kind.
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        TableSpec {
            name: name.into(),
            kind,
            description: None,
            columns: Vec::new(),
            partition_keys: Vec::new(),
            partitioning: Vec::new(),
            location: None,
            input_format: None,
            output_format: None,
            serde_library: None,
            serde_parameters: BTreeMap::new(),
            parameters: BTreeMap::new(),
            view: None,
            partitions: None,
            iceberg_contents: None,
        }
    }
}

/// A database, desired or live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseSpec {
    /// Name (lower case).
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `LocationUri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Parameters.
    pub parameters: BTreeMap<String, String>,
    /// Delete undeclared tables (desired only).
    pub delete_unmanaged: bool,
    /// Tables and views by name.
    pub tables: BTreeMap<String, TableSpec>,
}

/// The validated configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Desired {
    /// Databases by name.
    pub databases: BTreeMap<String, DatabaseSpec>,
}

/// Input format, output format, SerDe and SerDe parameters of a format
/// shorthand and its options (all `None` without a format).
pub fn expand_format(
    t: &config::Table,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    BTreeMap<String, String>,
) {
    let s = |x: &str| Some(x.to_string());
    let mut params = BTreeMap::new();
    let Some(format) = t.format else {
        return (None, None, None, params);
    };
    let (i, o, serde) = match format {
        Format::Parquet => {
            params.insert("serialization.format".into(), "1".into());
            (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET_SERDE)
        }
        Format::Orc => {
            params.insert("serialization.format".into(), "1".into());
            (ORC_INPUT, ORC_OUTPUT, ORC_SERDE)
        }
        Format::Json => (TEXT_INPUT, TEXT_OUTPUT, JSON_SERDE),
        Format::Avro => (AVRO_INPUT, AVRO_OUTPUT, AVRO_SERDE),
        Format::Csv if t.quote.is_some() => {
            params.insert(
                "separatorChar".into(),
                t.delimiter.clone().unwrap_or_else(|| ",".into()),
            );
            if let Some(q) = &t.quote {
                params.insert("quoteChar".into(), q.clone());
            }
            if let Some(e) = &t.escape {
                params.insert("escapeChar".into(), e.clone());
            }
            (TEXT_INPUT, TEXT_OUTPUT, OPENCSV_SERDE)
        }
        Format::Csv | Format::Tsv | Format::Textfile => {
            let default = match format {
                Format::Csv => Some(","),
                Format::Tsv => Some("\t"),
                _ => None,
            };
            match t.delimiter.as_deref().or(default) {
                Some(d) => {
                    params.insert("field.delim".into(), d.to_string());
                    params.insert("serialization.format".into(), d.to_string());
                }
                None => {
                    params.insert("serialization.format".into(), "1".into());
                }
            }
            (TEXT_INPUT, TEXT_OUTPUT, LAZY_SERDE)
        }
    };
    (s(i), s(o), s(serde), params)
}

/// The table properties a partition projection stands for
/// (`projection.enabled`, `storage.location.template`, `projection.<key>.*`,
/// keys lower-cased), as validation writes them and import matches them.
pub fn projection_parameters(p: &config::Projection) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("projection.enabled".to_string(), p.enabled.to_string());
    if let Some(t) = &p.location_template {
        out.insert("storage.location.template".into(), t.clone());
    }
    for (k, c) in &p.columns {
        let prefix = format!("projection.{}", k.to_lowercase());
        match c {
            ProjectedColumn::Enum { values } => {
                out.insert(format!("{prefix}.type"), "enum".into());
                out.insert(format!("{prefix}.values"), values.join(","));
            }
            ProjectedColumn::Integer {
                range,
                interval,
                digits,
            } => {
                out.insert(format!("{prefix}.type"), "integer".into());
                out.insert(
                    format!("{prefix}.range"),
                    format!("{},{}", range[0], range[1]),
                );
                if let Some(i) = interval {
                    out.insert(format!("{prefix}.interval"), i.to_string());
                }
                if let Some(d) = digits {
                    out.insert(format!("{prefix}.digits"), d.to_string());
                }
            }
            ProjectedColumn::Date {
                range,
                format,
                interval,
                unit,
            } => {
                out.insert(format!("{prefix}.type"), "date".into());
                out.insert(
                    format!("{prefix}.range"),
                    format!("{},{}", range[0], range[1]),
                );
                out.insert(format!("{prefix}.format"), format.clone());
                if let Some(i) = interval {
                    out.insert(format!("{prefix}.interval"), i.to_string());
                }
                if let Some(u) = unit {
                    out.insert(format!("{prefix}.interval.unit"), u.to_uppercase());
                }
            }
            ProjectedColumn::Injected => {
                out.insert(format!("{prefix}.type"), "injected".into());
            }
        }
    }
    out
}
