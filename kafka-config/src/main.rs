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
    /// validate (all environments unless --env is given), plan, apply, schema, completions, man.
    #[command(flatten)]
    Common(common::cli::CommonCmd),
    /// Write YAML for the topics (overrides only) and ACLs of a live cluster.
    Import(ImportArgs),
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
    let env = cli.env.as_deref();
    let code = match &cli.cmd {
        Cmd::Common(c) => {
            common::run::dispatch::<_, Cli, _>(&KafkaConfig, &cli.global, c, env).await
        }
        Cmd::Import(a) => {
            kafka_config::import::run(
                &KafkaConfig,
                &a.path,
                env,
                a.out.as_deref(),
                a.include.as_deref(),
            )
            .await
        }
    };
    ExitCode::from(code)
}
