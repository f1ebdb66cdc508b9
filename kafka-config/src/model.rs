//! The YAML format (raw, as written) and the resolved, validated desired
//! state for one environment. Pure: no I/O beyond what `common` already read.

use std::collections::{BTreeMap, BTreeSet};

use common::{did_you_mean, Diagnostic, Diagnostics, Secret, SourceFile, Sources, Unique, YPath};
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::units;

// ---------------------------------------------------------------- raw format

/// One configuration file. Every section is optional; a directory of files
/// is merged (clusters, profiles and topics must be unique across files;
/// `settings`, `deletion`, `defaults` and `policies` may appear in one file).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Clusters (environments) by name, selected with `--env NAME`.
    #[serde(default)]
    pub clusters: BTreeMap<String, RawCluster>,
    /// How the tool manages the cluster.
    pub settings: Option<RawSettings>,
    /// Deletion of topics that are not in the configuration.
    pub deletion: Option<RawDeletion>,
    /// Values every topic starts from.
    pub defaults: Option<RawTopicBase>,
    /// Named sets of values a topic can `extends`.
    #[serde(default)]
    pub profiles: BTreeMap<String, RawTopicBase>,
    /// Rules every resolved topic must follow (checked by `validate`).
    pub policies: Option<RawPolicies>,
    /// The topics.
    #[serde(default)]
    pub topics: Vec<RawTopic>,
    /// ACL bindings; when present in any file, ACLs are managed.
    pub acls: Option<Vec<RawAcl>>,
}

/// Connection settings of one cluster.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// `host:port` list, or one comma-separated string.
    pub bootstrap_servers: StringList,
    /// Client security (default PLAINTEXT).
    #[serde(default)]
    pub security: RawSecurity,
    /// Timeout of every request (`30s`, `1m`, milliseconds); default 30s.
    #[schemars(with = "Option<serde_json::Value>")]
    pub request_timeout: Option<Value>,
    /// Client id sent to the brokers; default `kafka-config`.
    pub client_id: Option<String>,
}

/// A list written as a YAML sequence or as one comma-separated string.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StringList {
    /// `[a, b]`
    List(Vec<String>),
    /// `"a,b"`
    One(String),
}

impl StringList {
    fn items(&self) -> Vec<String> {
        match self {
            StringList::List(v) => v.iter().map(|s| s.trim().to_string()).collect(),
            StringList::One(s) => s
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
}

/// Security protocol of the client connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Protocol {
    /// Plain TCP.
    #[default]
    #[serde(rename = "PLAINTEXT")]
    Plaintext,
    /// TLS.
    #[serde(rename = "SSL")]
    Ssl,
    /// SASL over plain TCP.
    #[serde(rename = "SASL_PLAINTEXT")]
    SaslPlaintext,
    /// SASL over TLS.
    #[serde(rename = "SASL_SSL")]
    SaslSsl,
}

/// SASL mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Mechanism {
    /// Username and password in clear (use with SASL_SSL).
    #[serde(rename = "PLAIN")]
    Plain,
    /// SCRAM with SHA-256.
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    /// SCRAM with SHA-512.
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
}

impl Mechanism {
    /// The mechanism's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// Client security settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSecurity {
    /// PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL.
    #[serde(default)]
    pub protocol: Protocol,
    /// SASL credentials (SASL_* protocols).
    pub sasl: Option<Sasl>,
    /// TLS settings (SSL and SASL_SSL).
    pub tls: Option<Tls>,
}

/// SASL credentials.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sasl {
    /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
    pub mechanism: Mechanism,
    /// User name.
    pub username: String,
    /// Password; write `${VAR}` to keep it out of Git.
    pub password: Secret,
}

/// TLS settings; paths to PEM files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// CA bundle (PEM) to verify brokers; the system roots when absent.
    pub ca: Option<String>,
    /// Client certificate chain (PEM), for mutual TLS.
    pub cert: Option<String>,
    /// Client private key (PEM), for mutual TLS.
    pub key: Option<String>,
    /// Server name to verify instead of the broker host.
    pub server_name: Option<String>,
}

