//! What the admin calls take and return.

use std::collections::BTreeMap;

use serde::Serialize;

/// One topic as Metadata describes it.
#[derive(Debug, Clone, Serialize)]
pub struct TopicMeta {
    /// Kafka flags the topic internal.
    pub internal: bool,
    /// Replicas by partition.
    pub partitions: BTreeMap<i32, Vec<i32>>,
}

/// The cluster as Metadata describes it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMeta {
    /// Broker addresses by id.
    pub brokers: BTreeMap<i32, String>,
    /// Controller id (-1 when unknown).
    pub controller: i32,
    /// Topics by name.
    pub topics: BTreeMap<String, TopicMeta>,
}

/// One DescribeConfigs entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigEntry {
    /// Key.
    pub name: String,
    /// Value (`None` when sensitive or unset).
    pub value: Option<String>,
    /// Source code.
    pub source: i8,
    /// Read-only.
    pub read_only: bool,
    /// Sensitive.
    pub sensitive: bool,
    /// The synonyms the broker reported after the entry itself, in
    /// precedence order: (broker config name, value, source code). The
    /// first one whose source is not the topic is what the topic falls back
    /// to without its override.
    pub synonyms: Vec<(String, Option<String>, i8)>,
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// Name.
    pub name: String,
    /// Partitions.
    pub partitions: i32,
    /// Replication factor.
    pub replication_factor: i16,
    /// Configs.
    pub configs: BTreeMap<String, String>,
}

/// A partition increase: topic, new total, optional replica assignment of
/// the new partitions.
pub type PartitionIncrease = (String, i32, Option<Vec<Vec<i32>>>);

/// Topic config changes: topic, keys to set, keys to delete.
pub type ConfigAlteration = (String, BTreeMap<String, String>, Vec<String>);

/// Per-item outcome of a batched write: `None` when it succeeded.
pub type Outcomes = Vec<(String, Option<String>)>;

/// A partition being reassigned, as ListPartitionReassignments reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moving {
    /// Current replica set (old and new replicas while moving).
    pub replicas: Vec<i32>,
    /// Replicas being added.
    pub adding: Vec<i32>,
    /// Replicas being removed.
    pub removing: Vec<i32>,
}

/// In-flight reassignments: topic → partition → move.
pub type Reassignments = BTreeMap<String, BTreeMap<i32, Moving>>;
