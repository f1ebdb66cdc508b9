//! `athena import`: writes the configuration of existing databases (tables
//! with their format shorthand and partition projection, views), so that
//! `plan` on the result shows no changes. Registered partitions are not
//! imported: they stay unmanaged until a `partitions` list is added.

use std::collections::BTreeMap;

use crate::config::{self, Format, ProjectedColumn, TableType};
use crate::glue;
use crate::live::{self, Clients};
use crate::model::{self, ColumnSpec, Kind, TableSpec};

fn column(c: &ColumnSpec) -> config::Column {
    config::Column {
        name: c.name.clone(),
        type_: c.type_.clone(),
        comment: c.comment.clone(),
    }
}

fn empty_table(t: &TableSpec) -> config::Table {
    config::Table {
        name: t.name.clone(),
        table_type: TableType::External,
        comment: t.description.clone(),
        location: t.location.clone(),
        format: None,
        delimiter: None,
        quote: None,
        escape: None,
        skip_header_lines: None,
        serde: None,
        input_format: None,
        output_format: None,
        columns: t.columns.iter().map(column).collect(),
        partition_keys: t.partition_keys.iter().map(column).collect(),
        partitioned_by: t.partitioning.iter().map(|p| p.to_string()).collect(),
        properties: BTreeMap::new(),
        projection: None,
        partitions: None,
    }
}

/// The format shorthand (with its options) that expands exactly to the
/// table's storage, if any.
fn detect_format(t: &TableSpec) -> Option<config::Table> {
    let lib = t.serde_library.as_deref()?;
    let p = &t.serde_parameters;
    let mut c = empty_table(t);
    match lib {
        model::PARQUET_SERDE => c.format = Some(Format::Parquet),
        model::ORC_SERDE => c.format = Some(Format::Orc),
        model::JSON_SERDE => c.format = Some(Format::Json),
        model::AVRO_SERDE => c.format = Some(Format::Avro),
        model::OPENCSV_SERDE => {
            c.format = Some(Format::Csv);
            c.quote = Some(p.get("quoteChar").cloned().unwrap_or_else(|| "\"".into()));
            c.delimiter = p
                .get("separatorChar")
                .filter(|d| d.as_str() != ",")
                .cloned();
            c.escape = p.get("escapeChar").cloned();
        }
        model::LAZY_SERDE => match p.get("field.delim").map(String::as_str) {
            Some(",") => c.format = Some(Format::Csv),
            Some("\t") => c.format = Some(Format::Tsv),
            Some(d) => {
                c.format = Some(Format::Textfile);
                c.delimiter = Some(d.to_string());
            }
            None => c.format = Some(Format::Textfile),
        },
        _ => return None,
    }
    Some(c)
}

/// Parses `projection.*` properties back into a typed projection; `None`
/// when they do not fit the typed form exactly.
fn parse_projection(t: &TableSpec, props: &BTreeMap<String, String>) -> Option<config::Projection> {
    let enabled = props
        .get("projection.enabled")?
        .eq_ignore_ascii_case("true");
    let mut columns = BTreeMap::new();
    for k in &t.partition_keys {
        let get = |s: &str| props.get(&format!("projection.{}.{s}", k.name)).cloned();
        let Some(ty) = get("type") else { continue };
        let col = match ty.to_lowercase().as_str() {
            "enum" => ProjectedColumn::Enum {
                values: get("values")?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect(),
            },
            "integer" => {
                let r = get("range")?;
                let (a, b) = r.split_once(',')?;
                ProjectedColumn::Integer {
                    range: [a.trim().parse().ok()?, b.trim().parse().ok()?],
                    interval: get("interval").map(|s| s.parse()).transpose().ok()?,
                    digits: get("digits").map(|s| s.parse()).transpose().ok()?,
                }
            }
            "date" => {
                let r = get("range")?;
                let (a, b) = r.split_once(',')?;
                ProjectedColumn::Date {
                    range: [a.trim().to_string(), b.trim().to_string()],
                    format: get("format")?,
                    interval: get("interval").map(|s| s.parse()).transpose().ok()?,
                    unit: get("interval.unit"),
                }
            }
            "injected" => ProjectedColumn::Injected,
            _ => return None,
        };
        columns.insert(k.name.clone(), col);
    }
    Some(config::Projection {
        enabled,
        location_template: props.get("storage.location.template").cloned(),
        columns,
    })
}

