//! grant-rs's command line, so that CI scripts written for grant-rs keep
//! working: `apply -f FILE [-d|--dryrun] [-a|--all]`, `validate [-f FILE]`,
//! `gen-pass [-l N] [-n] [-u USER] [-p PASSWORD]`, `inspect -f FILE`,
//! `gen [-t DIR]` (grant-rs `src/cli.rs`, structopt).
//!
//! An invocation is taken as grant-rs's only when it uses a grant-rs flag
//! (or is `gen`, or `validate` without a path); everything else goes to this
//! tool's own verbs, which are unchanged. The grant-rs verbs run through the
//! same load → plan → apply code as ours.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use common::cli::{ApplyArgs, GlobalArgs, PlanArgs};
use common::{exit, EnvMode, LoadContext, Sources, Verb};

use crate::tool::GrantTool;

/// grant-rs's command line.
#[derive(Parser)]
#[command(name = "grant", about = "grant-rs compatible command line")]
struct GrantRs {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate sample configuration file
    Gen {
        /// The target folder
        #[arg(short, long, default_value = ".")]
        target: PathBuf,
    },
    /// Generate random password
    GenPass {
        /// The password length
        #[arg(short, long, default_value_t = 16)]
        length: u8,
        /// Letters and digits only (not in grant-rs 0.0.1-beta.3)
        #[arg(short, long)]
        no_special: bool,
        /// The username, using to create md5 hash
        #[arg(short, long)]
        username: Option<String>,
        /// The password, using to create md5 hash
        #[arg(short, long)]
        password: Option<String>,
    },
    /// Apply a configuration by file name
    Apply {
        /// The path to the file to read
        #[arg(short, long)]
        file: PathBuf,
        /// Dry run mode, only print what would be apply
        #[arg(short, long)]
        dryrun: bool,
        /// Apply all files in the target folder (if --file is a folder) or the file's folder
        #[arg(short, long)]
        all: bool,
    },
    /// Validate a configuration file or a directory of configuration files
    Validate {
        /// The path to the file or directory (default: the current directory)
        #[arg(short, long)]
        file: Option<PathBuf>,
    },
    /// Inspect the cluster with the connection of a configuration file
    Inspect {
        /// The path to the file to read
        #[arg(short, long)]
        file: PathBuf,
    },
}

/// Whether `arg` is one of the given short flags (alone or clustered, e.g.
/// `-df`) or long flags (`--file`, `--file=x`).
fn has_flag(args: &[String], shorts: &str, longs: &[&str]) -> bool {
    args.iter().any(|a| {
        if let Some(l) = a.strip_prefix("--") {
            let name = l.split('=').next().unwrap_or(l);
            longs.contains(&name)
        } else if let Some(s) = a.strip_prefix('-') {
            s.chars().next().is_some_and(|c| shorts.contains(c))
        } else {
            false
        }
    })
}

/// Whether the command line is grant-rs's rather than this tool's.
pub fn is_grant_rs(args: &[String]) -> bool {
    let Some(verb) = args.get(1) else {
        return false;
    };
    let rest = &args[2..];
    match verb.as_str() {
        "gen" => true,
        "apply" => has_flag(rest, "fda", &["file", "dryrun", "all"]),
        "validate" => rest.is_empty() || has_flag(rest, "f", &["file"]),
        "inspect" => has_flag(rest, "f", &["file"]),
        // Bare `gen-pass` is grant-rs's README example; this tool's own
        // form is `gen-pass --role NAME`.
        "gen-pass" => {
            rest.is_empty()
                || has_flag(
                    rest,
                    "lnup",
                    &["length", "no-special", "username", "password"],
                )
        }
        _ => false,
    }
}

/// Runs a grant-rs command line; `None` when it is not one.
pub async fn run(args: &[String]) -> Option<u8> {
    if !is_grant_rs(args) {
        return None;
    }
    let cli = match GrantRs::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // structopt (clap 2), which grant-rs uses, exits 1 on usage errors.
            return Some(if e.use_stderr() {
                exit::ERROR
            } else {
                exit::SUCCESS
            });
        }
    };
    common::logging::init(0);
    Some(match cli.cmd {
        Cmd::Gen { target } => gen(&target),
        Cmd::GenPass {
            length,
            no_special,
            username,
            password,
        } => gen_pass(length, no_special, username.as_deref(), password),
        Cmd::Apply { file, dryrun, all } => apply(&file, dryrun, all).await,
        Cmd::Validate { file } => validate(file),
        Cmd::Inspect { file } => crate::grantrs::inspect::run(&file).await,
    })
}

