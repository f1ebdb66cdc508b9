//! Reading the live cluster with a constant number of batched requests:
//! ApiVersions, one Metadata for all topics, DescribeConfigs over many
//! topics per request, one ListPartitionReassignments, and (when ACLs are
//! managed) one DescribeAcls.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use kafka_protocol::messages::{ApiKey, DescribeAclsRequest, ListPartitionReassignmentsRequest};

mod configs;
mod stake;
mod types;

pub use configs::classify;
pub use stake::at_stake;
pub use types::{Fallback, Live, LiveConfig, LiveTopic};

use crate::kafka::Client;
use crate::model::{is_internal, Desired};

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
/// broker the client talks to (one DescribeConfigs). A failure is a warning
/// (a plan note): the fallbacks stay unknown and the plan treats them as
/// possible losses.
async fn broker_fallbacks(
    client: &mut Client,
    brokers: &BTreeMap<i32, String>,
    topics: &mut BTreeMap<String, LiveTopic>,
    warnings: &mut Vec<String>,
) {
    let Some(id) = brokers
        .iter()
        .find(|(_, a)| a.as_str() == client.bootstrap_addr())
        .map(|(i, _)| *i)
    else {
        warnings.push(format!(
            "the bootstrap broker {} is not in Metadata's broker list: broker defaults were not read, so deleted overrides have unknown fallbacks",
            client.bootstrap_addr()
        ));
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
        Err(e) => warnings.push(format!(
            "reading the broker defaults failed ({e:#}): deleted overrides have unknown fallbacks"
        )),
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
    let mut warnings = Vec::new();
    let mut moves = match client.supports::<ListPartitionReassignmentsRequest>() {
        Ok(_) => match client.list_reassignments().await {
            Ok(m) => m,
            // A principal without Describe on the Cluster: read on without
            // the moves (a replication-factor change is refused at apply).
            Err(e) if e.downcast_ref::<crate::kafka::Denied>().is_some() => {
                warnings.push(format!(
                    "in-flight reassignments cannot be read ({e:#}): a replication-factor change is refused at apply"
                ));
                Default::default()
            }
            Err(e) => {
                return Err(
                    e.context("reading in-flight reassignments (ListPartitionReassignments)")
                )
            }
        },
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
            broker_fallbacks(&mut client, &meta.brokers, &mut topics, &mut warnings).await;
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
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let live = Live {
        brokers: meta.brokers.keys().copied().collect(),
        apis,
        topics,
        acls,
        warnings,
    };
    Ok(live)
}
