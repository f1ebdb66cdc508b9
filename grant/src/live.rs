//! The live state: read with a constant number of catalog queries
//! (five cluster-wide, six per database), explicit grants only.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use common::Secret;
use serde::Serialize;
use tokio_postgres::Client;

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
        name: String,
    },
    /// A schema.
    Schema {
        /// Name.
        name: String,
    },
    /// A table-like relation.
    Table {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
    },
    /// A sequence.
    Sequence {
        /// Schema.
        schema: String,
        /// Name.
        name: String,
    },
    /// A function or procedure.
    Function {
        /// Schema.
        schema: String,
        /// `name(argtypes)`.
        signature: String,
    },
    /// A column.
    Column {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
}

/// One explicit privilege.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AclEntry {
    /// Object.
    pub object: ObjRef,
    /// Grantee role.
    pub grantee: String,
    /// Privilege.
    pub privilege: Privilege,
    /// WITH GRANT OPTION.
    pub grantable: bool,
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

/// The live state of one database.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LiveDb {
    /// Database owner.
    pub owner: String,
    /// Schema → owner.
    pub schemas: BTreeMap<String, String>,
    /// Schema → name → relation.
    pub relations: BTreeMap<String, BTreeMap<String, Relation>>,
    /// Schema → `name(args)` → function.
    pub functions: BTreeMap<String, BTreeMap<String, Function>>,
    /// Explicit privileges (no PUBLIC, no owner's implicit ones).
    pub acl: BTreeSet<AclEntry>,
    /// Default privileges (no PUBLIC, no creator's own).
    pub default_acl: BTreeSet<DefaultAclEntry>,
}

impl LiveDb {
    /// The owner of an object, when it exists.
    pub fn owner_of(&self, o: &ObjRef) -> Option<&str> {
        match o {
            ObjRef::Database { .. } => Some(&self.owner),
            ObjRef::Schema { name } => self.schemas.get(name).map(String::as_str),
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
                .get(schema)?
                .get(signature)
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
    /// Role → number of objects it owns, cluster-wide (pg_shdepend).
    pub owned: BTreeMap<String, i64>,
    /// Configured databases.
    pub databases: BTreeMap<String, LiveDb>,
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
        grantee: row.grantee,
        privilege,
        grantable: row.grantable,
    });
}

const NSP_FILTER: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
const GRANTEE: &str =
    "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END";

fn acl_row(row: &tokio_postgres::Row, i: usize) -> anyhow::Result<Option<AclRow>> {
    let grantee: Option<String> = row.try_get(i)?;
    let privilege: Option<String> = row.try_get(i + 1)?;
    let grantable: Option<bool> = row.try_get(i + 2)?;
    Ok(match (grantee, privilege) {
        (Some(grantee), Some(privilege)) => Some(AclRow {
            grantee,
            privilege,
            grantable: grantable.unwrap_or(false),
        }),
        _ => None,
    })
}

/// Cluster-wide state read on the connection database.
pub struct ClusterInfo {
    /// `version()`.
    pub version: String,
    /// current_user.
    pub current_user: String,
    /// current_database().
    pub database: String,
    /// `server_version_num` (0 when unknown, e.g. Redshift).
    pub version_num: i32,
}

/// `SELECT version(), current_user, current_database()`.
pub async fn cluster_info(client: &Client) -> anyhow::Result<ClusterInfo> {
    let row = client
        .query_one(
            "SELECT pg_catalog.version()::text, current_user::text, current_database()::text",
            &[],
        )
        .await
        .context("reading the server version")?;
    let version: String = row.try_get(0)?;
    Ok(ClusterInfo {
        version_num: version_num(&version),
        version,
        current_user: row.try_get(1)?,
        database: row.try_get(2)?,
    })
}

/// `PostgreSQL 15.20 on …` → 150020 (`8.0.2` → 80002); 0 when unparsable.
pub fn version_num(version: &str) -> i32 {
    let Some(v) = version.split_whitespace().nth(1) else {
        return 0;
    };
    let parts: Vec<i32> = v
        .split('.')
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    // Saturating: the string comes from the server and may be anything.
    let (major, minor, patch) = match parts.as_slice() {
        [major, minor, ..] if *major >= 10 => {
            return major.saturating_mul(10000).saturating_add(*minor)
        }
        [major, minor, patch, ..] => (*major, *minor, *patch),
        [major, minor] => (*major, *minor, 0),
        [major] => (*major, 0, 0),
        [] => return 0,
    };
    major
        .saturating_mul(10000)
        .saturating_add(minor.saturating_mul(100))
        .saturating_add(patch)
}

