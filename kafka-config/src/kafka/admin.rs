//! The admin calls: batched reads (Metadata, DescribeConfigs, DescribeAcls)
//! and writes with per-item retries of retriable errors.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::describe_configs_response::DescribeConfigsResourceResult;
use kafka_protocol::messages::{DescribeAclsRequest, DescribeConfigsRequest, MetadataRequest};
use kafka_protocol::protocol::{Request, StrBytes};

use super::client::Client;
use super::conn::{error_text, is_retriable, Throttled};
use super::protocol::{
    backoff, next_step, sb, Next, ATTEMPTS, INVALID_PARTITIONS, RESOURCE_BROKER, RESOURCE_TOPIC,
    TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC,
};
use super::requests::{
    acls_from_describe, alter_configs_request, create_acls_request, create_partitions_request,
    create_topics_request, delete_acls_request, delete_topics_request,
};
use super::types::{
    ClusterMeta, ConfigAlteration, ConfigEntry, NewTopic, Outcomes, PartitionIncrease, TopicMeta,
};
use crate::model::Acl;

/// A DescribeConfigs entry with its synonyms.
fn entry(c: &DescribeConfigsResourceResult) -> ConfigEntry {
    ConfigEntry {
        name: c.name.as_str().to_string(),
        value: c.value.as_ref().map(|v| v.as_str().to_string()),
        source: c.config_source,
        read_only: c.read_only,
        sensitive: c.is_sensitive,
        synonyms: c
            .synonyms
            .iter()
            .map(|y| {
                (
                    y.name.as_str().to_string(),
                    y.value.as_ref().map(|v| v.as_str().to_string()),
                    y.source,
                )
            })
            .collect(),
    }
}

