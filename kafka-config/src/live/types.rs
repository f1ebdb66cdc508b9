//! The live state as read: topics, their configs, in-flight moves, ACLs.

use std::collections::BTreeMap;

use kafka_protocol::messages::ApiKey;
use serde::Serialize;

use crate::kafka::Moving;
use crate::model::Acl;

/// One live topic config entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveConfig {
    /// Value; `None` when the broker hides it (sensitive) or it is unset.
    pub value: Option<String>,
    /// Source as the broker reports it (`DYNAMIC_TOPIC_CONFIG`, ...).
    pub source: String,
    /// Whether this entry is a topic override, per the detection rule.
    pub is_override: bool,
    /// For an override: what the topic falls back to when it is deleted,
    /// from the synonyms the broker reports (`None` when it reports none).
    pub fallback: Option<Fallback>,
}

/// The value a topic config takes without its override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fallback {
    /// Value in the topic config's unit (`log.retention.hours` is converted
    /// to milliseconds); `None` when hidden or unset.
    pub value: Option<String>,
    /// Where it comes from: source and broker config name.
    pub from: String,
}

/// One live topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveTopic {
    /// Kafka-internal (flagged by the broker or by name).
    pub internal: bool,
    /// Partition count.
    pub partitions: i32,
    /// Replication factor: the most replicas of a partition, not counting
    /// replicas an in-flight reassignment is still adding.
    pub replication_factor: i16,
    /// Replicas by partition.
    pub assignment: BTreeMap<i32, Vec<i32>>,
    /// Config entries (only read for declared topics and for import).
    pub configs: BTreeMap<String, LiveConfig>,
    /// Partitions being reassigned right now (by anyone).
    pub moving: BTreeMap<i32, Moving>,
    /// Bytes on disk (one replica), read only for topics whose plan would
    /// lose data. Not part of the fingerprint: it changes as data flows.
    #[serde(skip)]
    pub bytes: Option<u64>,
}

/// The live state of everything in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Live {
    /// Broker ids.
    pub brokers: Vec<i32>,
    /// Supported API version ranges by API name.
    pub apis: BTreeMap<String, (i16, i16)>,
    /// Topics in scope by name.
    pub topics: BTreeMap<String, LiveTopic>,
    /// ACL bindings (sorted), when ACLs are managed.
    pub acls: Option<Vec<Acl>>,
    /// What could not be read (permissions, a broker missing from the
    /// metadata): shown as plan notes.
    pub warnings: Vec<String>,
}

impl Live {
    /// True when the broker speaks a version of `key` this tool speaks
    /// (not only lists the API).
    pub fn supports(&self, key: ApiKey) -> bool {
        crate::kafka::conn::usable(key, self.apis.get(&format!("{key:?}")).copied()).is_ok()
    }
}
