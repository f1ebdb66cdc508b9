//! Resolution of the merged configuration for one environment: defaults,
//! profiles, the topic and its environment overlay, in that order; then the
//! policies and the ACLs. Produces the [`Desired`] state.

use std::collections::{BTreeMap, BTreeSet};

use common::{did_you_mean, Diagnostic, Diagnostics, Sources, YPath};

use crate::config::{RawTopicBase, StringList};
use crate::merge::{merge, Loc, Merged};
use crate::model::{AclScope, Desired, Origins, TopicSpec};
use crate::units;
use crate::validate::{
    check_topic_name, compile_regexes, known_key_names, overlay, resolve_acl, resolve_acl_scope,
    resolve_cluster, Partial,
};

/// What `load` was asked for.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The environment (`--env`).
    pub env: Option<String>,
    /// Check every environment (validate without `--env`).
    pub all_envs: bool,
}

/// Parses, merges and validates the configuration for one environment
/// (or, with `all_envs`, checks every environment and returns the first).
pub fn load(sources: &Sources, opts: &LoadOptions) -> Result<Desired, Diagnostics> {
    let m = merge(sources)?;
    let names: Vec<String> = m.clusters.keys().cloned().collect();
    let envs: Vec<Option<String>> = match &opts.env {
        Some(e) => {
            if !m.clusters.contains_key(e) {
                let mut d = Diagnostic::global(format!("unknown environment `{e}` (--env)"));
                d = match did_you_mean(e, names.iter().map(|s| s.as_str())) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None if names.is_empty() => {
                        d.with_help("no cluster is defined under `clusters:`")
                    }
                    None => d.with_help(format!("defined clusters: {}", names.join(", "))),
                };
                return Err(d.into());
            }
            vec![Some(e.clone())]
        }
        None if names.len() <= 1 => vec![names.first().cloned()],
        None if opts.all_envs => names.iter().cloned().map(Some).collect(),
        None => {
            return Err(Diagnostic::global(format!(
                "several clusters are defined ({}); choose one with --env",
                names.join(", ")
            ))
            .into())
        }
    };
    let mut first = None;
    let mut diags = Diagnostics::new();
    for env in envs {
        match resolve(&m, env.as_deref(), &names) {
            Ok(d) => {
                if first.is_none() {
                    first = Some(d);
                }
            }
            Err(d) => {
                // Errors that do not depend on the environment would repeat.
                for x in d.0 {
                    if !diags.0.contains(&x) {
                        diags.push(x);
                    }
                }
            }
        }
    }
    match first {
        Some(d) if diags.is_empty() => Ok(d),
        _ => Err(diags),
    }
}

fn check_env_names(
    list: &[String],
    names: &[String],
    loc: &Loc<'_>,
    p: &YPath,
    diags: &mut Diagnostics,
) {
    for (i, e) in list.iter().enumerate() {
        if !names.contains(e) {
            let mut d = loc.at(&p.index(i), format!("unknown environment `{e}`"));
            if let Some(s) = did_you_mean(e, names.iter().map(|s| s.as_str())) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
        }
    }
}

