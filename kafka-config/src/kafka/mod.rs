//! A small Kafka admin client: `kafka-protocol` encodes and decodes the
//! messages, this module moves them over tokio TCP (optionally TLS, SASL),
//! routes controller-bound requests to the controller, retries retriable
//! errors with bounded backoff, and batches requests.
//!
//! Layout: [`protocol`] (constants) → [`conn`] (one broker connection) →
//! [`client`] (bootstrap, controller routing, retries) → `admin` (the admin
//! calls, as methods of [`Client`]) using [`requests`] (pure builders).

mod admin;
pub mod client;
pub mod conn;
pub mod logdirs;
pub mod protocol;
mod reassign;
pub mod requests;
pub mod scram;
pub mod tls;
pub mod types;

pub use client::Client;
pub use conn::{error_text, is_retriable, Conn, Throttled, Unsupported, Versions};
pub use protocol::{
    source_name, CONNECT_ATTEMPTS, OP_DELETE, OP_SET, RESOURCE_TOPIC, SOURCE_DEFAULT,
    SOURCE_DYNAMIC_TOPIC,
};
pub use reassign::Denied;
pub use requests::{
    acls_from_describe, alter_configs_request, alter_resource_configs_request, create_acls_request,
    create_partitions_request, create_topics_request, delete_acls_request, delete_topics_request,
    reassign_request,
};
pub use types::{
    ClusterMeta, ConfigAlteration, ConfigEntry, Moving, NewTopic, Outcomes, PartitionIncrease,
    Reassignments, TopicMeta,
};

use crate::model::Cluster;

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
