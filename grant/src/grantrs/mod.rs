//! grant-rs compatibility: a grant-rs configuration (`connection`, `roles`
//! with `type: database|schema|table`, `users`) is read unchanged and
//! translated to this tool's model, in additive mode (grant-rs never
//! revokes). See docs/grant.md for the mapping.

use common::{Diagnostic, Secret, SourceFile, YPath};
use serde::Deserialize;
use serde_yaml::Value;

mod checks;
pub mod inspect;
mod merge;
mod names;
mod tables;

pub use checks::unknown_keys;

use std::collections::BTreeMap;

use crate::config::{
    ConfigFile, ConnectionSpec, DatabaseSpec, GrantSpec, Mode, PasswordSpec, RoleSpec,
    UpdatePassword,
};

/// Whether a parsed file is in grant-rs format: it has `users`, a role with
/// `type`/`level`, or `connection.type`.
pub fn is_grant_rs(v: &Value) -> bool {
    let Value::Mapping(m) = v else { return false };
    if m.contains_key("users") {
        return true;
    }
    if let Some(Value::Mapping(c)) = m.get("connection") {
        if c.contains_key("type") {
            return true;
        }
    }
    if let Some(Value::Sequence(roles)) = m.get("roles") {
        return roles.iter().any(
            |r| matches!(r, Value::Mapping(r) if r.contains_key("type") || r.contains_key("level")),
        );
    }
    false
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a grant-rs file: a mapping of `connection`, `roles`, `users`")]
struct File {
    #[serde(default)]
    connection: Option<Connection>,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a mapping of `type`, `url`")]
struct Connection {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<Secret>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a grant-rs role: a mapping with `name`, `type`, `grants`")]
struct Role {
    name: String,
    #[serde(rename = "type", alias = "level")]
    kind: String,
    #[serde(default)]
    grants: Vec<String>,
    #[serde(default)]
    databases: Vec<String>,
    #[serde(default)]
    schemas: Vec<String>,
    #[serde(default)]
    tables: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(expecting = "a grant-rs user: a mapping with `name`")]
struct User {
    name: String,
    /// Any YAML scalar, as grant-rs reads it (`1234567890` is a password).
    #[serde(default)]
    password: Option<Value>,
    #[serde(default)]
    update_password: Option<bool>,
    #[serde(default)]
    roles: Vec<UserRole>,
}

#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a grant-rs role name or `{name: NAME}`"
)]
enum UserRole {
    Name(String),
    Named { name: String },
}

impl UserRole {
    /// The role name, and whether it is written `-name` (revoke).
    fn target(&self) -> (&str, bool) {
        let n = match self {
            UserRole::Name(n) | UserRole::Named { name: n } => n.as_str(),
        };
        match n.strip_prefix('-') {
            Some(r) => (r, true),
            None => (n, false),
        }
    }
}

/// A grant-rs password as its text: strings as they are, other scalars as
/// written in the file (grant-rs reads `password: 0123` as `0123`).
fn password_text(file: &SourceFile, path: &YPath, v: &Value) -> Result<Option<String>, String> {
    let raw = || {
        let token = file.raw_scalar(path)?;
        names::scalar_text(file.text(), token, v)
    };
    Ok(match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(raw().unwrap_or_else(|| n.to_string())),
        Value::Bool(b) => Some(raw().unwrap_or_else(|| b.to_string())),
        _ => return Err("a grant-rs password must be a scalar (a string or a number)".into()),
    })
}

/// The database grant-rs's schema and table roles act on: the
/// connection's (grant-rs ignores `databases` on those roles). A URL that
/// cannot be resolved yet (an unset `${VAR}` under `validate`) gives a
/// placeholder: plan and apply require the variable.
fn connection_database(url: Option<&Secret>) -> String {
    let c = crate::model::Connection {
        url: url.cloned(),
        ..Default::default()
    };
    match url.map(|u| u.expose().contains("${")) {
        Some(true) => "(connection database)".to_string(),
        _ => crate::conn::target(&c)
            .map(|t| t.dbname)
            .unwrap_or_else(|_| "(connection database)".to_string()),
    }
}

