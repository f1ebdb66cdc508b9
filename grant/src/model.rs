//! The configuration format (YAML) and its validation into [`Desired`].
//!
//! Pure: no network. Environment variables named by `password: {env: ...}`
//! are read here (a missing one is reported by `plan`/`apply`, not by
//! `validate`, so that pre-commit runs without credentials).

use std::collections::{BTreeMap, BTreeSet};

use common::{did_you_mean, Diagnostics, Secret, SourceFile, Sources, Unique, YPath};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::privs::{DefaultKind, ObjectKind, Privilege};

/// One configuration file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of `connection`, `mode`, `roles`, `databases`, …"
)]
pub struct ConfigFile {
    /// How to reach the server; at most one file may set it. Without it the
    /// libpq environment (DATABASE_URL, PGHOST, PGPORT, PGUSER, PGPASSWORD,
    /// PGDATABASE) is used.
    #[serde(default)]
    pub connection: Option<ConnectionSpec>,
    /// `authoritative` (default): revoke what is not declared on managed
    /// roles and drop undeclared managed roles. `additive`: only grant.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Which roles the tool manages besides the declared ones.
    #[serde(default)]
    pub managed_roles: Option<ManagedSpec>,
    /// Roles that exist but are not managed here; they may be referenced.
    #[serde(default)]
    pub external_roles: Vec<String>,
    /// When a dropped role owns objects: REASSIGN OWNED to this role (then
    /// DROP OWNED) in each database, then DROP ROLE.
    #[serde(default)]
    pub reassign_owned_to: Option<String>,
    /// Roles (cluster-wide).
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
    /// Privileges, default privileges and ownership per database.
    #[serde(default)]
    pub databases: Vec<DatabaseSpec>,
}

/// `connection:`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of `url`, `sslmode`, `sslrootcert`, `dialect`"
)]
pub struct ConnectionSpec {
    /// `postgres://user:${PGPASSWORD}@host:5432/db` (or libpq key=value).
    #[serde(default)]
    pub url: Option<Secret>,
    /// `disable`, `prefer` (default, as libpq), `require`, `verify-ca` or
    /// `verify-full` (TLS by rustls; also read from the URL or PGSSLMODE).
    #[serde(default)]
    pub sslmode: Option<SslMode>,
    /// PEM file of the certificate authorities for `verify-ca` /
    /// `verify-full` (default: the system's roots; also PGSSLROOTCERT).
    #[serde(default)]
    pub sslrootcert: Option<String>,
    /// `postgres` or `redshift`; detected from `version()` when omitted.
    #[serde(default)]
    pub dialect: Option<Dialect>,
}

/// TLS mode, as libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, certificate not checked.
    Prefer,
    /// TLS required, certificate not checked.
    Require,
    /// TLS, certificate chain checked.
    VerifyCa,
    /// TLS, certificate chain and host name checked.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's spelling.
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" | "allow" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// SQL dialect.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL 12+.
    Postgres,
    /// Amazon Redshift.
    Redshift,
}

/// Reconciliation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Grant what is declared, revoke what is not (on managed roles), drop
    /// undeclared managed roles.
    #[default]
    Authoritative,
    /// Grant what is declared; never revoke or drop.
    Additive,
}

/// `managed_roles:`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `pattern`")]
pub struct ManagedSpec {
    /// A glob (`*` any run, `?` one character) naming further managed
    /// roles, e.g. `app_*`. System roles never match.
    #[serde(default)]
    pub pattern: Option<String>,
}

/// A role.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a role: a mapping with `name`")]
pub struct RoleSpec {
    /// Role name (case-sensitive, any characters).
    pub name: String,
    /// LOGIN (default false).
    #[serde(default)]
    pub login: Option<bool>,
    /// SUPERUSER (default false).
    #[serde(default)]
    pub superuser: Option<bool>,
    /// CREATEDB (default false).
    #[serde(default)]
    pub createdb: Option<bool>,
    /// CREATEROLE (default false).
    #[serde(default)]
    pub createrole: Option<bool>,
    /// INHERIT (default true).
    #[serde(default)]
    pub inherit: Option<bool>,
    /// REPLICATION (default false).
    #[serde(default)]
    pub replication: Option<bool>,
    /// BYPASSRLS (default false).
    #[serde(default)]
    pub bypassrls: Option<bool>,
    /// CONNECTION LIMIT (default -1, no limit).
    #[serde(default)]
    pub connection_limit: Option<i32>,
    /// VALID UNTIL: `infinity`, `YYYY-MM-DD` or an RFC 3339 timestamp.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// COMMENT ON ROLE.
    #[serde(default)]
    pub comment: Option<String>,
    /// Per-role settings (ALTER ROLE … SET key TO value); a list is a list value.
    #[serde(default)]
    pub settings: BTreeMap<String, SettingValue>,
    /// The password; absent = not managed.
    #[serde(default)]
    pub password: Option<PasswordSpec>,
    /// When the live verifier cannot be read: `on_create` (default) sets the
    /// password only when creating the role, `always` on every apply.
    #[serde(default)]
    pub update_password: Option<UpdatePassword>,
    /// Roles this role is a member of.
    #[serde(default)]
    pub member_of: Vec<MemberOfSpec>,
    /// Redshift only: `user`, `group` or `role` (RBAC). Default: a user
    /// when `login`, else a group.
    #[serde(default)]
    pub kind: Option<RedshiftKind>,
    /// Redshift users: SYSLOG ACCESS `restricted` (default) or `unrestricted`.
    #[serde(default)]
    pub syslog_access: Option<SyslogAccess>,
    /// Redshift users: SESSION TIMEOUT in seconds (60 to 1,728,000).
    #[serde(default)]
    pub session_timeout: Option<u32>,
}

