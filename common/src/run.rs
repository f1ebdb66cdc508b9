//! The verbs every tool shares — `validate`, `plan`, `apply` — written once
//! against the [`Tool`] trait. A tool supplies loading, live reading, a pure
//! diff and an executor; this module does the rest the same way for all.

use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};

use serde::Serialize;

use crate::cli::{ApplyArgs, AsApplyArgs, CommonCmd, GlobalArgs, PlanArgs, ValidateArgs};
use crate::config::{EnvMode, Sources};
use crate::diagnostic::Diagnostics;
use crate::exit;
use crate::plan::{fingerprint, Action, Note, Plan, Planned, PLAN_FORMAT_VERSION};
use crate::render::{self, Format};

/// What a tool's diff returns: ordered changes and informational notes.
#[derive(Debug)]
pub struct Diff<Op> {
    /// Changes in the order apply must run them.
    pub changes: Vec<Planned<Op>>,
    /// Findings that are not changes (unmanaged objects, ...).
    pub notes: Vec<Note>,
}

impl<Op> Default for Diff<Op> {
    fn default() -> Self {
        Diff {
            changes: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Records which changes an apply has completed, for the final report, and
/// shows a progress bar on stderr when it is a terminal.
#[derive(Debug, Default)]
pub struct ApplyLog {
    done: Vec<String>,
    progress: Option<indicatif::ProgressBar>,
}

impl ApplyLog {
    /// A log for `total` changes; with a progress bar when stderr is a terminal.
    pub fn new(total: usize) -> Self {
        let progress = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        ApplyLog {
            done: Vec::new(),
            progress,
        }
    }

    /// Marks a change (by address) as durably applied.
    pub fn done(&mut self, address: &str) {
        tracing::info!(address, "applied");
        if let Some(bar) = &self.progress {
            bar.set_message(address.to_string());
            bar.inc(1);
        }
        self.done.push(address.to_string());
    }

    fn finish(&self) {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
    }

    /// Addresses applied so far.
    pub fn applied(&self) -> &[String] {
        &self.done
    }
}

/// The verb on whose behalf a configuration is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `validate`: offline, lenient about unset variables unless `--require-env`.
    Validate,
    /// `plan`.
    Plan,
    /// `apply`.
    Apply,
    /// A tool's own verb that reads a configuration (`import`, `inspect`, ...).
    Other,
}

/// What [`Tool::load`] knows of the run it loads for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadContext {
    /// The verb.
    pub verb: Verb,
    /// Whether every `${VAR}` and every secret taken from the environment
    /// (e.g. grant's `password: {env: X}`) must be set.
    pub env: EnvMode,
    /// The selected environment (kafka-config's `--env`), if any.
    pub environment: Option<String>,
}

impl LoadContext {
    /// The context of `verb`: `validate` is lenient about the environment,
    /// every other verb requires it.
    pub fn new(verb: Verb) -> Self {
        let env = match verb {
            Verb::Validate => EnvMode::Lenient,
            _ => EnvMode::Require,
        };
        LoadContext {
            verb,
            env,
            environment: None,
        }
    }

    /// Sets the environment strictness.
    pub fn with_env(mut self, env: EnvMode) -> Self {
        self.env = env;
        self
    }

    /// Selects an environment.
    pub fn with_environment(mut self, environment: Option<&str>) -> Self {
        self.environment = environment.map(str::to_string);
        self
    }

    /// True when unset environment variables are errors.
    pub fn require_env(&self) -> bool {
        self.env == EnvMode::Require
    }
}

/// One infrastructure tool: how to load its configuration, read the live
/// system, diff the two and carry out a plan.
pub trait Tool {
    /// The binary's name, as shown in plans.
    const NAME: &'static str;
    /// The validated desired state.
    type Desired: Serialize;
    /// The live state, read with a constant number of batched requests
    /// (`Sync`: its fingerprint is computed on another thread during the diff).
    type Live: Serialize + Sync;
    /// One executable step (a SQL statement, an API call).
    type Op;

