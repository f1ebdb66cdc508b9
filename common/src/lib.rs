//! What `grant`, `kafka-config` and `athena` share: configuration loading with
//! located errors, secrets, the plan model, the renderers, the shared verbs
//! and exit codes.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod exit;
pub mod logging;
pub mod plan;
pub mod render;
pub mod run;
pub mod scram;
pub mod secret;
pub mod tls;

pub use config::{EnvMode, SourceFile, Sources, Unique, YPath};
pub use diagnostic::{did_you_mean, Diagnostic, Diagnostics, Location};
pub use plan::{Action, Change, FieldChange, Note, Plan, Planned};
pub use run::{ApplyLog, Diff, LoadContext, Tool, Verb};
pub use secret::Secret;

/// `--version` text of every tool: the suite version and its git revision.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("SUITE_GIT_REV"),
    ")"
);