/// The configuration of one table as read from Glue.
pub fn table_config(t: &TableSpec) -> config::Table {
    if t.kind == Kind::Iceberg {
        let mut c = empty_table(t);
        c.table_type = TableType::Iceberg;
        c.properties = t.parameters.clone();
        c.properties.remove("table_type");
        return c;
    }
    let mut c = detect_format(t).unwrap_or_else(|| empty_table(t));
    let mut props = t.parameters.clone();
    if props.get("EXTERNAL").is_some_and(|v| v == "TRUE") {
        props.remove("EXTERNAL");
    }
    if matches!(c.format, Some(Format::Csv | Format::Tsv | Format::Textfile)) {
        if let Some(n) = props
            .get("skip.header.line.count")
            .and_then(|v| v.parse().ok())
        {
            c.skip_header_lines = Some(n);
            props.remove("skip.header.line.count");
        }
    }
    if let Some(p) = parse_projection(t, &props) {
        // Keep the typed form only if it renders back to exactly the same properties.
        let rendered = model::projection_parameters(&p);
        let original: BTreeMap<String, String> = props
            .iter()
            .filter(|(k, _)| k.starts_with("projection.") || *k == "storage.location.template")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if rendered == original {
            props
                .retain(|k, _| !(k.starts_with("projection.") || k == "storage.location.template"));
            c.projection = Some(p);
        }
    }
    c.properties = props;
    // The shorthand must reproduce the storage exactly; otherwise be explicit.
    let check = {
        let mut probe = c.clone();
        probe.properties.clear();
        probe.projection = None;
        model::expand_format(&probe)
    };
    let live = (
        t.input_format.clone(),
        t.output_format.clone(),
        t.serde_library.clone(),
        t.serde_parameters.clone(),
    );
    if c.format.is_none() || check != live {
        c.format = None;
        c.delimiter = None;
        c.quote = None;
        c.escape = None;
        if let Some(n) = c.skip_header_lines.take() {
            c.properties
                .insert("skip.header.line.count".into(), n.to_string());
        }
        c.input_format = t.input_format.clone();
        c.output_format = t.output_format.clone();
        c.serde = t.serde_library.clone().map(|library| config::Serde {
            library,
            parameters: t.serde_parameters.clone(),
        });
    }
    c
}

/// Concurrent Iceberg metadata reads of `import` (the default `--parallelism`).
const IMPORT_PARALLELISM: usize = 8;

/// Reads the named databases (all when empty) and returns their configuration.
pub async fn import(c: &Clients, names: &[String]) -> anyhow::Result<config::File> {
    let wanted: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let dbs = live::databases(c).await?;
    let mut found = Vec::new();
    for d in &dbs {
        let spec = glue::database_spec(d);
        if wanted.is_empty() || wanted.contains(&spec.name) {
            found.push(spec);
        }
    }
    for w in &wanted {
        if !found.iter().any(|d| &d.name == w) {
            anyhow::bail!("database `{w}` does not exist in Glue");
        }
    }
    let mut file = config::File::default();
    for d in found {
        let raw = live::tables(c, &d.name).await?;
        let jobs: Vec<(String, String, String)> = raw
            .iter()
            .filter_map(|t| {
                live::metadata_location(t).map(|m| (d.name.clone(), t.name.to_lowercase(), m))
            })
            .collect();
        let mut tables: Vec<TableSpec> = raw.iter().map(glue::table_spec).collect();
        // Iceberg tables as their metadata says (as `plan` reads them).
        for (_, name, ice) in live::iceberg_specs(c, jobs, IMPORT_PARALLELISM).await? {
            if let Some(t) = tables.iter_mut().find(|t| t.name == name) {
                live::apply_iceberg(t, ice);
            }
        }
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        let mut db = config::Database {
            name: d.name.clone(),
            description: d.description.clone(),
            location: d.location.clone(),
            parameters: d.parameters.clone(),
            delete_unmanaged: false,
            tables: Vec::new(),
            views: Vec::new(),
        };
        for t in &tables {
            match (&t.kind, &t.view) {
                (Kind::View, Some(v)) => db.views.push(config::View {
                    name: t.name.clone(),
                    sql: v.sql.clone(),
                    columns: Vec::new(),
                }),
                (Kind::View, None) => {}
                _ => db.tables.push(table_config(t)),
            }
        }
        file.databases.push(db);
    }
    Ok(file)
}

