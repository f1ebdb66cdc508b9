//! Checks of a grant-rs file that grant-rs 0.0.1-beta.3 makes too (its
//! `Config::validate`), located in the file; and the keys grant-rs
//! ignores, reported as warnings.

use std::collections::BTreeMap;

use common::{did_you_mean, Diagnostic, Note, SourceFile, YPath};
use serde_yaml::Value;

use super::Role;
use crate::privs::{ObjectKind, Privilege};

/// The object kind of a grant-rs role `type`.
pub fn role_kind(kind: &str) -> Option<ObjectKind> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "database" | "databases" => ObjectKind::Database,
        "schema" | "schemas" => ObjectKind::Schema,
        "table" | "tables" => ObjectKind::Table,
        _ => return None,
    })
}

/// Privileges grant-rs accepts per role type (`ALL` too); checked on the
/// grant-rs paths so that errors point into the grant-rs file.
pub fn check_grants(
    file: &SourceFile,
    rp: &YPath,
    role: &Role,
    kind: ObjectKind,
) -> Vec<Diagnostic> {
    let mut errs = Vec::new();
    if role.grants.is_empty() {
        errs.push(file.error(&rp.key("grants"), "`grants` cannot be empty"));
    }
    // DROP is a table privilege on Redshift; grant-rs accepts it for any
    // server and so do we (a PostgreSQL server then fails the plan).
    let allowed = kind.allowed(true);
    for (j, g) in role.grants.iter().enumerate() {
        let up = g.trim().to_ascii_uppercase();
        if up == "ALL" || up == "ALL PRIVILEGES" {
            continue;
        }
        match Privilege::parse(g) {
            Some(p) if allowed.contains(&p) => {}
            Some(p) => errs.push(file.error(
                &rp.key("grants").index(j),
                format!(
                    "privilege {p} does not apply to grant-rs role type `{}`",
                    role.kind
                ),
            )),
            None => errs.push(file.error(
                &rp.key("grants").index(j),
                format!("unknown privilege `{g}`"),
            )),
        }
    }
    errs
}

/// The lists a role of `kind` needs (grant-rs: "role databases is empty",
/// "role schemas is empty", "role tables is empty"), and `schemas: [ALL]`
/// (grant-rs sends `… IN SCHEMA ALL`, a syntax error, after creating the
/// users).
pub fn check_lists(
    file: &SourceFile,
    rp: &YPath,
    role: &Role,
    kind: ObjectKind,
) -> Vec<Diagnostic> {
    let mut errs = Vec::new();
    let mut need = |key: &str, list: &[String]| {
        if list.is_empty() {
            errs.push(file.error(
                &rp.key(key),
                format!(
                    "`{key}` cannot be empty in a grant-rs {} role (grant-rs: role {key} is empty)",
                    kind.name()
                ),
            ));
        }
    };
    match kind {
        ObjectKind::Database => need("databases", &role.databases),
        ObjectKind::Schema => need("schemas", &role.schemas),
        _ => {
            need("schemas", &role.schemas);
            need("tables", &role.tables);
        }
    }
    if kind != ObjectKind::Database {
        for (j, s) in role.schemas.iter().enumerate() {
            if s.eq_ignore_ascii_case("ALL") {
                errs.push(file.error(
                    &rp.key("schemas").index(j),
                    "`ALL` is not a schema: grant-rs has no \"every schema\"; list the schemas",
                ));
            }
        }
    }
    errs
}

/// The names a grant-rs role and user send to PostgreSQL, checked as they
/// are written (after folding), so that an empty or over-long name is
/// reported at its own place in the grant-rs file.
pub fn check_names(file: &SourceFile, rp: &YPath, role: &Role) -> Vec<Diagnostic> {
    use super::names::{fold, split_qualified};
    use crate::sql::valid_name;
    let mut errs = Vec::new();
    let mut check = |path: YPath, name: &str| {
        if let Err(e) = valid_name(&fold(name)) {
            errs.push(file.error(&path, e));
        }
    };
    for (j, d) in role.databases.iter().enumerate() {
        check(rp.key("databases").index(j), d);
    }
    for (j, s) in role.schemas.iter().enumerate() {
        check(rp.key("schemas").index(j), s);
    }
    for (j, t) in role.tables.iter().enumerate() {
        let name = t.strip_prefix(['+', '-']).unwrap_or(t);
        if name == "ALL" {
            continue;
        }
        let at = rp.key("tables").index(j);
        match split_qualified(name) {
            Some((s, t)) => {
                check(at.clone(), s);
                check(at, t);
            }
            None => check(at, name),
        }
    }
    errs
}

/// Role names declared twice (grant-rs: "duplicated role name: NAME").
pub fn duplicate_roles(file: &SourceFile, roles: &[Role]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errs = Vec::new();
    let at = |i: usize| YPath::root().key("roles").index(i).key("name");
    for (i, r) in roles.iter().enumerate() {
        if let Some(first) = seen.insert(r.name.as_str(), i) {
            seen.insert(r.name.as_str(), first);
            errs.push(
                file.error(
                    &at(i),
                    format!("duplicated role name: {} (a role is declared once)", r.name),
                )
                .with_related(file.locate(&at(first)), "first declared here"),
            );
        }
    }
    errs
}

const TOP: &[&str] = &["connection", "roles", "users"];
const CONNECTION: &[&str] = &["type", "url"];
const ROLE: &[&str] = &[
    "name",
    "type",
    "level",
    "grants",
    "databases",
    "schemas",
    "tables",
];
const USER: &[&str] = &["name", "password", "update_password", "roles"];

/// Keys grant-rs does not know, which it ignores (its structs do not deny
/// unknown fields) and so does this tool: one warning each, addressed by
/// its `FILE:LINE:COLUMN`, so that a typo stays visible.
pub fn unknown_keys(file: &SourceFile) -> Vec<Note> {
    let mut out = Vec::new();
    let mut check = |v: Option<&Value>, path: YPath, known: &[&str], what: &str| {
        let Some(Value::Mapping(m)) = v else { return };
        for k in m.keys() {
            let name = match k {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            if known.contains(&name.as_str()) {
                continue;
            }
            let p = path.key(&name);
            let address = file
                .locate_key(&p)
                .map(|l| l.to_string())
                .unwrap_or_else(|| file.path().display().to_string());
            let hint = did_you_mean(&name, known.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            out.push(Note {
                address,
                message: format!("unknown key `{name}` in {what}: ignored, as grant-rs does{hint}"),
            });
        }
    };
    let root = file.value();
    check(Some(root), YPath::root(), TOP, "a grant-rs file");
    check(
        root.get("connection"),
        YPath::root().key("connection"),
        CONNECTION,
        "`connection`",
    );
    for (list, known, what) in [
        ("roles", ROLE, "a grant-rs role"),
        ("users", USER, "a user"),
    ] {
        if let Some(Value::Sequence(items)) = root.get(list) {
            for (i, item) in items.iter().enumerate() {
                check(Some(item), YPath::root().key(list).index(i), known, what);
            }
        }
    }
    out
}
