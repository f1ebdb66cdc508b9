//! `kafka-config` command line: wires clap to the shared verbs and to
//! `import` and `schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::cli::{AsApplyArgs, CommonCmd};
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
    Common(CommonCmd<KafkaApplyArgs>),
    /// Write YAML for the topics (overrides only) and ACLs of a live cluster.
    Import(ImportArgs),
}

/// `apply` arguments: the shared ones plus reassignment control.
#[derive(Debug, Clone, clap::Args)]
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
    /// How long --wait (or --throttle) follows one reassignment before
    /// apply stops with exit 1 (`90s`, `2h`); the move goes on in the
    /// cluster, and the throttle is removed.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_wait_timeout)]
    wait_timeout: std::time::Duration,
}

impl AsApplyArgs for KafkaApplyArgs {
    fn apply_args(&self) -> &common::cli::ApplyArgs {
        &self.common
    }
}

fn parse_rate(s: &str) -> Result<u64, String> {
    let n = kafka_config::units::parse_size_bytes(s)?;
    u64::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| "the throttle must be a positive rate".to_string())
}

fn parse_wait_timeout(s: &str) -> Result<std::time::Duration, String> {
    let ms = kafka_config::units::parse_duration_ms(s)?;
    u64::try_from(ms)
        .ok()
        .filter(|&ms| ms > 0)
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| "the wait timeout must be a positive duration".to_string())
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
    let reassign = match &cli.cmd {
        Cmd::Common(CommonCmd::Apply(a)) => kafka_config::apply::ReassignOptions {
            wait: a.wait,
            throttle: a.throttle,
            wait_timeout: a.wait_timeout,
        },
        _ => Default::default(),
    };
    let tool = KafkaConfig { reassign };
    let code = match &cli.cmd {
        Cmd::Common(c) => common::run::dispatch::<_, Cli, _>(&tool, &cli.global, c, env).await,
        Cmd::Import(a) => {
            kafka_config::import::run(&tool, &a.path, env, a.out.as_deref(), a.include.as_deref())
                .await
        }
    };
    ExitCode::from(code)
}
