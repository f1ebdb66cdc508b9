//! Reading one database: ownership, ACLs and default ACLs.

use super::acl;
use super::name::{Interner, Name};
use super::types::{
    insert_default, push_default, AclEntry, AclRow, Function, LiveDb, ObjRef, RelKind, Relation,
};
use anyhow::Context;
use tokio_postgres::{Client, Row};

use crate::privs::DefaultKind;

const NSP_FILTER: &str = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

/// The database's owner and ACL (the built-in default when NULL).
const DATABASE: &str =
    "SELECT current_database()::text, pg_catalog.pg_get_userbyid(d.datdba)::text, \
     coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))::text \
     FROM pg_catalog.pg_database d WHERE d.datname = current_database()";

/// Columns with privileges, one row per column (their tables' owners come
/// from the relations).
const COLUMNS: &str =
    "SELECT n.nspname::text, c.relname::text, att.attname::text, att.attacl::text \
     FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class c ON c.oid = att.attrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped AND ";

/// Default privileges, one row per `pg_default_acl` entry.
const DEFAULT_ACL: &str = "SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text, d.defaclobjtype::text, d.defaclacl::text \
     FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace";

/// The explicit privileges of an object as a list, from its ACL's text:
/// PUBLIC's to `public`, the owner's own and unknown privileges skipped.
struct Acls {
    acl: Vec<AclEntry>,
    public: Vec<AclEntry>,
    /// Grantees and grantors: one shared copy of each role name.
    roles: Interner,
}

impl Acls {
    /// Adds the privileges of `text` (an ACL array, `None` when NULL) on
    /// `object`; `object` is built only for the entries kept.
    fn add(
        &mut self,
        text: Option<&str>,
        owner: &str,
        object: impl Fn() -> ObjRef,
    ) -> anyhow::Result<()> {
        let Some(text) = text else { return Ok(()) };
        let (acl_start, public_start) = (self.acl.len(), self.public.len());
        acl::for_each(text, |item| {
            let public = item.grantee == "PUBLIC";
            if !public && item.grantee == owner {
                return Ok(());
            }
            let list = if public {
                &mut self.public
            } else {
                &mut self.acl
            };
            let (grantee, grantor) = (self.roles.get(&item.grantee), self.roles.get(&item.grantor));
            for (privilege, grantable) in item.privileges() {
                list.push(AclEntry {
                    object: object(),
                    grantee: grantee.clone(),
                    privilege,
                    grantable,
                    grantor: grantor.clone(),
                });
            }
            Ok(())
        })?;
        // In set order (the object is the same): with the objects read in
        // order, the sets are built from sorted lists, in linear time.
        for list in [&mut self.acl[acl_start..], &mut self.public[public_start..]] {
            list.sort_unstable_by(|a, b| {
                (&a.grantee, a.privilege, a.grantable, &a.grantor).cmp(&(
                    &b.grantee,
                    b.privilege,
                    b.grantable,
                    &b.grantor,
                ))
            });
        }
        Ok(())
    }
}

/// Runs a catalog query (sent at once with the others: the queries of one
/// database are pipelined on the connection).
async fn rows(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    what: &str,
) -> anyhow::Result<Vec<Row>> {
    client
        .query(sql, params)
        .await
        .with_context(|| format!("reading {what}"))
}

