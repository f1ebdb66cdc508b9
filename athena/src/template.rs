//! athena-rs-compatible SQL templates: every `*.sql` file under the context
//! directory (default: the current directory) is a Tera template named by
//! its path relative to that directory; a directory target renders its
//! `index.sql`, a file target renders that file. `date_range(start, end)`
//! yields the days from `start` up to, not including, `end` (`YYYY-MM-DD`),
//! and Tera's built-in filters (e.g. `date`) are available. The output is
//! trimmed, as athena-rs does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;

const DATE_FORMAT: &str = "%Y-%m-%d";

/// athena-rs's `date_range(start=..., end=...)`: days in `[start, end)`.
pub fn date_range(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let get = |key: &str| -> tera::Result<NaiveDate> {
        let v = args.get(key).ok_or_else(|| {
            tera::Error::msg(format!(
                "Function `date_range` was called without a `{key}` argument"
            ))
        })?;
        let s = v.as_str().ok_or_else(|| {
            tera::Error::msg(format!(
                "Function `date_range` received {key}={v} but it is not a string"
            ))
        })?;
        NaiveDate::parse_from_str(s, DATE_FORMAT).map_err(|_| {
            tera::Error::msg(format!("Function `date_range` received {key}={v} but `{key}` is invalid format ({DATE_FORMAT})"))
        })
    };
    let (start, end) = (get("start")?, get("end")?);
    let days: Vec<String> = start
        .iter_days()
        .take_while(|d| *d < end)
        .map(|d| d.format(DATE_FORMAT).to_string())
        .collect();
    Ok(tera::Value::from(days))
}

/// Every `*.sql` below `dir`. Like athena-rs's directory walk, an entry
/// that cannot be read (an unreadable subdirectory) is skipped, and
/// symbolic links to directories are not followed.
fn collect_sql(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)?.filter_map(Result::ok) {
        let p = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if let Err(e) = collect_sql(&p, out) {
                tracing::warn!("skipping {}: {e}", p.display());
            }
        } else if p.extension().is_some_and(|e| e == "sql") {
            out.push(p);
        }
    }
    Ok(())
}

fn rel_name(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Renders `target` (a directory's `index.sql`, or a file) with every
/// `*.sql` below `context` (default: the current directory) loaded.
pub fn build(target: &Path, context: Option<&Path>) -> anyhow::Result<String> {
    let cwd = match context {
        Some(c) => c.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let working = std::fs::canonicalize(&cwd)
        .with_context(|| format!("could not get full path: {}", cwd.display()))?;
    let full = std::fs::canonicalize(target)
        .with_context(|| format!("couldn't get full path {}", target.display()))?;
    let is_dir = full.is_dir();
    if is_dir {
        let mut entries = std::fs::read_dir(&full)?.peekable();
        if entries.peek().is_none() {
            return Ok(String::new());
        }
        let has_sql = std::fs::read_dir(&full)?
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "sql"));
        if !has_sql {
            anyhow::bail!(
                "{} contains no *.sql file (a directory target needs an index.sql)",
                target.display()
            );
        }
    }
    let mut files = Vec::new();
    collect_sql(&working, &mut files)
        .with_context(|| format!("cannot read {}", working.display()))?;
    files.sort();
    let mut tera = tera::Tera::default();
    let named: Vec<(PathBuf, Option<String>)> = files
        .iter()
        .filter_map(|p| rel_name(p, &working).map(|n| (p.clone(), Some(n))))
        .collect();
    tera.add_template_files(named).map_err(tera_err)?;
    let endpoint = match rel_name(&full, &working) {
        Some(rel) if is_dir => format!("{rel}/index.sql")
            .trim_start_matches('/')
            .to_string(),
        Some(rel) => rel,
        None => {
            // A target outside the context: loaded under its file name.
            let name = full
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    anyhow::anyhow!("could not get file name from {}", target.display())
                })?;
            let file = if is_dir {
                full.join("index.sql")
            } else {
                full.clone()
            };
            let name = if is_dir {
                format!("{name}/index.sql")
            } else {
                name
            };
            tera.add_template_file(&file, Some(&name))
                .map_err(tera_err)?;
            name
        }
    };
    tera.register_function("date_range", date_range);
    let out = tera
        .render(&endpoint, &tera::Context::new())
        .map_err(tera_err)
        .with_context(|| format!("failed to render from {}", target.display()))?;
    Ok(out.trim().to_string())
}

/// Tera errors with their whole cause chain (the useful part is in the sources).
fn tera_err(e: tera::Error) -> anyhow::Error {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    anyhow::anyhow!(msg)
}

/// One statement of a rendered script, with the database its
/// `-- Database: x` / `/* Database: x */` comment names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement, trimmed, comments included (as athena-rs sends them).
    pub sql: String,
    /// The database for QueryExecutionContext.
    pub database: Option<String>,
}

