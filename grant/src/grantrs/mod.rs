//! grant-rs compatibility: a grant-rs configuration (`connection`, `roles`
//! with `type: database|schema|table`, `users`) is read unchanged and
//! translated to this tool's model, in additive mode (grant-rs never
//! revokes). See docs/grant.md for the mapping.

use common::{Diagnostic, Secret, SourceFile, YPath};
use serde::Deserialize;
use serde_yaml::Value;

mod tables;

use std::collections::BTreeMap;

use crate::config::{
    ConfigFile, ConnectionSpec, DatabaseSpec, GrantSpec, Mode, PasswordSpec, RoleSpec,
    UpdatePassword,
};
use crate::privs::{ObjectKind, Privilege};

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
#[serde(
    deny_unknown_fields,
    expecting = "a grant-rs file: a mapping of `connection`, `roles`, `users`"
)]
struct File {
    #[serde(default)]
    connection: Option<Connection>,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping of `type`, `url`")]
struct Connection {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<Secret>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a grant-rs role: a mapping with `name`, `type`, `grants`"
)]
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
#[serde(
    deny_unknown_fields,
    expecting = "a grant-rs user: a mapping with `name`"
)]
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
        (serde_yaml::from_str::<Value>(token).ok()? == *v).then(|| token.to_string())
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

/// Privileges grant-rs accepts per role type (`ALL` too); checked on the
/// grant-rs paths so that errors point into the grant-rs file.
fn check_grants(file: &SourceFile, rp: &YPath, role: &Role, kind: ObjectKind) -> Vec<Diagnostic> {
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

fn role_kind(kind: &str) -> Option<ObjectKind> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "database" | "databases" => ObjectKind::Database,
        "schema" | "schemas" => ObjectKind::Schema,
        "table" | "tables" => ObjectKind::Table,
        _ => return None,
    })
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
    let mut kinds = Vec::new();
    for (i, role) in f.roles.iter().enumerate() {
        let rp = YPath::root().key("roles").index(i);
        let kind = role_kind(&role.kind);
        match kind {
            Some(k) => errs.extend(check_grants(file, &rp, role, k)),
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
    let mut seen_users: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dbs: BTreeMap<String, DatabaseSpec> = BTreeMap::new();
    for (i, u) in f.users.iter().enumerate() {
        let up = YPath::root().key("users").index(i);
        if let Some(first) = seen_users.insert(u.name.as_str(), i) {
            errs.push(
                file.error(
                    &up.key("name"),
                    format!("user `{}` is declared more than once", u.name),
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
            name: u.name.clone(),
            login_on_create: true,
            password,
            update_password: Some(if u.update_password.unwrap_or(false) {
                UpdatePassword::Always
            } else {
                UpdatePassword::CreateOnly
            }),
            ..RoleSpec::default()
        });
        for (j, r) in u.roles.iter().enumerate() {
            let (name, revoke) = r.target();
            let Some(pos) = f.roles.iter().position(|x| x.name == name) else {
                errs.push(file.error(
                    &up.key("roles").index(j),
                    format!("grant-rs role `{name}` is not defined under `roles`"),
                ));
                continue;
            };
            let (role, Some(kind)) = (&f.roles[pos], kinds[pos]) else {
                continue;
            };
            let base = |on: ObjectKind| GrantSpec {
                to: vec![u.name.clone()],
                on,
                schema: None,
                objects: Vec::new(),
                except: Vec::new(),
                columns: Vec::new(),
                privileges: role.grants.clone(),
                with_grant_option: false,
                revoke,
                grant_rs: true,
                future: false,
            };
            let mut push = |db: &str, g: GrantSpec| {
                dbs.entry(db.to_string())
                    .or_insert_with(|| DatabaseSpec {
                        name: db.to_string(),
                        ..DatabaseSpec::default()
                    })
                    .grants
                    .push(g)
            };
            match kind {
                ObjectKind::Database => {
                    for db in &role.databases {
                        push(db, base(ObjectKind::Database));
                    }
                }
                ObjectKind::Schema => {
                    let mut g = base(ObjectKind::Schema);
                    g.objects = role.schemas.clone();
                    if !g.objects.is_empty() {
                        push(&conn_db, g);
                    }
                }
                _ => {
                    for (schema, t) in tables::by_schema(&role.schemas, &role.tables) {
                        let mut on = |objects: Vec<String>, negative: bool| {
                            if objects.is_empty() {
                                return;
                            }
                            let mut g = base(ObjectKind::Table);
                            g.schema = Some(schema.clone());
                            g.objects = objects;
                            // `-role` revokes what the role grants; the
                            // role's own minuses then have nothing to add.
                            g.revoke = revoke || negative;
                            if !(revoke && negative) {
                                push(&conn_db, g);
                            }
                        };
                        if t.all {
                            on(vec!["*".into()], false);
                        }
                        on(t.names.clone(), false);
                        if t.revoke_all {
                            on(vec!["*".into()], true);
                        }
                        on(t.revoke.clone(), true);
                    }
                }
            }
        }
    }
    out.databases = dbs.into_values().collect();
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}