/// How the tool manages what it finds.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// `authoritative` (default): undeclared topic config overrides and ACLs
    /// are removed. `additive`: they are reported as notes and kept.
    #[serde(default)]
    pub mode: Mode,
    /// Regular expressions of the topic names this configuration manages;
    /// topics outside the scope are ignored entirely. Default: all topics.
    pub scope: Option<Vec<String>>,
    /// How a live entry is recognized as a topic override (see docs).
    #[serde(default)]
    pub override_detection: OverrideDetection,
    /// Topics per CreateTopics / DescribeConfigs request (default 500).
    pub batch_size: Option<usize>,
}

/// Management mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Remove what is not declared.
    #[default]
    Authoritative,
    /// Only add and change; report what is not declared.
    Additive,
}

/// How topic overrides are recognized in DescribeConfigs answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OverrideDetection {
    /// `source`, unless the broker lists only the configs set on the topic
    /// (then `listed`); decided per topic.
    #[default]
    Auto,
    /// Only entries whose source is DYNAMIC_TOPIC_CONFIG (Apache Kafka).
    Source,
    /// Every non-read-only entry the broker lists is an override (brokers
    /// such as tansu that list only the configs set on the topic).
    Listed,
}

/// Deletion settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeletion {
    /// `report` (default): unmanaged topics are notes. `delete`: they are
    /// deleted (apply also needs `--allow-destructive`).
    #[serde(default)]
    pub unmanaged: Unmanaged,
    /// Regular expressions of topic names never deleted.
    #[serde(default)]
    pub protected: Vec<String>,
}

/// What happens to unmanaged topics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unmanaged {
    /// Report them.
    #[default]
    Report,
    /// Delete them.
    Delete,
}

/// Values shared by defaults, profiles and overlays.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTopicBase {
    /// Number of partitions.
    pub partitions: Option<i64>,
    /// Replication factor.
    pub replication_factor: Option<i64>,
    /// Topic configs; values may be strings, numbers, durations (`7d`),
    /// sizes (`1GiB`), booleans or lists; `null` unsets an inherited value.
    #[serde(default)]
    #[schemars(schema_with = "configs_schema")]
    pub configs: BTreeMap<String, Value>,
}

/// JSON Schema of a `configs` map: every known topic config key with its
/// accepted spellings; other keys are allowed when listed in
/// `policies.extra_config_keys` (checked by `validate`).
fn configs_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut props = serde_json::Map::new();
    for (k, kind) in units::KNOWN {
        let v = match kind {
            units::Kind::Duration => {
                serde_json::json!({"type": ["string", "integer", "null"], "description": "Duration: 7d, 12h, 30m, 45s, 500ms, 1w or milliseconds; -1 for unlimited."})
            }
            units::Kind::Size => {
                serde_json::json!({"type": ["string", "integer", "null"], "description": "Size: 1GiB, 512KiB, 10MB, 100B or bytes; -1 for unlimited."})
            }
            units::Kind::Int => serde_json::json!({"type": ["string", "integer", "null"]}),
            units::Kind::Double => serde_json::json!({"type": ["string", "number", "null"]}),
            units::Kind::Bool => serde_json::json!({"type": ["string", "boolean", "null"]}),
            units::Kind::List => {
                serde_json::json!({"type": ["string", "array", "null"], "items": {"type": "string"}})
            }
            units::Kind::Enum(words) => {
                serde_json::json!({"anyOf": [{"enum": words}, {"type": "null"}]})
            }
            units::Kind::Str => serde_json::json!({"type": ["string", "null"]}),
        };
        props.insert((*k).to_string(), v);
    }
    schemars::json_schema!({
        "type": "object",
        "description": "Topic configs; null unsets an inherited value.",
        "properties": props,
        "additionalProperties": {"type": ["string", "number", "boolean", "array", "null"]}
    })
}