impl Client {
    /// All topics, brokers and the controller, in one Metadata request.
    pub async fn metadata(&mut self) -> Result<ClusterMeta> {
        let req = MetadataRequest::default()
            .with_topics(None)
            .with_allow_auto_topic_creation(false);
        let r = self.read(&req).await?;
        let brokers: BTreeMap<i32, String> = r
            .brokers
            .iter()
            .map(|b| (b.node_id.0, format!("{}:{}", b.host.as_str(), b.port)))
            .collect();
        let controller = r.controller_id.0;
        self.controller_addr = brokers.get(&controller).cloned();
        let mut topics = BTreeMap::new();
        for t in &r.topics {
            let Some(name) = &t.name else { continue };
            if t.error_code != 0 && t.error_code != 9 {
                // 9 = REPLICA_NOT_AVAILABLE: the topic is still listed.
                tracing::warn!(topic = name.0.as_str(), error = %error_text(t.error_code, None), "metadata error");
            }
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    (
                        p.partition_index,
                        p.replica_nodes.iter().map(|b| b.0).collect(),
                    )
                })
                .collect();
            topics.insert(
                name.0.as_str().to_string(),
                TopicMeta {
                    internal: t.is_internal,
                    partitions,
                },
            );
        }
        Ok(ClusterMeta {
            brokers,
            controller,
            topics,
        })
    }

    /// Topic configs, `batch` topics per DescribeConfigs request.
    pub async fn describe_topic_configs(
        &mut self,
        topics: &[String],
        batch: usize,
    ) -> Result<BTreeMap<String, Vec<ConfigEntry>>> {
        let mut out = BTreeMap::new();
        for chunk in topics.chunks(batch.max(1)) {
            let mut pending: Vec<String> = chunk.to_vec();
            for attempt in 0..ATTEMPTS {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                let req = DescribeConfigsRequest::default()
                    .with_include_synonyms(true)
                    .with_resources(
                        pending
                            .iter()
                            .map(|t| {
                                DescribeConfigsResource::default()
                                    .with_resource_type(RESOURCE_TOPIC)
                                    .with_resource_name(sb(t))
                                    .with_configuration_keys(None)
                            })
                            .collect(),
                    );
                let r = self.read(&req).await?;
                let mut retry = Vec::new();
                for res in r.results {
                    let name = res.resource_name.as_str().to_string();
                    if res.error_code != 0 {
                        if is_retriable(res.error_code) && attempt + 1 < ATTEMPTS {
                            retry.push(name);
                            continue;
                        }
                        if res.error_code == UNKNOWN_TOPIC {
                            // Deleted since Metadata: no configs.
                            continue;
                        }
                        bail!(
                            "DescribeConfigs of topic `{name}` failed: {}",
                            error_text(res.error_code, res.error_message.as_ref())
                        );
                    }
                    let entries = res.configs.iter().map(entry).collect();
                    out.insert(name, entries);
                }
                pending = retry;
            }
        }
        Ok(out)
    }

    /// Configs `keys` of broker `id`, which must be the broker this client
    /// talks to ([`Client::bootstrap_addr`]): Kafka answers broker
    /// resources only for itself.
    pub async fn describe_broker_configs(
        &mut self,
        id: i32,
        keys: &[&str],
    ) -> Result<Vec<ConfigEntry>> {
        let req = DescribeConfigsRequest::default()
            .with_include_synonyms(true)
            .with_resources(vec![DescribeConfigsResource::default()
                .with_resource_type(RESOURCE_BROKER)
                .with_resource_name(sb(&id.to_string()))
                .with_configuration_keys(Some(keys.iter().map(|k| sb(k)).collect()))]);
        let r = self.read(&req).await?;
        let mut out = Vec::new();
        for res in r.results {
            if res.error_code != 0 {
                bail!(
                    "DescribeConfigs of broker {id} failed: {}",
                    error_text(res.error_code, res.error_message.as_ref())
                );
            }
            out.extend(res.configs.iter().map(entry));
        }
        Ok(out)
    }

    /// All ACL bindings, in one DescribeAcls request.
    pub async fn describe_acls(&mut self) -> Result<Vec<Acl>> {
        let req = DescribeAclsRequest::default()
            .with_resource_type_filter(1) // ANY
            .with_resource_name_filter(None)
            .with_pattern_type_filter(1) // ANY
            .with_principal_filter(None)
            .with_host_filter(None)
            .with_operation(1) // ANY
            .with_permission_type(1); // ANY
        let r = self.read(&req).await?;
        if r.error_code != 0 {
            bail!(
                "DescribeAcls failed: {}",
                error_text(r.error_code, r.error_message.as_ref())
            );
        }
        Ok(acls_from_describe(&r))
    }

    /// Creates topics, `batch` per request; one outcome per topic. A retry
    /// answered TOPIC_ALREADY_EXISTS means the earlier attempt succeeded.
    pub async fn create_topics(&mut self, topics: &[NewTopic], batch: usize) -> Result<Outcomes> {
        let timeout_ms = self.timeout_ms();
        let mut out = Vec::new();
        for chunk in topics.chunks(batch.max(1)) {
            let pending: Vec<&NewTopic> = chunk.iter().collect();
            out.extend(
                self.controller_batch(
                    pending,
                    |t| t.name.as_str(),
                    |p| create_topics_request(p, timeout_ms),
                    |r| {
                        r.topics
                            .into_iter()
                            .map(|t| (t.name.0.to_string(), t.error_code, t.error_message))
                            .collect()
                    },
                    |code, _| code == TOPIC_ALREADY_EXISTS,
                )
                .await?,
            );
        }
        Ok(out)
    }

    /// Deletes topics by name; one outcome per topic. A retry answered
    /// UNKNOWN_TOPIC means the earlier attempt succeeded.
    pub async fn delete_topics(&mut self, names: &[String]) -> Result<Outcomes> {
        let timeout_ms = self.timeout_ms();
        let v = self.supports::<kafka_protocol::messages::DeleteTopicsRequest>()?;
        self.controller_batch(
            names.to_vec(),
            String::as_str,
            |p| delete_topics_request(p, v, timeout_ms),
            |r| {
                r.responses
                    .into_iter()
                    .map(|t| {
                        let name = t.name.map(|n| n.0.to_string()).unwrap_or_default();
                        (name, t.error_code, t.error_message)
                    })
                    .collect()
            },
            |code, _| code == UNKNOWN_TOPIC,
        )
        .await
    }

    /// Increases partition counts: (topic, new total, optional assignment
    /// of the new partitions). A retry answered "already has that many
    /// partitions" means the earlier attempt succeeded.
    pub async fn create_partitions(&mut self, items: &[PartitionIncrease]) -> Result<Outcomes> {
        let timeout_ms = self.timeout_ms();
        self.controller_batch(
            items.to_vec(),
            |i| i.0.as_str(),
            |p| create_partitions_request(p, timeout_ms),
            |r| {
                r.results
                    .into_iter()
                    .map(|t| (t.name.0.to_string(), t.error_code, t.error_message))
                    .collect()
            },
            |code, msg| {
                code == INVALID_PARTITIONS
                    && msg.is_some_and(|m| m.as_str().contains("already has"))
            },
        )
        .await
    }

    fn timeout_ms(&self) -> i32 {
        i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000)
    }

    /// Sends `request(pending)` to the controller until every item has an
    /// outcome: retried (with backoff, up to [`ATTEMPTS`]) on retriable
    /// errors and NOT_CONTROLLER (after locating the new controller). On a
    /// retry, `done_on_retry(code, message)` recognises the answer that
    /// means the earlier attempt already succeeded. One outcome per item.
    async fn controller_batch<T: Clone, R: Request>(
        &mut self,
        items: Vec<T>,
        name_of: impl Fn(&T) -> &str,
        request: impl Fn(&[T]) -> R,
        answers: impl Fn(R::Response) -> Vec<(String, i16, Option<StrBytes>)>,
        done_on_retry: impl Fn(i16, Option<&StrBytes>) -> bool,
    ) -> Result<Outcomes>
    where
        R::Response: Throttled,
    {
        let mut out = Vec::new();
        let mut pending = items;
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let r = self.send_controller(&request(&pending)).await?;
            let mut retry = Vec::new();
            let mut refresh = false;
            for (name, code, message) in answers(r) {
                let already = attempt > 0 && done_on_retry(code, message.as_ref());
                match next_step(code, attempt) {
                    Next::Done => out.push((name, None)),
                    _ if already => out.push((name, None)),
                    Next::Retry { refresh: again } => {
                        refresh |= again;
                        retry.extend(pending.iter().find(|t| name_of(t) == name).cloned());
                    }
                    Next::Fail => out.push((name, Some(error_text(code, message.as_ref())))),
                }
            }
            if refresh {
                self.refresh_controller().await;
            }
            pending = retry;
        }
        Ok(out)
    }

    /// Sets and deletes topic configs with IncrementalAlterConfigs, all
    /// topics in one request: (topic, set, delete).
    pub async fn alter_topic_configs(&mut self, items: &[ConfigAlteration]) -> Result<Outcomes> {
        let mut out = Vec::new();
        let mut pending: Vec<&ConfigAlteration> = items.iter().collect();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let req = alter_configs_request(&pending);
            let r = self.bootstrap.send(&req).await?;
            let mut retry = Vec::new();
            for res in r.responses {
                let name = res.resource_name.as_str().to_string();
                let code = res.error_code;
                if code == 0 {
                    out.push((name, None));
                } else if is_retriable(code) && attempt + 1 < ATTEMPTS {
                    if let Some(i) = pending.iter().find(|i| i.0 == name) {
                        retry.push(*i);
                    }
                } else {
                    out.push((name, Some(error_text(code, res.error_message.as_ref()))));
                }
            }
            pending = retry;
        }
        Ok(out)
    }

    /// Creates ACL bindings in one request; one outcome per binding address.
    pub async fn create_acls(&mut self, acls: &[Acl]) -> Result<Outcomes> {
        let r = self.bootstrap.send(&create_acls_request(acls)).await?;
        let codes = r.results.iter().map(|x| (x.error_code, &x.error_message));
        // tansu 0.6.0 lists CreateAcls but answers no results.
        acl_outcomes("CreateAcls", "create", acls, codes.collect())
    }

    /// Deletes exactly these ACL bindings; one outcome per binding address.
    pub async fn delete_acls(&mut self, acls: &[Acl]) -> Result<Outcomes> {
        let r = self.bootstrap.send(&delete_acls_request(acls)).await?;
        let codes = r
            .filter_results
            .iter()
            .map(|x| (x.error_code, &x.error_message));
        acl_outcomes("DeleteAcls", "delete", acls, codes.collect())
    }
}

/// One outcome per binding from a CreateAcls / DeleteAcls answer, which
/// lists its results in the order of the request's bindings.
fn acl_outcomes(
    api: &str,
    verb: &str,
    acls: &[Acl],
    results: Vec<(i16, &Option<StrBytes>)>,
) -> Result<Outcomes> {
    if results.len() != acls.len() {
        bail!(
            "{api}: the broker answered {} results for {} bindings, so it did not {verb} them",
            results.len(),
            acls.len()
        );
    }
    Ok(acls
        .iter()
        .zip(results)
        .map(|(a, (code, message))| {
            (
                a.address(),
                (code != 0).then(|| error_text(code, message.as_ref())),
            )
        })
        .collect())
}
