//! The resolved, validated desired state for one environment, as
//! [`crate::resolve::load`] builds it from the [`crate::config`] files.
//! Pure data: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use common::{SourceFile, YPath};
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use crate::acl::{Operation, PatternType, Permission, ResourceType};
pub use crate::config::{
    Document, Mechanism, Mode, OverrideDetection, Protocol, Sasl, Tls, Unmanaged,
};

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
    pub resource_type: ResourceType,
    /// Resource name.
    pub name: String,
    /// `literal` or `prefixed`.
    pub pattern_type: PatternType,
    /// Principal.
    pub principal: String,
    /// Host.
    pub host: String,
    /// Operation.
    pub operation: Operation,
    /// `Allow` or `Deny`.
    pub permission: Permission,
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
    /// Live ACLs managed besides the Topic ACLs of topics in scope.
    pub acl_scope: AclScope,
    /// Config keys whose undeclared overrides are left alone.
    pub ignore_configs: BTreeSet<String>,
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

/// Which live ACLs are managed besides the Topic ACLs of topics in scope
/// (see [`Desired::acl_in_scope`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AclScope {
    /// Principal regexes: every ACL of these principals.
    pub principals: Vec<String>,
    /// Resource types and name regexes: every ACL on these resources.
    pub resources: Vec<(ResourceType, String)>,
    /// Compiled `principals`.
    #[serde(skip)]
    pub principals_re: Vec<Regex>,
    /// Compiled `resources`.
    #[serde(skip)]
    pub resources_re: Vec<(ResourceType, Regex)>,
}

/// Topic config keys that are never undeclared overrides: the replication
/// throttles set by reassignment tools (kafka-reassign-partitions, Cruise
/// Control, this tool during a throttled move).
pub const THROTTLE_KEYS: &[&str] = &[
    "leader.replication.throttled.replicas",
    "follower.replication.throttled.replicas",
];

/// Where topics are declared; resolved to `file:line:column` only when an
/// error needs it (resolving is linear in the file size).
#[derive(Debug, Clone, Default)]
pub struct Origins {
    files: std::sync::Arc<Vec<SourceFile>>,
    at: BTreeMap<String, (usize, YPath)>,
    fixed: BTreeMap<String, String>,
}

impl Origins {
    /// Origins of the topics declared at `at` (file index, path of the name).
    pub(crate) fn new(
        files: std::sync::Arc<Vec<SourceFile>>,
        at: BTreeMap<String, (usize, YPath)>,
    ) -> Origins {
        Origins {
            files,
            at,
            fixed: BTreeMap::new(),
        }
    }

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

    /// True when a live ACL is managed by this configuration: a Topic ACL
    /// whose resource name (a prefixed ACL's prefix) is in `scope`, or an
    /// ACL of a principal or on a resource of `acl_scope`, or a binding
    /// the configuration declares. Others are never deleted.
    pub fn acl_in_scope(&self, acl: &Acl) -> bool {
        (acl.resource_type == ResourceType::Topic && self.in_scope(&acl.name))
            || self
                .acl_scope
                .principals_re
                .iter()
                .any(|r| r.is_match(&acl.principal))
            || self
                .acl_scope
                .resources_re
                .iter()
                .any(|(t, r)| *t == acl.resource_type && r.is_match(&acl.name))
            || self
                .acls
                .as_ref()
                .is_some_and(|list| list.binary_search(acl).is_ok())
    }

    /// True when undeclared overrides of `key` are left alone: the
    /// replication throttles and `settings.ignore_configs`.
    pub fn ignores_config(&self, key: &str) -> bool {
        THROTTLE_KEYS.contains(&key) || self.ignore_configs.contains(key)
    }

    /// True when `topic` matches a protected pattern.
    pub fn is_protected(&self, topic: &str) -> bool {
        self.protected_topics.contains(topic) || self.protected_re.iter().any(|r| r.is_match(topic))
    }

    /// Compiles `scope`, `protected` and `acl_scope` (invalid patterns were reported by
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
        self.acl_scope.principals_re = self
            .acl_scope
            .principals
            .iter()
            .filter_map(|p| Regex::new(p).ok())
            .collect();
        self.acl_scope.resources_re = self
            .acl_scope
            .resources
            .iter()
            .filter_map(|(t, p)| Regex::new(p).ok().map(|r| (*t, r)))
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