    /// Parses and validates the configuration. Offline: no network.
    fn load(&self, sources: &Sources, ctx: &LoadContext) -> Result<Self::Desired, Diagnostics>;

    /// The JSON Schema of the configuration format, pretty-printed (`schema`).
    fn schema() -> String;

    /// What the plan targets, secrets redacted (a URL, a cluster name, ...).
    fn target(&self, desired: &Self::Desired) -> String;

    /// Reads the live state of everything the configuration manages.
    fn read_live(
        &self,
        desired: &Self::Desired,
    ) -> impl Future<Output = anyhow::Result<Self::Live>>;

    /// Changes the configuration asks for that the live system cannot
    /// carry out (checked after reading, before diffing); `plan` and `apply`
    /// stop on them with nothing applied. None by default.
    fn check(&self, _desired: &Self::Desired, _live: &Self::Live) -> anyhow::Result<()> {
        Ok(())
    }

    /// The pure difference between desired and live state.
    fn diff(&self, desired: &Self::Desired, live: &Self::Live) -> Diff<Self::Op>;

    /// Executes the changes in order, calling [`ApplyLog::done`] as each one
    /// becomes durable; stops at the first failure.
    fn apply(
        &self,
        desired: &Self::Desired,
        changes: &[Planned<Self::Op>],
        log: &mut ApplyLog,
    ) -> impl Future<Output = anyhow::Result<()>>;
}

/// A failure of a verb, already reported on stderr.
struct Reported;

fn report_diags(d: &Diagnostics) -> Reported {
    eprintln!("{d}");
    Reported
}

fn report_err(e: &anyhow::Error) -> Reported {
    eprintln!("error: {e:#}");
    Reported
}

/// Loads configuration files and lets the tool validate them.
pub fn load<T: Tool>(
    tool: &T,
    path: &std::path::Path,
    ctx: &LoadContext,
) -> Result<T::Desired, Diagnostics> {
    let sources = Sources::load(path, ctx.env)?;
    tool.load(&sources, ctx)
}

/// Carries out one of the shared verbs for a tool whose command line is `C`;
/// `environment` is the selected environment, for tools that have them.
pub async fn dispatch<T: Tool, C: clap::CommandFactory, A: clap::Args + AsApplyArgs>(
    tool: &T,
    g: &GlobalArgs,
    cmd: &CommonCmd<A>,
    environment: Option<&str>,
) -> u8 {
    match cmd {
        CommonCmd::Validate(a) => validate(tool, g, a, environment),
        CommonCmd::Plan(a) => {
            let ctx = LoadContext::new(Verb::Plan).with_environment(environment);
            plan(tool, g, a, &ctx).await
        }
        CommonCmd::Apply(a) => {
            let ctx = LoadContext::new(Verb::Apply).with_environment(environment);
            apply(tool, g, a.apply_args(), &ctx).await
        }
        CommonCmd::Schema => {
            println!("{}", T::schema());
            exit::SUCCESS
        }
        CommonCmd::Completions(a) => crate::cli::print_completions::<C>(a.shell),
        CommonCmd::Man => crate::cli::print_man::<C>(),
    }
}

/// Everything `plan` computes.
pub struct Computed<T: Tool> {
    /// The desired state.
    pub desired: T::Desired,
    /// The changes with their operations.
    pub changes: Vec<Planned<T::Op>>,
    /// The rendered, savable plan.
    pub plan: Plan,
}

/// Loads, reads live state and diffs: the common part of `plan` and `apply`.
pub async fn compute<T: Tool>(
    tool: &T,
    path: &std::path::Path,
    ctx: &LoadContext,
) -> anyhow::Result<Result<Computed<T>, Diagnostics>> {
    let desired = match load(tool, path, ctx) {
        Ok(d) => d,
        Err(diags) => return Ok(Err(diags)),
    };
    let live = tool.read_live(&desired).await?;
    tool.check(&desired, &live)?;
    // The live fingerprint (serializing and hashing the whole live state) on
    // a second thread while the diff runs: the same value, sooner.
    let (diff, live_fingerprint) = std::thread::scope(|s| {
        let hashing = s.spawn(|| fingerprint(&live));
        let diff = tool.diff(&desired, &live);
        let fingerprint = hashing.join();
        (
            diff,
            fingerprint.unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        tool: T::NAME.to_string(),
        target: tool.target(&desired),
        live_fingerprint,
        config_fingerprint: fingerprint(&desired),
        changes: diff.changes.iter().map(|p| p.change.clone()).collect(),
        notes: diff.notes,
    };
    Ok(Ok(Computed {
        desired,
        changes: diff.changes,
        plan,
    }))
}

async fn compute_reported<T: Tool>(
    tool: &T,
    path: &std::path::Path,
    ctx: &LoadContext,
) -> Result<Computed<T>, Reported> {
    match compute(tool, path, ctx).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(d)) => Err(report_diags(&d)),
        Err(e) => Err(report_err(&e)),
    }
}

/// `validate`: offline checks; exit 0 or 1. `environment` is the selected
/// environment (none: a tool with environments checks them all).
pub fn validate<T: Tool>(
    tool: &T,
    _g: &GlobalArgs,
    a: &ValidateArgs,
    environment: Option<&str>,
) -> u8 {
    let mode = if a.require_env {
        EnvMode::Require
    } else {
        EnvMode::Lenient
    };
    let ctx = LoadContext::new(Verb::Validate)
        .with_env(mode)
        .with_environment(environment);
    match load(tool, &a.path, &ctx) {
        Ok(_) => {
            println!("{}: configuration is valid.", a.path.display());
            exit::SUCCESS
        }
        Err(d) => {
            report_diags(&d);
            exit::ERROR
        }
    }
}

/// `plan`: prints (and optionally saves) the plan.
pub async fn plan<T: Tool>(tool: &T, g: &GlobalArgs, a: &PlanArgs, ctx: &LoadContext) -> u8 {
    let Ok(c) = compute_reported(tool, &a.path, ctx).await else {
        return exit::ERROR;
    };
    print!("{}", render::render(&c.plan, a.format, g.color()));
    if let Some(out) = &a.out {
        let json = render::json(&c.plan);
        if let Err(e) = std::fs::write(out, json) {
            eprintln!("error: cannot write plan to {}: {e}", out.display());
            return exit::ERROR;
        }
        eprintln!(
            "Saved the plan to {}; apply it with `{} apply {} --plan {}`.",
            out.display(),
            T::NAME,
            a.path.display(),
            out.display()
        );
    }
    if a.detailed_exitcode && !c.plan.is_empty() {
        exit::CHANGES
    } else {
        exit::SUCCESS
    }
}

/// Why a saved plan does not match the plan computed now; `None` when it does.
pub fn stale_reason(saved: &Plan, now: &Plan) -> Option<String> {
    if saved.format_version != now.format_version {
        return Some(format!(
            "the saved plan has format version {}, this tool writes {}",
            saved.format_version, now.format_version
        ));
    }
    if saved.tool != now.tool {
        return Some(format!(
            "the saved plan was made by `{}`, not `{}`",
            saved.tool, now.tool
        ));
    }
    if saved.config_fingerprint != now.config_fingerprint {
        return Some("the configuration changed since the plan was saved".into());
    }
    if saved.live_fingerprint != now.live_fingerprint {
        return Some("the live state changed since the plan was saved".into());
    }
    // A destructive reason may quote figures that move while data flows
    // (the bytes a retention cut would delete); whether a change is
    // destructive is part of the plan, the wording is not.
    let shape = |changes: &[crate::plan::Change]| -> Vec<crate::plan::Change> {
        changes
            .iter()
            .map(|c| crate::plan::Change {
                destructive: c.destructive.as_ref().map(|_| String::new()),
                ..c.clone()
            })
            .collect()
    };
    if shape(&saved.changes) != shape(&now.changes) {
        return Some("the changes computed now differ from the saved plan".into());
    }
    None
}

fn confirm() -> bool {
    eprint!("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    line.trim() == "yes"
}

/// `apply`: checks, confirms, executes and reports.
pub async fn apply<T: Tool>(tool: &T, g: &GlobalArgs, a: &ApplyArgs, ctx: &LoadContext) -> u8 {
    let Ok(c) = compute_reported(tool, &a.path, ctx).await else {
        return exit::ERROR;
    };
    if let Some(saved_path) = &a.plan {
        let saved: Plan = match std::fs::read_to_string(saved_path)
            .map_err(anyhow::Error::from)
            .and_then(|s| serde_json::from_str(&s).map_err(anyhow::Error::from))
        {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "error: cannot read saved plan {}: {e:#}",
                    saved_path.display()
                );
                return exit::ERROR;
            }
        };
        if let Some(reason) = stale_reason(&saved, &c.plan) {
            eprintln!(
                "error: refusing a stale plan: {reason}. Nothing was applied; run `{} plan` again.",
                T::NAME
            );
            return exit::ERROR;
        }
    }
    print!("{}", render::render(&c.plan, a.format, g.color()));
    if c.plan.is_empty() {
        return exit::SUCCESS;
    }
    let destructive: Vec<_> = c.plan.destructive_changes().collect();
    if !destructive.is_empty() && !a.allow_destructive {
        eprintln!("error: the plan has destructive changes; nothing was applied. Re-run with --allow-destructive to apply:");
        for d in destructive {
            eprintln!(
                "  {} {}: {}",
                d.action.symbol(),
                d.address,
                d.destructive.as_deref().unwrap_or("")
            );
        }
        return exit::ERROR;
    }
    if !a.auto_approve && std::io::stdin().is_terminal() && !confirm() {
        eprintln!("Apply cancelled; nothing was applied.");
        return exit::ERROR;
    }
    let mut log = ApplyLog::new(c.changes.len());
    let result = tool.apply(&c.desired, &c.changes, &mut log).await;
    log.finish();
    let counts = |pred: &dyn Fn(Action) -> bool| {
        c.plan
            .changes
            .iter()
            .filter(|ch| pred(ch.action) && log.done.contains(&ch.address))
            .count()
    };
    match result {
        Ok(()) => {
            println!(
                "Apply complete! {} created, {} updated, {} deleted, {} replaced.",
                counts(&|a| a == Action::Create),
                counts(&|a| a == Action::Update),
                counts(&|a| a == Action::Delete),
                counts(&|a| a == Action::Replace)
            );
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: apply failed: {e:#}");
            eprintln!("{}", failure_report(&c.plan, log.applied()));
            exit::ERROR
        }
    }
}

/// What was and was not applied when an apply stops early.
pub fn failure_report(plan: &Plan, applied: &[String]) -> String {
    let mut s = String::new();
    let done: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| applied.contains(&c.address))
        .collect();
    let not: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| !applied.contains(&c.address))
        .collect();
    s.push_str(&format!("Applied ({}):\n", done.len()));
    for c in done {
        s.push_str(&format!("  {} {}\n", c.action.symbol(), c.address));
    }
    s.push_str(&format!("Not applied ({}):\n", not.len()));
    for c in not {
        s.push_str(&format!("  {} {}\n", c.action.symbol(), c.address));
    }
    s.push_str("Fix the cause and run apply again: it plans from the live state and converges.");
    s
}

/// Writes text to a file, or to stdout when `out` is `None` (for `import`).
pub fn write_output(text: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Renders a plan for a format; re-exported for tools' extra verbs.
pub fn render_plan(plan: &Plan, format: Format, color: bool) -> String {
    render::render(plan, format, color)
}

#[cfg(test)]
mod tests;
