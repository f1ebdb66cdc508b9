//! Validation of the configuration files into the [`Desired`] state, with
//! every error located at its file, line and column.

use std::collections::BTreeMap;

use common::config::{SourceFile, Sources, Unique, YPath};
use common::diagnostic::{Diagnostic, Diagnostics};

use super::partitions::partitions;
use super::projection::projection;
use super::spec::{
    expand_format, is_managed_parameter, projection_parameters, ColumnSpec, DatabaseSpec, Desired,
    Kind, TableSpec, ViewSpec,
};
use crate::config::{self, Format, TableType};
use crate::types::HiveType;

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
pub(super) struct Seen<'a> {
    file: &'a SourceFile,
    first: BTreeMap<String, YPath>,
}

impl<'a> Seen<'a> {
    pub(super) fn new(file: &'a SourceFile) -> Self {
        Seen {
            file,
            first: BTreeMap::new(),
        }
    }

    pub(super) fn insert(
        &mut self,
        what: &str,
        key: String,
        path: YPath,
    ) -> Result<(), Diagnostic> {
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

pub(super) fn check_name(
    file: &SourceFile,
    path: &YPath,
    what: &str,
    name: &str,
    diags: &mut Diagnostics,
) {
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
            schema: None,
        });
        spec.tables.insert(ts.name.clone(), ts);
    }
    (diags.0.len() == before).then_some(spec)
}

pub(super) fn check_s3(file: &SourceFile, path: &YPath, loc: &str, diags: &mut Diagnostics) {
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
                    if key == "partition_keys" {
                        "`partition_keys` is not supported for Iceberg tables: partition by columns and transforms with `partitioned_by`".to_string()
                    } else {
                        format!("`{key}` is not supported for Iceberg tables (Athena stores them as Parquet and manages partitioning)")
                    },
                ));
            }
        }
        super::iceberg::check_properties(file, &path.key("properties"), &t.properties, diags);
        spec.partitioning = super::iceberg::partitioning(
            file,
            &path.key("partitioned_by"),
            &t.partitioned_by,
            &spec.columns,
            diags,
        );
        spec.parameters = t.properties.clone();
        spec.parameters
            .insert("table_type".into(), "ICEBERG".into());
        return (diags.0.len() == before).then_some(spec);
    }

    if !t.partitioned_by.is_empty() {
        diags.push(file.error(
            &path.key("partitioned_by"),
            "`partitioned_by` (partition transforms) is for Iceberg tables; an external table uses `partition_keys`",
        ));
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
            diags,
        );
        spec.parameters.extend(projection_parameters(p));
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
