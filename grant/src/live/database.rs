//! Reading one database: ownership, ACLs and default ACLs.

use super::types::{
    push_acl, push_default, AclEntry, AclRow, DefaultAclEntry, Function, LiveDb, ObjRef, RelKind,
    Relation,
};
use anyhow::Context;
use std::collections::BTreeSet;
use tokio_postgres::Client;

use crate::privs::DefaultKind;

const NSP_FILTER: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
const GRANTEE: &str =
    "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END";

fn acl_row(row: &tokio_postgres::Row, i: usize) -> anyhow::Result<Option<AclRow>> {
    let grantee: Option<String> = row.try_get(i)?;
    let privilege: Option<String> = row.try_get(i + 1)?;
    let grantable: Option<bool> = row.try_get(i + 2)?;
    let grantor: Option<String> = row.try_get(i + 3)?;
    Ok(match (grantee, privilege) {
        (Some(grantee), Some(privilege)) => Some(AclRow {
            grantee,
            privilege,
            grantable: grantable.unwrap_or(false),
            grantor: grantor.unwrap_or_default(),
        }),
        _ => None,
    })
}

/// Reads one database's objects, ACLs and default ACLs (six queries).
///
/// `functions` are (schema, `name(args)`) signatures as configured: the
/// server resolves them to their identity in one more query.
///
/// `columns` are the (schemas, column names) that column grants name: which
/// tables have them is read in one more query.
pub async fn read_db(
    client: &Client,
    functions: &[(String, String)],
    columns: &(Vec<String>, Vec<String>),
) -> anyhow::Result<LiveDb> {
    let mut db = LiveDb::default();
    let dbname: String;
    {
        let rows = client
            .query(
                &format!(
                    "SELECT current_database()::text, pg_catalog.pg_get_userbyid(d.datdba)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
                     FROM pg_catalog.pg_database d LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) x WHERE x.grantee <> d.datdba) a ON true \
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
        let owner = db.owner.clone();
        for e in entries {
            push(
                &mut db,
                ObjRef::Database {
                    name: dbname.clone(),
                },
                &owner,
                e,
            );
        }
    }
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
                 FROM pg_catalog.pg_namespace n LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) x WHERE x.grantee <> n.nspowner) a ON true WHERE {NSP_FILTER}"
            ),
            &[],
        )
        .await
        .context("reading pg_namespace")?;
    for row in &rows {
        let name: String = row.try_get(0)?;
        let owner: String = row.try_get(1)?;
        db.schemas.insert(name.clone(), owner.clone());
        push(&mut db, ObjRef::Schema { name }, &owner, acl_row(row, 2)?);
    }
    let rows = client
        .query(
            &format!(
                // The relations first (OFFSET 0 keeps the subquery apart), so
                // that the pg_depend probes run once per relation, not once
                // per privilege row: 4-5x faster with 100,000 grants.
                "SELECT r.nspname, r.relname, r.relkind, pg_catalog.pg_get_userbyid(r.relowner)::text, r.linked, \
                 {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
                 FROM (SELECT n.nspname::text AS nspname, c.relname::text AS relname, c.relkind::text AS relkind, c.relowner, c.relacl, \
                         EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = 'pg_catalog.pg_class'::regclass \
                                 AND dep.objid = c.oid AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0) AS linked \
                       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {NSP_FILTER} \
                       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::regclass \
                                       AND e.objid = c.oid AND e.deptype = 'e') \
                       OFFSET 0) r \
                 LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(r.relacl) x WHERE x.grantee <> r.relowner) a ON true"
            ),
            &[],
        )
        .await
        .context("reading pg_class")?;
    let mut rel_acl: Vec<AclEntry> = Vec::with_capacity(rows.len());
    for row in &rows {
        // Borrowed from the row: a relation's names repeat on each of its
        // privilege rows and are copied once, plus once per kept privilege.
        let schema: &str = row.try_get(0)?;
        let name: &str = row.try_get(1)?;
        let code: &str = row.try_get(2)?;
        let owner: &str = row.try_get(3)?;
        let linked: bool = row.try_get(4)?;
        let Some(kind) = RelKind::from_code(code) else {
            continue;
        };
        if !db
            .relations
            .get(schema)
            .is_some_and(|r| r.contains_key(name))
        {
            db.relations.entry(schema.to_string()).or_default().insert(
                name.to_string(),
                Relation {
                    kind,
                    owner: owner.to_string(),
                    linked,
                },
            );
        }
        // As [`push`] does, without an owned row: PUBLIC's apart, the
        // owner's own and unknown privileges skipped.
        let grantee: Option<&str> = row.try_get(5)?;
        let privilege: Option<&str> = row.try_get(6)?;
        let (Some(grantee), Some(privilege)) = (grantee, privilege) else {
            continue;
        };
        if grantee == owner && grantee != "PUBLIC" {
            continue;
        }
        let Some(privilege) = crate::privs::Privilege::parse(privilege) else {
            continue;
        };
        let grantable: Option<bool> = row.try_get(7)?;
        let grantor: Option<&str> = row.try_get(8)?;
        let (schema, name) = (schema.to_string(), name.to_string());
        let object = if kind == RelKind::Sequence {
            ObjRef::Sequence { schema, name }
        } else {
            ObjRef::Table { schema, name }
        };
        let entry = AclEntry {
            object,
            grantee: grantee.to_string(),
            privilege,
            grantable: grantable.unwrap_or(false),
            grantor: grantor.unwrap_or_default().to_string(),
        };
        if grantee == "PUBLIC" {
            db.public_acl.insert(entry);
        } else {
            rel_acl.push(entry);
        }
    }
    drop(rows);
    // Built at once (sorted, then packed): cheaper than 100,000 inserts.
    db.acl = std::mem::take(&mut db.acl)
        .into_iter()
        .chain(rel_acl)
        .collect();
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, att.attname::text, {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
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
        push(
            &mut db,
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
                 pg_catalog.pg_get_userbyid(p.proowner)::text, {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
                 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
                 LEFT JOIN LATERAL (SELECT * FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) x WHERE x.grantee <> p.proowner) a ON true \
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
        push(
            &mut db,
            ObjRef::Function { schema, signature },
            &owner,
            acl_row(row, 5)?,
        );
    }
    let rows = client
        .query(
            &format!(
                "SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text, \
                 {GRANTEE}, a.privilege_type::text, a.is_grantable, pg_catalog.pg_get_userbyid(a.grantor)::text \
                 FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
                 LEFT JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) a ON true"
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
        // Also a row whose ACL is empty: it replaces the built-in default.
        db.default_rows
            .insert((for_role.clone(), schema.clone(), kind));
        let Some(acl) = acl_row(row, 3)? else {
            continue;
        };
        if acl.grantee == "PUBLIC" {
            push_public_default(&mut db.public_default_acl, for_role, schema, kind, acl);
            continue;
        }
        push_default(&mut db.default_acl, for_role, schema, kind, acl);
    }
    resolve_functions(client, functions, &mut db).await?;
    if !columns.0.is_empty() {
        let rows = client
            .query(
                "SELECT n.nspname::text, c.relname::text, a.attname::text \
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = ANY($1) AND a.attname = ANY($2) AND a.attnum > 0 \
                 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                &[&columns.0, &columns.1],
            )
            .await
            .context("reading the columns of column grants")?;
        for row in &rows {
            db.columns
                .insert((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(db)
}

/// Resolves configured function signatures to the live ones by identity
/// (`regprocedure`): one query for the whole list.
async fn resolve_functions(
    client: &Client,
    functions: &[(String, String)],
    db: &mut LiveDb,
) -> anyhow::Result<()> {
    if functions.is_empty() {
        return Ok(());
    }
    let texts: Vec<String> = functions
        .iter()
        .map(|(schema, sig)| {
            let (name, args) = crate::signature::split_signature(sig);
            format!(
                "{}({})",
                crate::sql::qualified(schema, &name),
                args.unwrap_or_default()
            )
        })
        .collect();
    let rows = client
        .query(
            "SELECT x.i::int, p.proname::text, pg_catalog.oidvectortypes(p.proargtypes)::text \
             FROM unnest($1::text[]) WITH ORDINALITY AS x(sig, i) \
             JOIN pg_catalog.pg_proc p ON p.oid = pg_catalog.to_regprocedure(x.sig)",
            &[&texts],
        )
        .await
        .context("resolving function signatures")?;
    for row in &rows {
        let i: i32 = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        let args: String = row.try_get(2)?;
        if let Some(key) = usize::try_from(i - 1).ok().and_then(|i| functions.get(i)) {
            db.function_ids
                .insert(key.clone(), format!("{name}({args})"));
        }
    }
    Ok(())
}

/// Adds a live privilege: PUBLIC's go to [`LiveDb::public_acl`] (managed
/// only where the configuration declares PUBLIC), the others through
/// [`push_acl`].
fn push(db: &mut LiveDb, object: ObjRef, owner: &str, row: Option<AclRow>) {
    match row {
        Some(r) if r.grantee == "PUBLIC" => {
            if let Some(privilege) = crate::privs::Privilege::parse(&r.privilege) {
                db.public_acl.insert(AclEntry {
                    object,
                    grantee: r.grantee,
                    privilege,
                    grantable: r.grantable,
                    grantor: r.grantor,
                });
            }
        }
        other => push_acl(&mut db.acl, object, owner, other),
    }
}

/// Adds one of PUBLIC's default privileges.
fn push_public_default(
    set: &mut BTreeSet<DefaultAclEntry>,
    for_role: String,
    schema: Option<String>,
    kind: DefaultKind,
    acl: AclRow,
) {
    if let Some(privilege) = crate::privs::Privilege::parse(&acl.privilege) {
        set.insert(DefaultAclEntry {
            for_role,
            schema,
            kind,
            grantee: acl.grantee,
            privilege,
            grantable: acl.grantable,
        });
    }
}