/// Splits a rendered script into statements (`;` in strings or comments is
/// not a break) and reads each one's database comment.
pub fn statements(script: &str) -> Vec<Statement> {
    crate::sql::split_statements(script)
        .into_iter()
        .map(|sql| Statement {
            database: crate::sql::database_comment(&sql),
            sql,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of athena-rs's `examples/` directory.
    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &str| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        };
        w("base/index.sql", "{% include \"base/table_1.sql\" %}\n{% include \"base/table_2.sql\" %}\n{% include \"base/view.sql\" %}\n{% include \"base/table_1_partitions.sql\" %}\n");
        w(
            "base/table_1.sql",
            "CREATE EXTERNAL TABLE IF NOT EXISTS `table_1` (\n  id string,\n  name string\n) LOCATION '{{ s3_bucket }}/table_1';\n",
        );
        w(
            "base/table_2.sql",
            "CREATE EXTERNAL TABLE IF NOT EXISTS `table_2` (\n  id string COMMENT 'a; b',\n  name string\n) LOCATION '{{ s3_bucket }}/table_2';\n",
        );
        w("base/view.sql", "-- Database: db1\nCREATE VIEW \"view\" AS SELECT * FROM table_2;\n\n/* Database: db2 */\nCREATE VIEW \"view\" AS SELECT * FROM table_1;\n");
        w(
            "base/table_1_partitions.sql",
            "/* Database: db */\n-- Add partitions\nALTER TABLE table_name ADD IF NOT EXISTS\n{% for date_str in date_range(start = \"2022-01-01\", end = \"2022-01-04\") %}\n{%- set year = date_str | date(format = \"%Y\") -%}\n{%- set month = date_str | date(format = \"%m\") -%}\n{%- set day = date_str | date(format = \"%d\") -%}\nPARTITION (date_key = \"{{ date_str }}\") LOCATION \"{{ s3_bucket }}/table_1/year={{ year }}/month={{ month }}/day={{ day }}\" \n{%- if loop.last == false %},{% else %};{% endif %}\n{% endfor %}\n",
        );
        w(
            "prd/index.sql",
            "{% set s3_bucket = \"s3://prd\" %}\n\n{% include 'base/index.sql' %}\n",
        );
        w(
            "stg/index.sql",
            "{% set s3_bucket = \"s3://stg\" %}\n{% include 'base/index.sql' %}\n",
        );
        w("single/single.sql", "SELECT {{ 1 + 1 }};\n");
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        std::fs::create_dir_all(dir.path().join("nosql")).unwrap();
        std::fs::write(dir.path().join("nosql/readme.txt"), "x").unwrap();
        dir
    }

    #[test]
    fn renders_environments_like_athena_rs() {
        let p = project();
        let prd = build(&p.path().join("prd"), Some(p.path())).unwrap();
        insta::assert_snapshot!("prd", prd);
        let stg = build(&p.path().join("stg"), Some(p.path())).unwrap();
        assert!(stg.contains("LOCATION 's3://stg/table_1'"));
        assert_eq!(
            build(&p.path().join("single/single.sql"), Some(p.path())).unwrap(),
            "SELECT 2;"
        );
        assert_eq!(build(&p.path().join("empty"), Some(p.path())).unwrap(), "");
        assert!(build(&p.path().join("nosql"), Some(p.path())).is_err());
    }

    #[test]
    fn statements_and_databases() {
        let p = project();
        let prd = build(&p.path().join("prd"), Some(p.path())).unwrap();
        let s = statements(&prd);
        let summary: Vec<String> = s
            .iter()
            .map(|s| {
                format!(
                    "{:?}: {}",
                    s.database,
                    s.sql
                        .lines()
                        .find(|l| !l.starts_with("--") && !l.starts_with("/*"))
                        .unwrap_or("")
                )
            })
            .collect();
        insta::assert_snapshot!(summary.join("\n"));
    }

    #[test]
    fn date_range_errors() {
        let mut a = HashMap::new();
        a.insert("start".to_string(), tera::Value::from("2022-01-29"));
        a.insert("end".to_string(), tera::Value::from("2022-02-02"));
        assert_eq!(
            date_range(&a).unwrap(),
            tera::Value::from(vec!["2022-01-29", "2022-01-30", "2022-01-31", "2022-02-01"])
        );
        a.insert("end".to_string(), tera::Value::from("02/02/2022"));
        assert!(date_range(&a)
            .unwrap_err()
            .to_string()
            .contains("invalid format"));
        a.remove("start");
        assert!(date_range(&a)
            .unwrap_err()
            .to_string()
            .contains("without a `start`"));
    }
}