/// Reads roles, verifiers (when readable), memberships and ownership counts
/// (PostgreSQL). Four or five queries.
pub async fn read_roles(client: &Client, live: &mut Live) -> anyhow::Result<()> {
    let rows = client
        .query(
            "SELECT r.rolname::text, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, \
             r.rolreplication, r.rolbypassrls, r.rolconnlimit, \
             CASE WHEN r.rolvaliduntil IS NULL THEN NULL \
                  WHEN pg_catalog.isfinite(r.rolvaliduntil) THEN pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                  ELSE 'infinity' END, \
             r.rolconfig::text[], d.description::text \
             FROM pg_catalog.pg_roles r \
             LEFT JOIN pg_catalog.pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_authid'::regclass",
            &[],
        )
        .await
        .context("reading pg_roles")?;
    for row in rows {
        let name: String = row.try_get(0)?;
        let valid_until: Option<String> = row.try_get(9)?;
        let config: Option<Vec<String>> = row.try_get(10)?;
        let settings = config
            .unwrap_or_default()
            .into_iter()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        live.roles.insert(
            name,
            LiveRole {
                attrs: RoleAttrs {
                    superuser: row.try_get(1)?,
                    inherit: row.try_get(2)?,
                    createrole: row.try_get(3)?,
                    createdb: row.try_get(4)?,
                    login: row.try_get(5)?,
                    replication: row.try_get(6)?,
                    bypassrls: row.try_get(7)?,
                    connection_limit: row.try_get(8)?,
                    valid_until: valid_until.filter(|v| v != "infinity"),
                    ..RoleAttrs::default()
                },
                comment: row.try_get(11)?,
                settings,
                verifier: None,
            },
        );
    }
    let readable: bool = client
        .query_one(
            "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')",
            &[],
        )
        .await
        .context("checking access to pg_authid")?
        .try_get(0)?;
    live.passwords_readable = readable;
    if readable {
        let rows = client
            .query("SELECT rolname::text, rolpassword::text FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL", &[])
            .await
            .context("reading pg_authid")?;
        for row in rows {
            let name: String = row.try_get(0)?;
            let pw: String = row.try_get(1)?;
            if let Some(r) = live.roles.get_mut(&name) {
                r.verifier = Some(Secret::new(pw));
            }
        }
    }
    let pg16 = live.server_version >= 160000;
    let options = if pg16 {
        "am.inherit_option, am.set_option"
    } else {
        "NULL::bool, NULL::bool"
    };
    let rows = client
        .query(
            &format!(
                "SELECT g.rolname::text, m.rolname::text, am.admin_option, {options} FROM pg_catalog.pg_auth_members am \
                 JOIN pg_catalog.pg_roles g ON g.oid = am.roleid JOIN pg_catalog.pg_roles m ON m.oid = am.member"
            ),
            &[],
        )
        .await
        .context("reading pg_auth_members")?;
    for row in rows {
        let group: String = row.try_get(0)?;
        let member: String = row.try_get(1)?;
        let admin: bool = row.try_get(2)?;
        let inherit: Option<bool> = row.try_get(3)?;
        let set: Option<bool> = row.try_get(4)?;
        let e = live
            .memberships
            .entry(group)
            .or_default()
            .entry(member)
            .or_default();
        // PG16 may hold one grant per grantor: the options of any of them count.
        e.admin |= admin;
        e.inherit = match (e.inherit, inherit) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
        e.set = match (e.set, set) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
    }
    let rows = client
        .query(
            "SELECT r.rolname::text, count(*) FROM pg_catalog.pg_shdepend s \
             JOIN pg_catalog.pg_roles r ON r.oid = s.refobjid \
             WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass AND s.deptype = 'o' GROUP BY 1",
            &[],
        )
        .await
        .context("reading pg_shdepend")?;
    for row in rows {
        live.owned.insert(row.try_get(0)?, row.try_get(1)?);
    }
    Ok(())
}

