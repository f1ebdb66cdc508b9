//! `grant`: PostgreSQL roles, memberships and privileges as code.

use clap::{Parser, Subcommand};
use grant::commands::{self, GenPassArgs, ImportArgs, InspectArgs};
use grant::tool;

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
    /// Print a strong random password and its SCRAM-SHA-256 and md5 verifiers
    /// (with `--role`; bare `gen-pass` and `-l/-n/-u/-p` print grant-rs's output).
    GenPass(GenPassArgs),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(code) = grant::compat::run(&args).await {
        return std::process::ExitCode::from(code);
    }
    let cli = Cli::parse();
    common::logging::init(cli.global.verbose);
    let code = match &cli.cmd {
        Cmd::Common(c) => {
            common::run::dispatch::<_, Cli, _>(&tool::GrantTool, &cli.global, c, None).await
        }
        Cmd::Import(a) => match commands::import(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                commands::report_error(&e);
                common::exit::ERROR
            }
        },
        Cmd::Inspect(a) => match commands::inspect(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                commands::report_error(&e);
                common::exit::ERROR
            }
        },
        Cmd::GenPass(a) => commands::gen_pass(a),
    };
    std::process::ExitCode::from(code)
}
