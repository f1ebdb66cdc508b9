//! The tool's own verbs beyond validate / plan / apply: `import`, `inspect`,
//! `gen-pass`, `schema` (their arguments and their runs).

/// Arguments of `grant import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// Take the connection (and databases) from this configuration.
    #[arg(long, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Connection URL (default: DATABASE_URL or the libpq PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// A database whose privileges to import (repeatable; default: the
    /// configuration's databases, else the connection database).
    #[arg(long = "database", value_name = "NAME")]
    pub databases: Vec<String>,
    /// Import only roles matching this glob; it becomes `managed_roles.pattern`.
    #[arg(long)]
    pub pattern: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

/// Arguments of `grant inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// Take the connection and databases from this configuration.
    #[arg(long, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Connection URL (default: DATABASE_URL or the libpq PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// A database to inspect (repeatable; default: the configuration's, else the connection database).
    #[arg(long = "database", value_name = "NAME")]
    pub databases: Vec<String>,
    /// Only roles matching this glob.
    #[arg(long)]
    pub role: Option<String>,
    /// Only objects matching this glob, e.g. `sales.*` or `table sales.orders`.
    #[arg(long)]
    pub object: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

/// Output format of `grant inspect`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum InspectFormat {
    /// One line per role and object, with the sources.
    Text,
    /// Objects × roles, cells in aclitem letters.
    Matrix,
    /// The text view's rows as JSON.
    Json,
}

/// Arguments of `grant gen-pass`.
#[derive(clap::Args)]
pub struct GenPassArgs {
    /// Role name (the md5 verifier is salted with it). Without it, `gen-pass`
    /// prints what grant-rs prints.
    #[arg(long)]
    pub role: Option<String>,
}

/// Prints a command's error on stderr: configuration diagnostics as they
/// are (they carry their own `error:`), anything else after `error: `.
pub fn report_error(e: &anyhow::Error) {
    match e.downcast_ref::<common::Diagnostics>() {
        Some(d) => eprintln!("{d}"),
        None => eprintln!("error: {e:#}"),
    }
}

/// Reads the live state of the given (or configured, or connection) databases.
pub async fn read_for(
    config: Option<&std::path::Path>,
    url: Option<&str>,
    databases: &[String],
) -> anyhow::Result<crate::live::Live> {
    let mut desired = match config {
        Some(p) => match common::run::load(
            &crate::tool::GrantTool,
            p,
            &common::LoadContext::new(common::Verb::Other),
        ) {
            Ok(d) => d,
            Err(diags) => return Err(diags.into()),
        },
        None => crate::model::Desired::default(),
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
        names.push(crate::conn::target(&desired.connection)?.dbname);
    }
    desired.roles.clear();
    desired.databases = names
        .into_iter()
        .map(|n| (n, crate::model::Database::default()))
        .collect();
    crate::read::read_live(&desired).await
}

/// `grant inspect`: effective privileges per role and object.
pub async fn inspect(a: &InspectArgs) -> anyhow::Result<()> {
    let live = read_for(a.config.as_deref(), a.url.as_deref(), &a.databases).await?;
    let rows = crate::inspect::matrix(&live, a.role.as_deref(), a.object.as_deref());
    match a.format {
        InspectFormat::Text => print!("{}", crate::inspect::text(&rows)),
        InspectFormat::Matrix => print!("{}", crate::inspect::matrix_text(&rows)),
        InspectFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
    }
    Ok(())
}

/// `grant import`: the live state written as a configuration.
pub async fn import(a: &ImportArgs) -> anyhow::Result<()> {
    let live = read_for(a.config.as_deref(), a.url.as_deref(), &a.databases).await?;
    let url = a.url.as_deref().filter(|u| crate::conn::redact(u) == *u);
    let text = crate::import::render(&live, a.pattern.as_deref(), url)?;
    common::run::write_output(&text, a.out.as_deref())
}

/// `grant gen-pass --role NAME`: a strong password and its verifiers (a
/// bare `grant gen-pass` is grant-rs's, see `compat`).
pub fn gen_pass(a: &GenPassArgs) -> u8 {
    let pw = match crate::password::generate() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return common::exit::ERROR;
        }
    };
    let scram = match crate::password::scram(&pw) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return common::exit::ERROR;
        }
    };
    println!("password: {pw}");
    println!("scram-sha-256: {scram}");
    if let Some(r) = &a.role {
        println!("md5: {}", crate::password::md5(&pw, r));
    }
    eprintln!("Keep the password in your secret store; put a verifier in Git as `password: {{verifier: ...}}`.");
    common::exit::SUCCESS
}