/// Redshift SYSLOG ACCESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyslogAccess {
    /// Only the user's own rows in system tables.
    Restricted,
    /// Every user's rows.
    Unrestricted,
}

/// What a Redshift role is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RedshiftKind {
    /// CREATE USER
    User,
    /// CREATE GROUP
    Group,
    /// CREATE ROLE (RBAC)
    Role,
}

/// A setting value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "expected a string, a number, a boolean or a list of strings"
)]
pub enum SettingValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A string.
    Str(String),
    /// A list (e.g. search_path).
    List(Vec<String>),
}

impl SettingValue {
    /// The values as sent, one literal each.
    pub fn parts(&self) -> Vec<String> {
        match self {
            SettingValue::Bool(b) => vec![if *b { "on".into() } else { "off".into() }],
            SettingValue::Int(i) => vec![i.to_string()],
            SettingValue::Float(f) => vec![f.to_string()],
            SettingValue::Str(s) => vec![s.clone()],
            SettingValue::List(l) => l.clone(),
        }
    }
}

/// `password:`: exactly one of `env` or `verifier`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "`{env: VAR}` or `{verifier: …}`")]
pub struct PasswordSpec {
    /// Name of the environment variable holding the plaintext password.
    #[serde(default)]
    pub env: Option<String>,
    /// A pre-hashed verifier (`SCRAM-SHA-256$…` or `md5…`), safe in Git.
    #[serde(default)]
    pub verifier: Option<String>,
    /// A plaintext password: only from a grant-rs configuration.
    #[serde(skip)]
    #[schemars(skip)]
    pub plain: Option<Secret>,
}

/// When to set a password whose live verifier cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePassword {
    /// Only when the role is created.
    #[default]
    OnCreate,
    /// On every apply.
    Always,
}

/// A membership: a role name, or a mapping with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "expected a role name or `{role: NAME, admin: BOOL, inherit: BOOL, set: BOOL}`"
)]
pub enum MemberOfSpec {
    /// `- readers`
    Name(String),
    /// `- {role: readers, admin: true}`
    Detailed(MemberOfDetail),
}

/// A membership with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "`{role: NAME, admin: BOOL, …}`")]
pub struct MemberOfDetail {
    /// The group role.
    pub role: String,
    /// WITH ADMIN OPTION.
    #[serde(default)]
    pub admin: bool,
    /// PostgreSQL 16+: WITH INHERIT TRUE/FALSE (absent: the server's default).
    #[serde(default)]
    pub inherit: Option<bool>,
    /// PostgreSQL 16+: WITH SET TRUE/FALSE (absent: the server's default).
    #[serde(default)]
    pub set: Option<bool>,
}

/// A database entry.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a database: a mapping with `name`")]
pub struct DatabaseSpec {
    /// Database name (must exist).
    pub name: String,
    /// Schema ownership.
    #[serde(default)]
    pub schemas: Vec<SchemaSpec>,
    /// Privileges.
    #[serde(default)]
    pub grants: Vec<GrantSpec>,
    /// Default privileges for future objects.
    #[serde(default)]
    pub default_privileges: Vec<DefaultPrivSpec>,
}

/// Ownership of a schema and of the tables in it.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a schema: a mapping with `name`")]
pub struct SchemaSpec {
    /// Schema name (must exist).
    pub name: String,
    /// ALTER SCHEMA … OWNER TO.
    #[serde(default)]
    pub owner: Option<String>,
    /// Owner of every table, view, materialized view, foreign table and
    /// standalone sequence in the schema.
    #[serde(default)]
    pub tables_owner: Option<String>,
}

/// A grant of privileges on objects to roles.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a grant: a mapping with `to`, `on`, `privileges`, …"
)]
pub struct GrantSpec {
    /// Grantee roles.
    pub to: Vec<String>,
    /// Object kind.
    pub on: ObjectKind,
    /// The schema (table, sequence, function, column).
    #[serde(default)]
    pub schema: Option<String>,
    /// Object names; `*` = every object of the kind in the schema (for
    /// `schema`: every non-system schema). Functions: `name` (every
    /// overload) or `name(argtype, …)`. Columns: the tables.
    #[serde(default)]
    pub objects: Vec<String>,
    /// Names left out of `*`.
    #[serde(default)]
    pub except: Vec<String>,
    /// Columns (only with `on: column`).
    #[serde(default)]
    pub columns: Vec<String>,
    /// Privileges, or `ALL`.
    pub privileges: Vec<String>,
    /// WITH GRANT OPTION.
    #[serde(default)]
    pub with_grant_option: bool,
}

