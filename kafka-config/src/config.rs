//! The YAML format as written: raw serde types, one per section. Checked
//! and turned into the [`crate::model`] by [`crate::resolve`].

use std::collections::BTreeMap;

use common::Secret;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::units;

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
    /// The items, trimmed (empty items of a comma-separated string dropped).
    pub(crate) fn items(&self) -> Vec<String> {
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
    /// Which live ACLs this configuration manages besides the Topic ACLs of
    /// the topics in `scope` (see docs, "ACL scope"). ACLs outside it are
    /// never read into the plan nor deleted.
    pub acl_scope: Option<RawAclScope>,
    /// Topic config keys managed by someone else (a platform, an operator):
    /// undeclared overrides of these keys are never deleted nor reported.
    /// The replication throttle keys are always treated this way.
    #[serde(default)]
    pub ignore_configs: Vec<String>,
}

/// ACLs managed besides the Topic ACLs of the topics in `settings.scope`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAclScope {
    /// Regular expressions of principals (`^User:team-a-`): their ACLs on
    /// any resource are managed.
    #[serde(default)]
    pub principals: Vec<String>,
    /// Resources whose ACLs are managed, for any principal.
    #[serde(default)]
    pub resources: Vec<RawAclResource>,
}

/// A set of ACL resources: a type and a regular expression of names.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAclResource {
    /// Topic, Group, Cluster, TransactionalId, DelegationToken or User.
    pub resource_type: String,
    /// Regular expression of resource names (a prefixed ACL's name is its prefix).
    pub name: String,
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

/// The JSON Schema of one configuration file (the `schema` verb).
pub fn schema() -> String {
    let s = schemars::schema_for!(Document);
    serde_json::to_string_pretty(&s).unwrap_or_default()
}