/// Translates a grant-rs file into this tool's configuration.
pub fn translate(file: &SourceFile) -> Result<ConfigFile, Vec<Diagnostic>> {
    let f: File = file.deserialize().map_err(|d| vec![d])?;
    let mut errs = Vec::new();
    let mut out = ConfigFile {
        mode: Some(Mode::Additive),
        ..ConfigFile::default()
    };
    if let Some(c) = &f.connection {
        if let Some(k) = &c.kind {
            if !k.eq_ignore_ascii_case("postgres") && !k.eq_ignore_ascii_case("postgresql") {
                errs.push(file.error(
                    &YPath::root().key("connection").key("type"),
                    format!("connection type `{k}` is not supported; use `postgres`"),
                ));
            }
        }
        out.connection = Some(ConnectionSpec {
            url: c.url.clone(),
            ..ConnectionSpec::default()
        });
    }
    let conn_db = connection_database(f.connection.as_ref().and_then(|c| c.url.as_ref()));
    errs.extend(checks::duplicate_roles(file, &f.roles));
    let mut kinds = Vec::new();
    for (i, role) in f.roles.iter().enumerate() {
        let rp = YPath::root().key("roles").index(i);
        let kind = checks::role_kind(&role.kind);
        match kind {
            Some(k) => {
                errs.extend(checks::check_grants(file, &rp, role, k));
                errs.extend(checks::check_lists(file, &rp, role, k));
                errs.extend(checks::check_names(file, &rp, role));
            }
            None => errs.push(file.error(
                &rp.key("type"),
                format!(
                    "unknown grant-rs role type `{}`: expected database, schema or table",
                    role.kind
                ),
            )),
        }
        kinds.push(kind);
    }
    let mut seen_users: BTreeMap<String, usize> = BTreeMap::new();
    let mut dbs: BTreeMap<String, DatabaseSpec> = BTreeMap::new();
    for (i, u) in f.users.iter().enumerate() {
        let up = YPath::root().key("users").index(i);
        // grant-rs sends the name unquoted: PostgreSQL folds it.
        let name = names::fold(&u.name);
        if let Err(e) = crate::sql::valid_name(&name) {
            errs.push(file.error(&up.key("name"), e));
            continue;
        }
        if let Some(first) = seen_users.insert(name.clone(), i) {
            errs.push(
                file.error(
                    &up.key("name"),
                    format!("user `{name}` is declared more than once"),
                )
                .with_related(
                    file.locate(&YPath::root().key("users").index(first).key("name")),
                    "first declared here",
                ),
            );
            continue;
        }
        let password = match &u.password {
            None => None,
            Some(v) => match password_text(file, &up.key("password"), v) {
                Ok(p) => p,
                Err(m) => {
                    errs.push(file.error(&up.key("password"), m));
                    None
                }
            },
        };
        // grant-rs sends `PASSWORD '<value>'`: PostgreSQL stores an md5 or
        // SCRAM verifier as it is, anything else as a password to hash.
        let password = password.map(|p| {
            if crate::password::is_verifier(&p) {
                PasswordSpec {
                    verifier: Some(p),
                    ..PasswordSpec::default()
                }
            } else {
                PasswordSpec {
                    plain: Some(Secret::new(p)),
                    ..PasswordSpec::default()
                }
            }
        });
        out.roles.push(RoleSpec {
            name: name.clone(),
            login_on_create: true,
            password,
            update_password: Some(if u.update_password.unwrap_or(false) {
                UpdatePassword::Always
            } else {
                UpdatePassword::CreateOnly
            }),
            ..RoleSpec::default()
        });
        // The user's grants, role by role; its exclusions (`-t`, `-ALL`,
        // `-role`) become revokes of what none of its roles grants.
        let mut grants = Vec::new();
        let mut exclusions = Vec::new();
        for (j, r) in u.roles.iter().enumerate() {
            let (rname, revoke) = r.target();
            let Some(pos) = f.roles.iter().position(|x| x.name == rname) else {
                errs.push(file.error(
                    &up.key("roles").index(j),
                    format!("grant-rs role `{rname}` is not defined under `roles`"),
                ));
                continue;
            };
            let (role, Some(kind)) = (&f.roles[pos], kinds[pos]) else {
                continue;
            };
            let (plus, minus) = tables::role_items(role, kind, &conn_db);
            if revoke {
                // `-role` revokes what the role grants; the role's own
                // minuses then have nothing to add.
                exclusions.extend(plus);
            } else {
                grants.extend(plus);
                exclusions.extend(minus);
            }
        }
        let revokes = merge::revokes(&grants, &exclusions);
        let mut push = |key: &merge::Key, privileges: Vec<String>, objs: &merge::Objs, revoke| {
            let (db, on, schema) = key.clone();
            let (objects, except) = match objs {
                merge::Objs::Whole => (Vec::new(), Vec::new()),
                merge::Objs::Names(n) => (n.iter().cloned().collect(), Vec::new()),
                merge::Objs::Star(e) => (vec!["*".to_string()], e.iter().cloned().collect()),
            };
            dbs.entry(db.clone())
                .or_insert_with(|| DatabaseSpec {
                    name: db,
                    ..DatabaseSpec::default()
                })
                .grants
                .push(GrantSpec {
                    to: vec![name.clone()],
                    on,
                    schema,
                    objects,
                    except,
                    columns: Vec::new(),
                    privileges,
                    with_grant_option: false,
                    revoke,
                    grant_rs: true,
                    future: false,
                });
        };
        for g in grants {
            push(&g.key, g.grants, &g.objs, false);
        }
        for r in revokes {
            push(&r.key, r.privileges, &r.objs, true);
        }
    }
    out.databases = dbs.into_values().collect();
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}