/// ALTER DEFAULT PRIVILEGES FOR ROLE … [IN SCHEMA …] GRANT ….
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a default privilege: a mapping with `for_role`, `on`, `to`, `privileges`, …"
)]
pub struct DefaultPrivSpec {
    /// The role whose future objects get the privileges.
    pub for_role: String,
    /// Limit to one schema; absent = every schema.
    #[serde(default)]
    pub schema: Option<String>,
    /// tables, sequences, functions, types or schemas.
    pub on: DefaultKind,
    /// Grantee roles.
    pub to: Vec<String>,
    /// Privileges, or `ALL`.
    pub privileges: Vec<String>,
    /// WITH GRANT OPTION.
    #[serde(default)]
    pub with_grant_option: bool,
}

// ---------------------------------------------------------------------------
// Validated model

/// Where the tool connects.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Connection {
    /// The URL (secret: may hold a password); `None` = libpq environment.
    pub url: Option<Secret>,
    /// TLS mode.
    pub sslmode: Option<SslMode>,
    /// CA file.
    pub sslrootcert: Option<String>,
    /// Forced dialect.
    pub dialect: Option<Dialect>,
}

/// Role attributes, with PostgreSQL's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAttrs {
    /// LOGIN
    pub login: bool,
    /// SUPERUSER
    pub superuser: bool,
    /// CREATEDB
    pub createdb: bool,
    /// CREATEROLE
    pub createrole: bool,
    /// INHERIT
    pub inherit: bool,
    /// REPLICATION
    pub replication: bool,
    /// BYPASSRLS
    pub bypassrls: bool,
    /// CONNECTION LIMIT
    pub connection_limit: i32,
    /// VALID UNTIL, normalized; `None` = no expiry (same as infinity).
    pub valid_until: Option<String>,
    /// Redshift: SYSLOG ACCESS UNRESTRICTED.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub syslog_unrestricted: bool,
    /// Redshift: SESSION TIMEOUT in seconds; `None` = the cluster's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_timeout: Option<u32>,
}

impl Default for RoleAttrs {
    fn default() -> Self {
        RoleAttrs {
            login: false,
            superuser: false,
            createdb: false,
            createrole: false,
            inherit: true,
            replication: false,
            bypassrls: false,
            connection_limit: -1,
            valid_until: None,
            syslog_unrestricted: false,
            session_timeout: None,
        }
    }
}

/// Where a desired password comes from.
#[derive(Debug, Clone, Serialize)]
pub enum DesiredPassword {
    /// Plaintext from an environment variable (`None` when unset).
    Env {
        /// Variable name.
        var: String,
        /// The value.
        value: Option<Secret>,
    },
    /// A verifier stored as is.
    Verifier(Secret),
}

/// A validated role.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    /// Attributes.
    pub attrs: RoleAttrs,
    /// Comment.
    pub comment: Option<String>,
    /// Settings: name → value as PostgreSQL shows it (`a, b` for lists).
    pub settings: BTreeMap<String, Vec<String>>,
    /// Password.
    pub password: Option<DesiredPassword>,
    /// Password update policy.
    pub update_password: UpdatePassword,
    /// Redshift kind (validated: only with `dialect: redshift`).
    pub kind: Option<RedshiftKind>,
}

/// Membership options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MemberOpts {
    /// WITH ADMIN OPTION
    pub admin: bool,
    /// PostgreSQL 16+: WITH INHERIT TRUE/FALSE; `None` = not managed / unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherit: Option<bool>,
    /// PostgreSQL 16+: WITH SET TRUE/FALSE; `None` = not managed / unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<bool>,
}

/// A validated grant.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// Grantees.
    pub to: Vec<String>,
    /// Object kind.
    pub kind: ObjectKind,
    /// Schema (table, sequence, function, column).
    pub schema: Option<String>,
    /// Object names or `*`.
    pub objects: Vec<String>,
    /// Exclusions.
    pub except: Vec<String>,
    /// Columns.
    pub columns: Vec<String>,
    /// Privileges.
    pub privileges: BTreeSet<Privilege>,
    /// WITH GRANT OPTION.
    pub grant_option: bool,
}

/// A validated default privilege.
#[derive(Debug, Clone, Serialize)]
pub struct DefaultPriv {
    /// Creator role.
    pub for_role: String,
    /// Schema or every schema.
    pub schema: Option<String>,
    /// Object kind.
    pub kind: DefaultKind,
    /// Grantees.
    pub to: Vec<String>,
    /// Privileges.
    pub privileges: BTreeSet<Privilege>,
    /// WITH GRANT OPTION.
    pub grant_option: bool,
}

/// A validated database entry.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Database {
    /// Schema → owner.
    pub schema_owners: BTreeMap<String, String>,
    /// Schema → owner of its tables.
    pub tables_owners: BTreeMap<String, String>,
    /// Grants.
    pub grants: Vec<Grant>,
    /// Default privileges.
    pub default_privileges: Vec<DefaultPriv>,
}