/// The shared argument structs, built by clap from an argument list so that
/// fields added to them later take their defaults.
#[derive(Parser)]
struct Shared<T: clap::Args> {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    args: T,
}

fn shared<T: clap::Args>(args: &[&str]) -> Option<(GlobalArgs, T)> {
    let argv = std::iter::once("grant").chain(args.iter().copied());
    match Shared::<T>::try_parse_from(argv) {
        Ok(s) => Some((s.global, s.args)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// `*.yaml` / `*.yml` files directly in `dir`, sorted.
fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// `apply -f FILE`: apply without a question (grant-rs never asks);
/// `--dryrun` prints the plan; `--all` applies each file of the folder in
/// turn, stopping at the first failure.
async fn apply(file: &Path, dryrun: bool, all: bool) -> u8 {
    let files = if all {
        let dir = if file.is_dir() {
            file.to_path_buf()
        } else {
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        match yaml_files(&dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", dir.display());
                return exit::ERROR;
            }
        }
    } else if file.is_dir() {
        eprintln!(
            "error: {} is a directory: use `--all` to apply each file in it, or `grant apply {}` to apply them as one configuration",
            file.display(),
            file.display()
        );
        return exit::ERROR;
    } else {
        vec![file.to_path_buf()]
    };
    let tool = GrantTool;
    for f in files {
        let path = f.to_string_lossy().to_string();
        let code = if dryrun {
            let Some((g, a)) = shared::<PlanArgs>(&[&path]) else {
                return exit::ERROR;
            };
            common::run::plan(&tool, &g, &a, &LoadContext::new(Verb::Plan)).await
        } else {
            let Some((g, a)) = shared::<ApplyArgs>(&["--auto-approve", &path]) else {
                return exit::ERROR;
            };
            common::run::apply(&tool, &g, &a, &LoadContext::new(Verb::Apply)).await
        };
        if code == exit::ERROR {
            return code;
        }
    }
    exit::SUCCESS
}

/// Whether a YAML file is meant for this tool: a grant-rs file, or a
/// mapping of this tool's top-level keys.
fn is_grant_config(v: &serde_yaml::Value) -> bool {
    const KEYS: [&str; 7] = [
        "connection",
        "mode",
        "managed_roles",
        "external_roles",
        "reassign_owned_to",
        "roles",
        "databases",
    ];
    crate::grantrs::is_grant_rs(v)
        || matches!(v, serde_yaml::Value::Mapping(m) if !m.is_empty()
            && m.keys().all(|k| k.as_str().is_some_and(|k| KEYS.contains(&k))))
}

/// `validate [-f PATH]`: each file on its own, as grant-rs does, with its
/// `"path" ... ok` / `... invalid - reason` lines. A directory (default: the
/// current one) is walked recursively; YAML files that are not grant
/// configurations are skipped. Exits 1 when a configuration is invalid
/// (grant-rs exits 0 for a directory whatever it finds).
fn validate(file: Option<PathBuf>) -> u8 {
    let target = file.unwrap_or_else(|| PathBuf::from("."));
    if !target.exists() {
        eprintln!("Error: {target:?} ... Failed - file/directory does not exist");
        return exit::ERROR;
    }
    let files = if target.is_dir() {
        let mut out = Vec::new();
        walk(&target, &mut out);
        out.sort();
        out
    } else {
        vec![target.clone()]
    };
    let single = !target.is_dir();
    // grant-rs prints an invalid single file as its error (`Error: …` on
    // stderr) and an invalid file of a directory on stdout.
    let invalid = |f: &Path, d: &common::Diagnostics| {
        if single {
            eprintln!("Error: {f:?} ... invalid - {d}");
        } else {
            println!("{f:?} ... invalid - {d}");
        }
    };
    let mut code = exit::SUCCESS;
    for f in files {
        let sources = match Sources::load(&f, EnvMode::Lenient) {
            Ok(s) => s,
            Err(d) => {
                invalid(&f, &d);
                code = exit::ERROR;
                continue;
            }
        };
        if !single && !sources.files.iter().all(|s| is_grant_config(s.value())) {
            println!("{f:?} ... skipped (not a grant configuration)");
            continue;
        }
        match crate::validate::load(&sources) {
            Ok(_) => println!("{f:?} ... ok"),
            Err(d) => {
                invalid(&f, &d);
                code = exit::ERROR;
            }
        }
    }
    code
}

/// Collects `*.yaml` / `*.yml` files under `dir`, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// A sample grant-rs configuration, as `grant gen` writes it.
const SAMPLE: &str = r#"# A grant-rs configuration (also read by `grant validate | plan | apply`).
connection:
  type: postgres
  # ${VAR} and ${VAR:default} are read from the environment.
  url: postgres://${PGUSER:postgres}:${PGPASSWORD:postgres}@localhost:5432/postgres

roles:
  - name: role_database_level
    type: database
    grants: [CREATE, TEMP]
    databases: [postgres]
  - name: role_schema_level
    type: schema
    grants: [USAGE]
    schemas: [public]
  - name: role_table_level
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [ALL]

users: []
"#;

/// `gen [-t DIR]`: writes DIR/config.yml unless DIR exists.
fn gen(target: &Path) -> u8 {
    if target.exists() {
        eprintln!("Target already exists");
        return exit::SUCCESS;
    }
    if let Err(e) = std::fs::create_dir_all(target) {
        eprintln!("error: cannot create {}: {e}", target.display());
        return exit::ERROR;
    }
    eprintln!("Creating path: {target:?}");
    let path = target.join("config.yml");
    if let Err(e) = std::fs::write(&path, SAMPLE) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return exit::ERROR;
    }
    eprintln!("Generated: {path:?}");
    exit::SUCCESS
}

/// grant-rs's green (ANSI 32) around a generated value: grant-rs prints it
/// always; here only on a terminal without `NO_COLOR`, so that a script
/// reading the line gets the value alone.
fn green(s: &str) -> String {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        format!("\x1b[32m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// `gen-pass`: what grant-rs 0.0.1-beta.3 prints (`src/gen.rs`): a random
/// password of `length` characters from its alphabet (or the given one),
/// with a user name its md5 verifier, then a blank line and its `Hint:`.
fn gen_pass(length: u8, no_special: bool, user: Option<&str>, password: Option<String>) -> u8 {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const ALL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789)(*&^%$#@!~";
    let pw = match password {
        Some(p) => p,
        None => match crate::password::generate_from(
            if no_special { ALNUM } else { ALL },
            length.into(),
        ) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e:#}");
                return exit::ERROR;
            }
        },
    };
    println!("Generated password: {}", green(&pw));
    match user {
        Some(u) => {
            let md5 = crate::password::md5(&pw, u);
            println!("Generated MD5 (user: {u}): {}", green(&md5));
            println!("\nHint: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html");
        }
        None => println!("\nHint: Please provide --username to generate MD5"),
    }
    exit::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::is_grant_rs;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn grant_rs_command_lines_are_told_apart_from_ours() {
        for yes in [
            "grant apply -f x.yaml",
            "grant apply --file=x.yaml -d",
            "grant apply -df x.yaml",
            "grant validate",
            "grant validate -f dir",
            "grant gen",
            "grant gen -t out",
            "grant gen-pass",
            "grant gen-pass -l 20 -n",
            "grant gen-pass -u duyet",
            "grant inspect -f x.yaml",
        ] {
            assert!(is_grant_rs(&v(yes)), "{yes}");
        }
        for no in [
            "grant",
            "grant apply x.yaml",
            "grant apply --auto-approve x.yaml",
            "grant validate x.yaml",
            "grant validate --help",
            "grant plan x.yaml",
            "grant gen-pass --role r",
            "grant inspect --config x.yaml",
            "grant -v apply x.yaml",
        ] {
            assert!(!is_grant_rs(&v(no)), "{no}");
        }
    }
}