fn resolve(m: &Merged<'_>, env: Option<&str>, names: &[String]) -> Result<Desired, Diagnostics> {
    let mut diags = Diagnostics::new();
    let cluster = env
        .and_then(|e| m.clusters.get(e))
        .map(|(c, loc)| resolve_cluster(env.unwrap_or(""), c, loc, &mut diags));
    let settings = m
        .settings
        .as_ref()
        .map(|(s, _)| s.clone())
        .unwrap_or_default();
    let mut scope = Vec::new();
    if let (Some(list), Some((_, loc))) = (&settings.scope, &m.settings) {
        compile_regexes(list, loc, "scope", &mut diags);
        scope = list.clone();
    }
    let mut acl_scope = AclScope::default();
    if let (Some(raw), Some((_, loc))) = (&settings.acl_scope, &m.settings) {
        acl_scope = resolve_acl_scope(raw, loc, &mut diags);
    }
    let batch_size = settings.batch_size.unwrap_or(500);
    if batch_size == 0 {
        if let Some((_, loc)) = &m.settings {
            diags.push(loc.at(&loc.path.key("batch_size"), "batch_size must be at least 1"));
        }
    }
    let deletion = m
        .deletion
        .as_ref()
        .map(|(d, _)| d.clone())
        .unwrap_or_default();
    if let Some((_, loc)) = &m.deletion {
        compile_regexes(&deletion.protected, loc, "protected", &mut diags);
    }
    let pol = m
        .policies
        .as_ref()
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let name_res = match &m.policies {
        Some((_, loc)) => compile_regexes(&pol.name_patterns, loc, "name_patterns", &mut diags),
        None => Vec::new(),
    };
    if let Some((_, loc)) = &m.policies {
        if let (Some(min), Some(max)) = (pol.min_partitions, pol.max_partitions) {
            if min > max {
                diags.push(loc.at(
                    &loc.path.key("max_partitions"),
                    format!("max_partitions {max} is below min_partitions {min}: no topic can satisfy the policy"),
                ));
            }
        }
        for (i, k) in pol.required_configs.iter().enumerate() {
            if units::kind_of(k).is_none() && !pol.extra_config_keys.contains(k) {
                let mut d = loc.at(
                    &loc.path.key("required_configs").index(i),
                    format!("unknown topic config `{k}`"),
                );
                if let Some(s) = did_you_mean(k, known_key_names(&pol.extra_config_keys)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
    let extra = &pol.extra_config_keys;

    let mut defaults_cfg = BTreeMap::new();
    let mut def_part = None;
    let mut def_rf = None;
    if let Some((d, loc)) = &m.defaults {
        let mut part = Partial {
            partitions: None,
            rf: None,
            configs: BTreeMap::new(),
        };
        overlay(&mut part, d, loc, &loc.path, extra, &mut diags);
        defaults_cfg = part.configs;
        def_part = part.partitions.map(|(v, _)| v);
        def_rf = part.rf.map(|(v, _)| v);
    }

    let mut topics = BTreeMap::new();
    let mut origins = BTreeMap::new();
    let mut protected_topics = BTreeSet::new();
    for (t, loc) in &m.topics {
        let tp = &loc.path;
        if t.protected {
            protected_topics.insert(t.name.clone());
        }
        if let Some(only) = &t.only {
            check_env_names(only, names, loc, &tp.key("only"), &mut diags);
            if let Some(e) = env {
                if !only.iter().any(|o| o == e) {
                    continue;
                }
            }
        }
        for e in t.environments.keys() {
            if !names.contains(e) {
                let p = tp.key("environments").key(e.clone());
                let mut d = Diagnostic::at(
                    loc.file.locate_key(&p),
                    format!("unknown environment `{e}`"),
                );
                if let Some(s) = did_you_mean(e, names.iter().map(|s| s.as_str())) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
        let name_path = tp.key("name");
        check_topic_name(&t.name, loc, &name_path, &mut diags);
        if !name_res.is_empty() && !name_res.iter().any(|r| r.is_match(&t.name)) {
            diags.push(loc.at(
                &name_path,
                format!(
                    "topic name `{}` does not match the naming policy ({})",
                    t.name,
                    pol.name_patterns.join(" | ")
                ),
            ));
        }
        let mut part = Partial {
            partitions: None,
            rf: None,
            configs: defaults_cfg.clone(),
        };
        // Profiles.
        let profile_names = t.extends.as_ref().map(|l| l.items()).unwrap_or_default();
        for (i, pname) in profile_names.iter().enumerate() {
            match m.profiles.get(pname) {
                Some((p, ploc)) => {
                    let mut pp = Partial {
                        partitions: None,
                        rf: None,
                        configs: part.configs.clone(),
                    };
                    overlay(&mut pp, p, ploc, &ploc.path, extra, &mut diags);
                    part.configs = pp.configs;
                    // Locations of values from a profile point at the topic's `extends`.
                    let ext = match &t.extends {
                        Some(StringList::List(_)) => tp.key("extends").index(i),
                        _ => tp.key("extends"),
                    };
                    if let Some((v, _)) = pp.partitions {
                        part.partitions = Some((v, ext.clone()));
                    }
                    if let Some((v, _)) = pp.rf {
                        part.rf = Some((v, ext));
                    }
                }
                None => {
                    let p = match &t.extends {
                        Some(StringList::List(_)) => tp.key("extends").index(i),
                        _ => tp.key("extends"),
                    };
                    let mut d = loc.at(&p, format!("unknown profile `{pname}`"));
                    if let Some(s) = did_you_mean(pname, m.profiles.keys().map(|s| s.as_str())) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    diags.push(d);
                }
            }
        }
        let own = RawTopicBase {
            partitions: t.partitions,
            replication_factor: t.replication_factor,
            configs: t.configs.clone(),
        };
        overlay(&mut part, &own, loc, tp, extra, &mut diags);
        for (e, o) in &t.environments {
            let p = tp.key("environments").key(e.clone());
            if Some(e.as_str()) == env {
                overlay(&mut part, o, loc, &p, extra, &mut diags);
            } else {
                // Still check the other environments' values.
                let mut scratch = Partial {
                    partitions: None,
                    rf: None,
                    configs: BTreeMap::new(),
                };
                overlay(&mut scratch, o, loc, &p, extra, &mut diags);
            }
        }
        let partitions = match part.partitions {
            Some(x) => Some(x),
            None => def_part.map(|v| (v, name_path.clone())),
        };
        let rf = match part.rf {
            Some(x) => Some(x),
            None => def_rf.map(|v| (v, name_path.clone())),
        };
        let Some((partitions, ppath)) = partitions else {
            diags.push(loc.at(
                &name_path,
                format!(
                    "topic `{}` has no `partitions` (set it on the topic, a profile or `defaults`)",
                    t.name
                ),
            ));
            continue;
        };
        let Some((rf, rpath)) = rf else {
            diags.push(loc.at(&name_path, format!("topic `{}` has no `replication_factor` (set it on the topic, a profile or `defaults`)", t.name)));
            continue;
        };
        let env_note = env
            .map(|e| format!(" in environment `{e}`"))
            .unwrap_or_default();
        if !(1..=i64::from(i32::MAX)).contains(&partitions) {
            diags.push(loc.at(
                &ppath,
                if partitions < 1 {
                    format!("partitions must be at least 1, not {partitions}")
                } else {
                    format!("partitions must be at most {}, not {partitions}", i32::MAX)
                },
            ));
        }
        if !(1..=i64::from(i16::MAX)).contains(&rf) {
            diags.push(loc.at(
                &rpath,
                if rf < 1 {
                    format!("replication_factor must be at least 1, not {rf}")
                } else {
                    format!("replication_factor must be at most {}, not {rf}", i16::MAX)
                },
            ));
        }
        if let Some(min) = pol.min_partitions {
            if partitions < min {
                diags.push(loc.at(&ppath, format!("topic `{}` has {partitions} partitions{env_note}; the policy minimum is {min}", t.name)));
            }
        }
        if let Some(max) = pol.max_partitions {
            if partitions > max {
                diags.push(loc.at(&ppath, format!("topic `{}` has {partitions} partitions{env_note}; the policy maximum is {max}", t.name)));
            }
        }
        if let Some(allowed) = &pol.replication_factors {
            if !allowed.contains(&rf) {
                let list: Vec<String> = allowed.iter().map(|r| r.to_string()).collect();
                diags.push(loc.at(
                    &rpath,
                    format!(
                        "topic `{}` has replication_factor {rf}{env_note}; the policy allows {}",
                        t.name,
                        list.join(", ")
                    ),
                ));
            }
        }
        for k in &pol.required_configs {
            if !part.configs.contains_key(k) {
                diags.push(loc.at(
                    &name_path,
                    format!(
                        "topic `{}` does not set `{k}`{env_note}, which the policy requires",
                        t.name
                    ),
                ));
            }
        }
        if let (Some(misr), true) = (
            part.configs
                .get("min.insync.replicas")
                .and_then(|v| v.parse::<i64>().ok()),
            rf > 0,
        ) {
            if misr > rf {
                diags.push(loc.at(&name_path, format!("topic `{}`: min.insync.replicas {misr} is larger than replication_factor {rf}{env_note}; producers with acks=all would always fail", t.name)));
            }
        }
        origins.insert(t.name.clone(), (loc.idx, name_path.clone()));
        topics.insert(
            t.name.clone(),
            TopicSpec {
                partitions: i32::try_from(partitions).unwrap_or(1),
                replication_factor: i16::try_from(rf).unwrap_or(1),
                configs: part.configs,
            },
        );
    }

    // ACLs.
    let acls = m.acls.as_ref().map(|list| {
        let mut out = BTreeSet::new();
        for (a, loc) in list {
            if let Some(only) = &a.only {
                check_env_names(only, names, loc, &loc.path.key("only"), &mut diags);
                if let Some(e) = env {
                    if !only.iter().any(|o| o == e) {
                        continue;
                    }
                }
            }
            for acl in resolve_acl(a, loc, &mut diags) {
                out.insert(acl);
            }
        }
        out.into_iter().collect::<Vec<_>>()
    });

    let origins = Origins::new(m.files.clone(), origins);
    let mut desired = Desired {
        cluster,
        mode: settings.mode,
        scope,
        override_detection: settings.override_detection,
        batch_size: batch_size.max(1),
        unmanaged: deletion.unmanaged,
        protected: deletion.protected,
        protected_topics,
        topics,
        acls,
        acl_scope,
        ignore_configs: settings.ignore_configs.iter().cloned().collect(),
        origins,
        scope_re: Vec::new(),
        protected_re: Vec::new(),
    };
    desired.compile();
    diags.into_result(desired)
}

#[cfg(test)]
mod tests;
