//! Reading the live cluster with a constant number of batched requests:
//! ApiVersions, one Metadata for all topics, DescribeConfigs over many
//! topics per request, one ListPartitionReassignments, and (when ACLs are
//! managed) one DescribeAcls.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use kafka_protocol::messages::{ApiKey, DescribeAclsRequest, ListPartitionReassignmentsRequest};
use serde::Serialize;

mod configs;
mod stake;

pub use stake::at_stake;

pub use configs::classify;

use crate::kafka::{Client, Moving};
use crate::model::{is_internal, Acl, Desired};

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
}

impl Live {
    /// True when the broker speaks a version of `key` this tool speaks
    /// (not only lists the API).
    pub fn supports(&self, key: ApiKey) -> bool {
        crate::kafka::conn::usable(key, self.apis.get(&format!("{key:?}")).copied()).is_ok()
    }
}

/// What to read.
pub struct ReadOptions<'a> {
    /// Read configs of every topic in scope (import), not only declared ones.
    pub all_configs: bool,
    /// Read every ACL, even when the configuration does not manage them
    /// (import). Otherwise only the ACLs in scope
    /// ([`Desired::acl_in_scope`]) are kept.
    pub acls: bool,
    /// The desired state (scope, declared topics, rule).
    pub desired: &'a Desired,
}

/// Fills override fallbacks the synonyms left out from the configs of the
/// broker the client talks to (one DescribeConfigs). A failure only logs:
/// the fallbacks stay unknown and the plan treats them as possible losses.
async fn broker_fallbacks(
    client: &mut Client,
    brokers: &BTreeMap<i32, String>,
    topics: &mut BTreeMap<String, LiveTopic>,
) {
    let Some(id) = brokers
        .iter()
        .find(|(_, a)| a.as_str() == client.bootstrap_addr())
        .map(|(i, _)| *i)
    else {
        tracing::warn!(
            broker = client.bootstrap_addr(),
            "the bootstrap broker is not in Metadata's broker list; broker defaults not read"
        );
        return;
    };
    match client
        .describe_broker_configs(id, &configs::broker_keys())
        .await
    {
        Ok(entries) => {
            for t in topics.values_mut() {
                configs::fill_from_broker(&mut t.configs, &entries, id);
            }
        }
        Err(e) => tracing::warn!(error = %format!("{e:#}"), "reading broker defaults failed"),
    }
}

/// Connects, reads the live state and closes the connection.
pub async fn read(opts: ReadOptions<'_>) -> Result<Live> {
    let desired = opts.desired;
    let Some(cluster) = &desired.cluster else {
        bail!("no cluster is defined: add one under `clusters:` and select it with --env");
    };
    let mut client = Client::connect(cluster).await?;
    let apis = client
        .versions()
        .iter()
        .filter_map(|(k, r)| ApiKey::try_from(*k).ok().map(|a| (format!("{a:?}"), *r)))
        .collect();
    let started = std::time::Instant::now();
    let meta = client
        .metadata()
        .await
        .context("reading topics (Metadata)")?;
    tracing::info!(
        topics = meta.topics.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Metadata"
    );
    // Metadata lists old and new replicas while a partition moves: the
    // moves say which is which.
    let mut moves = match client.supports::<ListPartitionReassignmentsRequest>() {
        Ok(_) => client
            .list_reassignments()
            .await
            .context("reading in-flight reassignments (ListPartitionReassignments)")?,
        Err(_) => Default::default(),
    };
    let mut topics = BTreeMap::new();
    for (name, t) in meta.topics {
        if !desired.in_scope(&name) {
            continue;
        }
        let moving = moves.remove(&name).unwrap_or_default();
        let rf = t
            .partitions
            .iter()
            .map(|(p, r)| {
                let adding = moving.get(p).map(|m| m.adding.as_slice()).unwrap_or(&[]);
                r.iter().filter(|b| !adding.contains(b)).count()
            })
            .max()
            .unwrap_or(0);
        topics.insert(
            name.clone(),
            LiveTopic {
                internal: t.internal || is_internal(&name),
                partitions: i32::try_from(t.partitions.len()).unwrap_or(i32::MAX),
                replication_factor: i16::try_from(rf).unwrap_or(i16::MAX),
                assignment: t.partitions,
                configs: BTreeMap::new(),
                moving,
                bytes: None,
            },
        );
    }
    let wanted: Vec<String> = topics
        .iter()
        .filter(|(n, t)| {
            if opts.all_configs {
                !t.internal
            } else {
                desired.topics.contains_key(*n)
            }
        })
        .map(|(n, _)| n.clone())
        .collect();
    if !wanted.is_empty() {
        let started = std::time::Instant::now();
        let configs = client
            .describe_topic_configs(&wanted, desired.batch_size)
            .await
            .context("reading topic configs (DescribeConfigs)")?;
        tracing::info!(
            topics = wanted.len(),
            requests = wanted.len().div_ceil(desired.batch_size.max(1)),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "DescribeConfigs"
        );
        for (name, entries) in configs {
            if let Some(t) = topics.get_mut(&name) {
                t.configs = classify(&entries, desired.override_detection);
            }
        }
        if topics
            .values()
            .any(|t| configs::needs_broker_fallback(&t.configs))
        {
            broker_fallbacks(&mut client, &meta.brokers, &mut topics).await;
        }
    }
    if !opts.all_configs {
        let stake = stake::at_stake(desired, &topics);
        if !stake.is_empty() {
            let started = std::time::Instant::now();
            if let Some(sizes) = client.topic_sizes(&meta.brokers, &stake).await {
                for (name, n) in sizes {
                    if let Some(t) = topics.get_mut(&name) {
                        t.bytes = Some(n);
                    }
                }
            }
            tracing::info!(
                topics = stake.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "DescribeLogDirs"
            );
        }
    }
    let acls = if desired.acls.is_some() || opts.acls {
        match client.supports::<DescribeAclsRequest>() {
            Ok(_) => {
                let mut all = client
                    .describe_acls()
                    .await
                    .context("reading ACLs (DescribeAcls)")?;
                if !opts.acls {
                    let before = all.len();
                    all.retain(|a| desired.acl_in_scope(a));
                    tracing::info!(
                        in_scope = all.len(),
                        out_of_scope = before - all.len(),
                        "DescribeAcls"
                    );
                }
                Some(all)
            }
            Err(e) if desired.acls.is_some() => {
                return Err(anyhow::Error::new(e)
                    .context("the configuration declares `acls`, but ACLs cannot be read"))
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let live = Live {
        brokers: meta.brokers.keys().copied().collect(),
        apis,
        topics,
        acls,
    };
    Ok(live)
}
