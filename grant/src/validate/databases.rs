//! Validation of `databases:`: ownership, grants, default privileges.

use common::{Diagnostics, SourceFile, YPath};

use super::context::{parse_privileges, says_all, valid_name, Cx, RoleRef};
use crate::config::{DatabaseSpec, GrantSpec};
use crate::model::{DefaultPriv, Grant};
use crate::privs::{DefaultKind, ObjectKind, Privilege};
use crate::signature::split_signature;

/// Validates one entry of `databases:` into `desired.databases`.
pub(super) fn database<'a>(
    cx: &mut Cx<'a>,
    file: &'a SourceFile,
    i: usize,
    db: &DatabaseSpec,
    redshift: bool,
) {
    let Cx {
        diags,
        desired,
        refs,
        ..
    } = cx;
    let dp = YPath::root().key("databases").index(i);
    if let Err(m) = valid_name(&db.name) {
        diags.push(file.error(&dp.key("name"), m));
        return;
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
        if let Some(grant) = validate_grant(file, &gp, g, &db.name, redshift, refs, diags) {
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
        // PUBLIC: its default privileges for `for_role` are then managed.
        let only_public = grantee_refs(
            file,
            &gp,
            (&g.to, g.with_grant_option),
            redshift.then_some("PUBLIC's default privileges are managed on PostgreSQL only"),
            refs,
            diags,
        );
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
        // `privileges: []` for PUBLIC alone: none (e.g. the built-in
        // EXECUTE on functions revoked).
        let privileges = if only_public && g.privileges.is_empty() {
            Default::default()
        } else {
            parse_privileges(
                file,
                &gp.key("privileges"),
                &g.privileges,
                g.on.allowed(redshift),
                g.on.name(),
                diags,
            )
        };
        entry.default_privileges.push(DefaultPriv {
            for_role: g.for_role.clone(),
            schema: g.schema.clone(),
            kind: g.on,
            to: grantees(&g.to),
            privileges: if says_all(&g.privileges) {
                privileges
                    .into_iter()
                    .filter(|p| *p != Privilege::Maintain)
                    .collect()
            } else {
                privileges
            },
            all: says_all(&g.privileges),
            grant_option: g.with_grant_option,
        });
    }
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
    // PUBLIC is a grantee (every role), not a role to declare.
    let only_public = grantee_refs(
        file,
        gp,
        (&g.to, g.with_grant_option),
        redshift.then_some("PUBLIC's privileges are managed on PostgreSQL only"),
        refs,
        diags,
    );
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
    if g.future
        && (!objects.iter().any(|o| o == "*")
            || !matches!(
                g.on,
                ObjectKind::Table
                    | ObjectKind::Sequence
                    | ObjectKind::Function
                    | ObjectKind::Schema
            ))
    {
        diags.push(file.error(
            &gp.key("future"),
            "`future` applies to `objects: [\"*\"]` on tables, sequences, functions or schemas",
        ));
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
    // grant-rs accepts DROP on tables whatever the server: it is checked
    // once the dialect is known (`read`); `ALL` stays the dialect's own set.
    // `privileges: []` for PUBLIC alone: PUBLIC holds none on the objects
    // (e.g. the built-in CONNECT / TEMPORARY on a database revoked).
    let mut privileges = if only_public && g.privileges.is_empty() {
        Default::default()
    } else {
        parse_privileges(
            file,
            &gp.key("privileges"),
            &g.privileges,
            if g.grant_rs {
                g.on.allowed_grant_rs()
            } else {
                g.on.allowed(redshift)
            },
            &format!("a {}", g.on.name()),
            diags,
        )
    };
    if g.grant_rs
        && !redshift
        && !g
            .privileges
            .iter()
            .any(|p| Privilege::parse(p) == Some(Privilege::Drop))
    {
        privileges.remove(&Privilege::Drop);
    }
    // `ALL`: MAINTAIN is added by the diff where the server has it.
    if says_all(&g.privileges)
        && !g
            .privileges
            .iter()
            .any(|p| Privilege::parse(p) == Some(Privilege::Maintain))
    {
        privileges.remove(&Privilege::Maintain);
    }
    if diags.0.len() > before {
        return None;
    }
    Some(Grant {
        to: grantees(&g.to),
        kind: g.on,
        schema: g.schema.clone(),
        objects,
        except: g.except.clone(),
        columns: g.columns.clone(),
        privileges,
        grant_option: g.with_grant_option,
        all: says_all(&g.privileges),
        future: g.future,
        revoke: g.revoke,
        location: file.locate(gp).map(|l| l.to_string()),
    })
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

/// Checks the grantees of a grant or default privilege (`to`, with its
/// `with_grant_option`): at least one; PUBLIC never holds a grant option,
/// and where `public_refused` is given (Redshift) PUBLIC is an error with
/// that message; every other name is a role reference. True when every
/// grantee is PUBLIC.
fn grantee_refs<'a>(
    file: &'a SourceFile,
    gp: &YPath,
    (to, with_grant_option): (&[String], bool),
    public_refused: Option<&str>,
    refs: &mut Vec<RoleRef<'a>>,
    diags: &mut Diagnostics,
) -> bool {
    if to.is_empty() {
        diags.push(file.error(&gp.key("to"), "`to` needs at least one role"));
    }
    let is_public = |t: &String| t.eq_ignore_ascii_case("public");
    for (k, t) in to.iter().enumerate() {
        if is_public(t) {
            if let Some(msg) = public_refused {
                diags.push(file.error(&gp.key("to").index(k), msg));
            }
            continue;
        }
        refs.push(RoleRef {
            file,
            path: gp.key("to").index(k),
            name: t.clone(),
        });
    }
    if with_grant_option && to.iter().any(is_public) {
        diags.push(file.error(
            &gp.key("with_grant_option"),
            "PUBLIC cannot hold a grant option (grant options can only be granted to roles)",
        ));
    }
    !to.is_empty() && to.iter().all(is_public)
}

/// Grantee names as planned: any spelling of PUBLIC becomes `PUBLIC`.
fn grantees(to: &[String]) -> Vec<String> {
    to.iter()
        .map(|t| {
            if t.eq_ignore_ascii_case("public") {
                "PUBLIC".to_string()
            } else {
                t.clone()
            }
        })
        .collect()
}
