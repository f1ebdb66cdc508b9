//! The validated desired state, and the catalog model shared with the live
//! state: a table is a [`TableSpec`] on both sides, so the diff compares like
//! with like. Pure: no I/O.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::config::{SourceFile, Sources, Unique, YPath};
use common::diagnostic::{Diagnostic, Diagnostics};
use serde::Serialize;

use crate::config::{self, Format, ProjectedColumn, TableType};
use crate::types::HiveType;

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
}

/// A registered partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PartitionSpec {
    /// Values, in partition-key order.
    pub values: Vec<String>,
    /// Location.
    pub location: Option<String>,
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
            location: None,
            input_format: None,
            output_format: None,
            serde_library: None,
            serde_parameters: BTreeMap::new(),
            parameters: BTreeMap::new(),
            view: None,
            partitions: None,
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

/// Validates all configuration files into the desired state.
pub fn load(sources: &Sources) -> Result<Desired, Diagnostics> {
    let files = sources.deserialize_all::<config::File>()?;
    let mut diags = Diagnostics::new();
    let mut desired = Desired::default();
    let mut dbs = Unique::new();
    for (file, doc) in &files {
        for (i, db) in doc.databases.iter().enumerate() {
            let path = YPath::root().key("databases").index(i);
            let name = db.name.to_lowercase();
            if let Err(d) = dbs.insert("database", name.clone(), file.locate(&path.key("name"))) {
                diags.push(d);
                continue;
            }
            if let Some(spec) = database(file, &path, db, &mut diags) {
                desired.databases.insert(name, spec);
            }
        }
    }
    diags.into_result(desired)
}

/// Duplicate detection within one file that computes locations only when
/// a duplicate is found (locating a node scans the file's text).
struct Seen<'a> {
    file: &'a SourceFile,
    first: BTreeMap<String, YPath>,
}

impl<'a> Seen<'a> {
    fn new(file: &'a SourceFile) -> Self {
        Seen {
            file,
            first: BTreeMap::new(),
        }
    }

    fn insert(&mut self, what: &str, key: String, path: YPath) -> Result<(), Diagnostic> {
        if let Some(first) = self.first.get(&key) {
            return Err(Diagnostic::at(
                self.file.locate(&path),
                format!("{what} `{key}` is declared more than once"),
            )
            .with_related(
                self.file.locate(first),
                format!("`{key}` is first declared here"),
            ));
        }
        self.first.insert(key, path);
        Ok(())
    }
}

fn check_name(file: &SourceFile, path: &YPath, what: &str, name: &str, diags: &mut Diagnostics) {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        diags.push(file.error(
            path,
            format!("invalid {what} name `{name}`: use letters, digits and `_` (at most 255)"),
        ));
    }
}

fn database(
    file: &SourceFile,
    path: &YPath,
    db: &config::Database,
    diags: &mut Diagnostics,
) -> Option<DatabaseSpec> {
    let before = diags.0.len();
    let name = db.name.to_lowercase();
    check_name(file, &path.key("name"), "database", &name, diags);
    if let Some(loc) = &db.location {
        check_s3(file, &path.key("location"), loc, diags);
    }
    let mut spec = DatabaseSpec {
        name,
        description: db.description.clone(),
        location: db.location.clone(),
        parameters: db.parameters.clone(),
        delete_unmanaged: db.delete_unmanaged,
        tables: BTreeMap::new(),
    };
    let mut names = Seen::new(file);
    for (i, t) in db.tables.iter().enumerate() {
        let tp = path.key("tables").index(i);
        let n = t.name.to_lowercase();
        if let Err(d) = names.insert("table or view", n.clone(), tp.key("name")) {
            diags.push(d);
            continue;
        }
        if let Some(ts) = table(file, &tp, t, diags) {
            spec.tables.insert(n, ts);
        }
    }
    for (i, v) in db.views.iter().enumerate() {
        let vp = path.key("views").index(i);
        let n = v.name.to_lowercase();
        if let Err(d) = names.insert("table or view", n.clone(), vp.key("name")) {
            diags.push(d);
            continue;
        }
        check_name(file, &vp.key("name"), "view", &n, diags);
        if v.sql.trim().is_empty() {
            diags.push(file.error(&vp.key("sql"), "the view's SQL is empty"));
        }
        let mut cols = Seen::new(file);
        for (j, c) in v.columns.iter().enumerate() {
            let cp = vp.key("columns").index(j);
            if let Err(d) = cols.insert("column", c.name.to_lowercase(), cp.key("name")) {
                diags.push(d);
            }
        }
        let mut ts = TableSpec::new(n, Kind::View);
        ts.view = Some(ViewSpec {
            sql: v.sql.trim().trim_end_matches(';').trim_end().to_string(),
            columns: v
                .columns
                .iter()
                .map(|c| (c.name.to_lowercase(), c.type_.trim().to_lowercase()))
                .collect(),
        });
        spec.tables.insert(ts.name.clone(), ts);
    }
    (diags.0.len() == before).then_some(spec)
}

