//! Checks and normalization of single values: cluster connections, config
//! keys and values, topic names, regular expressions and ACL bindings.
//! Each reports errors with their `file:line:column` and goes on.

use std::collections::BTreeMap;

use common::{did_you_mean, Diagnostic, Diagnostics, YPath};
use regex::Regex;
use serde_yaml::Value;

use crate::acl::{Operation, PatternType, Permission, ResourceType};
use crate::config::{Protocol, RawAcl, RawAclScope, RawCluster, RawTopicBase, StringList};
use crate::merge::Loc;
use crate::model::{Acl, AclScope, Cluster};
use crate::units;

/// Compiles `list` (the sequence under `key`), reporting invalid patterns.
pub(crate) fn compile_regexes(
    list: &[String],
    loc: &Loc<'_>,
    key: &str,
    diags: &mut Diagnostics,
) -> Vec<Regex> {
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        match Regex::new(p) {
            Ok(r) => out.push(r),
            Err(e) => diags.push(loc.at(
                &loc.path.key(key).index(i),
                format!("invalid regular expression `{p}`: {e}"),
            )),
        }
    }
    out
}

fn duration_value(v: &Value) -> Result<u64, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("must be a duration such as `30s`".into()),
    };
    let ms = units::parse_duration_ms(&text)?;
    u64::try_from(ms)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| "must be a positive duration".to_string())
}

/// The resolved connection of cluster `name`.
pub(crate) fn resolve_cluster(
    name: &str,
    raw: &RawCluster,
    loc: &Loc<'_>,
    diags: &mut Diagnostics,
) -> Cluster {
    let bootstrap = raw.bootstrap_servers.items();
    if bootstrap.is_empty() {
        diags.push(loc.at(
            &loc.path.key("bootstrap_servers"),
            "at least one bootstrap server is required",
        ));
    }
    for (i, b) in bootstrap.iter().enumerate() {
        // An unresolved `${VAR}` (validate in lenient mode) is checked at plan time.
        let ok = b.contains("${")
            || b.rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !ok {
            let p = match &raw.bootstrap_servers {
                StringList::List(_) => loc.path.key("bootstrap_servers").index(i),
                StringList::One(_) => loc.path.key("bootstrap_servers"),
            };
            diags.push(loc.at(
                &p,
                format!("bootstrap server `{b}` must be written host:port"),
            ));
        }
    }
    let sec = &raw.security;
    let spath = loc.path.key("security");
    let needs_sasl = matches!(sec.protocol, Protocol::SaslPlaintext | Protocol::SaslSsl);
    let uses_tls = matches!(sec.protocol, Protocol::Ssl | Protocol::SaslSsl);
    if needs_sasl && sec.sasl.is_none() {
        diags.push(loc.at(
            &spath.key("protocol"),
            "SASL protocols need a `sasl` section (mechanism, username, password)",
        ));
    }
    if !needs_sasl && sec.sasl.is_some() {
        diags.push(loc.at(
            &spath.key("sasl"),
            "`sasl` is only used with SASL_PLAINTEXT or SASL_SSL",
        ));
    }
    if !uses_tls && sec.tls.is_some() {
        diags.push(loc.at(&spath.key("tls"), "`tls` is only used with SSL or SASL_SSL"));
    }
    if let Some(tls) = &sec.tls {
        if tls.cert.is_some() != tls.key.is_some() {
            diags.push(loc.at(
                &spath.key("tls"),
                "`cert` and `key` go together (mutual TLS)",
            ));
        }
    }
    let request_timeout_ms = match &raw.request_timeout {
        None => 30_000,
        Some(v) => match duration_value(v) {
            Ok(n) => n,
            Err(e) => {
                diags.push(loc.at(
                    &loc.path.key("request_timeout"),
                    format!("request_timeout {e}"),
                ));
                30_000
            }
        },
    };
    Cluster {
        name: name.to_string(),
        bootstrap,
        protocol: sec.protocol,
        sasl: sec.sasl.clone(),
        tls: sec.tls.clone(),
        request_timeout_ms,
        client_id: raw
            .client_id
            .clone()
            .unwrap_or_else(|| "kafka-config".into()),
    }
}

/// Kafka's topic config keys plus the policy's extra keys.
pub(crate) fn known_key_names(extra: &[String]) -> Vec<&str> {
    units::KNOWN
        .iter()
        .map(|(k, _)| *k)
        .chain(extra.iter().map(|s| s.as_str()))
        .collect()
}

/// Applies `configs` (normalized) onto `out`, checking keys and values.
fn apply_configs(
    out: &mut BTreeMap<String, String>,
    configs: &BTreeMap<String, Value>,
    loc: &Loc<'_>,
    base: &YPath,
    extra: &[String],
    diags: &mut Diagnostics,
) {
    for (k, v) in configs {
        let p = base.key(k.clone());
        if units::kind_of(k).is_none() && !extra.contains(k) {
            let mut d = Diagnostic::at(
                loc.file.locate_key(&p),
                format!("unknown topic config `{k}`"),
            );
            let names = known_key_names(extra);
            d = match did_you_mean(k, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => {
                    d.with_help("add it to `policies.extra_config_keys` if your broker knows it")
                }
            };
            diags.push(d);
            continue;
        }
        if v.is_null() {
            out.remove(k);
            continue;
        }
        match units::normalize(k, v) {
            Ok(s) => {
                out.insert(k.clone(), s);
            }
            Err(e) => diags.push(loc.at(&p, e)),
        }
    }
}

