//! `athena`: Athena / Glue Data Catalog schemas as code.

use std::process::ExitCode;

use athena::live::AwsOptions;
use athena::tool::Athena;
use clap::{Parser, Subcommand};
use common::cli::{AsApplyArgs, CommonCmd};

/// Athena / Glue Data Catalog schemas as code (databases, tables,
/// partitions, views), and athena-rs-compatible SQL templates.
#[derive(Parser)]
#[command(name = "athena", version = common::VERSION, about)]
struct Cli {
    #[command(flatten)]
    global: common::cli::GlobalArgs,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

/// AWS options; credentials, region and endpoint otherwise come from the
/// standard chain (environment, profile, SSO, IMDS, AWS_ENDPOINT_URL).
#[derive(clap::Args)]
struct AwsArgs {
    /// AWS profile (else AWS_PROFILE / default).
    #[arg(long, short, global = true)]
    profile: Option<String>,
    /// AWS region (else AWS_REGION / AWS_DEFAULT_REGION / the profile's).
    #[arg(long, short, global = true)]
    region: Option<String>,
    /// Athena workgroup for view / Iceberg / template statements.
    #[arg(long, short, global = true, env = "AWS_WORKGROUP")]
    workgroup: Option<String>,
    /// S3 location for Athena query results (when the workgroup sets none).
    #[arg(long, global = true, env = "AWS_OUTPUT_LOCATION")]
    output_location: Option<String>,
    /// Maximum concurrent requests and changes (default 8). For templates
    /// (`apply` on *.sql), opt-in: statements on different tables run
    /// concurrently, in written order per table (default 1: one by one).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    parallelism: Option<u16>,
    /// AWS account id of the Glue Data Catalog to manage, when it belongs
    /// to another account (sent as CatalogId with every Glue call).
    #[arg(
        long,
        global = true,
        value_name = "ACCOUNT_ID",
        env = "AWS_GLUE_CATALOG_ID"
    )]
    catalog_id: Option<String>,
    /// Athena data catalog of view, Iceberg and template statements (else
    /// `AwsDataCatalog`).
    #[arg(long, global = true, value_name = "NAME")]
    data_catalog: Option<String>,
    /// Time limit in seconds of one attempt of an AWS call; a timed-out
    /// attempt is retried (attempts: AWS_MAX_ATTEMPTS, default 3).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_seconds)]
    request_timeout: f64,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "`{s}` is not a number of seconds (greater than 0, at most 86400)"
        )),
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// validate, plan, apply (change Glue / Athena to match the
    /// configuration; on templates — a `*.sql` file or a directory of them,
    /// no YAML — build and run them as athena-rs's `apply` does), schema,
    /// completions, man.
    #[command(flatten)]
    Common(CommonCmd<ApplyCmd>),
    /// Write the configuration of existing Glue databases (tables, views,
    /// partition projection) as YAML.
    Import(ImportArgs),
    /// Render athena-rs Tera SQL templates (a directory's index.sql, or a file).
    Build(BuildArgs),
    /// Render templates and run each statement on Athena, in order; stops at
    /// the first FAILED or CANCELLED query with Athena's reason.
    Run(RunArgs),
}

#[derive(clap::Args)]
struct BuildArgs {
    /// A directory with an index.sql (e.g. `prd/`), or a template file.
    path: std::path::PathBuf,
    /// Directory templates are loaded from and named relative to (default: current directory).
    #[arg(long, short)]
    context: Option<std::path::PathBuf>,
    /// Write to this file (no trailing newline) and print `Write to FILE`.
    #[arg(long, short, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
    /// athena-rs `-n/--no-pretty <BOOL>`: `true` prints the SQL exactly as
    /// rendered (no trailing newline).
    #[arg(long, short, value_name = "BOOL")]
    no_pretty: Option<bool>,
}

/// `apply`: the declarative apply (YAML), or athena-rs's template apply.
#[derive(Debug, Clone, clap::Args)]
struct ApplyCmd {
    #[command(flatten)]
    common: common::cli::ApplyArgs,
    /// Templates: directory templates are loaded from and named relative to
    /// (default: current directory).
    #[arg(long, short, value_name = "DIR")]
    context: Option<std::path::PathBuf>,
    /// Templates: `true` prints the SQL and what would run, and executes
    /// nothing (athena-rs parses this flag but runs everything).
    #[arg(long, short, value_name = "BOOL")]
    dry_run: Option<bool>,
    /// Templates: `true` prints SQL exactly as rendered (athena-rs).
    #[arg(long, value_name = "BOOL")]
    no_pretty: Option<bool>,
    /// athena-rs's `-o <S3_URI>`: the same as `--output-location`.
    #[arg(short = 'o', id = "apply_output_location", value_name = "S3_URI")]
    output_location: Option<String>,
    /// Templates: stop at the first FAILED or CANCELLED statement and exit 1
    /// (athena-rs reports it, runs the rest and exits 0).
    #[arg(long)]
    strict: bool,
}

