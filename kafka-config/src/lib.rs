//! `kafka-config`: Kafka topics, topic configs and ACLs as code.
//!
//! Modules follow the data flow: [`config`] (raw YAML types) → `merge`
//! (files into sections) → [`resolve`] (one environment, checked value by
//! value in `validate`) → [`model`] (the desired state: pure) → [`live`]
//! (batched reads through [`kafka`]) → [`diff`] (pure) → [`apply`]
//! (execution). [`import`] writes YAML from a live cluster.

#![warn(missing_docs)]

pub mod acl;
pub mod apply;
pub mod config;
pub mod diff;
pub mod import;
pub mod kafka;
pub mod live;
pub mod loss;
mod merge;
pub mod model;
pub mod resolve;
pub mod tool;
pub mod units;
mod validate;

pub use tool::KafkaConfig;
