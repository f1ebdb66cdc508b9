//! The live state's types, and the pure helpers that fill them.

use std::collections::{BTreeMap, BTreeSet};

use common::Secret;
use serde::Serialize;

pub use super::name::Name;
use crate::model::{Dialect, MemberOpts, RoleAttrs};
use crate::privs::{DefaultKind, Privilege};

/// A live role.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveRole {
    /// Attributes.
    pub attrs: RoleAttrs,
    /// COMMENT ON ROLE.
    pub comment: Option<String>,
    /// Role-wide settings (`rolconfig`).
    pub settings: BTreeMap<String, String>,
    /// The stored verifier, when readable.
    pub verifier: Option<Secret>,
}

/// Kind of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelKind {
    /// `r`
    Table,
    /// `p`
    PartitionedTable,
    /// `v`
    View,
    /// `m`
    MaterializedView,
    /// `f`
    ForeignTable,
    /// `S`
    Sequence,
}

impl RelKind {
    /// From `pg_class.relkind`.
    pub fn from_code(c: &str) -> Option<RelKind> {
        Some(match c {
            "r" => RelKind::Table,
            "p" => RelKind::PartitionedTable,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            "f" => RelKind::ForeignTable,
            "S" => RelKind::Sequence,
            _ => return None,
        })
    }

    /// The `ALTER <kind>` keyword.
    pub fn alter_keyword(self) -> &'static str {
        match self {
            RelKind::Table | RelKind::PartitionedTable => "TABLE",
            RelKind::View => "VIEW",
            RelKind::MaterializedView => "MATERIALIZED VIEW",
            RelKind::ForeignTable => "FOREIGN TABLE",
            RelKind::Sequence => "SEQUENCE",
        }
    }
}

/// A relation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Relation {
    /// Kind.
    pub kind: RelKind,
    /// Owner.
    pub owner: String,
    /// A sequence owned by a column (serial / identity).
    pub linked: bool,
}

/// A function or procedure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Function {
    /// Name.
    pub name: String,
    /// Argument types (`oidvectortypes`).
    pub args: String,
    /// A procedure (GRANT … ON PROCEDURE).
    pub procedure: bool,
    /// Owner.
    pub owner: String,
}

/// An object privileges are granted on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ObjRef {
    /// A database.
    Database {
        /// Name.
        name: Name,
    },
    /// A schema.
    Schema {
        /// Name.
        name: Name,
    },
    /// A table-like relation.
    Table {
        /// Schema.
        schema: Name,
        /// Name.
        name: Name,
    },
    /// A sequence.
    Sequence {
        /// Schema.
        schema: Name,
        /// Name.
        name: Name,
    },
    /// A function or procedure.
    Function {
        /// Schema.
        schema: Name,
        /// `name(argtypes)`.
        signature: Name,
    },
    /// A column.
    Column {
        /// Schema.
        schema: Name,
        /// Table.
        table: Name,
        /// Column.
        column: Name,
    },
}

/// One explicit privilege.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AclEntry {
    /// Object.
    pub object: ObjRef,
    /// Grantee role.
    pub grantee: Name,
    /// Privilege.
    pub privilege: Privilege,
    /// WITH GRANT OPTION.
    pub grantable: bool,
    /// The role that granted it (empty when unknown, e.g. Redshift).
    #[serde(skip_serializing_if = "is_empty")]
    pub grantor: Name,
}

/// Whether a name is empty (an unknown grantor is not serialized).
fn is_empty(n: &Name) -> bool {
    n.is_empty()
}

/// One default privilege.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DefaultAclEntry {
    /// Creator role.
    pub for_role: String,
    /// Schema; `None` = every schema.
    pub schema: Option<String>,
    /// Kind.
    pub kind: DefaultKind,
    /// Grantee.
    pub grantee: String,
    /// Privilege.
    pub privilege: Privilege,
    /// WITH GRANT OPTION.
    pub grantable: bool,
}

/// The live state of one database. Every field but `function_ids` (the
/// server's resolution of the configured signatures, which `functions`
/// covers) is part of the saved plan's live fingerprint; the sets that are
/// empty are left out of the JSON.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LiveDb {
    /// Database owner.
    pub owner: String,
    /// Schema → owner.
    pub schemas: BTreeMap<String, String>,
    /// Schema → name → relation (the names the ACL entries share).
    pub relations: BTreeMap<Name, BTreeMap<Name, Relation>>,
    /// Schema → `name(args)` → function.
    pub functions: BTreeMap<String, BTreeMap<String, Function>>,
    /// Explicit privileges (no PUBLIC, no owner's implicit ones).
    pub acl: BTreeSet<AclEntry>,
    /// Default privileges (no PUBLIC, no creator's own).
    pub default_acl: BTreeSet<DefaultAclEntry>,
    /// (schema, signature as configured) → the live `name(args)` the server
    /// resolves it to (`to_regprocedure`), so that `f(int)` and
    /// `f(integer)` are one function.
    #[serde(skip)]
    pub function_ids: BTreeMap<(String, String), String>,
    /// PUBLIC's privileges (explicit, or the built-in defaults of
    /// databases, schemas and functions), for objects where the
    /// configuration declares PUBLIC.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub public_acl: BTreeSet<AclEntry>,
    /// PUBLIC's entries of `pg_default_acl` (managed where the
    /// configuration declares PUBLIC as a default privileges grantee).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub public_default_acl: BTreeSet<DefaultAclEntry>,
    /// (creator, schema, kind) of every `pg_default_acl` row: a global row
    /// (no schema) replaces the built-in default (`acldefault`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub default_rows: BTreeSet<(String, Option<String>, DefaultKind)>,
    /// (schema, table, column) of the columns that column grants name,
    /// where they exist.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub columns: BTreeSet<(String, String, String)>,
}