/// Reads one database's objects, ACLs and default ACLs: six catalog
/// queries, sent together (one row per object, ACLs as text).
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
    let namespaces = format!(
        "SELECT n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text, \
         coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))::text \
         FROM pg_catalog.pg_namespace n WHERE {NSP_FILTER} ORDER BY n.nspname COLLATE \"C\""
    );
    let relations = format!(
        // One row per relation: 10,000 rows for 10,000 tables, whatever
        // the number of grants (aclexplode gave one per privilege).
        // Only a sequence can be owned by a column (serial, identity): the
        // `pg_depend` probe runs for sequences alone (none: no scan). An
        // extension member's dependency always references `pg_extension`:
        // saying so lets the server use `pg_depend`'s index on the
        // referenced object instead of scanning the table.
        "SELECT n.nspname::text, c.relname::text, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner)::text, \
         c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = 'pg_catalog.pg_class'::regclass \
                 AND dep.objid = c.oid AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0), \
         c.relacl::text \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND {NSP_FILTER} \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.refclassid = 'pg_catalog.pg_extension'::regclass \
                         AND e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')"
    );
    let procs = format!(
        "SELECT n.nspname::text, p.proname::text, pg_catalog.oidvectortypes(p.proargtypes)::text, p.prokind::text, \
         pg_catalog.pg_get_userbyid(p.proowner)::text, coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))::text \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE {NSP_FILTER} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e \
             WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e') \
         ORDER BY n.nspname COLLATE \"C\", (p.proname::text || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')') COLLATE \"C\""
    );
    let column_acl = format!("{COLUMNS}{NSP_FILTER} ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", att.attname COLLATE \"C\"");
    // The relations (the largest result) are turned into the model as soon
    // as they arrive, while the server runs the queries sent after them.
    let head = async {
        let (db_rows, nsp_rows, rel_rows) = tokio::try_join!(
            rows(client, DATABASE, &[], "pg_database"),
            rows(client, &namespaces, &[], "pg_namespace"),
            rows(client, &relations, &[], "pg_class"),
        )?;
        objects(&db_rows, &nsp_rows, &rel_rows)
    };
    let ((mut db, mut acls), att_rows, proc_rows, def_rows, ids, has_columns) = tokio::try_join!(
        head,
        rows(client, &column_acl, &[], "pg_attribute"),
        rows(client, &procs, &[], "pg_proc"),
        rows(client, DEFAULT_ACL, &[], "pg_default_acl"),
        resolve_functions(client, functions),
        column_names(client, columns),
    )?;
    for row in &att_rows {
        let schema: &str = row.try_get(0)?;
        let table: &str = row.try_get(1)?;
        let column: &str = row.try_get(2)?;
        let owner = db
            .relations
            .get(schema)
            .and_then(|t| t.get(table))
            .map(|r| r.owner.as_str())
            .unwrap_or_default();
        let (schema, table, column) = (Name::from(schema), Name::from(table), Name::from(column));
        acls.add(row.try_get(3)?, owner, || ObjRef::Column {
            schema: schema.clone(),
            table: table.clone(),
            column: column.clone(),
        })?;
    }
    for row in &proc_rows {
        let schema: &str = row.try_get(0)?;
        let name: &str = row.try_get(1)?;
        let args: &str = row.try_get(2)?;
        let kind: &str = row.try_get(3)?;
        let owner: &str = row.try_get(4)?;
        let signature = format!("{name}({args})");
        let (schema_name, sig_name) = (Name::from(schema), Name::from(signature.as_str()));
        acls.add(row.try_get(5)?, owner, || ObjRef::Function {
            schema: schema_name.clone(),
            signature: sig_name.clone(),
        })?;
        db.functions.entry(schema.to_string()).or_default().insert(
            signature,
            Function {
                name: name.to_string(),
                args: args.to_string(),
                procedure: kind == "p",
                owner: owner.to_string(),
            },
        );
    }
    // Built at once from lists already in order (see `Acls::add`).
    db.acl = acls.acl.into_iter().collect();
    db.public_acl = acls.public.into_iter().collect();
    for row in &def_rows {
        let for_role: String = row.try_get(0)?;
        let schema: Option<String> = row.try_get(1)?;
        let Some(kind) = DefaultKind::from_code(row.try_get(2)?) else {
            continue;
        };
        // Also a row whose ACL is empty: it replaces the built-in default.
        db.default_rows
            .insert((for_role.clone(), schema.clone(), kind));
        acl::for_each(row.try_get(3)?, |item| {
            for (privilege, grantable) in item.privileges() {
                let acl = AclRow {
                    grantee: item.grantee.to_string(),
                    privilege: privilege.to_string(),
                    grantable,
                    grantor: item.grantor.to_string(),
                };
                if item.grantee == "PUBLIC" {
                    insert_default(
                        &mut db.public_default_acl,
                        for_role.clone(),
                        schema.clone(),
                        kind,
                        acl,
                    );
                } else {
                    push_default(
                        &mut db.default_acl,
                        for_role.clone(),
                        schema.clone(),
                        kind,
                        acl,
                    );
                }
            }
            Ok(())
        })?;
    }
    for row in &ids {
        let i: i32 = row.try_get(0)?;
        let name: &str = row.try_get(1)?;
        let args: &str = row.try_get(2)?;
        if let Some(key) = usize::try_from(i - 1).ok().and_then(|i| functions.get(i)) {
            db.function_ids
                .insert(key.clone(), format!("{name}({args})"));
        }
    }
    for row in &has_columns {
        db.columns
            .insert((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
    }
    Ok(db)
}

/// The database, its schemas and relations with their ACLs, in set order.
fn objects(db_rows: &[Row], nsp_rows: &[Row], rel_rows: &[Row]) -> anyhow::Result<(LiveDb, Acls)> {
    let mut db = LiveDb::default();
    let mut acls = Acls {
        acl: Vec::with_capacity(rel_rows.len() * 4),
        public: Vec::new(),
        roles: Interner::default(),
    };
    for row in db_rows {
        let name: &str = row.try_get(0)?;
        db.owner = row.try_get(1)?;
        let name = Name::from(name);
        acls.add(row.try_get(2)?, &db.owner, || ObjRef::Database {
            name: name.clone(),
        })?;
    }
    for row in nsp_rows {
        let name: &str = row.try_get(0)?;
        let owner: &str = row.try_get(1)?;
        db.schemas.insert(name.to_string(), owner.to_string());
        let name = Name::from(name);
        acls.add(row.try_get(2)?, owner, || ObjRef::Schema {
            name: name.clone(),
        })?;
    }
    // In set order (tables, then sequences; by schema and name, bytewise):
    // sorted here, cheaper than an ORDER BY in the server.
    let mut ordered = Vec::with_capacity(rel_rows.len());
    for row in rel_rows {
        let schema: &str = row.try_get(0)?;
        let name: &str = row.try_get(1)?;
        let Some(kind) = RelKind::from_code(row.try_get(2)?) else {
            continue;
        };
        ordered.push((kind == RelKind::Sequence, schema, name, kind, row));
    }
    ordered.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    for (_, schema, name, kind, row) in ordered {
        // A relation's names are copied once, and shared by its entries.
        let owner: &str = row.try_get(3)?;
        let linked: bool = row.try_get(4)?;
        let schema = match db.relations.get_key_value(schema) {
            Some((s, _)) => s.clone(),
            None => Name::from(schema),
        };
        let name = Name::from(name);
        db.relations.entry(schema.clone()).or_default().insert(
            name.clone(),
            Relation {
                kind,
                owner: owner.to_string(),
                linked,
            },
        );
        acls.add(row.try_get(5)?, owner, || {
            let (schema, name) = (schema.clone(), name.clone());
            if kind == RelKind::Sequence {
                ObjRef::Sequence { schema, name }
            } else {
                ObjRef::Table { schema, name }
            }
        })?;
    }
    Ok((db, acls))
}

/// The columns that column grants name, where they exist (no query when
/// the configuration has no column grants).
async fn column_names(
    client: &Client,
    columns: &(Vec<String>, Vec<String>),
) -> anyhow::Result<Vec<Row>> {
    if columns.0.is_empty() {
        return Ok(Vec::new());
    }
    rows(
        client,
        "SELECT n.nspname::text, c.relname::text, a.attname::text \
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($1) AND a.attname = ANY($2) AND a.attnum > 0 \
         AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        &[&columns.0, &columns.1],
        "the columns of column grants",
    )
    .await
}

/// Resolves configured function signatures to the live ones by identity
/// (`regprocedure`): one query for the whole list (none when empty).
async fn resolve_functions(
    client: &Client,
    functions: &[(String, String)],
) -> anyhow::Result<Vec<Row>> {
    if functions.is_empty() {
        return Ok(Vec::new());
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
    rows(
        client,
        "SELECT x.i::int, p.proname::text, pg_catalog.oidvectortypes(p.proargtypes)::text \
         FROM unnest($1::text[]) WITH ORDINALITY AS x(sig, i) \
         JOIN pg_catalog.pg_proc p ON p.oid = pg_catalog.to_regprocedure(x.sig)",
        &[&texts],
        "function signatures",
    )
    .await
}
