//! The validated desired state: what [`crate::validate`] makes of the
//! configuration files, and what the diff compares with the live state.

use std::collections::{BTreeMap, BTreeSet};

use common::Secret;
use serde::{Deserialize, Serialize};

pub use crate::config::{Dialect, Mode, RedshiftKind, SslMode, UpdatePassword};
use crate::privs::{DefaultKind, ObjectKind, Privilege};
pub use crate::signature::{normalize_args, split_signature};

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

impl RoleAttrs {
    /// `self` where `declared` names the field, else `live`: what additive
    /// mode aims for on a role that exists.
    pub fn overlay(&self, live: &RoleAttrs, declared: &BTreeSet<&'static str>) -> RoleAttrs {
        let pick = |k: &str| declared.contains(k);
        RoleAttrs {
            login: if pick("login") {
                self.login
            } else {
                live.login
            },
            superuser: if pick("superuser") {
                self.superuser
            } else {
                live.superuser
            },
            createdb: if pick("createdb") {
                self.createdb
            } else {
                live.createdb
            },
            createrole: if pick("createrole") {
                self.createrole
            } else {
                live.createrole
            },
            inherit: if pick("inherit") {
                self.inherit
            } else {
                live.inherit
            },
            replication: if pick("replication") {
                self.replication
            } else {
                live.replication
            },
            bypassrls: if pick("bypassrls") {
                self.bypassrls
            } else {
                live.bypassrls
            },
            connection_limit: if pick("connection_limit") {
                self.connection_limit
            } else {
                live.connection_limit
            },
            valid_until: if pick("valid_until") {
                self.valid_until.clone()
            } else {
                live.valid_until.clone()
            },
            syslog_unrestricted: if pick("syslog_unrestricted") {
                self.syslog_unrestricted
            } else {
                live.syslog_unrestricted
            },
            session_timeout: if pick("session_timeout") {
                self.session_timeout
            } else {
                live.session_timeout
            },
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
    /// The attributes the configuration declares (`login`, `superuser`, …):
    /// additive mode changes only these on a role that exists.
    pub declared: BTreeSet<&'static str>,
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
    /// `future: true`: default privileges for objects created later.
    pub future: bool,
    /// Written as `ALL`: privileges newer than the server (PG17's MAINTAIN)
    /// are left out against an older one.
    pub all: bool,
    /// The privileges must not be held (grant-rs `-table`): revoked when
    /// present, in every mode; wins over a grant of the same privilege.
    pub revoke: bool,
    /// `file:line:column` of the grant, for errors found once the server is
    /// known. Not part of the fingerprint.
    #[serde(skip)]
    pub location: Option<String>,
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
    /// Written as `ALL` (see [`Grant::all`]).
    pub all: bool,
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
    /// Warnings about the configuration (e.g. keys a grant-rs file may
    /// carry and grant-rs ignores), shown as plan notes. Not part of the
    /// fingerprint.
    #[serde(skip)]
    pub warnings: Vec<common::Note>,
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