/// One topic.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    /// Topic name.
    pub name: String,
    /// Profile name(s) applied in order after `defaults`.
    pub extends: Option<StringList>,
    /// Number of partitions.
    pub partitions: Option<i64>,
    /// Replication factor.
    pub replication_factor: Option<i64>,
    /// Topic configs.
    #[serde(default)]
    #[schemars(schema_with = "configs_schema")]
    pub configs: BTreeMap<String, Value>,
    /// Per-environment overlays, by cluster name.
    #[serde(default)]
    pub environments: BTreeMap<String, RawTopicBase>,
    /// Only in these environments (default: all).
    pub only: Option<Vec<String>>,
    /// Never delete this topic, in any environment (even where `only`
    /// leaves it out and unmanaged topics are deleted).
    #[serde(default)]
    pub protected: bool,
}

/// One ACL binding.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAcl {
    /// `User:alice`.
    pub principal: String,
    /// Host, default `*`.
    pub host: Option<String>,
    /// Operation(s): Read, Write, Create, Delete, Alter, Describe, ClusterAction,
    /// DescribeConfigs, AlterConfigs, IdempotentWrite, All.
    pub operation: StringList,
    /// Allow (default) or Deny.
    pub permission: Option<String>,
    /// Topic, Group, Cluster, TransactionalId, DelegationToken.
    pub resource_type: String,
    /// Resource name (`kafka-cluster` for Cluster).
    pub name: String,
    /// literal (default) or prefixed.
    pub pattern_type: Option<String>,
    /// Only in these environments (default: all).
    pub only: Option<Vec<String>>,
}

/// Policies.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicies {
    /// Topic names must match at least one of these regular expressions.
    #[serde(default)]
    pub name_patterns: Vec<String>,
    /// Minimum partitions.
    pub min_partitions: Option<i64>,
    /// Maximum partitions.
    pub max_partitions: Option<i64>,
    /// Allowed replication factors.
    pub replication_factors: Option<Vec<i64>>,
    /// Configs every topic must declare (after defaults and profiles).
    #[serde(default)]
    pub required_configs: Vec<String>,
    /// Extra config keys accepted besides Kafka's topic configs (free text).
    #[serde(default)]
    pub extra_config_keys: Vec<String>,
}

// ----------------------------------------------------------- resolved model

/// The resolved cluster connection.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Environment name.
    pub name: String,
    /// Bootstrap `host:port`s.
    pub bootstrap: Vec<String>,
    /// Security protocol.
    pub protocol: Protocol,
    /// SASL credentials.
    pub sasl: Option<Sasl>,
    /// TLS settings.
    pub tls: Option<Tls>,
    /// Per-request timeout in milliseconds.
    pub request_timeout_ms: u64,
    /// Client id.
    pub client_id: String,
}

/// A resolved topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicSpec {
    /// Partitions.
    pub partitions: i32,
    /// Replication factor.
    pub replication_factor: i16,
    /// Normalized configs.
    pub configs: BTreeMap<String, String>,
}

/// A resolved ACL binding (one operation).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Acl {
    /// Resource type (`Topic`, `Group`, ...).
    pub resource_type: String,
    /// Resource name.
    pub name: String,
    /// `literal` or `prefixed`.
    pub pattern_type: String,
    /// Principal.
    pub principal: String,
    /// Host.
    pub host: String,
    /// Operation.
    pub operation: String,
    /// `Allow` or `Deny`.
    pub permission: String,
}

impl Acl {
    /// Stable address used in plans.
    pub fn address(&self) -> String {
        format!(
            "acl.{}:{}:{}.{}.{}.{}.{}",
            self.resource_type,
            self.pattern_type,
            self.name,
            self.principal,
            self.host,
            self.operation,
            self.permission
        )
    }
}

