//! athena-rs's `apply` on templates: build the SQL, print it, run
//! `SELECT 1` as a health check, then run every statement with the database
//! its `-- Database:` comment names.
//!
//! Same results as athena-rs by default: a FAILED or CANCELLED statement is
//! reported and the run goes on, exit 0; an API error (credentials,
//! throttling beyond retries, a bad output location) stops the run, exit 1.
//! Differences, on purpose (docs/migration.md): `--dry-run true` executes
//! nothing (athena-rs parses the flag and runs everything anyway), `--strict`
//! stops at the first failed statement and exits 1, polling backs off from
//! 100 ms instead of sleeping 5 s, progress goes to stderr without
//! timestamps, and the pretty (non `--no-pretty true`) output is plain SQL
//! rather than bat's terminal rendering.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use crate::query::{self, Finished};
use crate::template::{self, Statement};
use crate::tool::Athena;

/// How a template run behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// athena-rs `--no-pretty true`: SQL printed exactly as rendered, with
    /// no separator (athena-rs's `print!`).
    pub no_pretty: bool,
    /// Print the SQL and what would run; execute nothing.
    pub dry_run: bool,
    /// Stop at the first FAILED / CANCELLED statement and exit 1.
    pub strict: bool,
}

/// Whether `apply PATH` means templates: a `*.sql` file, or a directory
/// without top-level `*.yaml` / `*.yml` files that is empty or holds a
/// top-level `*.sql` file (athena-rs's own requirement).
pub fn is_template_path(path: &Path) -> bool {
    if path.is_file() {
        return path.extension().is_some_and(|e| e == "sql");
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return false;
    };
    let names: Vec<std::path::PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    let ext = |p: &std::path::PathBuf, x: &str| p.extension().is_some_and(|e| e == x);
    if names.iter().any(|p| ext(p, "yaml") || ext(p, "yml")) {
        return false;
    }
    names.is_empty() || names.iter().any(|p| ext(p, "sql"))
}

fn show(out: &mut impl Write, sql: &str, o: &Options) -> std::io::Result<()> {
    if o.no_pretty {
        write!(out, "{sql}")?;
    } else if !sql.is_empty() {
        writeln!(out, "{sql}")?;
    }
    out.flush()
}

/// What a template run did.
#[derive(Debug, Default)]
pub struct Report {
    /// Statements that SUCCEEDED (1-based, health check excluded).
    pub succeeded: Vec<usize>,
    /// Statements that FAILED or were CANCELLED, with Athena's reason.
    pub failed: Vec<(usize, String)>,
    /// Statements never started.
    pub not_run: Vec<usize>,
}

/// Builds `path` (with `context`) and runs it as athena-rs's `apply` does.
/// `Ok(false)` when `--strict` stopped at a failed statement.
pub async fn apply_templates(
    tool: &Athena,
    path: &Path,
    context: Option<&Path>,
    o: Options,
) -> anyhow::Result<bool> {
    let sql = template::build(path, context)?;
    let mut out = std::io::stdout().lock();
    show(&mut out, &sql, &o)?;
    let stmts = template::statements(&sql);
    let n = stmts.len();
    if o.dry_run {
        for (i, s) in stmts.iter().enumerate() {
            eprintln!(
                "[{}/{n}] database: {} (dry run: not executed)",
                i + 1,
                s.database.as_deref().unwrap_or("(default)")
            );
        }
        eprintln!("Dry run: {n} statement(s) rendered, none executed.");
        return Ok(true);
    }
    let c = tool.clients().await?;
    let started = Instant::now();
    // athena-rs's health check, with no database.
    let health = Statement {
        sql: "SELECT 1".into(),
        database: None,
    };
    let h = run_one(c, tool, &mut out, &health, "health check", &o).await?;
    let mut report = Report::default();
    if o.strict && !h.succeeded() {
        eprintln!(
            "error: the health check (SELECT 1) ended {}; {n} statement(s) after it were not run (--strict)",
            h.state.as_str()
        );
        return Ok(false);
    }
    for (i, s) in stmts.iter().enumerate() {
        let f = run_one(c, tool, &mut out, s, &format!("{}/{n}", i + 1), &o).await?;
        if f.succeeded() {
            report.succeeded.push(i + 1);
            continue;
        }
        report
            .failed
            .push((i + 1, f.reason.unwrap_or_else(|| f.state.as_str().into())));
        if o.strict {
            report.not_run = (i + 2..=n).collect();
            break;
        }
    }
    eprintln!(
        "Statistics: {} succeeded, {} failed or cancelled, {} not run ({:.1} s)",
        report.succeeded.len(),
        report.failed.len(),
        report.not_run.len(),
        started.elapsed().as_secs_f64()
    );
    if o.strict && !report.failed.is_empty() {
        let (i, why) = &report.failed[0];
        eprintln!(
            "error: statement {i}/{n} failed ({why}); {} statement(s) after it were not run (--strict)",
            report.not_run.len()
        );
        return Ok(false);
    }
    Ok(true)
}

async fn run_one(
    c: &crate::live::Clients,
    tool: &Athena,
    out: &mut impl Write,
    s: &Statement,
    label: &str,
    o: &Options,
) -> anyhow::Result<Finished> {
    match &s.database {
        Some(db) => eprintln!("[{label}] Submitting to database `{db}`:"),
        None => eprintln!("[{label}] Submitting ..."),
    }
    show(out, &s.sql, o)?;
    let t = Instant::now();
    let f = query::run_to_end(&c.athena, &tool.opts, s.database.as_deref(), &s.sql).await?;
    if f.succeeded() {
        eprintln!(
            "[{label}] State: {} ({}, {:.1} s)",
            f.state.as_str(),
            f.id,
            t.elapsed().as_secs_f64()
        );
    } else {
        eprintln!(
            "[{label}] State: {} ({}): {}",
            f.state.as_str(),
            f.id,
            f.reason.as_deref().unwrap_or("no reason given")
        );
    }
    Ok(f)
}
