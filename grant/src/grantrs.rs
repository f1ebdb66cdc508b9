//! grant-rs compatibility: a grant-rs configuration (`connection`, `roles`
//! with `type: database|schema|table`, `users`) is read unchanged and
//! translated to this tool's model, in additive mode (grant-rs never
//! revokes). See docs/grant.md for the mapping.

use common::{Diagnostic, Secret, SourceFile, YPath};
use serde::Deserialize;
use serde_yaml::Value;

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
    #[serde(default)]
    password: Option<Secret>,
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
    // Checked here, against grant-rs's own paths, so that the locations
    // point into the grant-rs file (the translated config has other paths).
    for (i, role) in f.roles.iter().enumerate() {
        let rp = YPath::root().key("roles").index(i);
        let kind = match role.kind.to_ascii_lowercase().as_str() {
            "database" | "databases" => ObjectKind::Database,
            "schema" | "schemas" => ObjectKind::Schema,
            "table" | "tables" => ObjectKind::Table,
            _ => continue,
        };
        let allowed = kind.allowed(false);
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
    }
    let mut seen_users: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut dbs: std::collections::BTreeMap<String, DatabaseSpec> =
        std::collections::BTreeMap::new();
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
        out.roles.push(RoleSpec {
            name: u.name.clone(),
            login: Some(true),
            password: u.password.as_ref().map(|p| PasswordSpec {
                plain: Some(p.clone()),
                ..PasswordSpec::default()
            }),
            update_password: Some(if u.update_password.unwrap_or(false) {
                UpdatePassword::Always
            } else {
                UpdatePassword::OnCreate
            }),
            ..RoleSpec::default()
        });
        for (j, r) in u.roles.iter().enumerate() {
            let name = match r {
                UserRole::Name(n) | UserRole::Named { name: n } => n,
            };
            let Some(role) = f.roles.iter().find(|x| x.name == *name) else {
                errs.push(file.error(
                    &up.key("roles").index(j),
                    format!("grant-rs role `{name}` is not defined under `roles`"),
                ));
                continue;
            };
            let kind = role.kind.to_ascii_lowercase();
            for db in &role.databases {
                let entry = dbs.entry(db.clone()).or_insert_with(|| DatabaseSpec {
                    name: db.clone(),
                    ..DatabaseSpec::default()
                });
                let base = |on: ObjectKind| GrantSpec {
                    to: vec![u.name.clone()],
                    on,
                    schema: None,
                    objects: Vec::new(),
                    except: Vec::new(),
                    columns: Vec::new(),
                    privileges: role.grants.clone(),
                    with_grant_option: false,
                };
                match kind.as_str() {
                    "database" | "databases" => entry.grants.push(base(ObjectKind::Database)),
                    "schema" | "schemas" => {
                        let mut g = base(ObjectKind::Schema);
                        g.objects = role.schemas.clone();
                        entry.grants.push(g);
                    }
                    "table" | "tables" => {
                        for s in &role.schemas {
                            let mut all = false;
                            let (mut inc, mut exc) = (Vec::new(), Vec::new());
                            for t in &role.tables {
                                let (neg, name) = match t.strip_prefix('-') {
                                    Some(n) => (true, n),
                                    None => (false, t.strip_prefix('+').unwrap_or(t)),
                                };
                                if name.eq_ignore_ascii_case("ALL") && !neg {
                                    all = true;
                                    continue;
                                }
                                let name = match name.split_once('.') {
                                    Some((sch, t)) if sch == s => t,
                                    Some(_) => continue,
                                    None => name,
                                };
                                if neg {
                                    exc.push(name.to_string());
                                } else {
                                    inc.push(name.to_string());
                                }
                            }
                            let mut g = base(ObjectKind::Table);
                            g.schema = Some(s.clone());
                            if all {
                                g.objects = vec!["*".into()];
                                g.except = exc;
                            } else {
                                inc.retain(|t| !exc.contains(t));
                                if inc.is_empty() {
                                    continue;
                                }
                                g.objects = inc;
                            }
                            entry.grants.push(g);
                        }
                    }
                    other => errs.push(file.error(
                        &YPath::root().key("roles").index(f.roles.iter().position(|x| x.name == *name).unwrap_or(0)).key("type"),
                        format!("unknown grant-rs role type `{other}`: expected database, schema or table"),
                    )),
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