/// Everything `plan` needs, for one environment.
#[derive(Debug, Clone, Serialize)]
pub struct Desired {
    /// The cluster.
    pub cluster: Option<Cluster>,
    /// Management mode.
    pub mode: Mode,
    /// Scope regexes (empty: everything).
    pub scope: Vec<String>,
    /// Override detection rule.
    pub override_detection: OverrideDetection,
    /// Batch size of CreateTopics / DescribeConfigs.
    pub batch_size: usize,
    /// Unmanaged topics policy.
    pub unmanaged: Unmanaged,
    /// Protected topic patterns.
    pub protected: Vec<String>,
    /// Topics marked `protected: true`.
    pub protected_topics: BTreeSet<String>,
    /// Topics by name.
    pub topics: BTreeMap<String, TopicSpec>,
    /// ACLs, sorted; `None` when ACLs are not managed.
    pub acls: Option<Vec<Acl>>,
    /// Where each topic is declared, for errors.
    #[serde(skip)]
    pub origins: Origins,
    /// Compiled `scope`.
    #[serde(skip)]
    pub scope_re: Vec<Regex>,
    /// Compiled `protected`.
    #[serde(skip)]
    pub protected_re: Vec<Regex>,
}

/// Where topics are declared; resolved to `file:line:column` only when an
/// error needs it (resolving is linear in the file size).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    files: std::sync::Arc<Vec<SourceFile>>,
    at: BTreeMap<String, (usize, YPath)>,
    fixed: BTreeMap<String, String>,
}

impl Origins {
    /// `file:line:column` of the topic's name.
    pub fn get(&self, topic: &str) -> Option<String> {
        if let Some(s) = self.fixed.get(topic) {
            return Some(s.clone());
        }
        let (i, p) = self.at.get(topic)?;
        self.files.get(*i)?.locate(p).map(|l| l.to_string())
    }

    /// Records a location given as text.
    pub fn insert_fixed(&mut self, topic: &str, at: &str) {
        self.fixed.insert(topic.to_string(), at.to_string());
    }
}

impl Desired {
    /// True when `topic` is inside the managed scope.
    pub fn in_scope(&self, topic: &str) -> bool {
        self.scope_re.is_empty() || self.scope_re.iter().any(|r| r.is_match(topic))
    }

    /// True when `topic` matches a protected pattern.
    pub fn is_protected(&self, topic: &str) -> bool {
        self.protected_topics.contains(topic) || self.protected_re.iter().any(|r| r.is_match(topic))
    }

    /// Compiles `scope` and `protected` (invalid patterns were reported by
    /// `load`; they are skipped here).
    pub fn compile(&mut self) {
        self.scope_re = self
            .scope
            .iter()
            .filter_map(|p| Regex::new(p).ok())
            .collect();
        self.protected_re = self
            .protected
            .iter()
            .filter_map(|p| Regex::new(p).ok())
            .collect();
    }
}

/// True for Kafka-internal topics, which are never deleted nor changed by
/// deletion rules: `__*` and the well-known platform topics.
pub fn is_internal(topic: &str) -> bool {
    topic.starts_with("__")
        || matches!(
            topic,
            "_schemas" | "_confluent-metrics" | "_confluent-license" | "_confluent-command"
        )
        || topic.starts_with("_confluent")
        || topic.starts_with("connect-configs")
        || topic.starts_with("connect-offsets")
        || topic.starts_with("connect-status")
}

// ------------------------------------------------------------------ loading

struct Loc<'a> {
    file: &'a SourceFile,
    idx: usize,
    path: YPath,
}

impl Loc<'_> {
    fn at(&self, p: &YPath, msg: impl Into<String>) -> Diagnostic {
        self.file.error(p, msg)
    }
}

