//! `grant`: PostgreSQL roles, memberships and privileges as code.

mod apply;
mod conn;
mod diff;
mod grantrs;
mod import;
mod inspect;
mod live;
mod model;
mod password;
mod privs;
mod redshift;
mod sql;
mod timefmt;
mod tls;
mod tool;

use clap::{Parser, Subcommand};

/// PostgreSQL roles, memberships and privileges as code.
#[derive(Parser)]
#[command(
    name = "grant",
    version = common::VERSION,
    about = "PostgreSQL roles, memberships and privileges as code"
)]
struct Cli {
    #[command(flatten)]
    global: common::cli::GlobalArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// validate, plan, apply (one transaction per database), schema, completions, man.
    #[command(flatten)]
    Common(common::cli::CommonCmd),
    /// Write the live roles, memberships and privileges as a configuration.
    Import(ImportArgs),
    /// Who can do what: each role's effective privileges per object.
    Inspect(InspectArgs),
    /// Print a strong random password and its SCRAM-SHA-256 and md5 verifiers.
    GenPass(GenPassArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    /// Take the connection (and databases) from this configuration.
    #[arg(long, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// Connection URL (default: DATABASE_URL or the libpq PG* variables).
    #[arg(long)]
    url: Option<String>,
    /// A database whose privileges to import (repeatable; default: the
    /// configuration's databases, else the connection database).
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,
    /// Import only roles matching this glob; it becomes `managed_roles.pattern`.
    #[arg(long)]
    pattern: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct InspectArgs {
    /// Take the connection and databases from this configuration.
    #[arg(long, value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    /// Connection URL (default: DATABASE_URL or the libpq PG* variables).
    #[arg(long)]
    url: Option<String>,
    /// A database to inspect (repeatable; default: the configuration's, else the connection database).
    #[arg(long = "database", value_name = "NAME")]
    databases: Vec<String>,
    /// Only roles matching this glob.
    #[arg(long)]
    role: Option<String>,
    /// Only objects matching this glob, e.g. `sales.*` or `table sales.orders`.
    #[arg(long)]
    object: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    format: InspectFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InspectFormat {
    /// One line per role and object, with the sources.
    Text,
    /// Objects × roles, cells in aclitem letters.
    Matrix,
    /// The text view's rows as JSON.
    Json,
}

#[derive(clap::Args)]
struct GenPassArgs {
    /// Role name (the md5 verifier is salted with it).
    #[arg(long)]
    role: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    common::logging::init(cli.global.verbose);
    let tool = tool::GrantTool;
    let code = match &cli.cmd {
        Cmd::Common(c) => common::run::dispatch::<_, Cli>(&tool, &cli.global, c, None).await,
        Cmd::Import(a) => match import(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                common::exit::ERROR
            }
        },
        Cmd::Inspect(a) => match inspect(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                common::exit::ERROR
            }
        },
        Cmd::GenPass(a) => gen_pass(a),
    };
    std::process::ExitCode::from(code)
}

/// Reads the live state of the given (or configured, or connection) databases.
async fn read_for(
    config: Option<&std::path::Path>,
    url: Option<&str>,
    databases: &[String],
) -> anyhow::Result<live::Live> {
    let mut desired = match config {
        Some(p) => match common::run::load(
            &tool::GrantTool,
            p,
            &common::LoadContext::new(common::Verb::Other),
        ) {
            Ok(d) => d,
            Err(diags) => anyhow::bail!("{diags}"),
        },
        None => model::Desired::default(),
    };
    if let Some(u) = url {
        desired.connection.url = Some(common::Secret::new(u.to_string()));
    }
    let mut names: Vec<String> = if databases.is_empty() {
        desired.databases.keys().cloned().collect()
    } else {
        databases.to_vec()
    };
    if names.is_empty() {
        names.push(conn::target(&desired.connection)?.dbname);
    }
    desired.roles.clear();
    desired.databases = names
        .into_iter()
        .map(|n| (n, model::Database::default()))
        .collect();
    tool::read_live(&desired).await
}

async fn inspect(a: &InspectArgs) -> anyhow::Result<()> {
    let live = read_for(a.config.as_deref(), a.url.as_deref(), &a.databases).await?;
    let rows = inspect::matrix(&live, a.role.as_deref(), a.object.as_deref());
    match a.format {
        InspectFormat::Text => print!("{}", inspect::text(&rows)),
        InspectFormat::Matrix => print!("{}", inspect::matrix_text(&rows)),
        InspectFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
    }
    Ok(())
}

async fn import(a: &ImportArgs) -> anyhow::Result<()> {
    let live = read_for(a.config.as_deref(), a.url.as_deref(), &a.databases).await?;
    let url = a.url.as_deref().filter(|u| conn::redact(u) == *u);
    let text = import::render(&live, a.pattern.as_deref(), url)?;
    common::run::write_output(&text, a.out.as_deref())
}

fn gen_pass(a: &GenPassArgs) -> u8 {
    let pw = match password::generate() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return common::exit::ERROR;
        }
    };
    let scram = match password::scram(&pw) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return common::exit::ERROR;
        }
    };
    println!("password: {pw}");
    println!("scram-sha-256: {scram}");
    if let Some(r) = &a.role {
        println!("md5: {}", password::md5(&pw, r));
    }
    eprintln!("Keep the password in your secret store; put a verifier in Git as `password: {{verifier: ...}}`.");
    common::exit::SUCCESS
}