/// The validated desired state.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Desired {
    /// Connection.
    pub connection: Connection,
    /// Mode.
    pub mode: Mode,
    /// Managed-role glob.
    pub pattern: Option<String>,
    /// External roles.
    pub external: BTreeSet<String>,
    /// Reassign target for dropped roles.
    pub reassign_owned_to: Option<String>,
    /// Declared roles.
    pub roles: BTreeMap<String, Role>,
    /// group role → member → options.
    pub memberships: BTreeMap<String, BTreeMap<String, MemberOpts>>,
    /// Database name → entry.
    pub databases: BTreeMap<String, Database>,
    /// Database name → where it is first declared (`file:line:column`), for
    /// errors found at connection time. Not part of the fingerprint.
    #[serde(skip)]
    pub database_locations: BTreeMap<String, String>,
}

/// Roles the tool never touches: `postgres`, `pg_*`, `rds*` (RDS, incl.
/// `rdsadmin`, Redshift's `rdsdb`), `PUBLIC`.
pub fn is_system_role(name: &str) -> bool {
    name == "postgres"
        || name.starts_with("pg_")
        || name.starts_with("rds")
        || name.eq_ignore_ascii_case("public")
        || name == "azure_superuser"
        || name == "cloudsqlsuperuser"
}

/// Glob match: `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

impl Desired {
    /// Whether a live role is managed here: declared, or matching the
    /// pattern; never a system role nor `current_user`.
    pub fn is_managed(&self, name: &str, current_user: &str) -> bool {
        if is_system_role(name) || name == current_user {
            return false;
        }
        self.roles.contains_key(name)
            || self.pattern.as_deref().is_some_and(|p| glob_match(p, name))
    }
}

fn valid_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if s.contains('\0') {
        return Err("a name cannot contain a NUL character".into());
    }
    if s.len() > 63 {
        return Err(format!(
            "`{s}` is longer than 63 bytes (PostgreSQL's NAMEDATALEN limit)"
        ));
    }
    Ok(())
}