impl AsApplyArgs for ApplyCmd {
    fn apply_args(&self) -> &common::cli::ApplyArgs {
        &self.common
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// A directory with an index.sql (e.g. `prd/`), or a template file.
    path: std::path::PathBuf,
    /// Directory templates are loaded from and named relative to (default: current directory).
    #[arg(long, short)]
    context: Option<std::path::PathBuf>,
    /// Print the statements and their databases; contact nothing.
    #[arg(long)]
    dry_run: bool,
}

/// athena-rs's `build`: the rendered SQL to a file (then `Write to FILE`),
/// or to stdout (nothing when empty; no trailing newline with
/// `--no-pretty true`).
fn build(a: &BuildArgs) -> anyhow::Result<()> {
    use std::io::Write;
    let sql = athena::template::build(&a.path, a.context.as_deref())?;
    match &a.out {
        Some(path) => {
            std::fs::write(path, &sql)
                .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
            println!("Write to {}", path.display());
        }
        None if sql.is_empty() => {}
        None if a.no_pretty == Some(true) => {
            let mut out = std::io::stdout().lock();
            out.write_all(sql.as_bytes())?;
            out.flush()?;
        }
        None => println!("{sql}"),
    }
    Ok(())
}

/// `apply`: templates as athena-rs, or the declarative apply.
async fn apply(
    tool: &Athena,
    g: &common::cli::GlobalArgs,
    a: &ApplyCmd,
    parallelism: Option<usize>,
) -> u8 {
    let path = &a.common.path;
    if athena::runner::is_template_path(path) {
        if a.common.plan.is_some() {
            eprintln!(
                "error: --plan applies to YAML configurations; {} holds SQL templates",
                path.display()
            );
            return common::exit::ERROR;
        }
        let o = athena::runner::Options {
            no_pretty: a.no_pretty == Some(true),
            dry_run: a.dry_run == Some(true),
            strict: a.strict,
            parallelism: parallelism.unwrap_or(1),
        };
        return match athena::runner::apply_templates(tool, path, a.context.as_deref(), o).await {
            Ok(true) => common::exit::SUCCESS,
            Ok(false) => common::exit::ERROR,
            Err(e) => report(Err(e)),
        };
    }
    let template_only = [
        ("--context", a.context.is_some()),
        ("--dry-run", a.dry_run.is_some()),
        ("--no-pretty", a.no_pretty.is_some()),
        ("--strict", a.strict),
    ];
    if let Some((flag, _)) = template_only.iter().find(|(_, set)| *set) {
        eprintln!(
            "error: {flag} applies to SQL templates; {} is a YAML configuration (use `plan` to see changes without applying)",
            path.display()
        );
        return common::exit::ERROR;
    }
    let ctx = common::LoadContext::new(common::Verb::Apply);
    common::run::apply(tool, g, &a.common, &ctx).await
}

async fn run(tool: &Athena, a: &RunArgs) -> anyhow::Result<()> {
    let sql = athena::template::build(&a.path, a.context.as_deref())?;
    let stmts = athena::template::statements(&sql);
    let n = stmts.len();
    if a.dry_run {
        for (i, s) in stmts.iter().enumerate() {
            let db = s.database.as_deref().unwrap_or("(default)");
            println!(
                "-- [{}/{n}] database: {db} (dry run: not executed)\n{};\n",
                i + 1,
                s.sql
            );
        }
        println!("Dry run: {n} statement(s) rendered, none executed.");
        return Ok(());
    }
    let c = tool.clients().await?;
    for (i, s) in stmts.iter().enumerate() {
        let db = s.database.as_deref();
        println!(
            "-- [{}/{n}] database: {}\n{};",
            i + 1,
            db.unwrap_or("(default)"),
            s.sql
        );
        let started = std::time::Instant::now();
        let id = athena::query::run(&c.athena, &tool.opts, db, &s.sql)
            .await
            .map_err(|e| {
                e.context(format!(
                    "statement {}/{n} failed; {} statement(s) after it were not run",
                    i + 1,
                    n - i - 1
                ))
            })?;
        println!(
            "-- SUCCEEDED ({id}, {:.1} s)\n",
            started.elapsed().as_secs_f64()
        );
    }
    println!("{n} statement(s) succeeded.");
    Ok(())
}

#[derive(clap::Args)]
struct ImportArgs {
    /// Database to import (repeatable); all databases when omitted.
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
}

async fn import(tool: &Athena, a: &ImportArgs) -> anyhow::Result<()> {
    let c = tool.clients().await?;
    let file = athena::import::import(c, &a.databases).await?;
    let text = athena::import::to_yaml(&file)?;
    common::run::write_output(&text, a.out.as_deref())
}

fn report(r: anyhow::Result<()>) -> u8 {
    match r {
        Ok(()) => common::exit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            common::exit::ERROR
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    common::logging::init(cli.global.verbose);
    let output_location = match &cli.cmd {
        Cmd::Common(CommonCmd::Apply(a)) if a.output_location.is_some() => {
            a.output_location.clone()
        }
        _ => cli.aws.output_location,
    };
    let tool = Athena::new(AwsOptions {
        profile: cli.aws.profile,
        region: cli.aws.region,
        workgroup: cli.aws.workgroup,
        output_location,
        parallelism: cli.aws.parallelism.map_or(8, usize::from),
        attempt_timeout: Some(std::time::Duration::from_secs_f64(cli.aws.request_timeout)),
        catalog_id: cli.aws.catalog_id,
        data_catalog: cli.aws.data_catalog,
    });
    let code = match &cli.cmd {
        Cmd::Common(CommonCmd::Apply(a)) => {
            apply(&tool, &cli.global, a, cli.aws.parallelism.map(usize::from)).await
        }
        Cmd::Common(c) => common::run::dispatch::<_, Cli, _>(&tool, &cli.global, c, None).await,
        Cmd::Import(a) => report(import(&tool, a).await),
        Cmd::Build(a) => report(build(a)),
        Cmd::Run(a) => report(run(&tool, a).await),
    };
    ExitCode::from(code)
}
