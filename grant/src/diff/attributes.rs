//! Role attribute, setting and password clauses (ALTER ROLE / CREATE ROLE pieces).

use common::FieldChange;

use super::ops::{Op, PasswordExec};
use crate::live::{Live, LiveRole};
use crate::model::{DesiredPassword, Role, RoleAttrs, UpdatePassword};
use crate::sql::{quote_ident, quote_literal};

pub(super) fn attr_kw(on: bool, yes: &'static str, no: &'static str) -> &'static str {
    if on {
        yes
    } else {
        no
    }
}

/// Attribute clauses that differ between `from` and `to`, with field changes.
pub(super) fn attr_clauses(from: &RoleAttrs, to: &RoleAttrs) -> (Vec<String>, Vec<FieldChange>) {
    let mut clauses = Vec::new();
    let mut fields = Vec::new();
    let bools: [(&str, bool, bool, &'static str, &'static str); 7] = [
        ("login", from.login, to.login, "LOGIN", "NOLOGIN"),
        (
            "superuser",
            from.superuser,
            to.superuser,
            "SUPERUSER",
            "NOSUPERUSER",
        ),
        (
            "createdb",
            from.createdb,
            to.createdb,
            "CREATEDB",
            "NOCREATEDB",
        ),
        (
            "createrole",
            from.createrole,
            to.createrole,
            "CREATEROLE",
            "NOCREATEROLE",
        ),
        ("inherit", from.inherit, to.inherit, "INHERIT", "NOINHERIT"),
        (
            "replication",
            from.replication,
            to.replication,
            "REPLICATION",
            "NOREPLICATION",
        ),
        (
            "bypassrls",
            from.bypassrls,
            to.bypassrls,
            "BYPASSRLS",
            "NOBYPASSRLS",
        ),
    ];
    for (name, a, b, yes, no) in bools {
        if a != b {
            clauses.push(attr_kw(b, yes, no).to_string());
            fields.push(FieldChange::new(
                name,
                Some(a.to_string()),
                Some(b.to_string()),
            ));
        }
    }
    if from.connection_limit != to.connection_limit {
        clauses.push(format!("CONNECTION LIMIT {}", to.connection_limit));
        fields.push(FieldChange::new(
            "connection_limit",
            Some(from.connection_limit.to_string()),
            Some(to.connection_limit.to_string()),
        ));
    }
    if from.valid_until != to.valid_until {
        let v = to.valid_until.clone().unwrap_or_else(|| "infinity".into());
        clauses.push(format!("VALID UNTIL {}", quote_literal(&v)));
        fields.push(FieldChange::new(
            "valid_until",
            from.valid_until.clone(),
            Some(v),
        ));
    }
    (clauses, fields)
}

pub(super) fn setting_sql(role: &str, key: &str, value: &[String]) -> String {
    let name = key
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".");
    let vals = value
        .iter()
        .map(|v| quote_literal(v))
        .collect::<Vec<_>>()
        .join(", ");
    format!("ALTER ROLE {} SET {name} TO {vals}", quote_ident(role))
}

pub(super) fn reset_sql(role: &str, key: &str) -> String {
    let name = key
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".");
    format!("ALTER ROLE {} RESET {name}", quote_ident(role))
}

/// Whether the desired password must be (re)set; a note when unknowable.
pub(super) fn password_needs_set(
    name: &str,
    role: &Role,
    live: &Live,
    lrole: &LiveRole,
) -> (bool, Option<String>) {
    let Some(pw) = &role.password else {
        return (false, None);
    };
    if role.update_password == UpdatePassword::CreateOnly {
        return (false, None);
    }
    if !live.passwords_readable {
        return match role.update_password {
            UpdatePassword::Always => (true, None),
            UpdatePassword::CreateOnly => (false, None),
            UpdatePassword::OnCreate => (
                false,
                Some("the stored password cannot be read (no access to pg_authid); it is set only when the role is created (set `update_password: always` to set it on every apply)".into()),
            ),
        };
    }
    let Some(stored) = &lrole.verifier else {
        return (true, None);
    };
    match pw {
        DesiredPassword::Verifier(v) => (v.expose() != stored.expose(), None),
        DesiredPassword::Env { value: Some(p), .. } => (
            !crate::password::verifies(p.expose(), name, stored.expose()),
            None,
        ),
        DesiredPassword::Env { var, value: None } => (
            false,
            Some(format!(
                "environment variable `{var}` is not set; the password is left unchanged"
            )),
        ),
    }
}

pub(super) fn password_op(
    db: &str,
    name: &str,
    prefix: String,
    suffix: String,
    source: &DesiredPassword,
    md5: bool,
) -> Op {
    let mut op = Op::new(db, format!("{prefix}'<redacted>'{suffix}"));
    op.password = Some(PasswordExec {
        role: name.to_string(),
        prefix,
        suffix,
        source: source.clone(),
        md5,
    });
    op
}

/// Redshift user attribute clauses that differ.
pub(super) fn redshift_clauses(
    from: &RoleAttrs,
    to: &RoleAttrs,
) -> (Vec<String>, Vec<FieldChange>) {
    let mut clauses = Vec::new();
    let mut fields = Vec::new();
    if from.createdb != to.createdb {
        clauses.push(attr_kw(to.createdb, "CREATEDB", "NOCREATEDB").to_string());
        fields.push(FieldChange::new(
            "createdb",
            Some(from.createdb.to_string()),
            Some(to.createdb.to_string()),
        ));
    }
    if from.superuser != to.superuser {
        clauses.push(attr_kw(to.superuser, "CREATEUSER", "NOCREATEUSER").to_string());
        fields.push(FieldChange::new(
            "superuser",
            Some(from.superuser.to_string()),
            Some(to.superuser.to_string()),
        ));
    }
    if from.connection_limit != to.connection_limit {
        clauses.push(if to.connection_limit < 0 {
            "CONNECTION LIMIT UNLIMITED".to_string()
        } else {
            format!("CONNECTION LIMIT {}", to.connection_limit)
        });
        fields.push(FieldChange::new(
            "connection_limit",
            Some(from.connection_limit.to_string()),
            Some(to.connection_limit.to_string()),
        ));
    }
    if from.valid_until != to.valid_until {
        let v = to.valid_until.clone().unwrap_or_else(|| "infinity".into());
        clauses.push(format!("VALID UNTIL {}", quote_literal(&v)));
        fields.push(FieldChange::new(
            "valid_until",
            from.valid_until.clone(),
            Some(v),
        ));
    }
    if from.syslog_unrestricted != to.syslog_unrestricted {
        clauses.push(if to.syslog_unrestricted {
            "SYSLOG ACCESS UNRESTRICTED".to_string()
        } else {
            "SYSLOG ACCESS RESTRICTED".to_string()
        });
        fields.push(FieldChange::new(
            "syslog_access",
            Some(if from.syslog_unrestricted {
                "unrestricted"
            } else {
                "restricted"
            }),
            Some(if to.syslog_unrestricted {
                "unrestricted"
            } else {
                "restricted"
            }),
        ));
    }
    if from.session_timeout != to.session_timeout {
        clauses.push(match to.session_timeout {
            Some(t) => format!("SESSION TIMEOUT {t}"),
            None => "RESET SESSION TIMEOUT".to_string(),
        });
        fields.push(FieldChange::new(
            "session_timeout",
            from.session_timeout.map(|t| t.to_string()),
            to.session_timeout.map(|t| t.to_string()),
        ));
    }
    (clauses, fields)
}