/// A topic being resolved: values so far, with where they were set.
pub(crate) struct Partial {
    /// Partitions and their location.
    pub partitions: Option<(i64, YPath)>,
    /// Replication factor and its location.
    pub rf: Option<(i64, YPath)>,
    /// Normalized configs.
    pub configs: BTreeMap<String, String>,
}

/// Applies one layer (defaults, a profile, the topic, an environment) onto `part`.
pub(crate) fn overlay(
    part: &mut Partial,
    b: &RawTopicBase,
    loc: &Loc<'_>,
    base: &YPath,
    extra: &[String],
    diags: &mut Diagnostics,
) {
    if let Some(p) = b.partitions {
        part.partitions = Some((p, base.key("partitions")));
    }
    if let Some(r) = b.replication_factor {
        part.rf = Some((r, base.key("replication_factor")));
    }
    apply_configs(
        &mut part.configs,
        &b.configs,
        loc,
        &base.key("configs"),
        extra,
        diags,
    );
}

/// Reports a name Kafka would refuse.
pub(crate) fn check_topic_name(name: &str, loc: &Loc<'_>, p: &YPath, diags: &mut Diagnostics) {
    let valid = !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        diags.push(loc.at(
            p,
            format!(
                "`{name}` is not a valid Kafka topic name (1-249 characters of a-z A-Z 0-9 . _ -)"
            ),
        ));
    }
}

/// Parses an ACL field, reporting an unknown name with its location and
/// the closest known one.
fn pick<T: Copy>(
    parse: fn(&str) -> Option<T>,
    names: Vec<&'static str>,
    word: &str,
    what: &str,
    loc: &Loc<'_>,
    p: &YPath,
    diags: &mut Diagnostics,
) -> Option<T> {
    if let Some(v) = parse(word) {
        return Some(v);
    }
    let mut d = loc.at(p, format!("unknown ACL {what} `{word}`"));
    d = match did_you_mean(word, names.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!("expected one of: {}", names.join(", "))),
    };
    diags.push(d);
    None
}

/// The bindings of one `acls` entry (one per operation).
pub(crate) fn resolve_acl(a: &RawAcl, loc: &Loc<'_>, diags: &mut Diagnostics) -> Vec<Acl> {
    let p = &loc.path;
    let rt = pick(
        ResourceType::parse,
        ResourceType::names(),
        &a.resource_type,
        ResourceType::WHAT,
        loc,
        &p.key("resource_type"),
        diags,
    );
    let perm = pick(
        Permission::parse,
        Permission::names(),
        a.permission.as_deref().unwrap_or("Allow"),
        Permission::WHAT,
        loc,
        &p.key("permission"),
        diags,
    );
    let pat = pick(
        PatternType::parse,
        PatternType::names(),
        a.pattern_type.as_deref().unwrap_or("literal"),
        PatternType::WHAT,
        loc,
        &p.key("pattern_type"),
        diags,
    );
    if !a.principal.contains(':') {
        diags.push(loc.at(
            &p.key("principal"),
            format!(
                "principal `{}` must be written Type:name, e.g. `User:alice`",
                a.principal
            ),
        ));
    }
    if a.name.is_empty() {
        diags.push(loc.at(&p.key("name"), "ACL resource name must not be empty"));
    }
    let mut out = Vec::new();
    for (i, op) in a.operation.items().iter().enumerate() {
        let opath = match &a.operation {
            StringList::List(_) => p.key("operation").index(i),
            StringList::One(_) => p.key("operation"),
        };
        let Some(op) = pick(
            Operation::parse,
            Operation::names(),
            op,
            Operation::WHAT,
            loc,
            &opath,
            diags,
        ) else {
            continue;
        };
        if let (Some(rt), Some(perm), Some(pat)) = (rt, perm, pat) {
            out.push(Acl {
                resource_type: rt,
                name: a.name.clone(),
                pattern_type: pat,
                principal: a.principal.clone(),
                host: a.host.clone().unwrap_or_else(|| "*".into()),
                operation: op,
                permission: perm,
            });
        }
    }
    out
}

/// `settings.acl_scope`: principal and resource-name regexes, checked.
pub(crate) fn resolve_acl_scope(
    raw: &RawAclScope,
    loc: &Loc<'_>,
    diags: &mut Diagnostics,
) -> AclScope {
    let base = loc.path.key("acl_scope");
    let regex = |p: &str, at: YPath, diags: &mut Diagnostics| match Regex::new(p) {
        Ok(_) => true,
        Err(e) => {
            diags.push(loc.at(&at, format!("invalid regular expression `{p}`: {e}")));
            false
        }
    };
    let mut out = AclScope::default();
    for (i, p) in raw.principals.iter().enumerate() {
        if regex(p, base.key("principals").index(i), diags) {
            out.principals.push(p.clone());
        }
    }
    for (i, r) in raw.resources.iter().enumerate() {
        let at = base.key("resources").index(i);
        let rt = pick(
            ResourceType::parse,
            ResourceType::names(),
            &r.resource_type,
            ResourceType::WHAT,
            loc,
            &at.key("resource_type"),
            diags,
        );
        if let (true, Some(rt)) = (regex(&r.name, at.key("name"), diags), rt) {
            out.resources.push((rt, r.name.clone()));
        }
    }
    out
}
