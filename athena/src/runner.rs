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
    /// Statements run at once (1: one by one, in order, as athena-rs).
    /// Above 1, see [`crate::schedule`]: a failed statement stops the
    /// statements that depend on it, and the run exits 1.
    pub parallelism: usize,
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
    if o.parallelism > 1 {
        let ok = run_parallel(c, tool, &stmts, o.parallelism).await;
        eprintln!("({:.1} s)", started.elapsed().as_secs_f64());
        return Ok(ok);
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

/// How one statement of a parallel run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Succeeded,
    Failed(String),
    /// Not run: it depends on this failed or skipped statement.
    Skipped(usize),
}

/// Runs statements concurrently (at most `limit` at once) in dependency
/// order; prints what ran. `false` when a statement failed.
async fn run_parallel(
    c: &crate::live::Clients,
    tool: &Athena,
    stmts: &[Statement],
    limit: usize,
) -> bool {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let n = stmts.len();
    let targets: Vec<crate::schedule::Target> = stmts.iter().map(crate::schedule::target).collect();
    let deps = crate::schedule::dependencies(&targets);
    let mut state = vec![State::Pending; n];
    let mut running = FuturesUnordered::new();
    loop {
        for i in 0..n {
            if state[i] != State::Pending {
                continue;
            }
            if let Some(&d) = deps[i]
                .iter()
                .find(|&&d| matches!(state[d], State::Failed(_) | State::Skipped(_)))
            {
                state[i] = State::Skipped(d);
                continue;
            }
            if running.len() < limit && deps[i].iter().all(|&d| state[d] == State::Succeeded) {
                state[i] = State::Running;
                let s = &stmts[i];
                let what = match &targets[i] {
                    crate::schedule::Target::Table(d, t) => format!("{d}.{t}"),
                    crate::schedule::Target::Barrier => "barrier".into(),
                };
                eprintln!("[{}/{n}] started ({what})", i + 1);
                running.push(async move {
                    let t = Instant::now();
                    let r = query::run_to_end(&c.athena, &tool.opts, s.database.as_deref(), &s.sql)
                        .await;
                    (i, r, t.elapsed())
                });
            }
        }
        let Some((i, r, took)) = running.next().await else {
            break;
        };
        state[i] = match r {
            Ok(f) if f.succeeded() => {
                eprintln!(
                    "[{}/{n}] SUCCEEDED ({}, {:.1} s)",
                    i + 1,
                    f.id,
                    took.as_secs_f64()
                );
                State::Succeeded
            }
            Ok(f) => {
                let why = format!(
                    "{} ({}): {}",
                    f.state.as_str(),
                    f.id,
                    f.reason.as_deref().unwrap_or("no reason given")
                );
                eprintln!("[{}/{n}] {why}", i + 1);
                State::Failed(why)
            }
            Err(e) => {
                eprintln!("[{}/{n}] error: {e:#}", i + 1);
                State::Failed(format!("{e:#}"))
            }
        };
    }
    let count = |f: &dyn Fn(&State) -> bool| state.iter().filter(|s| f(s)).count();
    let ok = count(&|s| *s == State::Succeeded);
    eprintln!(
        "Statistics: {ok} succeeded, {} failed or cancelled, {} not run",
        count(&|s| matches!(s, State::Failed(_))),
        count(&|s| matches!(s, State::Skipped(_)))
    );
    for (i, s) in state.iter().enumerate() {
        match s {
            State::Failed(why) => eprintln!("  statement {}/{n} failed: {why}", i + 1),
            State::Skipped(d) => eprintln!(
                "  statement {}/{n} not run: it depends on statement {}",
                i + 1,
                d + 1
            ),
            _ => {}
        }
    }
    ok == n
}
