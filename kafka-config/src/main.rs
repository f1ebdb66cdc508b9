//! `kafka-config` command line: wires clap to the shared verbs and to
//! `import` and `schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kafka_config::KafkaConfig;

/// Kafka topics, topic configs and ACLs as code.
#[derive(Parser)]
#[command(
    name = "kafka-config",
    version = common::VERSION,
    about = "Kafka topics, topic configs and ACLs as code: validate, plan, apply, import"
)]
struct Cli {
    #[command(flatten)]
    global: common::cli::GlobalArgs,
    /// Environment (a name under `clusters:`); optional when only one is defined.
    #[arg(long, short = 'e', global = true, env = "KAFKA_CONFIG_ENV")]
    env: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check the configuration offline (all environments unless --env is given).
    Validate(common::cli::ValidateArgs),
    /// Show what apply would change on the cluster.
    Plan(common::cli::PlanArgs),
    /// Apply the changes.
    Apply(KafkaApplyArgs),
    /// Write YAML for the topics (overrides only) and ACLs of a live cluster.
    Import(ImportArgs),
    /// Print the JSON Schema of the configuration format.
    Schema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(common::cli::CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
}

/// `apply` arguments: the shared ones plus reassignment control.
#[derive(clap::Args)]
struct KafkaApplyArgs {
    #[command(flatten)]
    common: common::cli::ApplyArgs,
    /// Wait until replica reassignments (replication-factor changes)
    /// complete, printing progress on stderr.
    #[arg(long)]
    wait: bool,
    /// Throttle the replica movement of reassignments to this rate per
    /// broker (bytes per second: `10MiB`, `5000000`); removed when the
    /// move completes. Implies --wait.
    #[arg(long, value_name = "BYTES_PER_SEC", value_parser = parse_rate)]
    throttle: Option<u64>,
}

fn parse_rate(s: &str) -> Result<u64, String> {
    let n = kafka_config::units::parse_size_bytes(s)?;
    u64::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| "the throttle must be a positive rate".to_string())
}

/// `import` arguments.
#[derive(clap::Args)]
struct ImportArgs {
    /// Configuration file or directory that defines the cluster (its topics are ignored).
    path: PathBuf,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// Only topics (and topic ACLs) whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    include: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    common::logging::init(cli.global.verbose);
    let mut tool = KafkaConfig {
        env: cli.env.clone(),
        all_envs: false,
        reassign: Default::default(),
    };
    let code = match &cli.cmd {
        Cmd::Validate(a) => {
            tool.all_envs = tool.env.is_none();
            common::run::validate(&tool, &cli.global, a)
        }
        Cmd::Plan(a) => common::run::plan(&tool, &cli.global, a).await,
        Cmd::Apply(a) => {
            tool.reassign = kafka_config::apply::ReassignOptions {
                wait: a.wait,
                throttle: a.throttle,
            };
            common::run::apply(&tool, &cli.global, &a.common).await
        }
        Cmd::Import(a) => {
            kafka_config::import::run(&tool, &a.path, a.out.as_deref(), a.include.as_deref()).await
        }
        Cmd::Schema => {
            println!("{}", kafka_config::import::schema());
            common::exit::SUCCESS
        }
        Cmd::Completions(a) => common::cli::print_completions::<Cli>(a.shell),
        Cmd::Man => common::cli::print_man::<Cli>(),
    };
    ExitCode::from(code)
}
