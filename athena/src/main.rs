//! `athena`: Athena / Glue Data Catalog schemas as code.

use std::process::ExitCode;

use athena::live::AwsOptions;
use athena::tool::Athena;
use clap::{Parser, Subcommand};

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
    #[arg(long, global = true)]
    profile: Option<String>,
    /// AWS region (else AWS_REGION / the profile's).
    #[arg(long, global = true)]
    region: Option<String>,
    /// Athena workgroup for view / Iceberg / template statements.
    #[arg(long, global = true, env = "AWS_WORKGROUP")]
    workgroup: Option<String>,
    /// S3 location for Athena query results (when the workgroup sets none).
    #[arg(long, global = true, env = "AWS_OUTPUT_LOCATION")]
    output_location: Option<String>,
    /// Maximum concurrent requests and changes.
    #[arg(long, global = true, default_value_t = 8)]
    parallelism: usize,
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
    /// validate, plan, apply (change Glue / Athena to match the configuration), schema, completions, man.
    #[command(flatten)]
    Common(common::cli::CommonCmd),
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
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
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

fn build(a: &BuildArgs) -> anyhow::Result<()> {
    let mut sql = athena::template::build(&a.path, a.context.as_deref())?;
    sql.push('\n');
    common::run::write_output(&sql, a.out.as_deref())
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
    let tool = Athena::new(AwsOptions {
        profile: cli.aws.profile,
        region: cli.aws.region,
        workgroup: cli.aws.workgroup,
        output_location: cli.aws.output_location,
        parallelism: cli.aws.parallelism,
        attempt_timeout: Some(std::time::Duration::from_secs_f64(cli.aws.request_timeout)),
    });
    let code = match &cli.cmd {
        Cmd::Common(c) => common::run::dispatch::<_, Cli>(&tool, &cli.global, c, None).await,
        Cmd::Import(a) => report(import(&tool, a).await),
        Cmd::Build(a) => report(build(a)),
        Cmd::Run(a) => report(run(&tool, a).await),
    };
    ExitCode::from(code)
}
