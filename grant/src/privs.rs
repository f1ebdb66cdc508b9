//! Privileges, object kinds and which privilege applies to which kind.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One privilege, as `aclexplode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Privilege {
    /// SELECT
    Select,
    /// INSERT
    Insert,
    /// UPDATE
    Update,
    /// DELETE
    Delete,
    /// TRUNCATE
    Truncate,
    /// REFERENCES
    References,
    /// TRIGGER
    Trigger,
    /// EXECUTE
    Execute,
    /// USAGE
    Usage,
    /// CREATE
    Create,
    /// CONNECT
    Connect,
    /// TEMPORARY (alias TEMP)
    Temporary,
    /// DROP (Redshift tables)
    Drop,
    /// MAINTAIN (PostgreSQL 17+ tables: VACUUM, ANALYZE, REINDEX, …)
    Maintain,
}

impl Privilege {
    /// The SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Execute => "EXECUTE",
            Privilege::Usage => "USAGE",
            Privilege::Create => "CREATE",
            Privilege::Connect => "CONNECT",
            Privilege::Temporary => "TEMPORARY",
            Privilege::Drop => "DROP",
            Privilege::Maintain => "MAINTAIN",
        }
    }

    /// Parses a privilege name as written in configuration or returned by
    /// `aclexplode` (case-insensitive; `TEMP` = `TEMPORARY`).
    pub fn parse(s: &str) -> Option<Privilege> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "SELECT" => Privilege::Select,
            "INSERT" => Privilege::Insert,
            "UPDATE" => Privilege::Update,
            "DELETE" => Privilege::Delete,
            "TRUNCATE" => Privilege::Truncate,
            "REFERENCES" => Privilege::References,
            "TRIGGER" => Privilege::Trigger,
            "EXECUTE" => Privilege::Execute,
            "USAGE" => Privilege::Usage,
            "CREATE" => Privilege::Create,
            "CONNECT" => Privilege::Connect,
            "TEMPORARY" | "TEMP" => Privilege::Temporary,
            "DROP" => Privilege::Drop,
            "MAINTAIN" => Privilege::Maintain,
            _ => return None,
        })
    }

    /// Every privilege name, for suggestions.
    pub const NAMES: [&'static str; 14] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "EXECUTE",
        "USAGE",
        "CREATE",
        "CONNECT",
        "TEMPORARY",
        "DROP",
        "MAINTAIN",
    ];
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql())
    }
}

/// The kind of object a grant is on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    /// The database of the enclosing `databases` entry.
    Database,
    /// Schemas.
    Schema,
    /// Tables, views, materialized views, foreign tables and partitioned tables.
    Table,
    /// Sequences.
    Sequence,
    /// Functions and procedures.
    Function,
    /// Columns of tables.
    Column,
}

impl ObjectKind {
    /// The privileges that exist for this kind (PostgreSQL; Redshift adds DROP on tables).
    pub fn allowed(self, redshift: bool) -> &'static [Privilege] {
        use Privilege::*;
        match self {
            ObjectKind::Database => &[Create, Connect, Temporary],
            ObjectKind::Schema => &[Usage, Create],
            ObjectKind::Table if redshift => &[
                Select, Insert, Update, Delete, References, Trigger, Truncate, Drop,
            ],
            ObjectKind::Table => &[
                Select, Insert, Update, Delete, Truncate, References, Trigger, Maintain,
            ],
            ObjectKind::Sequence => &[Usage, Select, Update],
            ObjectKind::Function => &[Execute],
            ObjectKind::Column => &[Select, Insert, Update, References],
        }
    }

    /// What a grant translated from a grant-rs file may hold: the
    /// PostgreSQL set plus Redshift's DROP (grant-rs accepts it whatever
    /// the server; `read` checks it once the dialect is known). MAINTAIN is
    /// there for the revokes `ALL` less another role's privileges plans; a
    /// grant-rs role cannot name it (`grantrs::checks`).
    pub fn allowed_grant_rs(self) -> &'static [Privilege] {
        use Privilege::*;
        match self {
            ObjectKind::Table => &[
                Select, Insert, Update, Delete, Truncate, References, Trigger, Maintain, Drop,
            ],
            other => other.allowed(false),
        }
    }

    /// Lower-case name, as in configuration.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Database => "database",
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Column => "column",
        }
    }
}