fn check_s3(file: &SourceFile, path: &YPath, loc: &str, diags: &mut Diagnostics) {
    if !loc.starts_with("s3://") || loc.len() <= 5 {
        diags.push(file.error(
            path,
            format!("location `{loc}` must be an S3 URI (`s3://bucket/prefix/`)"),
        ));
    }
}

fn columns(
    file: &SourceFile,
    path: &YPath,
    cols: &[config::Column],
    seen: &mut Seen<'_>,
    diags: &mut Diagnostics,
) -> Vec<ColumnSpec> {
    let mut out = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let cp = path.index(i);
        let name = c.name.to_lowercase();
        check_name(file, &cp.key("name"), "column", &name, diags);
        if let Err(d) = seen.insert("column", name.clone(), cp.key("name")) {
            diags.push(d);
        }
        match HiveType::parse(&c.type_) {
            Ok(t) => out.push(ColumnSpec {
                name,
                type_: t.to_string(),
                comment: c.comment.clone(),
            }),
            Err(e) => diags.push(type_error(file, &cp.key("type"), &c.type_, &e)),
        }
    }
    out
}

/// A type error pointing at the offending character when the type is
/// written on one line (plain or quoted).
fn type_error(
    file: &SourceFile,
    path: &YPath,
    written: &str,
    e: &crate::types::TypeError,
) -> Diagnostic {
    let mut d = file.error(path, e.to_string());
    if let Some(loc) = d.location.as_mut() {
        let rest: String = loc
            .source_line
            .chars()
            .skip(loc.column.saturating_sub(1))
            .collect();
        let skip = if rest.starts_with(written) {
            Some(0)
        } else if (rest.starts_with('"') || rest.starts_with('\''))
            && rest[1..].starts_with(written)
        {
            Some(1)
        } else {
            None
        };
        if let Some(skip) = skip {
            loc.column += skip + e.offset.min(written.chars().count());
        }
    }
    d
}

fn single_char(file: &SourceFile, path: &YPath, what: &str, v: &str, diags: &mut Diagnostics) {
    if v.chars().count() != 1 {
        diags.push(file.error(
            path,
            format!("{what} must be exactly one character, not `{v}`"),
        ));
    }
}

