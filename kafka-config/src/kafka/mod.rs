//! A small Kafka admin client: `kafka-protocol` encodes and decodes the
//! messages, this module moves them over tokio TCP (optionally TLS, SASL),
//! routes controller-bound requests to the controller, retries retriable
//! errors with bounded backoff, and batches requests.

pub mod conn;
pub mod scram;
pub mod tls;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::create_partitions_request::{
    CreatePartitionsAssignment, CreatePartitionsTopic,
};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, BrokerId, CreateAclsRequest, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteAclsRequest, DeleteTopicsRequest, DescribeAclsRequest,
    DescribeConfigsRequest, IncrementalAlterConfigsRequest, MetadataRequest, TopicName,
};
use kafka_protocol::protocol::{Request, StrBytes};
use serde::Serialize;

use crate::model::{self, Acl, Cluster};
pub use conn::{error_text, is_retriable, Conn, Unsupported, Versions};

/// DescribeConfigs resource type of a topic.
pub const RESOURCE_TOPIC: i8 = 2;
/// Config source: a topic override.
pub const SOURCE_DYNAMIC_TOPIC: i8 = 1;
/// Config source: the broker's built-in default.
pub const SOURCE_DEFAULT: i8 = 5;
/// IncrementalAlterConfigs operation SET.
pub const OP_SET: i8 = 0;
/// IncrementalAlterConfigs operation DELETE.
pub const OP_DELETE: i8 = 1;

const ATTEMPTS: u32 = 4;
/// Passes over the bootstrap servers before giving up on an unreachable cluster.
pub const CONNECT_ATTEMPTS: u32 = 3;

/// Why a pass over the bootstrap servers failed.
enum ConnectError {
    /// No server accepted a TCP connection (refused or timed out).
    Unreachable(String),
    /// A server answered but the session failed (TLS, SASL, ApiVersions).
    Session(String),
}
const NOT_CONTROLLER: i16 = 41;
const TOPIC_ALREADY_EXISTS: i16 = 36;
const UNKNOWN_TOPIC: i16 = 3;

fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

fn tn(s: &str) -> TopicName {
    TopicName(sb(s))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64 << attempt.min(5))
}

/// The name of a config source code.
pub fn source_name(s: i8) -> &'static str {
    match s {
        1 => "DYNAMIC_TOPIC_CONFIG",
        2 => "DYNAMIC_BROKER_CONFIG",
        3 => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        4 => "STATIC_BROKER_CONFIG",
        5 => "DEFAULT_CONFIG",
        6 => "DYNAMIC_BROKER_LOGGER_CONFIG",
        7 => "CLIENT_METRICS_CONFIG",
        8 => "GROUP_CONFIG",
        _ => "UNKNOWN",
    }
}

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

/// An admin connection to one cluster.
pub struct Client {
    cluster: Cluster,
    bootstrap: Conn,
    controller: Option<Conn>,
    controller_addr: Option<String>,
}