fn parse_privileges(
    file: &SourceFile,
    path: &YPath,
    list: &[String],
    allowed: &[Privilege],
    what: &str,
    diags: &mut Diagnostics,
) -> BTreeSet<Privilege> {
    let mut out = BTreeSet::new();
    if list.is_empty() {
        diags.push(file.error(path, "`privileges` cannot be empty"));
    }
    for (i, p) in list.iter().enumerate() {
        let up = p.trim().to_ascii_uppercase();
        if up == "ALL" || up == "ALL PRIVILEGES" {
            out.extend(allowed.iter().copied());
            continue;
        }
        match Privilege::parse(p) {
            Some(pr) if allowed.contains(&pr) => {
                out.insert(pr);
            }
            Some(pr) => diags.push(
                file.error(
                    &path.index(i),
                    format!("privilege {pr} does not apply to {what}"),
                )
                .with_help(format!(
                    "{what} takes: {}, or ALL",
                    allowed
                        .iter()
                        .map(|p| p.sql())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            None => {
                let mut d = file.error(&path.index(i), format!("unknown privilege `{p}`"));
                if let Some(s) = did_you_mean(&up, Privilege::NAMES) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
    out
}

/// A role reference to check once all roles are known.
struct RoleRef<'a> {
    file: &'a SourceFile,
    path: YPath,
    name: String,
}

/// Validates all files into the desired state; password variables are read
/// from the process environment.
pub fn load(sources: &Sources) -> Result<Desired, Diagnostics> {
    load_with_env(sources, &|k| std::env::var(k).ok())
}

/// [`load`] with an explicit environment lookup for password variables.
pub fn load_with_env(
    sources: &Sources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Desired, Diagnostics> {
    load_opts(sources, env, false)
}

/// [`load_with_env`]; with `require_env`, an unset password variable is an
/// error located at its `env` key (plan / apply), not only at connection time.
pub fn load_opts(
    sources: &Sources,
    env: &dyn Fn(&str) -> Option<String>,
    require_env: bool,
) -> Result<Desired, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut files: Vec<(&SourceFile, ConfigFile)> = Vec::new();
    for f in &sources.files {
        if crate::grantrs::is_grant_rs(f.value()) {
            match crate::grantrs::translate(f) {
                Ok(c) => files.push((f, c)),
                Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
            }
        } else {
            match f.deserialize::<ConfigFile>() {
                Ok(c) => files.push((f, c)),
                Err(d) => diags.push(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut desired = Desired::default();
    let mut role_names: Unique<String> = Unique::new();
    let mut refs: Vec<RoleRef> = Vec::new();
    let mut conn_seen: Option<&SourceFile> = None;
    let mut mode_seen = false;
    let mut member_edges: Vec<(String, String, &SourceFile, YPath)> = Vec::new();
    let mut dialect = None;
    for (file, cfg) in &files {
        if let Some(c) = &cfg.connection {
            if let Some(first) = conn_seen {
                diags.push(
                    file.error(
                        &YPath::root().key("connection"),
                        "`connection` is set in more than one file",
                    )
                    .with_related(
                        first.locate(&YPath::root().key("connection")),
                        "first set here",
                    ),
                );
            }
            conn_seen = Some(file);
            if let Some(u) = &c.url {
                // An unset `${VAR}` (validate) is checked by plan / apply.
                if !u.expose().contains("${") {
                    if let Err(m) = crate::conn::check_url(u.expose()) {
                        diags.push(file.error(&YPath::root().key("connection").key("url"), m));
                    }
                }
            }
            dialect = c.dialect;
            desired.connection = Connection {
                url: c.url.clone(),
                sslmode: c.sslmode,
                sslrootcert: c.sslrootcert.clone(),
                dialect: c.dialect,
            };
        }
        if let Some(m) = cfg.mode {
            if mode_seen && m != desired.mode {
                diags.push(file.error(
                    &YPath::root().key("mode"),
                    "`mode` differs from another file",
                ));
            }
            mode_seen = true;
            desired.mode = m;
        }
        if let Some(m) = &cfg.managed_roles {
            if let Some(p) = &m.pattern {
                if p.is_empty() {
                    diags.push(file.error(
                        &YPath::root().key("managed_roles").key("pattern"),
                        "the pattern cannot be empty",
                    ));
                }
                desired.pattern = Some(p.clone());
            }
        }
        for (i, e) in cfg.external_roles.iter().enumerate() {
            if let Err(m) = valid_name(e) {
                diags.push(file.error(&YPath::root().key("external_roles").index(i), m));
            }
            desired.external.insert(e.clone());
        }
        if let Some(r) = &cfg.reassign_owned_to {
            refs.push(RoleRef {
                file,
                path: YPath::root().key("reassign_owned_to"),
                name: r.clone(),
            });
            desired.reassign_owned_to = Some(r.clone());
        }
    }
    let redshift = dialect == Some(Dialect::Redshift);

    for (file, cfg) in &files {
        for (i, r) in cfg.roles.iter().enumerate() {
            let rp = YPath::root().key("roles").index(i);
            if let Err(m) = valid_name(&r.name) {
                diags.push(file.error(&rp.key("name"), m));
                continue;
            }
            if r.name == "none" {
                diags.push(file.error(
                    &rp.key("name"),
                    "`none` is a reserved role name in PostgreSQL",
                ));
                continue;
            }
            if is_system_role(&r.name) {
                diags.push(file.error(
                    &rp.key("name"),
                    format!("`{}` is a system role; the tool never manages it", r.name),
                ));
                continue;
            }
            if let Err(d) = role_names.insert("role", r.name.clone(), file.locate(&rp.key("name")))
            {
                diags.push(d);
                continue;
            }
            if desired.external.contains(&r.name) {
                diags.push(
                    file.error(
                        &rp.key("name"),
                        format!(
                            "role `{}` is both declared in `roles` and listed in `external_roles`",
                            r.name
                        ),
                    )
                    .with_help(
                        "a role is either managed here (`roles`) or elsewhere (`external_roles`)",
                    ),
                );
            }
            for (key, set) in [
                ("kind", r.kind.is_some()),
                ("syslog_access", r.syslog_access.is_some()),
                ("session_timeout", r.session_timeout.is_some()),
            ] {
                if set && !redshift {
                    diags.push(file.error(
                        &rp.key(key),
                        format!("`{key}` is for Redshift (set `connection.dialect: redshift`)"),
                    ));
                }
            }
            if let Some(t) = r.session_timeout {
                if !(60..=1_728_000).contains(&t) {
                    diags.push(file.error(
                        &rp.key("session_timeout"),
                        "session_timeout must be 60 to 1728000 seconds",
                    ));
                }
            }
            if redshift {
                for (key, set) in [
                    ("createrole", r.createrole.is_some()),
                    ("inherit", r.inherit.is_some()),
                    ("replication", r.replication.is_some()),
                    ("bypassrls", r.bypassrls.is_some()),
                    ("comment", r.comment.is_some()),
                ] {
                    if set {
                        diags.push(
                            file.error(&rp.key(key), format!("`{key}` does not exist on Redshift")),
                        );
                    }
                }
                for (j, m) in r.member_of.iter().enumerate() {
                    if let MemberOfSpec::Detailed(d) = m {
                        if d.admin || d.inherit.is_some() || d.set.is_some() {
                            diags.push(file.error(
                                &rp.key("member_of").index(j),
                                "Redshift groups have no admin/inherit/set options",
                            ));
                        }
                    }
                }
            }
            let d = RoleAttrs::default();
            let valid_until = match &r.valid_until {
                None => None,
                Some(v) => match crate::timefmt::normalize_valid_until(v) {
                    Ok(v) if v == "infinity" => None,
                    Ok(v) => Some(v),
                    Err(m) => {
                        diags.push(file.error(&rp.key("valid_until"), m));
                        None
                    }
                },
            };
            if let Some(l) = r.connection_limit {
                if l < -1 {
                    diags.push(file.error(
                        &rp.key("connection_limit"),
                        "connection_limit must be -1 (no limit) or more",
                    ));
                }
            }
            let attrs = RoleAttrs {
                login: r.login.unwrap_or(d.login),
                superuser: r.superuser.unwrap_or(d.superuser),
                createdb: r.createdb.unwrap_or(d.createdb),
                createrole: r.createrole.unwrap_or(d.createrole),
                inherit: r.inherit.unwrap_or(d.inherit),
                replication: r.replication.unwrap_or(d.replication),
                bypassrls: r.bypassrls.unwrap_or(d.bypassrls),
                connection_limit: r.connection_limit.unwrap_or(d.connection_limit),
                valid_until,
                syslog_unrestricted: r.syslog_access == Some(SyslogAccess::Unrestricted),
                session_timeout: r.session_timeout,
            };
            let mut settings = BTreeMap::new();
            for (k, v) in &r.settings {
                if k.is_empty()
                    || !k
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                {
                    diags.push(file.error(
                        &rp.key("settings").key(k.clone()),
                        format!("invalid setting name `{k}`: letters, digits, `_` and `.` only"),
                    ));
                    continue;
                }
                let parts = v.parts();
                if parts.is_empty() {
                    diags.push(file.error(
                        &rp.key("settings").key(k.clone()),
                        "a setting list cannot be empty",
                    ));
                    continue;
                }
                settings.insert(k.to_ascii_lowercase(), parts);
            }
            let password = match &r.password {
                None => None,
                Some(p) => match (&p.env, &p.verifier) {
                    (None, None) if p.plain.is_some() => Some(DesiredPassword::Env {
                        var: format!("users[{}].password", i),
                        value: p.plain.clone(),
                    }),
                    (Some(var), None) if p.plain.is_none() => {
                        let value = env(var).map(Secret::new);
                        if value.is_none() && require_env {
                            diags.push(file.error(
                                &rp.key("password").key("env"),
                                format!(
                                    "environment variable `{var}` (password of role `{}`) is not set",
                                    r.name
                                ),
                            ));
                        }
                        Some(DesiredPassword::Env {
                            var: var.clone(),
                            value,
                        })
                    }
                    (None, Some(v)) => {
                        if !crate::password::is_verifier(v) {
                            diags.push(file.error(
                                &rp.key("password").key("verifier"),
                                "not a verifier: expected `SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey>` or `md5` + 32 hex digits",
                            ).with_help("to keep a plaintext password out of Git use `password: {env: VAR}`"));
                        }
                        Some(DesiredPassword::Verifier(Secret::new(v.clone())))
                    }
                    _ => {
                        diags.push(file.error(
                            &rp.key("password"),
                            "set exactly one of `env` or `verifier`",
                        ));
                        None
                    }
                },
            };
            for (j, m) in r.member_of.iter().enumerate() {
                let (group, opts) = match m {
                    MemberOfSpec::Name(n) => (n.clone(), MemberOpts::default()),
                    MemberOfSpec::Detailed(d) => (
                        d.role.clone(),
                        MemberOpts {
                            admin: d.admin,
                            inherit: d.inherit,
                            set: d.set,
                        },
                    ),
                };
                let mp = rp.key("member_of").index(j);
                let name_path = match m {
                    MemberOfSpec::Name(_) => mp.clone(),
                    MemberOfSpec::Detailed(_) => mp.key("role"),
                };
                if group == r.name {
                    diags.push(file.error(
                        &name_path,
                        format!("role `{}` cannot be a member of itself", r.name),
                    ));
                    continue;
                }
                refs.push(RoleRef {
                    file,
                    path: name_path.clone(),
                    name: group.clone(),
                });
                member_edges.push((r.name.clone(), group.clone(), file, name_path));
                desired
                    .memberships
                    .entry(group)
                    .or_default()
                    .insert(r.name.clone(), opts);
            }
            desired.roles.insert(
                r.name.clone(),
                Role {
                    attrs,
                    comment: r.comment.clone(),
                    settings,
                    password,
                    update_password: r.update_password.unwrap_or_default(),
                    kind: r.kind,
                },
            );
        }
    }

    for (file, cfg) in &files {
        for (i, db) in cfg.databases.iter().enumerate() {
            let dp = YPath::root().key("databases").index(i);
            if let Err(m) = valid_name(&db.name) {
                diags.push(file.error(&dp.key("name"), m));
                continue;
            }
            if let Some(loc) = file.locate(&dp.key("name")) {
                desired
                    .database_locations
                    .entry(db.name.clone())
                    .or_insert_with(|| loc.to_string());
            }
            let entry = desired.databases.entry(db.name.clone()).or_default();
            for (j, s) in db.schemas.iter().enumerate() {
                let sp = dp.key("schemas").index(j);
                if let Err(m) = valid_name(&s.name) {
                    diags.push(file.error(&sp.key("name"), m));
                    continue;
                }
                if let Some(o) = &s.owner {
                    refs.push(RoleRef {
                        file,
                        path: sp.key("owner"),
                        name: o.clone(),
                    });
                    if entry
                        .schema_owners
                        .insert(s.name.clone(), o.clone())
                        .is_some()
                    {
                        diags.push(file.error(
                            &sp.key("owner"),
                            format!("the owner of schema `{}` is set twice", s.name),
                        ));
                    }
                }
                if let Some(o) = &s.tables_owner {
                    refs.push(RoleRef {
                        file,
                        path: sp.key("tables_owner"),
                        name: o.clone(),
                    });
                    if entry
                        .tables_owners
                        .insert(s.name.clone(), o.clone())
                        .is_some()
                    {
                        diags.push(file.error(
                            &sp.key("tables_owner"),
                            format!("the tables owner of schema `{}` is set twice", s.name),
                        ));
                    }
                }
            }
            for (j, g) in db.grants.iter().enumerate() {
                let gp = dp.key("grants").index(j);
                if let Some(grant) =
                    validate_grant(file, &gp, g, &db.name, redshift, &mut refs, &mut diags)
                {
                    entry.grants.push(grant);
                }
            }
            for (j, g) in db.default_privileges.iter().enumerate() {
                let gp = dp.key("default_privileges").index(j);
                refs.push(RoleRef {
                    file,
                    path: gp.key("for_role"),
                    name: g.for_role.clone(),
                });
                if g.to.is_empty() {
                    diags.push(file.error(&gp.key("to"), "`to` needs at least one role"));
                }
                for (k, t) in g.to.iter().enumerate() {
                    refs.push(RoleRef {
                        file,
                        path: gp.key("to").index(k),
                        name: t.clone(),
                    });
                }
                if redshift
                    && matches!(
                        g.on,
                        DefaultKind::Sequences | DefaultKind::Types | DefaultKind::Schemas
                    )
                {
                    diags.push(file.error(
                        &gp.key("on"),
                        format!("Redshift has no default privileges on {}", g.on.name()),
                    ));
                }
                if g.on == DefaultKind::Schemas && g.schema.is_some() {
                    diags.push(file.error(
                        &gp.key("schema"),
                        "default privileges on schemas cannot be limited to a schema",
                    ));
                }
                if let Some(s) = &g.schema {
                    if let Err(m) = valid_name(s) {
                        diags.push(file.error(&gp.key("schema"), m));
                    }
                }
                let privileges = parse_privileges(
                    file,
                    &gp.key("privileges"),
                    &g.privileges,
                    g.on.allowed(redshift),
                    g.on.name(),
                    &mut diags,
                );
                entry.default_privileges.push(DefaultPriv {
                    for_role: g.for_role.clone(),
                    schema: g.schema.clone(),
                    kind: g.on,
                    to: g.to.clone(),
                    privileges,
                    grant_option: g.with_grant_option,
                });
            }
        }
    }

    // Role references.
    let known = |n: &str| {
        desired.roles.contains_key(n) || desired.external.contains(n) || is_system_role(n)
    };
    for r in &refs {
        if let Err(m) = valid_name(&r.name) {
            diags.push(r.file.error(&r.path, m));
            continue;
        }
        if r.name.eq_ignore_ascii_case("public") || r.name == "none" {
            // `GRANT … TO "public"` means PUBLIC, which the live state does not
            // track: it would show as a change on every plan.
            diags.push(
                r.file
                    .error(&r.path, format!("`{}` cannot be referenced here", r.name))
                    .with_help(
                        "PUBLIC's privileges are outside the model (neither granted nor revoked); grant to a role instead",
                    ),
            );
            continue;
        }
        if !known(&r.name) {
            let mut d = r.file.error(
                &r.path,
                format!(
                    "role `{}` is neither declared in `roles` nor listed in `external_roles`",
                    r.name
                ),
            );
            let candidates: Vec<&str> = desired
                .roles
                .keys()
                .chain(desired.external.iter())
                .map(String::as_str)
                .collect();
            d = match did_you_mean(&r.name, candidates) {
                Some(s) => d.with_help(format!("did you mean `{s}`? A role managed elsewhere goes in `external_roles`.")),
                None => d.with_help("declare it under `roles`, or list it in `external_roles` if it is managed elsewhere"),
            };
            diags.push(d);
        }
    }

    // Membership cycles.
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (member, group, _, _) in &member_edges {
        graph
            .entry(member.as_str())
            .or_default()
            .push(group.as_str());
    }
    let mut reported = BTreeSet::new();
    for (member, group, file, path) in &member_edges {
        // An edge member → group closes a cycle when group reaches member.
        if let Some(cycle) = find_path(&graph, group, member) {
            let mut key: Vec<&str> = cycle.clone();
            key.sort();
            if reported.insert(key) {
                diags.push(
                    file.error(
                        path,
                        format!("membership cycle: {} → {}", member, cycle.join(" → ")),
                    )
                    .with_help("a role cannot be (indirectly) a member of itself"),
                );
            }
        }
    }
    diags.into_result(desired)
}

fn find_path<'a>(
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    from: &'a str,
    to: &str,
) -> Option<Vec<&'a str>> {
    let mut stack = vec![(from, vec![from])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        if node == to {
            return Some(path);
        }
        if !seen.insert(node) {
            continue;
        }
        for next in graph.get(node).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next);
            stack.push((next, p));
        }
    }
    None
}

fn validate_grant<'a>(
    file: &'a SourceFile,
    gp: &YPath,
    g: &GrantSpec,
    db: &str,
    redshift: bool,
    refs: &mut Vec<RoleRef<'a>>,
    diags: &mut Diagnostics,
) -> Option<Grant> {
    let before = diags.0.len();
    if g.to.is_empty() {
        diags.push(file.error(&gp.key("to"), "`to` needs at least one role"));
    }
    for (k, t) in g.to.iter().enumerate() {
        refs.push(RoleRef {
            file,
            path: gp.key("to").index(k),
            name: t.clone(),
        });
    }
    if redshift && g.on == ObjectKind::Sequence {
        diags.push(file.error(&gp.key("on"), "Redshift has no sequences"));
    }
    let needs_schema = matches!(
        g.on,
        ObjectKind::Table | ObjectKind::Sequence | ObjectKind::Function | ObjectKind::Column
    );
    match (&g.schema, needs_schema) {
        (None, true) => diags.push(file.error(gp, format!("`on: {}` needs `schema`", g.on.name()))),
        (Some(_), false) => diags.push(file.error(
            &gp.key("schema"),
            format!("`schema` does not apply to `on: {}`", g.on.name()),
        )),
        (Some(s), true) => {
            if let Err(m) = valid_name(s) {
                diags.push(file.error(&gp.key("schema"), m));
            }
        }
        _ => {}
    }
    let mut objects = g.objects.clone();
    if g.on == ObjectKind::Database {
        if objects.iter().any(|o| o != db) {
            diags.push(file.error(
                &gp.key("objects"),
                format!(
                    "`on: database` grants on the enclosing database `{db}`; leave `objects` out"
                ),
            ));
        }
        objects = vec![db.to_string()];
    } else if objects.is_empty() {
        diags.push(file.error(gp, "`objects` needs at least one name (or `*`)"));
    }
    for (k, o) in objects.iter().enumerate() {
        if o == "*" {
            continue;
        }
        if o.contains('*') {
            diags.push(file.error(
                &gp.key("objects").index(k),
                "`*` stands alone: it means every object; use `except` to leave some out",
            ));
            continue;
        }
        if g.on == ObjectKind::Function {
            if let Err(m) = check_function_signature(o) {
                diags.push(file.error(&gp.key("objects").index(k), m));
            }
        } else if let Err(m) = valid_name(o) {
            diags.push(file.error(&gp.key("objects").index(k), m));
        }
    }
    if !g.except.is_empty() && !objects.iter().any(|o| o == "*") {
        diags.push(file.error(
            &gp.key("except"),
            "`except` only applies with `objects: [\"*\"]`",
        ));
    }
    if g.on == ObjectKind::Column {
        if g.columns.is_empty() {
            diags.push(file.error(gp, "`on: column` needs `columns`"));
        }
        for (k, c) in g.columns.iter().enumerate() {
            if let Err(m) = valid_name(c) {
                diags.push(file.error(&gp.key("columns").index(k), m));
            }
        }
    } else if !g.columns.is_empty() {
        diags.push(file.error(&gp.key("columns"), "`columns` only applies to `on: column`"));
    }
    let privileges = parse_privileges(
        file,
        &gp.key("privileges"),
        &g.privileges,
        g.on.allowed(redshift),
        &format!("a {}", g.on.name()),
        diags,
    );
    if diags.0.len() > before {
        return None;
    }
    Some(Grant {
        to: g.to.clone(),
        kind: g.on,
        schema: g.schema.clone(),
        objects,
        except: g.except.clone(),
        columns: g.columns.clone(),
        privileges,
        grant_option: g.with_grant_option,
    })
}

/// Splits `name(type, …)` into name and normalized argument list; `None`
/// arguments when there are no parentheses (every overload).
pub fn split_signature(s: &str) -> (String, Option<String>) {
    // The argument list is the parenthesis that the final `)` closes, so a
    // function name may itself hold parentheses (`"f(x), y"(integer)`).
    let open = s.ends_with(')').then(|| {
        let mut depth = 0usize;
        for (i, c) in s.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    });
    match open.flatten() {
        Some(i) => {
            let args = &s[i + 1..s.len() - 1];
            (s[..i].trim().to_string(), Some(normalize_args(args)))
        }
        _ => (s.trim().to_string(), None),
    }
}

/// Normalizes whitespace in an argument type list: `integer,text` →
/// `integer, text`.
pub fn normalize_args(args: &str) -> String {
    args.split(',')
        .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_function_signature(s: &str) -> Result<(), String> {
    let (name, args) = split_signature(s);
    valid_name(&name)?;
    if s.contains('(') && args.is_none() {
        return Err(format!("`{s}`: expected `name` or `name(type, …)`"));
    }
    if let Some(a) = args {
        // The types go into the SQL as written: outside double quotes only
        // identifier characters; inside (`"My T"`, `""` for a quote) anything.
        let mut quoted = false;
        for c in a.chars() {
            if c == '"' {
                quoted = !quoted;
            } else if !(quoted || c.is_alphanumeric() || " _,.[]()".contains(c)) {
                return Err(format!(
                    "`{s}`: unexpected character `{c}` in the argument types"
                ));
            }
        }
        if quoted {
            return Err(format!("`{s}`: unbalanced `\"` in the argument types"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
