//! The configuration format (YAML): raw serde types, as written. Validated
//! into [`crate::model::Desired`] by [`crate::validate`].

use std::collections::BTreeMap;

use common::Secret;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::privs::{DefaultKind, ObjectKind};

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
    /// A grant-rs user: created with LOGIN, whose attributes are otherwise
    /// never changed (grant-rs only creates users).
    #[serde(skip)]
    #[schemars(skip)]
    pub login_on_create: bool,
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
    /// Only when the role is created, never afterwards even when the live
    /// verifier differs: grant-rs's meaning of an absent `update_password`.
    #[serde(skip)]
    CreateOnly,
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
    /// Grantee roles, or `PUBLIC` (its privileges on these objects are then
    /// exactly the listed ones; `privileges: []` = none).
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
    /// With `objects: ["*"]`: also the objects created later, by declaring
    /// the matching default privileges for the objects' owner (the schema's
    /// `tables_owner`, else the owners of its objects, else the schema's
    /// owner).
    #[serde(default)]
    pub future: bool,
    /// grant-rs `-table` / `-ALL` / `-role`: the privileges must not be held;
    /// revoked when present, in every mode.
    #[serde(skip)]
    #[schemars(skip)]
    pub revoke: bool,
    /// From a grant-rs file: Redshift-only privileges (DROP) are accepted
    /// here and checked once the server's dialect is known.
    #[serde(skip)]
    #[schemars(skip)]
    pub grant_rs: bool,
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
    /// Grantee roles, or `PUBLIC` (its default privileges for `for_role`
    /// are then exactly the listed ones; `privileges: []` = none).
    pub to: Vec<String>,
    /// Privileges, or `ALL`.
    pub privileges: Vec<String>,
    /// WITH GRANT OPTION.
    #[serde(default)]
    pub with_grant_option: bool,
}
