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
    /// Check the configuration offline (no connection).
    Validate(common::cli::ValidateArgs),
    /// Read the live state and show the changes apply would make.
    Plan(common::cli::PlanArgs),
    /// Apply the changes (one transaction per database).
    Apply(common::cli::ApplyArgs),
    /// Write the live roles, memberships and privileges as a configuration.
    Import(ImportArgs),
    /// Who can do what: each role's effective privileges per object.
    Inspect(InspectArgs),
    /// Print a strong random password and its SCRAM-SHA-256 and md5 verifiers.
    GenPass(GenPassArgs),
    /// Print the JSON Schema of the configuration format.
    Schema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(common::cli::CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
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
    let tool = tool::GrantTool {
        require_env: !matches!(cli.cmd, Cmd::Validate(_)),
    };
    let code = match &cli.cmd {
        Cmd::Validate(a) => common::run::validate(&tool, &cli.global, a),
        Cmd::Plan(a) => common::run::plan(&tool, &cli.global, a).await,
        Cmd::Apply(a) => common::run::apply(&tool, &cli.global, a).await,
        Cmd::Import(a) => match commands::import(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                common::exit::ERROR
            }
        },
        Cmd::Inspect(a) => match commands::inspect(a).await {
            Ok(()) => common::exit::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                common::exit::ERROR
            }
        },
        Cmd::GenPass(a) => commands::gen_pass(a),
        Cmd::Schema => commands::schema(),
        Cmd::Completions(a) => common::cli::print_completions::<Cli>(a.shell),
        Cmd::Man => common::cli::print_man::<Cli>(),
    };
    std::process::ExitCode::from(code)
}