/// Reads one database's objects, ACLs and default ACLs (six queries).
pub async fn read_db(client: &Client) -> anyhow::Result<LiveDb> {
    let mut db = LiveDb::default();
    let dbname: String;
    {
        let rows = client
            .query(
                &format!(
                    "SELECT current_database()::text, pg_catalog.pg_get_userbyid(d.datdba)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable \
                     FROM pg_catalog.pg_database d LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(d.datacl) x WHERE x.grantee <> d.datdba AND x.grantee <> 0) a ON true \
                     WHERE d.datname = current_database()"
                ),
                &[],
            )
            .await
            .context("reading pg_database")?;
        let mut name = String::new();
        let mut entries = Vec::new();
        for row in &rows {
            name = row.try_get(0)?;
            db.owner = row.try_get(1)?;
            entries.push(acl_row(row, 2)?);
        }
        dbname = name;
        for e in entries {
            push_acl(
                &mut db.acl,
                ObjRef::Database {
                    name: dbname.clone(),
                },
                &db.owner.clone(),
                e,
            );
        }
    }
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable \
                 FROM pg_catalog.pg_namespace n LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(n.nspacl) x WHERE x.grantee <> n.nspowner AND x.grantee <> 0) a ON true WHERE {NSP_FILTER}"
            ),
            &[],
        )
        .await
        .context("reading pg_namespace")?;
    for row in &rows {
        let name: String = row.try_get(0)?;
        let owner: String = row.try_get(1)?;
        db.schemas.insert(name.clone(), owner.clone());
        push_acl(
            &mut db.acl,
            ObjRef::Schema { name },
            &owner,
            acl_row(row, 2)?,
        );
    }
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner)::text, \
                 EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = 'pg_catalog.pg_class'::regclass \
                         AND dep.objid = c.oid AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0), \
                 {GRANTEE}, a.privilege_type::text, a.is_grantable \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(c.relacl) x WHERE x.grantee <> c.relowner AND x.grantee <> 0) a ON true \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {NSP_FILTER} \
                 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::regclass \
                                 AND e.objid = c.oid AND e.deptype = 'e')"
            ),
            &[],
        )
        .await
        .context("reading pg_class")?;
    for row in &rows {
        let schema: String = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        let code: String = row.try_get(2)?;
        let owner: String = row.try_get(3)?;
        let linked: bool = row.try_get(4)?;
        let Some(kind) = RelKind::from_code(&code) else {
            continue;
        };
        db.relations.entry(schema.clone()).or_default().insert(
            name.clone(),
            Relation {
                kind,
                owner: owner.clone(),
                linked,
            },
        );
        let obj = if kind == RelKind::Sequence {
            ObjRef::Sequence { schema, name }
        } else {
            ObjRef::Table { schema, name }
        };
        push_acl(&mut db.acl, obj, &owner, acl_row(row, 5)?);
    }
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, att.attname::text, {GRANTEE}, a.privilege_type::text, a.is_grantable \
                 FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class c ON c.oid = att.attrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) a \
                 WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped AND {NSP_FILTER}"
            ),
            &[],
        )
        .await
        .context("reading pg_attribute")?;
    for row in &rows {
        let schema: String = row.try_get(0)?;
        let table: String = row.try_get(1)?;
        let column: String = row.try_get(2)?;
        let owner = db
            .relations
            .get(&schema)
            .and_then(|t| t.get(&table))
            .map(|r| r.owner.clone())
            .unwrap_or_default();
        push_acl(
            &mut db.acl,
            ObjRef::Column {
                schema,
                table,
                column,
            },
            &owner,
            acl_row(row, 3)?,
        );
    }
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, p.proname::text, pg_catalog.oidvectortypes(p.proargtypes)::text, p.prokind::text, \
                 pg_catalog.pg_get_userbyid(p.proowner)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable \
                 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
                 LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(p.proacl) x WHERE x.grantee <> p.proowner AND x.grantee <> 0) a ON true \
                 WHERE {NSP_FILTER} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e \
                     WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')"
            ),
            &[],
        )
        .await
        .context("reading pg_proc")?;
    for row in &rows {
        let schema: String = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        let args: String = row.try_get(2)?;
        let kind: String = row.try_get(3)?;
        let owner: String = row.try_get(4)?;
        let signature = format!("{name}({args})");
        db.functions.entry(schema.clone()).or_default().insert(
            signature.clone(),
            Function {
                name,
                args,
                procedure: kind == "p",
                owner: owner.clone(),
            },
        );
        push_acl(
            &mut db.acl,
            ObjRef::Function { schema, signature },
            &owner,
            acl_row(row, 5)?,
        );
    }
    let rows = client
        .query(
            &format!(
                "SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text, \
                 {GRANTEE}, a.privilege_type::text, a.is_grantable \
                 FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
                 CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a"
            ),
            &[],
        )
        .await
        .context("reading pg_default_acl")?;
    for row in &rows {
        let for_role: String = row.try_get(0)?;
        let schema: Option<String> = row.try_get(1)?;
        let code: String = row.try_get(2)?;
        let Some(kind) = DefaultKind::from_code(&code) else {
            continue;
        };
        let Some(acl) = acl_row(row, 3)? else {
            continue;
        };
        push_default(&mut db.default_acl, for_role, schema, kind, acl);
    }
    Ok(db)
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

#[cfg(test)]
mod version_tests {
    #[test]
    fn versions() {
        assert_eq!(
            super::version_num("PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64"),
            150020
        );
        assert_eq!(super::version_num("PostgreSQL 16.4 on aarch64"), 160004);
        assert_eq!(
            super::version_num("PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.77467"),
            80002
        );
        assert_eq!(super::version_num("PostgreSQL 17beta1 on x"), 170000);
        assert_eq!(super::version_num(""), 0);
        assert_eq!(super::version_num("X 2147483647.9 y"), i32::MAX);
        assert_eq!(super::version_num("X 9.2147483647.1 y"), i32::MAX);
    }
}