impl Client {
    /// Connects to the first bootstrap server that answers. When none can
    /// be reached at all (refused, timed out), the whole list is tried
    /// [`CONNECT_ATTEMPTS`] times with a backoff of 200 ms, then 400 ms; an
    /// authentication or protocol failure is not retried.
    pub async fn connect(cluster: &Cluster) -> Result<Client> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Client::connect_once(cluster).await {
                Ok(c) => return Ok(c),
                Err(ConnectError::Unreachable(errors)) if attempt < CONNECT_ATTEMPTS => {
                    tracing::warn!(attempt, errors = %errors, "Kafka is not reachable; retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(ConnectError::Unreachable(errors)) => bail!(
                    "Kafka is not reachable at {} after {attempt} attempts ({errors})",
                    cluster.bootstrap.join(","),
                ),
                Err(ConnectError::Session(errors)) => bail!(
                    "cannot open a session with Kafka at {} ({errors})",
                    cluster.bootstrap.join(","),
                ),
            }
        }
    }

    /// One pass over the bootstrap servers.
    async fn connect_once(cluster: &Cluster) -> std::result::Result<Client, ConnectError> {
        let mut errors = Vec::new();
        for addr in &cluster.bootstrap {
            match Conn::open(addr, cluster).await {
                Ok(c) => {
                    return Ok(Client {
                        cluster: cluster.clone(),
                        bootstrap: c,
                        controller: None,
                        controller_addr: None,
                    })
                }
                Err(e) => errors.push(format!("{addr}: {e:#}")),
            }
        }
        let unreachable = errors
            .iter()
            .all(|e| e.contains("cannot connect to") || e.contains("connecting to"));
        let errors = errors.join("; ");
        Err(if unreachable {
            ConnectError::Unreachable(errors)
        } else {
            ConnectError::Session(errors)
        })
    }

    /// The API versions of the bootstrap broker.
    pub fn versions(&self) -> &Versions {
        self.bootstrap.versions()
    }

    /// The version of `R` both sides speak, or why there is none.
    pub fn supports<R: Request>(&self) -> std::result::Result<i16, Unsupported> {
        conn::pick_version::<R>(self.bootstrap.versions())
    }

    async fn reconnect_bootstrap(&mut self) -> Result<()> {
        // One pass only: the caller's own retry loop bounds the attempts.
        let fresh = Client::connect_once(&self.cluster)
            .await
            .map_err(|e| match e {
                ConnectError::Unreachable(m) => anyhow!(
                    "Kafka is not reachable at {} ({m})",
                    self.cluster.bootstrap.join(",")
                ),
                ConnectError::Session(m) => anyhow!(
                    "cannot open a session with Kafka at {} ({m})",
                    self.cluster.bootstrap.join(",")
                ),
            })?;
        self.bootstrap = fresh.bootstrap;
        Ok(())
    }

    /// Sends a read-only request to any broker, reconnecting and retrying on
    /// transport errors.
    async fn read<R: Request>(&mut self, req: &R) -> Result<R::Response> {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
                if let Err(e) = self.reconnect_bootstrap().await {
                    last = Some(e);
                    continue;
                }
            }
            match self.bootstrap.send(req).await {
                Ok(r) => return Ok(r),
                Err(e) if e.downcast_ref::<Unsupported>().is_some() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), attempt, "request failed; retrying");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("request failed")))
    }

    async fn controller_conn(&mut self) -> Result<&mut Conn> {
        let same = self
            .controller_addr
            .as_deref()
            .is_none_or(|a| a == self.bootstrap.addr());
        if same {
            return Ok(&mut self.bootstrap);
        }
        if self.controller.is_none() {
            let addr = self.controller_addr.clone().unwrap_or_default();
            match Conn::open(&addr, &self.cluster).await {
                Ok(c) => self.controller = Some(c),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot reach the controller; using the bootstrap broker");
                    self.controller_addr = None;
                    return Ok(&mut self.bootstrap);
                }
            }
        }
        match self.controller.as_mut() {
            Some(c) => Ok(c),
            None => Ok(&mut self.bootstrap),
        }
    }

    /// Sends a request to the controller (no transport retry: writes are
    /// retried per item by the callers, on retriable error codes only).
    async fn send_controller<R: Request>(&mut self, req: &R) -> Result<R::Response> {
        let c = self.controller_conn().await?;
        let r = c.send(req).await;
        if r.is_err() {
            self.controller = None;
        }
        r
    }

    async fn refresh_controller(&mut self) {
        self.controller = None;
        if let Err(e) = self.metadata().await {
            tracing::warn!(error = %format!("{e:#}"), "metadata refresh failed");
        }
    }

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
                    .with_include_synonyms(false)
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
                    let entries = res
                        .configs
                        .iter()
                        .map(|c| ConfigEntry {
                            name: c.name.as_str().to_string(),
                            value: c.value.as_ref().map(|v| v.as_str().to_string()),
                            source: c.config_source,
                            read_only: c.read_only,
                            sensitive: c.is_sensitive,
                        })
                        .collect();
                    out.insert(name, entries);
                }
                pending = retry;
            }
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

    /// Creates topics, `batch` per request; one outcome per topic.
    pub async fn create_topics(&mut self, topics: &[NewTopic], batch: usize) -> Result<Outcomes> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let mut out = Vec::new();
        for chunk in topics.chunks(batch.max(1)) {
            let mut pending: Vec<&NewTopic> = chunk.iter().collect();
            for attempt in 0..ATTEMPTS {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                let req = create_topics_request(&pending, timeout_ms);
                let r = self.send_controller(&req).await?;
                let mut retry = Vec::new();
                let mut refresh = false;
                for res in r.topics {
                    let name = res.name.0.as_str().to_string();
                    let code = res.error_code;
                    if code == 0 || (attempt > 0 && code == TOPIC_ALREADY_EXISTS) {
                        out.push((name, None));
                    } else if (is_retriable(code) || code == NOT_CONTROLLER)
                        && attempt + 1 < ATTEMPTS
                    {
                        refresh |= code == NOT_CONTROLLER;
                        if let Some(t) = pending.iter().find(|t| t.name == name) {
                            retry.push(*t);
                        }
                    } else {
                        out.push((name, Some(error_text(code, res.error_message.as_ref()))));
                    }
                }
                if refresh {
                    self.refresh_controller().await;
                }
                pending = retry;
            }
        }
        Ok(out)
    }

    /// Deletes topics by name; one outcome per topic.
    pub async fn delete_topics(&mut self, names: &[String]) -> Result<Outcomes> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let v = self.supports::<DeleteTopicsRequest>()?;
        let mut out = Vec::new();
        let mut pending: Vec<String> = names.to_vec();
        for attempt in 0..ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let req = delete_topics_request(&pending, v, timeout_ms);
            let r = self.send_controller(&req).await?;
            let mut retry = Vec::new();
            let mut refresh = false;
            for res in r.responses {
                let name = res
                    .name
                    .as_ref()
                    .map(|n| n.0.as_str().to_string())
                    .unwrap_or_default();
                let code = res.error_code;
                if code == 0 || (attempt > 0 && code == UNKNOWN_TOPIC) {
                    out.push((name, None));
                } else if (is_retriable(code) || code == NOT_CONTROLLER) && attempt + 1 < ATTEMPTS {
                    refresh |= code == NOT_CONTROLLER;
                    retry.push(name);
                } else {
                    out.push((name, Some(error_text(code, res.error_message.as_ref()))));
                }
            }
            if refresh {
                self.refresh_controller().await;
            }
            pending = retry;
        }
        Ok(out)
    }

    /// Increases partition counts: (topic, new total, optional assignment of the new partitions).
    pub async fn create_partitions(&mut self, items: &[PartitionIncrease]) -> Result<Outcomes> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let req = create_partitions_request(items, timeout_ms);
        let r = self.send_controller(&req).await?;
        Ok(r.results
            .into_iter()
            .map(|res| {
                let code = res.error_code;
                (
                    res.name.0.as_str().to_string(),
                    (code != 0).then(|| error_text(code, res.error_message.as_ref())),
                )
            })
            .collect())
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

    /// Moves replicas: topic → partition → new replica list.
    pub async fn reassign(
        &mut self,
        items: &BTreeMap<String, BTreeMap<i32, Vec<i32>>>,
    ) -> Result<Outcomes> {
        let timeout_ms = i32::try_from(self.cluster.request_timeout_ms).unwrap_or(30_000);
        let req = reassign_request(items, timeout_ms);
        let r = self.send_controller(&req).await?;
        if r.error_code != 0 {
            bail!(
                "AlterPartitionReassignments failed: {}",
                error_text(r.error_code, r.error_message.as_ref())
            );
        }
        Ok(r.responses
            .into_iter()
            .map(|t| {
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
                (
                    t.name.0.as_str().to_string(),
                    (!errs.is_empty()).then(|| errs.join("; ")),
                )
            })
            .collect())
    }

    /// Creates ACL bindings in one request; one outcome per binding address.
    pub async fn create_acls(&mut self, acls: &[Acl]) -> Result<Outcomes> {
        let req = create_acls_request(acls);
        let r = self.bootstrap.send(&req).await?;
        if r.results.len() != acls.len() {
            bail!(
                "CreateAcls: the broker answered {} results for {} bindings, so it did not create them (tansu 0.6.0 lists CreateAcls but does not implement it)",
                r.results.len(),
                acls.len()
            );
        }
        Ok(acls
            .iter()
            .zip(r.results.iter())
            .map(|(a, res)| {
                (
                    a.address(),
                    (res.error_code != 0)
                        .then(|| error_text(res.error_code, res.error_message.as_ref())),
                )
            })
            .collect())
    }

    /// Deletes exactly these ACL bindings; one outcome per binding address.
    pub async fn delete_acls(&mut self, acls: &[Acl]) -> Result<Outcomes> {
        let req = delete_acls_request(acls);
        let r = self.bootstrap.send(&req).await?;
        if r.filter_results.len() != acls.len() {
            bail!(
                "DeleteAcls: the broker answered {} results for {} bindings, so it did not delete them",
                r.filter_results.len(),
                acls.len()
            );
        }
        Ok(acls
            .iter()
            .zip(r.filter_results.iter())
            .map(|(a, res)| {
                (
                    a.address(),
                    (res.error_code != 0)
                        .then(|| error_text(res.error_code, res.error_message.as_ref())),
                )
            })
            .collect())
    }
}

