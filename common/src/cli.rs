//! Command-line arguments shared by every tool, flattened into each tool's
//! clap parser so that the verbs read the same everywhere.

use std::path::PathBuf;

use clap::Args;

use crate::render::Format;

/// Flags accepted before or after any verb.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// More logging on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Never colour the output (also off when stdout is not a terminal or NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The verbs every tool shares, flattened into each tool's subcommands
/// (`#[command(flatten)] Common(common::cli::CommonCmd)`) and carried out by
/// [`crate::run::dispatch`].
///
/// A tool whose `apply` takes more flags (athena's athena-rs template
/// options) names its own arguments as `A`, which flatten [`ApplyArgs`].
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CommonCmd<A: Args + AsApplyArgs = ApplyArgs> {
    /// Check the configuration offline (no network, no credentials).
    Validate(ValidateArgs),
    /// Read the live state and show the changes apply would make.
    Plan(PlanArgs),
    /// Apply the changes.
    Apply(A),
    /// Print the JSON Schema of the configuration format.
    Schema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
}

/// `validate <path>`: offline checks.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// A YAML file, or a directory whose *.yaml / *.yml files are merged.
    pub path: PathBuf,
    /// Also fail when a `${VAR}` reference is not set in the environment.
    #[arg(long)]
    pub require_env: bool,
}

/// `plan <path>`: read live state, diff, print.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// A YAML file, or a directory whose *.yaml / *.yml files are merged.
    pub path: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Save the plan (JSON, no secrets) for `apply --plan`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `apply <path>`: execute the plan.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// A YAML file, or a directory whose *.yaml / *.yml files are merged.
    pub path: PathBuf,
    /// Apply only if the plan computed now equals this saved plan (from `plan --out`).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Allow destructive changes (drops, deletes, revokes of everything, column removal).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Do not ask for confirmation (CI). Without a terminal on stdin no question is asked.
    #[arg(long)]
    pub auto_approve: bool,
    /// Output format of the plan printed before applying.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Arguments of `apply` that contain the shared [`ApplyArgs`].
pub trait AsApplyArgs {
    /// The shared part.
    fn apply_args(&self) -> &ApplyArgs;
}

impl AsApplyArgs for ApplyArgs {
    fn apply_args(&self) -> &ApplyArgs {
        self
    }
}

impl GlobalArgs {
    /// Whether to colour stdout.
    pub fn color(&self) -> bool {
        use std::io::IsTerminal;
        !self.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
    }
}

/// `completions <shell>`: prints a shell completion script.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script of the tool's command line for `shell`.
pub fn print_completions<C: clap::CommandFactory>(shell: clap_complete::Shell) -> u8 {
    let mut cmd = C::command();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, &mut std::io::stdout());
    crate::exit::SUCCESS
}

/// Prints the tool's man page (roff) on stdout.
pub fn print_man<C: clap::CommandFactory>() -> u8 {
    let cmd = C::command();
    let mut out = Vec::new();
    match clap_mangen::Man::new(cmd).render(&mut out) {
        Ok(()) => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&out);
            crate::exit::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot render the man page: {e}");
            crate::exit::ERROR
        }
    }
}