/// The kind of future object a default privilege applies to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DefaultKind {
    /// Tables (and views etc.).
    Tables,
    /// Sequences.
    Sequences,
    /// Functions and procedures.
    Functions,
    /// Types.
    Types,
    /// Schemas (only without `schema`).
    Schemas,
}

impl DefaultKind {
    /// The privileges that exist for this kind.
    pub fn allowed(self, redshift: bool) -> &'static [Privilege] {
        match self {
            DefaultKind::Tables => ObjectKind::Table.allowed(redshift),
            DefaultKind::Sequences => ObjectKind::Sequence.allowed(redshift),
            DefaultKind::Functions => ObjectKind::Function.allowed(redshift),
            DefaultKind::Types => &[Privilege::Usage],
            DefaultKind::Schemas => ObjectKind::Schema.allowed(redshift),
        }
    }

    /// The SQL keyword of `ALTER DEFAULT PRIVILEGES ... ON <kind>`.
    pub fn sql(self) -> &'static str {
        match self {
            DefaultKind::Tables => "TABLES",
            DefaultKind::Sequences => "SEQUENCES",
            DefaultKind::Functions => "FUNCTIONS",
            DefaultKind::Types => "TYPES",
            DefaultKind::Schemas => "SCHEMAS",
        }
    }

    /// The kind of a `pg_default_acl.defaclobjtype` code.
    pub fn from_code(c: &str) -> Option<DefaultKind> {
        Some(match c {
            "r" => DefaultKind::Tables,
            "S" => DefaultKind::Sequences,
            "f" => DefaultKind::Functions,
            "T" => DefaultKind::Types,
            "n" => DefaultKind::Schemas,
            _ => return None,
        })
    }

    /// PUBLIC's built-in default privileges (`acldefault`) on the objects
    /// a role creates, while no global `pg_default_acl` row of the role
    /// replaces them: EXECUTE on functions, USAGE on types.
    pub fn public_builtin(self) -> Option<Privilege> {
        match self {
            DefaultKind::Functions => Some(Privilege::Execute),
            DefaultKind::Types => Some(Privilege::Usage),
            _ => None,
        }
    }

    /// Lower-case name, as in configuration.
    pub fn name(self) -> &'static str {
        match self {
            DefaultKind::Tables => "tables",
            DefaultKind::Sequences => "sequences",
            DefaultKind::Functions => "functions",
            DefaultKind::Types => "types",
            DefaultKind::Schemas => "schemas",
        }
    }
}

/// Privileges that exist only from a PostgreSQL version on
/// (`server_version_num`): `ALL` includes them there, and naming one for an
/// older server is an error.
pub fn since(p: Privilege) -> Option<i32> {
    match p {
        Privilege::Maintain => Some(170000),
        _ => None,
    }
}

/// Joins privileges for SQL: `SELECT, INSERT`.
pub fn join<'a>(privs: impl IntoIterator<Item = &'a Privilege>) -> String {
    privs
        .into_iter()
        .map(|p| p.sql())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        assert_eq!(Privilege::parse("temp"), Some(Privilege::Temporary));
        assert_eq!(Privilege::parse(" Select "), Some(Privilege::Select));
        assert_eq!(Privilege::parse("all"), None);
        for n in Privilege::NAMES {
            assert_eq!(Privilege::parse(n).map(|p| p.sql()), Some(n));
        }
    }

    #[test]
    fn applicability() {
        assert!(!ObjectKind::Table
            .allowed(false)
            .contains(&Privilege::Execute));
        assert!(ObjectKind::Table.allowed(true).contains(&Privilege::Drop));
        assert!(DefaultKind::Types
            .allowed(false)
            .contains(&Privilege::Usage));
    }
}