// ------------------------------------------------- request builders (pure)

/// CreateTopics for these topics.
pub fn create_topics_request(topics: &[&NewTopic], timeout_ms: i32) -> CreateTopicsRequest {
    CreateTopicsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            topics
                .iter()
                .map(|t| {
                    CreatableTopic::default()
                        .with_name(tn(&t.name))
                        .with_num_partitions(t.partitions)
                        .with_replication_factor(t.replication_factor)
                        .with_configs(
                            t.configs
                                .iter()
                                .map(|(k, v)| {
                                    CreatableTopicConfig::default()
                                        .with_name(sb(k))
                                        .with_value(Some(sb(v)))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// DeleteTopics by name, in the shape version `v` expects.
pub fn delete_topics_request(names: &[String], v: i16, timeout_ms: i32) -> DeleteTopicsRequest {
    let req = DeleteTopicsRequest::default().with_timeout_ms(timeout_ms);
    if v >= 6 {
        req.with_topics(
            names
                .iter()
                .map(|n| DeleteTopicState::default().with_name(Some(tn(n))))
                .collect(),
        )
    } else {
        req.with_topic_names(names.iter().map(|n| tn(n)).collect())
    }
}

/// CreatePartitions: (topic, new total, assignment of the new partitions).
pub fn create_partitions_request(
    items: &[PartitionIncrease],
    timeout_ms: i32,
) -> CreatePartitionsRequest {
    CreatePartitionsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            items
                .iter()
                .map(|(t, count, assignment)| {
                    CreatePartitionsTopic::default()
                        .with_name(tn(t))
                        .with_count(*count)
                        .with_assignments(assignment.as_ref().map(|a| {
                            a.iter()
                                .map(|ids| {
                                    CreatePartitionsAssignment::default()
                                        .with_broker_ids(ids.iter().map(|&i| BrokerId(i)).collect())
                                })
                                .collect()
                        }))
                })
                .collect(),
        )
}

/// IncrementalAlterConfigs: SET then DELETE operations per topic.
pub fn alter_configs_request(items: &[&ConfigAlteration]) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest::default().with_resources(
        items
            .iter()
            .map(|(t, set, del)| {
                let mut configs: Vec<AlterableConfig> = set
                    .iter()
                    .map(|(k, v)| {
                        AlterableConfig::default()
                            .with_name(sb(k))
                            .with_config_operation(OP_SET)
                            .with_value(Some(sb(v)))
                    })
                    .collect();
                configs.extend(del.iter().map(|k| {
                    AlterableConfig::default()
                        .with_name(sb(k))
                        .with_config_operation(OP_DELETE)
                        .with_value(None)
                }));
                AlterConfigsResource::default()
                    .with_resource_type(RESOURCE_TOPIC)
                    .with_resource_name(sb(t))
                    .with_configs(configs)
            })
            .collect(),
    )
}

/// AlterPartitionReassignments for these topics.
pub fn reassign_request(
    items: &BTreeMap<String, BTreeMap<i32, Vec<i32>>>,
    timeout_ms: i32,
) -> AlterPartitionReassignmentsRequest {
    AlterPartitionReassignmentsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            items
                .iter()
                .map(|(t, parts)| {
                    ReassignableTopic::default()
                        .with_name(tn(t))
                        .with_partitions(
                            parts
                                .iter()
                                .map(|(p, r)| {
                                    ReassignablePartition::default()
                                        .with_partition_index(*p)
                                        .with_replicas(Some(
                                            r.iter().map(|&i| BrokerId(i)).collect(),
                                        ))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// CreateAcls for these bindings.
pub fn create_acls_request(acls: &[Acl]) -> CreateAclsRequest {
    CreateAclsRequest::default().with_creations(
        acls.iter()
            .map(|a| {
                AclCreation::default()
                    .with_resource_type(model::code(model::RESOURCE_TYPES, &a.resource_type))
                    .with_resource_name(sb(&a.name))
                    .with_resource_pattern_type(model::code(model::PATTERNS, &a.pattern_type))
                    .with_principal(sb(&a.principal))
                    .with_host(sb(&a.host))
                    .with_operation(model::code(model::OPERATIONS, &a.operation))
                    .with_permission_type(model::code(model::PERMISSIONS, &a.permission))
            })
            .collect(),
    )
}

/// DeleteAcls with one exact filter per binding.
pub fn delete_acls_request(acls: &[Acl]) -> DeleteAclsRequest {
    DeleteAclsRequest::default().with_filters(
        acls.iter()
            .map(|a| {
                DeleteAclsFilter::default()
                    .with_resource_type_filter(model::code(model::RESOURCE_TYPES, &a.resource_type))
                    .with_resource_name_filter(Some(sb(&a.name)))
                    .with_pattern_type_filter(model::code(model::PATTERNS, &a.pattern_type))
                    .with_principal_filter(Some(sb(&a.principal)))
                    .with_host_filter(Some(sb(&a.host)))
                    .with_operation(model::code(model::OPERATIONS, &a.operation))
                    .with_permission_type(model::code(model::PERMISSIONS, &a.permission))
            })
            .collect(),
    )
}

/// The bindings of a DescribeAcls response, sorted; unknown codes skipped.
pub fn acls_from_describe(r: &kafka_protocol::messages::DescribeAclsResponse) -> Vec<Acl> {
    let mut out = Vec::new();
    for res in &r.resources {
        let (Some(rt), Some(pt)) = (
            model::name_of(model::RESOURCE_TYPES, res.resource_type),
            model::name_of(model::PATTERNS, res.pattern_type),
        ) else {
            continue;
        };
        for a in &res.acls {
            let (Some(op), Some(perm)) = (
                model::name_of(model::OPERATIONS, a.operation),
                model::name_of(model::PERMISSIONS, a.permission_type),
            ) else {
                continue;
            };
            out.push(Acl {
                resource_type: rt.to_string(),
                name: res.resource_name.as_str().to_string(),
                pattern_type: pt.to_string(),
                principal: a.principal.as_str().to_string(),
                host: a.host.as_str().to_string(),
                operation: op.to_string(),
                permission: perm.to_string(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Context for errors: which broker list.
pub fn unreachable_hint(cluster: &Cluster, e: anyhow::Error) -> anyhow::Error {
    e.context(format!(
        "cluster `{}` ({})",
        cluster.name,
        cluster.bootstrap.join(",")
    ))
}

#[cfg(test)]
mod tests;