fn table(
    file: &SourceFile,
    path: &YPath,
    t: &config::Table,
    diags: &mut Diagnostics,
) -> Option<TableSpec> {
    let before = diags.0.len();
    let name = t.name.to_lowercase();
    check_name(file, &path.key("name"), "table", &name, diags);
    let kind = match t.table_type {
        TableType::External => Kind::External,
        TableType::Iceberg => Kind::Iceberg,
    };
    let mut spec = TableSpec::new(name, kind);
    spec.description = t.comment.clone();
    match &t.location {
        Some(loc) => check_s3(file, &path.key("location"), loc, diags),
        None => diags.push(file.error(
            &path.key("name"),
            "a table needs a `location` (`s3://bucket/prefix/`)",
        )),
    }
    spec.location = t.location.clone();
    let mut seen = Seen::new(file);
    if t.columns.is_empty() {
        diags.push(file.error(
            &path.key("name"),
            "a table needs at least one column in `columns`",
        ));
    }
    spec.columns = columns(file, &path.key("columns"), &t.columns, &mut seen, diags);
    spec.partition_keys = columns(
        file,
        &path.key("partition_keys"),
        &t.partition_keys,
        &mut seen,
        diags,
    );
    for (i, k) in spec.partition_keys.iter().enumerate() {
        if let Ok(ty) = HiveType::parse(&k.type_) {
            if ty.is_nested() {
                diags.push(file.error(
                    &path.key("partition_keys").index(i).key("type"),
                    "a partition key must have a primitive type",
                ));
            }
        }
    }

    if kind == Kind::Iceberg {
        for (key, set) in [
            ("format", t.format.is_some()),
            ("serde", t.serde.is_some()),
            ("input_format", t.input_format.is_some()),
            ("output_format", t.output_format.is_some()),
            ("delimiter", t.delimiter.is_some()),
            ("quote", t.quote.is_some()),
            ("escape", t.escape.is_some()),
            ("skip_header_lines", t.skip_header_lines.is_some()),
            ("partition_keys", !t.partition_keys.is_empty()),
            ("projection", t.projection.is_some()),
            ("partitions", t.partitions.is_some()),
        ] {
            if set {
                diags.push(file.error(
                    &path.key(key),
                    format!("`{key}` is not supported for Iceberg tables (Athena stores them as Parquet and manages partitioning)"),
                ));
            }
        }
        for k in t.properties.keys() {
            if k.eq_ignore_ascii_case("table_type") {
                diags.push(file.error(
                    &path.key("properties").key(k),
                    "`table_type` is set by `table_type: iceberg`",
                ));
            }
        }
        spec.parameters = t.properties.clone();
        spec.parameters
            .insert("table_type".into(), "ICEBERG".into());
        return (diags.0.len() == before).then_some(spec);
    }

    // Storage format.
    let text_like = matches!(t.format, Some(Format::Csv | Format::Tsv | Format::Textfile));
    if !text_like {
        for (key, set) in [
            ("delimiter", t.delimiter.is_some()),
            ("skip_header_lines", t.skip_header_lines.is_some()),
        ] {
            if set {
                diags.push(file.error(
                    &path.key(key),
                    format!("`{key}` needs `format: csv`, `tsv` or `textfile`"),
                ));
            }
        }
    }
    if t.format != Some(Format::Csv) {
        for (key, set) in [("quote", t.quote.is_some()), ("escape", t.escape.is_some())] {
            if set {
                diags.push(file.error(&path.key(key), format!("`{key}` needs `format: csv`")));
            }
        }
    }
    if t.quote.is_none() && t.escape.is_some() {
        diags.push(file.error(&path.key("escape"), "`escape` needs `quote` (OpenCSVSerde)"));
    }
    for (key, v) in [
        ("delimiter", &t.delimiter),
        ("quote", &t.quote),
        ("escape", &t.escape),
    ] {
        if let Some(v) = v {
            single_char(file, &path.key(key), key, v, diags);
        }
    }
    let (input, output, serde, serde_params) = expand_format(t);
    spec.input_format = t.input_format.clone().or(input);
    spec.output_format = t.output_format.clone().or(output);
    match &t.serde {
        Some(s) => {
            spec.serde_library = Some(s.library.clone());
            spec.serde_parameters = s.parameters.clone();
        }
        None => {
            spec.serde_library = serde;
            spec.serde_parameters = serde_params;
        }
    }
    if spec.input_format.is_none() || spec.output_format.is_none() || spec.serde_library.is_none() {
        diags.push(file.error(
            &path.key("name"),
            "a table needs a `format` (parquet, orc, json, csv, tsv, avro, textfile) or explicit `serde`, `input_format` and `output_format`",
        ));
    }

    // Properties.
    for k in t.properties.keys() {
        let reserved = k == "EXTERNAL"
            || (t.projection.is_some()
                && (k.starts_with("projection.") || k == "storage.location.template"))
            || (t.skip_header_lines.is_some() && k == "skip.header.line.count");
        if reserved {
            diags.push(file.error(
                &path.key("properties").key(k),
                format!("property `{k}` is set by the tool (from `projection`, `skip_header_lines` or the table type)"),
            ));
        }
        if is_managed_parameter(k) {
            diags.push(file.error(
                &path.key("properties").key(k),
                format!("property `{k}` is maintained by Glue/Athena and cannot be managed"),
            ));
        }
    }
    spec.parameters = t.properties.clone();
    spec.parameters.insert("EXTERNAL".into(), "TRUE".into());
    if let Some(n) = t.skip_header_lines {
        spec.parameters
            .insert("skip.header.line.count".into(), n.to_string());
    }
    if let Some(p) = &t.projection {
        projection(
            file,
            &path.key("projection"),
            p,
            &spec.partition_keys,
            &mut spec.parameters,
            diags,
        );
    }
    if t.partitions.is_some() && t.projection.as_ref().is_some_and(|p| p.enabled) {
        diags.push(file.error(
            &path.key("partitions"),
            "Athena ignores registered `partitions` while partition projection is enabled: remove one, or set `projection.enabled: false`",
        ));
    }
    if let Some(sets) = &t.partitions {
        spec.partitions = Some(partitions(
            file,
            &path.key("partitions"),
            sets,
            &spec,
            diags,
        ));
    }
    (diags.0.len() == before).then_some(spec)
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

/// Converts a Java `DateTimeFormatter` pattern (as partition projection
/// uses) into a chrono format; `None` when a letter is not supported.
pub fn java_to_chrono(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '%' {
                    out.push('%');
                }
                out.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return None;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let mut n = 1;
            while i + n < chars.len() && chars[i + n] == c {
                n += 1;
            }
            let spec = match (c, n) {
                ('y' | 'u', 4) => "%Y",
                ('y' | 'u', 2) => "%y",
                ('M', 2) => "%m",
                ('M', 1) => "%-m",
                ('d', 2) => "%d",
                ('d', 1) => "%-d",
                ('H', 2) => "%H",
                ('H', 1) => "%-H",
                ('m', 2) => "%M",
                ('s', 2) => "%S",
                _ => return None,
            };
            out.push_str(spec);
            i += n;
            continue;
        }
        if c == '%' {
            out.push('%');
        }
        out.push(c);
        i += 1;
    }
    Some(out)
}

