//! Replica reassignment: listing in-flight moves, starting ours (retried on
//! NOT_CONTROLLER), and the broker-level replication throttle rates.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    DescribeConfigsRequest, IncrementalAlterConfigsRequest, ListPartitionReassignmentsRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::client::Client;
use super::conn::{error_text, is_retriable, Conn};
use super::protocol::{backoff, next_step, Next, ATTEMPTS, NOT_CONTROLLER, RESOURCE_BROKER};
use super::requests::{alter_resource_configs_request, reassign_request};
use super::types::{ConfigAlteration, Moving, Outcomes, Reassignments};

/// Error code CLUSTER_AUTHORIZATION_FAILED.
const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;

/// The principal may not describe the cluster (listing reassignments needs
/// `Describe` on the Cluster resource).
#[derive(Debug, thiserror::Error)]
#[error("not authorized: {0}")]
pub struct Denied(pub String);

impl Client {
    /// Every in-flight partition reassignment of the cluster, in one
    /// ListPartitionReassignments request.
    pub async fn list_reassignments(&mut self) -> Result<Reassignments> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let req = ListPartitionReassignmentsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_topics(None);
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let r = self.send_controller(&req).await?;
            if r.error_code == 0 {
                return Ok(r
                    .topics
                    .iter()
                    .map(|t| {
                        let parts = t
                            .partitions
                            .iter()
                            .map(|p| {
                                let ids = |v: &[kafka_protocol::messages::BrokerId]| {
                                    v.iter().map(|b| b.0).collect::<Vec<i32>>()
                                };
                                (
                                    p.partition_index,
                                    Moving {
                                        replicas: ids(&p.replicas),
                                        adding: ids(&p.adding_replicas),
                                        removing: ids(&p.removing_replicas),
                                    },
                                )
                            })
                            .collect();
                        (t.name.0.as_str().to_string(), parts)
                    })
                    .collect());
            }
            last = error_text(r.error_code, r.error_message.as_ref());
            if r.error_code == CLUSTER_AUTHORIZATION_FAILED {
                return Err(Denied(last).into());
            }
            if r.error_code == NOT_CONTROLLER {
                self.refresh_controller().await;
            } else if !is_retriable(r.error_code) {
                break;
            }
        }
        bail!("ListPartitionReassignments failed: {last}")
    }

    /// Moves replicas: topic → partition → new replica list. Sent to the
    /// controller; retried on NOT_CONTROLLER and retriable errors, for the
    /// whole request or per topic.
    pub async fn reassign(
        &mut self,
        items: &BTreeMap<String, BTreeMap<i32, Vec<i32>>>,
    ) -> Result<Outcomes> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let mut out = Vec::new();
        let mut pending = items.clone();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let req = reassign_request(&pending, timeout_ms);
            let r = self.send_controller(&req).await?;
            let code = r.error_code;
            match next_step(code, attempt) {
                Next::Done => {}
                Next::Retry { refresh } => {
                    if refresh {
                        self.refresh_controller().await;
                    }
                    continue;
                }
                Next::Fail => bail!(
                    "AlterPartitionReassignments failed: {}",
                    error_text(code, r.error_message.as_ref())
                ),
            }
            let mut retry = BTreeMap::new();
            let mut refresh = false;
            for t in r.responses {
                let name = t.name.0.as_str().to_string();
                let steps: Vec<Next> = t
                    .partitions
                    .iter()
                    .map(|p| next_step(p.error_code, attempt))
                    .collect();
                if steps.iter().any(|n| matches!(n, Next::Retry { .. })) {
                    refresh |= steps.contains(&Next::Retry { refresh: true });
                    if let Some(v) = pending.get(&name) {
                        retry.insert(name, v.clone());
                    }
                    continue;
                }
                let errs: Vec<String> = t
                    .partitions
                    .iter()
                    .filter(|p| p.error_code != 0)
                    .map(|p| {
                        format!(
                            "partition {}: {}",
                            p.partition_index,
                            error_text(p.error_code, p.error_message.as_ref())
                        )
                    })
                    .collect();
                out.push((name, (!errs.is_empty()).then(|| errs.join("; "))));
            }
            if refresh {
                self.refresh_controller().await;
            }
            pending = retry;
        }
        Ok(out)
    }

    /// Sets and deletes dynamic configs of brokers (the replication
    /// throttle rates): (broker id, set, delete). Kafka accepts a broker's
    /// own configs only from that broker, so each goes to its broker, over
    /// a connection opened for it.
    /// The replication throttle rates already set on each of `ids`
    /// (dynamic per-broker or cluster-wide values of `keys`), asking each
    /// broker itself: Kafka answers broker resources only for itself.
    pub async fn broker_rates_set(
        &mut self,
        ids: &BTreeSet<i32>,
        keys: &[&str],
    ) -> Result<Vec<(i32, String, String)>> {
        let brokers = self.metadata().await?.brokers;
        let mut set = Vec::new();
        for id in ids {
            let Some(addr) = brokers.get(id).cloned() else {
                bail!("broker {id}: not in the cluster's metadata");
            };
            let req = DescribeConfigsRequest::default().with_resources(vec![
                DescribeConfigsResource::default()
                    .with_resource_type(RESOURCE_BROKER)
                    .with_resource_name(StrBytes::from_string(id.to_string()))
                    .with_configuration_keys(Some(
                        keys.iter()
                            .map(|k| StrBytes::from_string(k.to_string()))
                            .collect(),
                    )),
            ]);
            let r = if addr == self.bootstrap.addr() {
                self.bootstrap.send(&req).await?
            } else {
                Conn::open(&addr, &self.cluster).await?.send(&req).await?
            };
            for res in &r.results {
                if res.error_code != 0 {
                    bail!(
                        "DescribeConfigs of broker {id} failed: {}",
                        error_text(res.error_code, res.error_message.as_ref())
                    );
                }
                // 2: DYNAMIC_BROKER_CONFIG, 4: DYNAMIC_DEFAULT_BROKER_CONFIG.
                set.extend(
                    res.configs
                        .iter()
                        .filter(|c| matches!(c.config_source, 2 | 4))
                        .map(|c| {
                            let v = c.value.as_ref().map(|v| v.to_string());
                            (*id, c.name.to_string(), v.unwrap_or_default())
                        }),
                );
            }
        }
        Ok(set)
    }

    /// Sets or deletes broker configs, each on its own broker.
    pub async fn alter_broker_configs(&mut self, items: &[ConfigAlteration]) -> Result<()> {
        let brokers = self.metadata().await?.brokers;
        let mut errs = Vec::new();
        for item in items {
            let addr = item
                .0
                .parse::<i32>()
                .ok()
                .and_then(|id| brokers.get(&id))
                .cloned();
            let Some(addr) = addr else {
                errs.push(format!("broker {}: not in the cluster's metadata", item.0));
                continue;
            };
            let req: IncrementalAlterConfigsRequest =
                alter_resource_configs_request(RESOURCE_BROKER, &[item]);
            let r = if addr == self.bootstrap.addr() {
                self.bootstrap.send(&req).await?
            } else {
                let mut conn = Conn::open(&addr, &self.cluster).await?;
                conn.send(&req).await?
            };
            errs.extend(r.responses.iter().filter(|x| x.error_code != 0).map(|x| {
                format!(
                    "broker {}: {}",
                    x.resource_name.as_str(),
                    error_text(x.error_code, x.error_message.as_ref())
                )
            }));
        }
        if !errs.is_empty() {
            bail!(
                "changing the replication throttle failed: {}",
                errs.join("; ")
            );
        }
        Ok(())
    }
}
