//! Reading the live cluster with a constant number of batched requests:
//! ApiVersions, one Metadata for all topics, DescribeConfigs over many
//! topics per request, and (when ACLs are managed) one DescribeAcls.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use kafka_protocol::messages::{ApiKey, DescribeAclsRequest};
use serde::Serialize;

use crate::kafka::{self, Client, ConfigEntry};
use crate::model::{is_internal, Acl, Desired, OverrideDetection};

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

/// The fallback of an override: the first synonym not set on the topic.
fn fallback(e: &ConfigEntry) -> Option<Fallback> {
    let (name, value, source) = e
        .synonyms
        .iter()
        .find(|(_, _, src)| *src != kafka::SOURCE_DYNAMIC_TOPIC)?;
    let factor = if name.ends_with(".hours") {
        3_600_000
    } else if name.ends_with(".minutes") {
        60_000
    } else {
        1
    };
    let value = value.as_ref().map(|v| match v.trim().parse::<i64>() {
        Ok(n) if factor > 1 && n > 0 => n.saturating_mul(factor).to_string(),
        _ => v.clone(),
    });
    Some(Fallback {
        value,
        from: format!("{} {name}", kafka::source_name(*source)),
    })
}

/// One live topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveTopic {
    /// Kafka-internal (flagged by the broker or by name).
    pub internal: bool,
    /// Partition count.
    pub partitions: i32,
    /// Replication factor (replicas of partition 0; the maximum when they differ).
    pub replication_factor: i16,
    /// Replicas by partition.
    pub assignment: BTreeMap<i32, Vec<i32>>,
    /// Config entries (only read for declared topics and for import).
    pub configs: BTreeMap<String, LiveConfig>,
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
    /// True when the broker lists `key`.
    pub fn supports(&self, key: ApiKey) -> bool {
        self.apis.contains_key(&format!("{key:?}"))
    }
}

/// Keys Apache Kafka always lists for a topic; a broker whose answer lacks
/// any of them lists only the configs set on the topic.
const ALWAYS_LISTED: &[&str] = &[
    "cleanup.policy",
    "compression.type",
    "max.message.bytes",
    "min.insync.replicas",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.ms",
];

/// Classifies DescribeConfigs entries into [`LiveConfig`]s with the
/// override rule (see docs/kafka-config.md, "Override detection").
pub fn classify(entries: &[ConfigEntry], rule: OverrideDetection) -> BTreeMap<String, LiveConfig> {
    let listed_only = match rule {
        OverrideDetection::Source => false,
        OverrideDetection::Listed => true,
        OverrideDetection::Auto => !ALWAYS_LISTED
            .iter()
            .all(|k| entries.iter().any(|e| e.name == *k)),
    };
    entries
        .iter()
        .map(|e| {
            let is_override = if listed_only {
                !e.read_only
                    && matches!(
                        e.source,
                        kafka::SOURCE_DYNAMIC_TOPIC | kafka::SOURCE_DEFAULT | -1 | 0
                    )
            } else {
                e.source == kafka::SOURCE_DYNAMIC_TOPIC
            };
            (
                e.name.clone(),
                LiveConfig {
                    value: e.value.clone(),
                    source: kafka::source_name(e.source).to_string(),
                    is_override,
                    fallback: if is_override { fallback(e) } else { None },
                },
            )
        })
        .collect()
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
    let mut topics = BTreeMap::new();
    for (name, t) in meta.topics {
        if !desired.in_scope(&name) {
            continue;
        }
        let rf = t.partitions.values().map(|r| r.len()).max().unwrap_or(0);
        topics.insert(
            name.clone(),
            LiveTopic {
                internal: t.internal || is_internal(&name),
                partitions: i32::try_from(t.partitions.len()).unwrap_or(i32::MAX),
                replication_factor: i16::try_from(rf).unwrap_or(i16::MAX),
                assignment: t.partitions,
                configs: BTreeMap::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, source: i8) -> ConfigEntry {
        ConfigEntry {
            name: name.into(),
            value: Some("1".into()),
            source,
            read_only: false,
            sensitive: false,
            synonyms: vec![],
        }
    }

    #[test]
    fn kafka_full_listing_uses_the_source() {
        let mut entries: Vec<ConfigEntry> = ALWAYS_LISTED
            .iter()
            .map(|k| e(k, kafka::SOURCE_DEFAULT))
            .collect();
        entries.push(e("segment.jitter.ms", kafka::SOURCE_DYNAMIC_TOPIC));
        entries.push(e("flush.ms", 4)); // STATIC_BROKER_CONFIG
        let c = classify(&entries, OverrideDetection::Auto);
        assert!(c["segment.jitter.ms"].is_override);
        assert!(!c["retention.ms"].is_override);
        assert!(!c["flush.ms"].is_override);
        assert_eq!(c["flush.ms"].source, "STATIC_BROKER_CONFIG");
    }

    #[test]
    fn sparse_listing_means_every_entry_is_set() {
        // tansu: only the configs set on the topic, flagged DEFAULT_CONFIG.
        let entries = vec![
            e("retention.ms", kafka::SOURCE_DEFAULT),
            e("segment.ms", kafka::SOURCE_DEFAULT),
        ];
        let c = classify(&entries, OverrideDetection::Auto);
        assert!(c["retention.ms"].is_override && c["segment.ms"].is_override);
        let c = classify(&entries, OverrideDetection::Source);
        assert!(!c["retention.ms"].is_override);
    }

    #[test]
    fn an_override_falls_back_to_the_first_broker_synonym() {
        let mut entries: Vec<ConfigEntry> = ALWAYS_LISTED
            .iter()
            .map(|k| e(k, kafka::SOURCE_DEFAULT))
            .collect();
        let retention = entries
            .iter_mut()
            .find(|x| x.name == "retention.ms")
            .unwrap();
        retention.source = kafka::SOURCE_DYNAMIC_TOPIC;
        retention.synonyms = vec![
            (
                "retention.ms".into(),
                Some("1".into()),
                kafka::SOURCE_DYNAMIC_TOPIC,
            ),
            (
                "log.retention.hours".into(),
                Some("168".into()),
                kafka::SOURCE_DEFAULT,
            ),
        ];
        let cleanup = entries
            .iter_mut()
            .find(|x| x.name == "cleanup.policy")
            .unwrap();
        cleanup.source = kafka::SOURCE_DYNAMIC_TOPIC;
        cleanup.synonyms = vec![
            (
                "cleanup.policy".into(),
                Some("compact".into()),
                kafka::SOURCE_DYNAMIC_TOPIC,
            ),
            ("log.cleanup.policy".into(), Some("delete".into()), 3),
        ];
        let c = classify(&entries, OverrideDetection::Auto);
        let f = c["retention.ms"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("604800000"));
        assert_eq!(f.from, "DEFAULT_CONFIG log.retention.hours");
        let f = c["cleanup.policy"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("delete"));
        assert_eq!(f.from, "DYNAMIC_DEFAULT_BROKER_CONFIG log.cleanup.policy");
        assert_eq!(c["segment.ms"].fallback, None);
    }
}