struct Merged<'a> {
    clusters: BTreeMap<String, (RawCluster, Loc<'a>)>,
    settings: Option<(RawSettings, Loc<'a>)>,
    deletion: Option<(RawDeletion, Loc<'a>)>,
    defaults: Option<(RawTopicBase, Loc<'a>)>,
    profiles: BTreeMap<String, (RawTopicBase, Loc<'a>)>,
    policies: Option<(RawPolicies, Loc<'a>)>,
    topics: Vec<(RawTopic, Loc<'a>)>,
    acls: Option<Vec<(RawAcl, Loc<'a>)>>,
    files: std::sync::Arc<Vec<SourceFile>>,
}

fn single<'a, T>(
    slot: &mut Option<(T, Loc<'a>)>,
    value: Option<T>,
    (idx, file): (usize, &'a SourceFile),
    key: &str,
    seen: &mut Unique<String>,
    diags: &mut Diagnostics,
) {
    if let Some(v) = value {
        let path = YPath::root().key(key);
        if let Err(d) = seen.insert("section", key.to_string(), file.locate_key(&path)) {
            diags.push(d);
            return;
        }
        *slot = Some((v, Loc { file, idx, path }));
    }
}

fn merge(sources: &Sources) -> Result<Merged<'_>, Diagnostics> {
    let docs = sources.deserialize_all::<Document>()?;
    let mut diags = Diagnostics::new();
    let mut m = Merged {
        clusters: BTreeMap::new(),
        settings: None,
        deletion: None,
        defaults: None,
        profiles: BTreeMap::new(),
        policies: None,
        topics: Vec::new(),
        acls: None,
        files: std::sync::Arc::new(sources.files.clone()),
    };
    let mut sections = Unique::new();
    let mut clusters = Unique::new();
    let mut profiles = Unique::new();
    // Topic names: locations are resolved only for duplicates (resolving a
    // location is linear in the file size; 10,000 topics must stay fast).
    let mut topics: BTreeMap<String, (&SourceFile, YPath)> = BTreeMap::new();
    for (idx, (file, doc)) in docs.into_iter().enumerate() {
        for (name, c) in doc.clusters {
            let path = YPath::root().key("clusters").key(name.clone());
            match clusters.insert("cluster", name.clone(), file.locate_key(&path)) {
                Ok(()) => {
                    m.clusters.insert(name, (c, Loc { file, idx, path }));
                }
                Err(d) => diags.push(d),
            }
        }
        single(
            &mut m.settings,
            doc.settings,
            (idx, file),
            "settings",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.deletion,
            doc.deletion,
            (idx, file),
            "deletion",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.defaults,
            doc.defaults,
            (idx, file),
            "defaults",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.policies,
            doc.policies,
            (idx, file),
            "policies",
            &mut sections,
            &mut diags,
        );
        for (name, p) in doc.profiles {
            let path = YPath::root().key("profiles").key(name.clone());
            match profiles.insert("profile", name.clone(), file.locate_key(&path)) {
                Ok(()) => {
                    m.profiles.insert(name, (p, Loc { file, idx, path }));
                }
                Err(d) => diags.push(d),
            }
        }
        for (i, t) in doc.topics.into_iter().enumerate() {
            let path = YPath::root().key("topics").index(i);
            let name_path = path.key("name");
            if let Some((first_file, first_path)) = topics.get(&t.name) {
                let mut u = Unique::new();
                let _ = u.insert("topic", t.name.clone(), first_file.locate(first_path));
                if let Err(d) = u.insert("topic", t.name.clone(), file.locate(&name_path)) {
                    diags.push(d);
                }
                continue;
            }
            topics.insert(t.name.clone(), (file, name_path));
            m.topics.push((t, Loc { file, idx, path }));
        }
        if let Some(acls) = doc.acls {
            let list = m.acls.get_or_insert_with(Vec::new);
            for (i, a) in acls.into_iter().enumerate() {
                let path = YPath::root().key("acls").index(i);
                list.push((a, Loc { file, idx, path }));
            }
        }
    }
    diags.into_result(m)
}

fn compile_regexes(
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

fn resolve_cluster(
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

fn known_key_names(extra: &[String]) -> Vec<&str> {
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

struct Partial {
    partitions: Option<(i64, YPath)>,
    rf: Option<(i64, YPath)>,
    configs: BTreeMap<String, String>,
}

fn overlay(
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

    let origins = Origins {
        files: m.files.clone(),
        at: origins,
        fixed: BTreeMap::new(),
    };
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
        origins,
        scope_re: Vec::new(),
        protected_re: Vec::new(),
    };
    desired.compile();
    diags.into_result(desired)
}

fn check_topic_name(name: &str, loc: &Loc<'_>, p: &YPath, diags: &mut Diagnostics) {
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

/// ACL resource types, as named in configs and on the wire.
pub const RESOURCE_TYPES: &[(&str, i8)] = &[
    ("Topic", 2),
    ("Group", 3),
    ("Cluster", 4),
    ("TransactionalId", 5),
    ("DelegationToken", 6),
    ("User", 7),
];
/// ACL operations.
pub const OPERATIONS: &[(&str, i8)] = &[
    ("All", 2),
    ("Read", 3),
    ("Write", 4),
    ("Create", 5),
    ("Delete", 6),
    ("Alter", 7),
    ("Describe", 8),
    ("ClusterAction", 9),
    ("DescribeConfigs", 10),
    ("AlterConfigs", 11),
    ("IdempotentWrite", 12),
    ("CreateTokens", 13),
    ("DescribeTokens", 14),
];
/// ACL permissions.
pub const PERMISSIONS: &[(&str, i8)] = &[("Deny", 2), ("Allow", 3)];
/// ACL pattern types.
pub const PATTERNS: &[(&str, i8)] = &[("literal", 3), ("prefixed", 4)];

/// The canonical spelling of `word` in `table` (case-insensitive, ignoring `_`).
pub fn canonical(table: &[(&'static str, i8)], word: &str) -> Option<&'static str> {
    let norm = |s: &str| s.replace('_', "").to_ascii_lowercase();
    table
        .iter()
        .find(|(n, _)| norm(n) == norm(word))
        .map(|(n, _)| *n)
}

/// The wire code of a canonical name.
pub fn code(table: &[(&'static str, i8)], name: &str) -> i8 {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .unwrap_or(0)
}

/// The canonical name of a wire code.
pub fn name_of(table: &[(&'static str, i8)], c: i8) -> Option<&'static str> {
    table.iter().find(|(_, x)| *x == c).map(|(n, _)| *n)
}

fn pick(
    table: &[(&'static str, i8)],
    word: &str,
    what: &str,
    loc: &Loc<'_>,
    p: &YPath,
    diags: &mut Diagnostics,
) -> Option<&'static str> {
    match canonical(table, word) {
        Some(c) => Some(c),
        None => {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            let mut d = loc.at(p, format!("unknown ACL {what} `{word}`"));
            d = match did_you_mean(word, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of: {}", names.join(", "))),
            };
            diags.push(d);
            None
        }
    }
}

fn resolve_acl(a: &RawAcl, loc: &Loc<'_>, diags: &mut Diagnostics) -> Vec<Acl> {
    let p = &loc.path;
    let rt = pick(
        RESOURCE_TYPES,
        &a.resource_type,
        "resource type",
        loc,
        &p.key("resource_type"),
        diags,
    );
    let perm = pick(
        PERMISSIONS,
        a.permission.as_deref().unwrap_or("Allow"),
        "permission",
        loc,
        &p.key("permission"),
        diags,
    );
    let pat = pick(
        PATTERNS,
        a.pattern_type.as_deref().unwrap_or("literal"),
        "pattern type",
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
        let Some(op) = pick(OPERATIONS, op, "operation", loc, &opath, diags) else {
            continue;
        };
        if let (Some(rt), Some(perm), Some(pat)) = (rt, perm, pat) {
            out.push(Acl {
                resource_type: rt.to_string(),
                name: a.name.clone(),
                pattern_type: pat.to_string(),
                principal: a.principal.clone(),
                host: a.host.clone().unwrap_or_else(|| "*".into()),
                operation: op.to_string(),
                permission: perm.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
