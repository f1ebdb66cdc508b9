//! Bytes on disk per topic (DescribeLogDirs): what a topic deletion or a
//! retention cut puts at stake. Each broker reports only its own log
//! directories, so the request goes to every broker (one request each,
//! whatever the number of topics).

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_log_dirs_request::DescribableLogDirTopic;
use kafka_protocol::messages::{DescribeLogDirsRequest, DescribeLogDirsResponse};

use super::client::Client;
use super::conn::Conn;
use super::protocol::tn;

/// DescribeLogDirs for these topics and partitions.
pub fn log_dirs_request(topics: &BTreeMap<String, i32>) -> DescribeLogDirsRequest {
    DescribeLogDirsRequest::default().with_topics(Some(
        topics
            .iter()
            .map(|(t, n)| {
                DescribableLogDirTopic::default()
                    .with_topic(tn(t))
                    .with_partitions((0..*n).collect())
            })
            .collect(),
    ))
}

/// Adds a broker's answer to `sizes` ((topic, partition) → the largest
/// replica seen), skipping future replicas (moves between a broker's dirs).
pub fn add_sizes(sizes: &mut BTreeMap<(String, i32), u64>, r: &DescribeLogDirsResponse) {
    for dir in r.results.iter().filter(|d| d.error_code == 0) {
        for t in &dir.topics {
            for p in t.partitions.iter().filter(|p| !p.is_future_key) {
                let size = u64::try_from(p.partition_size).unwrap_or(0);
                let e = sizes
                    .entry((t.name.0.as_str().to_string(), p.partition_index))
                    .or_default();
                *e = (*e).max(size);
            }
        }
    }
}

impl Client {
    /// Bytes on disk of each topic (one replica: per partition the largest
    /// replica, summed), asking every broker of `brokers` (id → address)
    /// about `topics` (name → partition count). A broker that cannot be
    /// reached or answers an error is skipped (the figure is then a lower
    /// bound); `None` only when no broker answered.
    pub async fn topic_sizes(
        &mut self,
        brokers: &BTreeMap<i32, String>,
        topics: &BTreeMap<String, i32>,
    ) -> Option<BTreeMap<String, u64>> {
        let req = log_dirs_request(topics);
        let mut sizes = BTreeMap::new();
        let mut answered = false;
        for addr in brokers.values() {
            let r = if addr == self.bootstrap.addr() {
                self.bootstrap.send(&req).await
            } else {
                match Conn::open(addr, &self.cluster).await {
                    Ok(mut c) => c.send(&req).await,
                    Err(e) => Err(e),
                }
            };
            match r {
                Ok(r) if r.error_code == 0 => {
                    answered = true;
                    add_sizes(&mut sizes, &r);
                }
                Ok(r) => {
                    tracing::warn!(broker = %addr, code = r.error_code, "DescribeLogDirs failed")
                }
                Err(e) => {
                    tracing::warn!(broker = %addr, error = %format!("{e:#}"), "DescribeLogDirs failed")
                }
            }
        }
        if !answered {
            return None;
        }
        let mut out: BTreeMap<String, u64> = topics.keys().map(|t| (t.clone(), 0)).collect();
        for ((t, _), n) in sizes {
            if let Some(total) = out.get_mut(&t) {
                *total += n;
            }
        }
        Some(out)
    }
}