fn escape_env(v: &mut serde_yaml::Value) {
    match v {
        serde_yaml::Value::String(s) if s.contains("${") => *s = s.replace("${", "$${"),
        serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(escape_env),
        serde_yaml::Value::Mapping(m) => m.iter_mut().for_each(|(_, v)| escape_env(v)),
        _ => {}
    }
}

/// The YAML text of an imported configuration; `${` is written `$${` so
/// that loading it does not substitute environment variables.
pub fn to_yaml(file: &config::File) -> anyhow::Result<String> {
    let mut v = serde_yaml::to_value(file)?;
    escape_env(&mut v);
    let body = serde_yaml::to_string(&v)?;
    Ok(format!("# Written by `athena import`.\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::parse;

    #[test]
    fn import_reproduces_each_format() {
        let y = r#"
databases:
  - name: d
    tables:
      - {name: p, location: s3://b/p/, format: parquet, columns: [{name: a, type: int}]}
      - {name: o, location: s3://b/o/, format: orc, columns: [{name: a, type: int}]}
      - {name: j, location: s3://b/j/, format: json, columns: [{name: a, type: int}]}
      - {name: av, location: s3://b/av/, format: avro, columns: [{name: a, type: int}]}
      - {name: c, location: s3://b/c/, format: csv, skip_header_lines: 2, columns: [{name: a, type: int}]}
      - {name: q, location: s3://b/q/, format: csv, quote: "'", delimiter: ";", escape: "\\", columns: [{name: a, type: int}]}
      - {name: t, location: s3://b/t/, format: tsv, columns: [{name: a, type: int}]}
      - {name: x, location: s3://b/x/, format: textfile, delimiter: "|", columns: [{name: a, type: int}]}
      - {name: x2, location: s3://b/x2/, format: textfile, columns: [{name: a, type: int}]}
      - name: pr
        location: s3://b/pr/
        format: parquet
        columns: [{name: a, type: int}]
        partition_keys: [{name: dt, type: string}, {name: n, type: int}, {name: r, type: string}, {name: i, type: string}]
        projection:
          location_template: s3://b/pr/$${dt}/$${n}/$${r}/$${i}/
          columns:
            dt: {type: date, format: yyyy-MM-dd, range: ["2024-01-01", "NOW"], interval: 1, unit: DAYS}
            n: {type: integer, range: [1, 10], digits: 2}
            r: {type: enum, values: [a, b]}
            i: {type: injected}
      - name: ex
        location: s3://b/ex/
        serde: {library: com.example.MySerDe, parameters: {k: v}}
        input_format: com.example.In
        output_format: com.example.Out
        columns: [{name: a, type: int}]
      - {name: ice, table_type: iceberg, location: s3://b/ice/, columns: [{name: a, type: int}], partitioned_by: ["bucket(8, a)"], properties: {write_compression: zstd}}
"#;
        let d = parse(y).unwrap();
        let db = &d.databases["d"];
        let file = config::File {
            databases: vec![config::Database {
                name: "d".into(),
                description: None,
                location: None,
                parameters: BTreeMap::new(),
                delete_unmanaged: false,
                tables: db.tables.values().map(table_config).collect(),
                views: Vec::new(),
            }],
        };
        let text = to_yaml(&file).unwrap();
        let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, d, "{text}");
        insta::assert_snapshot!(text);
    }
}
