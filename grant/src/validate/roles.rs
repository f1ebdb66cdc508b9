//! Validation of `roles:`: attributes, settings, passwords, memberships.

use std::collections::BTreeMap;

use common::{Secret, SourceFile, YPath};

use super::context::{valid_name, Cx, RoleRef};
use crate::config::{MemberOfSpec, RoleSpec, SyslogAccess};
use crate::model::{is_system_role, DesiredPassword, MemberOpts, Role, RoleAttrs};

/// Validates one role of `roles:` into `desired.roles` and its memberships.
pub(super) fn role<'a>(
    cx: &mut Cx<'a>,
    file: &'a SourceFile,
    i: usize,
    r: &RoleSpec,
    redshift: bool,
    env: &dyn Fn(&str) -> Option<String>,
    require_env: bool,
) {
    let Cx {
        diags,
        desired,
        refs,
        member_edges,
        role_names,
    } = cx;
    let rp = YPath::root().key("roles").index(i);
    if let Err(m) = valid_name(&r.name) {
        diags.push(file.error(&rp.key("name"), m));
        return;
    }
    if r.name == "none" {
        diags.push(file.error(
            &rp.key("name"),
            "`none` is a reserved role name in PostgreSQL",
        ));
        return;
    }
    if is_system_role(&r.name) {
        diags.push(file.error(
            &rp.key("name"),
            format!("`{}` is a system role; the tool never manages it", r.name),
        ));
        return;
    }
    if let Err(d) = role_names.insert("role", r.name.clone(), file.locate(&rp.key("name"))) {
        diags.push(d);
        return;
    }
    if desired.external.contains(&r.name) {
        diags.push(
            file.error(
                &rp.key("name"),
                format!(
                    "role `{}` is both declared in `roles` and listed in `external_roles`",
                    r.name
                ),
            )
            .with_help("a role is either managed here (`roles`) or elsewhere (`external_roles`)"),
        );
    }
    for (key, set) in [
        ("kind", r.kind.is_some()),
        ("syslog_access", r.syslog_access.is_some()),
        ("session_timeout", r.session_timeout.is_some()),
    ] {
        if set && !redshift {
            diags.push(file.error(
                &rp.key(key),
                format!("`{key}` is for Redshift (set `connection.dialect: redshift`)"),
            ));
        }
    }
    if let Some(t) = r.session_timeout {
        if !(60..=1_728_000).contains(&t) {
            diags.push(file.error(
                &rp.key("session_timeout"),
                "session_timeout must be 60 to 1728000 seconds",
            ));
        }
    }
    if redshift {
        for (key, set) in [
            ("createrole", r.createrole.is_some()),
            ("inherit", r.inherit.is_some()),
            ("replication", r.replication.is_some()),
            ("bypassrls", r.bypassrls.is_some()),
            ("comment", r.comment.is_some()),
        ] {
            if set {
                diags.push(file.error(&rp.key(key), format!("`{key}` does not exist on Redshift")));
            }
        }
        for (j, m) in r.member_of.iter().enumerate() {
            if let MemberOfSpec::Detailed(d) = m {
                if d.admin || d.inherit.is_some() || d.set.is_some() {
                    diags.push(file.error(
                        &rp.key("member_of").index(j),
                        "Redshift groups have no admin/inherit/set options",
                    ));
                }
            }
        }
    }
    let d = RoleAttrs::default();
    let valid_until = match &r.valid_until {
        None => None,
        Some(v) => match crate::timefmt::normalize_valid_until(v) {
            Ok(v) if v == "infinity" => None,
            Ok(v) => Some(v),
            Err(m) => {
                diags.push(file.error(&rp.key("valid_until"), m));
                None
            }
        },
    };
    if let Some(l) = r.connection_limit {
        if l < -1 {
            diags.push(file.error(
                &rp.key("connection_limit"),
                "connection_limit must be -1 (no limit) or more",
            ));
        }
    }
    let declared = [
        ("login", r.login.is_some()),
        ("superuser", r.superuser.is_some()),
        ("createdb", r.createdb.is_some()),
        ("createrole", r.createrole.is_some()),
        ("inherit", r.inherit.is_some()),
        ("replication", r.replication.is_some()),
        ("bypassrls", r.bypassrls.is_some()),
        ("connection_limit", r.connection_limit.is_some()),
        ("valid_until", r.valid_until.is_some()),
        ("syslog_unrestricted", r.syslog_access.is_some()),
        ("session_timeout", r.session_timeout.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    let attrs = RoleAttrs {
        login: r.login.unwrap_or(r.login_on_create || d.login),
        superuser: r.superuser.unwrap_or(d.superuser),
        createdb: r.createdb.unwrap_or(d.createdb),
        createrole: r.createrole.unwrap_or(d.createrole),
        inherit: r.inherit.unwrap_or(d.inherit),
        replication: r.replication.unwrap_or(d.replication),
        bypassrls: r.bypassrls.unwrap_or(d.bypassrls),
        connection_limit: r.connection_limit.unwrap_or(d.connection_limit),
        valid_until,
        syslog_unrestricted: r.syslog_access == Some(SyslogAccess::Unrestricted),
        session_timeout: r.session_timeout,
    };
    let mut settings = BTreeMap::new();
    for (k, v) in &r.settings {
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            diags.push(file.error(
                &rp.key("settings").key(k.clone()),
                format!("invalid setting name `{k}`: letters, digits, `_` and `.` only"),
            ));
            continue;
        }
        let parts = v.parts();
        if parts.is_empty() {
            diags.push(file.error(
                &rp.key("settings").key(k.clone()),
                "a setting list cannot be empty",
            ));
            continue;
        }
        settings.insert(k.to_ascii_lowercase(), parts);
    }
    let password = match &r.password {
        None => None,
        Some(p) => match (&p.env, &p.verifier) {
            (None, None) if p.plain.is_some() => Some(DesiredPassword::Env {
                var: format!("users[{}].password", i),
                value: p.plain.clone(),
            }),
            (Some(var), None) if p.plain.is_none() => {
                let value = env(var).map(Secret::new);
                if value.is_none() && require_env {
                    diags.push(file.error(
                        &rp.key("password").key("env"),
                        format!(
                            "environment variable `{var}` (password of role `{}`) is not set",
                            r.name
                        ),
                    ));
                }
                Some(DesiredPassword::Env {
                    var: var.clone(),
                    value,
                })
            }
            (None, Some(v)) => {
                if !crate::password::is_verifier(v) {
                    diags.push(file.error(
                        &rp.key("password").key("verifier"),
                        "not a verifier: expected `SCRAM-SHA-256$<iterations>:<salt>$<storedkey>:<serverkey>` or `md5` + 32 hex digits",
                    ).with_help("to keep a plaintext password out of Git use `password: {env: VAR}`"));
                }
                Some(DesiredPassword::Verifier(Secret::new(v.clone())))
            }
            _ => {
                diags.push(file.error(
                    &rp.key("password"),
                    "set exactly one of `env` or `verifier`",
                ));
                None
            }
        },
    };
    for (j, m) in r.member_of.iter().enumerate() {
        let (group, opts) = match m {
            MemberOfSpec::Name(n) => (n.clone(), MemberOpts::default()),
            MemberOfSpec::Detailed(d) => (
                d.role.clone(),
                MemberOpts {
                    admin: d.admin,
                    inherit: d.inherit,
                    set: d.set,
                },
            ),
        };
        let mp = rp.key("member_of").index(j);
        let name_path = match m {
            MemberOfSpec::Name(_) => mp.clone(),
            MemberOfSpec::Detailed(_) => mp.key("role"),
        };
        if group == r.name {
            diags.push(file.error(
                &name_path,
                format!("role `{}` cannot be a member of itself", r.name),
            ));
            continue;
        }
        refs.push(RoleRef {
            file,
            path: name_path.clone(),
            name: group.clone(),
        });
        member_edges.push((r.name.clone(), group.clone(), file, name_path));
        desired
            .memberships
            .entry(group)
            .or_default()
            .insert(r.name.clone(), opts);
    }
    desired.roles.insert(
        r.name.clone(),
        Role {
            attrs,
            comment: r.comment.clone(),
            settings,
            password,
            update_password: r.update_password.unwrap_or_default(),
            kind: r.kind,
            declared,
        },
    );
}
