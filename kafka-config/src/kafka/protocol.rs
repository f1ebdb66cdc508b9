//! Protocol constants and small helpers shared by the admin calls: config
//! sources, resource types, error codes, retry bounds and backoff.

use std::time::Duration;

use kafka_protocol::messages::TopicName;
use kafka_protocol::protocol::StrBytes;

/// DescribeConfigs resource type of a topic.
pub const RESOURCE_TOPIC: i8 = 2;
/// DescribeConfigs resource type of a broker.
pub const RESOURCE_BROKER: i8 = 4;
/// Config source: a topic override.
pub const SOURCE_DYNAMIC_TOPIC: i8 = 1;
/// Config source: the broker's built-in default.
pub const SOURCE_DEFAULT: i8 = 5;
/// IncrementalAlterConfigs operation SET.
pub const OP_SET: i8 = 0;
/// IncrementalAlterConfigs operation DELETE.
pub const OP_DELETE: i8 = 1;

/// Attempts of a request on retriable errors.
pub const ATTEMPTS: u32 = 4;
/// Passes over the bootstrap servers before giving up on an unreachable cluster.
pub const CONNECT_ATTEMPTS: u32 = 3;
/// Error code NOT_CONTROLLER.
pub const NOT_CONTROLLER: i16 = 41;
/// Error code TOPIC_ALREADY_EXISTS.
pub const TOPIC_ALREADY_EXISTS: i16 = 36;
/// Error code INVALID_PARTITIONS.
pub const INVALID_PARTITIONS: i16 = 37;
/// Error code NO_REASSIGNMENT_IN_PROGRESS.
pub const NO_REASSIGNMENT_IN_PROGRESS: i16 = 85;
/// Error code UNKNOWN_TOPIC_OR_PARTITION.
pub const UNKNOWN_TOPIC: i16 = 3;

/// A protocol string.
pub fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// A protocol topic name.
pub fn tn(s: &str) -> TopicName {
    TopicName(sb(s))
}

/// Delay before retry `attempt` (100 ms doubling, at most 3.2 s).
pub fn backoff(attempt: u32) -> Duration {
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

/// What to do with one item's error code in the answer to a write sent to
/// the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Succeeded.
    Done,
    /// Send it again after a backoff; `refresh`: locate the controller
    /// first (NOT_CONTROLLER: the controller moved).
    Retry {
        /// Refresh the controller address first.
        refresh: bool,
    },
    /// Failed for good.
    Fail,
}

/// [`Next`] for error `code` at attempt `attempt` (0-based) of [`ATTEMPTS`].
pub fn next_step(code: i16, attempt: u32) -> Next {
    if code == 0 {
        Next::Done
    } else if (code == NOT_CONTROLLER || super::conn::is_retriable(code)) && attempt + 1 < ATTEMPTS
    {
        Next::Retry {
            refresh: code == NOT_CONTROLLER,
        }
    } else {
        Next::Fail
    }
}