impl LiveDb {
    /// The owner of an object, when it exists.
    pub fn owner_of(&self, o: &ObjRef) -> Option<&str> {
        match o {
            ObjRef::Database { .. } => Some(&self.owner),
            ObjRef::Schema { name } => self.schemas.get(name.as_str()).map(String::as_str),
            ObjRef::Table { schema, name } | ObjRef::Sequence { schema, name } => self
                .relations
                .get(schema)?
                .get(name)
                .map(|r| r.owner.as_str()),
            ObjRef::Column { schema, table, .. } => self
                .relations
                .get(schema)?
                .get(table)
                .map(|r| r.owner.as_str()),
            ObjRef::Function { schema, signature } => self
                .functions
                .get(schema.as_str())?
                .get(signature.as_str())
                .map(|f| f.owner.as_str()),
        }
    }
}

/// The whole live state.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Live {
    /// Dialect.
    pub dialect: Dialect,
    /// The connected user (never managed).
    pub current_user: String,
    /// The database role statements run in.
    pub connection_db: String,
    /// Whether stored verifiers could be read (pg_authid).
    pub passwords_readable: bool,
    /// `server_version_num` (160000 and up: membership INHERIT/SET options).
    pub server_version: i32,
    /// Redshift RBAC roles (SVV_ROLES); users and groups are in `roles`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub rbac_roles: BTreeSet<String>,
    /// Roles.
    pub roles: BTreeMap<String, LiveRole>,
    /// group → member → options.
    pub memberships: BTreeMap<String, BTreeMap<String, MemberOpts>>,
    /// PostgreSQL 16+: group → member → the roles that granted the
    /// membership (one grant each); a plain REVOKE removes only its own.
    /// Part of the saved plan's live fingerprint (absent when empty).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub membership_grantors: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Role → number of objects it owns, cluster-wide (pg_shdepend).
    pub owned: BTreeMap<String, i64>,
    /// Role → the databases where it owns objects or holds privileges
    /// (pg_shdepend): a drop must reach every one of them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependent_dbs: BTreeMap<String, BTreeSet<String>>,
    /// Configured databases.
    pub databases: BTreeMap<String, LiveDb>,
    /// Database → owner, for every database of the cluster (pg_database, a
    /// shared catalog); scoped to the configuration's roles. A dropped
    /// role's databases change owner with REASSIGN OWNED: the plan names them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub database_owners: BTreeMap<String, String>,
    /// Privileges of the configuration's roles on the databases it does not
    /// list (pg_database.datacl): never changed, reported as notes.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub other_db_grants: BTreeSet<DatabaseGrant>,
}

/// A privilege on a database, read cluster-wide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DatabaseGrant {
    /// Database name.
    pub database: String,
    /// Grantee role.
    pub grantee: String,
    /// CONNECT, CREATE or TEMPORARY.
    pub privilege: Privilege,
    /// WITH GRANT OPTION.
    pub grantable: bool,
}

/// One raw `aclexplode` row.
#[derive(Debug, Clone)]
pub struct AclRow {
    /// Grantee name, `PUBLIC` for 0.
    pub grantee: String,
    /// `privilege_type`.
    pub privilege: String,
    /// `is_grantable`.
    pub grantable: bool,
    /// The grantor's name (empty when unknown).
    pub grantor: String,
}

/// Adds an explicit grant, skipping PUBLIC, the owner's implicit privileges
/// and privileges this tool does not know (e.g. PG17's MAINTAIN).
pub fn push_acl(acl: &mut BTreeSet<AclEntry>, object: ObjRef, owner: &str, row: Option<AclRow>) {
    let Some(row) = row else { return };
    if row.grantee == "PUBLIC" || row.grantee == owner {
        return;
    }
    let Some(privilege) = Privilege::parse(&row.privilege) else {
        return;
    };
    acl.insert(AclEntry {
        object,
        grantee: row.grantee.into(),
        privilege,
        grantable: row.grantable,
        grantor: row.grantor.into(),
    });
}

/// Adds a default privilege, skipping PUBLIC and the creator's own entries.
pub fn push_default(
    set: &mut BTreeSet<DefaultAclEntry>,
    for_role: String,
    schema: Option<String>,
    kind: DefaultKind,
    acl: AclRow,
) {
    if acl.grantee == "PUBLIC" || acl.grantee == for_role {
        return;
    }
    insert_default(set, for_role, schema, kind, acl);
}

/// Adds a default privilege whoever its grantee (PUBLIC's go to their own
/// set); unknown privileges are skipped.
pub fn insert_default(
    set: &mut BTreeSet<DefaultAclEntry>,
    for_role: String,
    schema: Option<String>,
    kind: DefaultKind,
    acl: AclRow,
) {
    let Some(privilege) = Privilege::parse(&acl.privilege) else {
        return;
    };
    set.insert(DefaultAclEntry {
        for_role,
        schema,
        kind,
        grantee: acl.grantee,
        privilege,
        grantable: acl.grantable,
    });
}