/// Parses a date in a chrono format that may lack time fields.
fn parse_projected_date(value: &str, chrono_fmt: &str) -> bool {
    use chrono::format::{parse, Parsed, StrftimeItems};
    let mut p = Parsed::new();
    parse(&mut p, value, StrftimeItems::new(chrono_fmt)).is_ok() && p.year.is_some()
}

fn relative_date(v: &str) -> bool {
    let u = v.trim().to_uppercase();
    let Some(rest) = u.strip_prefix("NOW") else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix(['+', '-']) else {
        return false;
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let unit = &rest[digits.len()..];
    !digits.is_empty()
        && [
            "YEAR", "YEARS", "MONTH", "MONTHS", "WEEK", "WEEKS", "DAY", "DAYS", "HOUR", "HOURS",
            "MINUTE", "MINUTES", "SECOND", "SECONDS",
        ]
        .contains(&unit)
}

const UNITS: &[&str] = &[
    "YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS",
];

fn projection(
    file: &SourceFile,
    path: &YPath,
    p: &config::Projection,
    keys: &[ColumnSpec],
    params: &mut BTreeMap<String, String>,
    diags: &mut Diagnostics,
) {
    params.insert("projection.enabled".into(), p.enabled.to_string());
    if let Some(t) = &p.location_template {
        check_s3(file, &path.key("location_template"), t, diags);
        params.insert("storage.location.template".into(), t.clone());
    }
    if keys.is_empty() {
        diags.push(file.error(path, "partition projection needs `partition_keys`"));
        return;
    }
    let cols: BTreeMap<String, (&String, &ProjectedColumn)> = p
        .columns
        .iter()
        .map(|(k, v)| (k.to_lowercase(), (k, v)))
        .collect();
    for k in keys {
        if p.enabled && !cols.contains_key(&k.name) {
            diags.push(Diagnostic::at(
                file.locate_key(&path.key("columns")),
                format!("partition key `{}` has no projection: Athena needs one for every partition key", k.name),
            ));
        }
    }
    for (name, (written, col)) in &cols {
        let cp = path.key("columns").key(written.as_str());
        let Some(key) = keys.iter().find(|k| &k.name == name) else {
            let mut d = Diagnostic::at(
                file.locate_key(&cp),
                format!("`{written}` is not a partition key of this table"),
            );
            if let Some(s) =
                common::diagnostic::did_you_mean(name, keys.iter().map(|k| k.name.as_str()))
            {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
            continue;
        };
        let prefix = format!("projection.{name}");
        match col {
            ProjectedColumn::Enum { values } => {
                if values.is_empty() {
                    diags.push(file.error(
                        &cp.key("values"),
                        "an enum projection needs at least one value",
                    ));
                }
                params.insert(format!("{prefix}.type"), "enum".into());
                params.insert(format!("{prefix}.values"), values.join(","));
            }
            ProjectedColumn::Integer {
                range,
                interval,
                digits,
            } => {
                if range[0] > range[1] {
                    diags.push(file.error(&cp.key("range"), "the range's start is after its end"));
                }
                if interval.is_some_and(|i| i <= 0) {
                    diags.push(file.error(&cp.key("interval"), "the interval must be positive"));
                }
                if !matches!(
                    key.type_.as_str(),
                    "int" | "bigint" | "smallint" | "tinyint" | "string"
                ) {
                    diags.push(file.error(
                        &cp,
                        format!(
                            "an integer projection needs an integer or string key, not `{}`",
                            key.type_
                        ),
                    ));
                }
                params.insert(format!("{prefix}.type"), "integer".into());
                params.insert(
                    format!("{prefix}.range"),
                    format!("{},{}", range[0], range[1]),
                );
                if let Some(i) = interval {
                    params.insert(format!("{prefix}.interval"), i.to_string());
                }
                if let Some(d) = digits {
                    params.insert(format!("{prefix}.digits"), d.to_string());
                }
            }
            ProjectedColumn::Date {
                range,
                format,
                interval,
                unit,
            } => {
                params.insert(format!("{prefix}.type"), "date".into());
                params.insert(
                    format!("{prefix}.range"),
                    format!("{},{}", range[0], range[1]),
                );
                params.insert(format!("{prefix}.format"), format.clone());
                match java_to_chrono(format) {
                    None => diags.push(file.error(
                        &cp.key("format"),
                        format!("unsupported date format `{format}` (use letters yyyy, yy, MM, M, dd, d, HH, H, mm, ss and quoted text)"),
                    )),
                    Some(cf) => {
                        let mut abs = Vec::new();
                        for (i, v) in range.iter().enumerate() {
                            if relative_date(v) {
                                continue;
                            }
                            if !parse_projected_date(v, &cf) {
                                diags.push(file.error(
                                    &cp.key("range").index(i),
                                    format!("`{v}` does not match the format `{format}` and is not NOW[+-N<UNIT>]"),
                                ));
                            } else {
                                abs.push((i, v));
                            }
                        }
                        if abs.len() == 2 && !format.contains('\'') {
                            // Same format on both sides: compare as parsed.
                            let parse = |s: &str| {
                                chrono::NaiveDateTime::parse_from_str(s, &cf)
                                    .ok()
                                    .or_else(|| NaiveDate::parse_from_str(s, &cf).ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
                            };
                            if let (Some(a), Some(b)) = (parse(abs[0].1), parse(abs[1].1)) {
                                if a > b {
                                    diags.push(file.error(&cp.key("range"), "the range's start is after its end"));
                                }
                            }
                        }
                    }
                }
                if interval.is_some_and(|i| i <= 0) {
                    diags.push(file.error(&cp.key("interval"), "the interval must be positive"));
                }
                if let Some(i) = interval {
                    params.insert(format!("{prefix}.interval"), i.to_string());
                }
                if let Some(u) = unit {
                    let up = u.to_uppercase();
                    if !UNITS.contains(&up.as_str()) {
                        diags.push(file.error(
                            &cp.key("unit"),
                            format!("unknown unit `{u}`; expected one of {}", UNITS.join(", ")),
                        ));
                    }
                    params.insert(format!("{prefix}.interval.unit"), up);
                }
            }
            ProjectedColumn::Injected => {
                params.insert(format!("{prefix}.type"), "injected".into());
            }
        }
    }
}

fn partitions(
    file: &SourceFile,
    path: &YPath,
    sets: &[config::PartitionSet],
    spec: &TableSpec,
    diags: &mut Diagnostics,
) -> Vec<PartitionSpec> {
    let mut out: Vec<PartitionSpec> = Vec::new();
    let mut seen = Seen::new(file);
    if spec.partition_keys.is_empty() {
        diags.push(file.error(path, "`partitions` needs `partition_keys`"));
        return out;
    }
    for (i, set) in sets.iter().enumerate() {
        let sp = path.index(i);
        let values: BTreeMap<String, (&String, &String)> = set
            .values
            .iter()
            .map(|(k, v)| (k.to_lowercase(), (k, v)))
            .collect();
        for (k, (written, _)) in &values {
            if !spec.partition_keys.iter().any(|p| &p.name == k) {
                diags.push(Diagnostic::at(
                    file.locate_key(&sp.key("values").key(written.as_str())),
                    format!("`{written}` is not a partition key of this table"),
                ));
            }
        }
        let mut dates: Vec<Option<String>> = vec![None];
        if let Some(r) = &set.date_range {
            let rp = sp.key("date_range");
            let key = r.key.to_lowercase();
            if !spec.partition_keys.iter().any(|p| p.name == key) {
                diags.push(file.error(
                    &rp.key("key"),
                    format!("`{}` is not a partition key of this table", r.key),
                ));
            }
            if values.contains_key(&key) {
                diags.push(file.error(
                    &rp.key("key"),
                    format!("`{}` is also given in `values`", r.key),
                ));
            }
            let start = NaiveDate::parse_from_str(&r.start, "%Y-%m-%d");
            let end = NaiveDate::parse_from_str(&r.end, "%Y-%m-%d");
            if start.is_err() {
                diags.push(file.error(
                    &rp.key("start"),
                    format!("`{}` is not a date (YYYY-MM-DD)", r.start),
                ));
            }
            if end.is_err() {
                diags.push(file.error(
                    &rp.key("end"),
                    format!("`{}` is not a date (YYYY-MM-DD)", r.end),
                ));
            }
            if start.is_err() || end.is_err() {
                // Reported above. Only the other keys can still lack a
                // value (the range's key has one, just not a valid one).
                let missing: Vec<&str> = spec
                    .partition_keys
                    .iter()
                    .filter(|k| k.name != key && !values.contains_key(&k.name))
                    .map(|k| k.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    diags.push(file.error(
                        &sp,
                        format!("no value for partition key(s) {}", missing.join(", ")),
                    ));
                }
                continue;
            }
            let fmt = r.format.clone().unwrap_or_else(|| "%Y-%m-%d".into());
            if chrono::format::StrftimeItems::new(&fmt)
                .any(|i| matches!(i, chrono::format::Item::Error))
            {
                diags.push(file.error(
                    &rp.key("format"),
                    format!("invalid strftime format `{fmt}`"),
                ));
                continue;
            }
            if let (Ok(s), Ok(e)) = (start, end) {
                if s >= e {
                    diags.push(file.error(
                        &rp.key("end"),
                        "the end (exclusive) must be after the start",
                    ));
                    continue;
                }
                if (e - s).num_days() > 100_000 {
                    diags.push(file.error(&rp.key("end"), "the range is longer than 100,000 days"));
                    continue;
                }
                dates = s
                    .iter_days()
                    .take_while(|d| *d < e)
                    .map(|d| Some(d.format(&fmt).to_string()))
                    .collect();
            }
        }
        for d in dates {
            let mut vals = Vec::new();
            let mut missing = Vec::new();
            for k in &spec.partition_keys {
                let v = match (values.get(&k.name), &set.date_range) {
                    (Some((_, v)), _) => Some((*v).clone()),
                    (None, Some(r)) if r.key.to_lowercase() == k.name => d.clone(),
                    _ => None,
                };
                match v {
                    Some(v) => vals.push(v),
                    None => missing.push(k.name.clone()),
                }
            }
            if !missing.is_empty() {
                diags.push(file.error(
                    &sp,
                    format!("no value for partition key(s) {}", missing.join(", ")),
                ));
                break;
            }
            let location = match &set.location {
                Some(t) => {
                    let mut l = t.clone();
                    for (k, v) in spec.partition_keys.iter().zip(&vals) {
                        l = l.replace(&format!("{{{}}}", k.name), v);
                    }
                    Some(l)
                }
                None => spec.location.as_ref().map(|base| {
                    let mut l = base.trim_end_matches('/').to_string();
                    for (k, v) in spec.partition_keys.iter().zip(&vals) {
                        l.push_str(&format!("/{}={}", k.name, v));
                    }
                    l.push('/');
                    l
                }),
            };
            if let Err(d) = seen.insert("partition", vals.join("/"), sp.clone()) {
                diags.push(d);
                break;
            }
            out.push(PartitionSpec {
                values: vals,
                location,
            });
        }
    }
    out.sort();
    out
}

#[cfg(test)]
pub(crate) mod tests;
