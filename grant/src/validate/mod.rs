//! Validation of the configuration files into [`Desired`].
//!
//! Pure: no network. Environment variables named by `password: {env: ...}`
//! are read here (a missing one is reported by `plan`/`apply`, not by
//! `validate`, so that pre-commit runs without credentials).

use std::collections::{BTreeMap, BTreeSet};

use common::{did_you_mean, Diagnostics, SourceFile, Sources, Unique, YPath};

mod context;
mod databases;
mod roles;

use crate::config::ConfigFile;
use crate::model::{is_system_role, Connection, Desired, Dialect};
use context::{valid_name, Cx, RoleRef};

/// Validates all files into the desired state; password variables are read
/// from the process environment.
pub fn load(sources: &Sources) -> Result<Desired, Diagnostics> {
    load_with_env(sources, &|k| std::env::var(k).ok())
}

/// [`load`] with an explicit environment lookup for password variables.
pub fn load_with_env(
    sources: &Sources,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Desired, Diagnostics> {
    load_opts(sources, env, false)
}

/// [`load_with_env`]; with `require_env`, an unset password variable is an
/// error located at its `env` key (plan / apply), not only at connection time.
pub fn load_opts(
    sources: &Sources,
    env: &dyn Fn(&str) -> Option<String>,
    require_env: bool,
) -> Result<Desired, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut warnings = Vec::new();
    let mut files: Vec<(&SourceFile, ConfigFile)> = Vec::new();
    for f in &sources.files {
        if crate::grantrs::is_grant_rs(f.value()) {
            // grant-rs ignores keys it does not know: so do we, visibly
            // (on stderr now, and as plan notes).
            for w in crate::grantrs::unknown_keys(f) {
                eprintln!("{}: warning: {}", w.address, w.message);
                warnings.push(w);
            }
            match crate::grantrs::translate(f) {
                Ok(c) => files.push((f, c)),
                Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
            }
        } else {
            match f.deserialize::<ConfigFile>() {
                Ok(c) => files.push((f, c)),
                Err(d) => diags.push(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut desired = Desired::default();
    let role_names: Unique<String> = Unique::new();
    let mut refs: Vec<RoleRef> = Vec::new();
    let mut conn_seen: Option<&SourceFile> = None;
    let mut mode_seen = false;
    let member_edges: Vec<(String, String, &SourceFile, YPath)> = Vec::new();
    let mut dialect = None;
    for (file, cfg) in &files {
        if let Some(c) = &cfg.connection {
            if let Some(first) = conn_seen {
                diags.push(
                    file.error(
                        &YPath::root().key("connection"),
                        "`connection` is set in more than one file",
                    )
                    .with_related(
                        first.locate(&YPath::root().key("connection")),
                        "first set here",
                    ),
                );
            }
            conn_seen = Some(file);
            if let Some(u) = &c.url {
                // An unset `${VAR}` (validate) is checked by plan / apply.
                if !u.expose().contains("${") {
                    if let Err(m) = crate::conn::check_url(u.expose()) {
                        diags.push(file.error(&YPath::root().key("connection").key("url"), m));
                    }
                }
            }
            dialect = c.dialect;
            desired.connection = Connection {
                url: c.url.clone(),
                sslmode: c.sslmode,
                sslrootcert: c.sslrootcert.clone(),
                dialect: c.dialect,
            };
        }
        if let Some(m) = cfg.mode {
            if mode_seen && m != desired.mode {
                diags.push(file.error(
                    &YPath::root().key("mode"),
                    "`mode` differs from another file",
                ));
            }
            mode_seen = true;
            desired.mode = m;
        }
        if let Some(m) = &cfg.managed_roles {
            if let Some(p) = &m.pattern {
                if p.is_empty() {
                    diags.push(file.error(
                        &YPath::root().key("managed_roles").key("pattern"),
                        "the pattern cannot be empty",
                    ));
                }
                desired.pattern = Some(p.clone());
            }
        }
        for (i, e) in cfg.external_roles.iter().enumerate() {
            if let Err(m) = valid_name(e) {
                diags.push(file.error(&YPath::root().key("external_roles").index(i), m));
            }
            desired.external.insert(e.clone());
        }
        if let Some(r) = &cfg.reassign_owned_to {
            refs.push(RoleRef {
                file,
                path: YPath::root().key("reassign_owned_to"),
                name: r.clone(),
            });
            desired.reassign_owned_to = Some(r.clone());
        }
    }
    let redshift = dialect == Some(Dialect::Redshift);
    let mut cx = Cx {
        diags,
        desired,
        refs,
        member_edges,
        role_names,
    };

    for (file, cfg) in &files {
        for (i, r) in cfg.roles.iter().enumerate() {
            roles::role(&mut cx, file, i, r, redshift, env, require_env);
        }
    }

    for (file, cfg) in &files {
        for (i, db) in cfg.databases.iter().enumerate() {
            databases::database(&mut cx, file, i, db, redshift);
        }
    }

    let Cx {
        mut diags,
        mut desired,
        refs,
        member_edges,
        ..
    } = cx;

    // Role references.
    let known = |n: &str| {
        desired.roles.contains_key(n) || desired.external.contains(n) || is_system_role(n)
    };
    for r in &refs {
        if let Err(m) = valid_name(&r.name) {
            diags.push(r.file.error(&r.path, m));
            continue;
        }
        if r.name.eq_ignore_ascii_case("public") || r.name == "none" {
            // `GRANT … TO "public"` means PUBLIC, which the live state does not
            // track: it would show as a change on every plan.
            diags.push(
                r.file
                    .error(&r.path, format!("`{}` cannot be referenced here", r.name))
                    .with_help(
                        "PUBLIC can only be a grantee of `grants` or `default_privileges` (its privileges there are then managed)",
                    ),
            );
            continue;
        }
        if !known(&r.name) {
            let mut d = r.file.error(
                &r.path,
                format!(
                    "role `{}` is neither declared in `roles` nor listed in `external_roles`",
                    r.name
                ),
            );
            let candidates: Vec<&str> = desired
                .roles
                .keys()
                .chain(desired.external.iter())
                .map(String::as_str)
                .collect();
            d = match did_you_mean(&r.name, candidates) {
                Some(s) => d.with_help(format!("did you mean `{s}`? A role managed elsewhere goes in `external_roles`.")),
                None => d.with_help("declare it under `roles`, or list it in `external_roles` if it is managed elsewhere"),
            };
            diags.push(d);
        }
    }

    // Membership cycles.
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (member, group, _, _) in &member_edges {
        graph
            .entry(member.as_str())
            .or_default()
            .push(group.as_str());
    }
    let mut reported = BTreeSet::new();
    for (member, group, file, path) in &member_edges {
        // An edge member → group closes a cycle when group reaches member.
        if let Some(cycle) = find_path(&graph, group, member) {
            let mut key: Vec<&str> = cycle.clone();
            key.sort();
            if reported.insert(key) {
                diags.push(
                    file.error(
                        path,
                        format!("membership cycle: {} → {}", member, cycle.join(" → ")),
                    )
                    .with_help("a role cannot be (indirectly) a member of itself"),
                );
            }
        }
    }
    desired.warnings = warnings;
    diags.into_result(desired)
}

fn find_path<'a>(
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    from: &'a str,
    to: &str,
) -> Option<Vec<&'a str>> {
    let mut stack = vec![(from, vec![from])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        if node == to {
            return Some(path);
        }
        if !seen.insert(node) {
            continue;
        }
        for next in graph.get(node).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next);
            stack.push((next, p));
        }
    }
    None
}

#[cfg(test)]
mod tests;
