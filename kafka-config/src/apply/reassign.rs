//! A replication-factor change: refuse to replace an in-flight move, set
//! the optional replication throttle, start the reassignment, wait for it
//! with progress, and remove the throttle.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::kafka::{Client, ConfigAlteration};

/// How reassignments are carried out (`apply --wait`, `--throttle`,
/// `--wait-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassignOptions {
    /// Wait until every reassignment completes, printing progress.
    pub wait: bool,
    /// Replication throttle in bytes per second per broker, set for the
    /// move and removed after it (implies `wait`).
    pub throttle: Option<u64>,
    /// How long a wait follows one move before apply stops with an error
    /// (the move itself goes on in the cluster).
    pub wait_timeout: Duration,
}

/// `--wait-timeout` when not given: a move of a large topic can take hours
/// under a throttle, but a CI job should not hang without saying why.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

impl Default for ReassignOptions {
    fn default() -> Self {
        ReassignOptions {
            wait: false,
            throttle: None,
            wait_timeout: DEFAULT_WAIT_TIMEOUT,
        }
    }
}

/// The topic throttle keys: leaders throttled on the current replicas,
/// followers on the replicas being added (as kafka-reassign-partitions
/// sets them).
pub fn throttled_replicas(
    current: &BTreeMap<i32, Vec<i32>>,
    target: &BTreeMap<i32, Vec<i32>>,
) -> (String, String) {
    let mut leaders = Vec::new();
    let mut followers = Vec::new();
    for (p, new) in target {
        let old = current.get(p).cloned().unwrap_or_default();
        leaders.extend(old.iter().map(|b| format!("{p}:{b}")));
        followers.extend(
            new.iter()
                .filter(|b| !old.contains(b))
                .map(|b| format!("{p}:{b}")),
        );
    }
    (leaders.join(","), followers.join(","))
}

const LEADER_RATE: &str = "leader.replication.throttled.rate";
const FOLLOWER_RATE: &str = "follower.replication.throttled.rate";
const LEADER_REPLICAS: &str = "leader.replication.throttled.replicas";
const FOLLOWER_REPLICAS: &str = "follower.replication.throttled.replicas";

/// Runs one replication-factor change of `topic` to `assignment`.
pub async fn run(
    client: &mut Client,
    topic: &str,
    assignment: &BTreeMap<i32, Vec<i32>>,
    opts: ReassignOptions,
) -> Result<()> {
    let listable = client
        .supports::<kafka_protocol::messages::ListPartitionReassignmentsRequest>()
        .is_ok();
    if !listable && (opts.wait || opts.throttle.is_some()) {
        bail!("the broker does not support ListPartitionReassignments: --wait and --throttle cannot follow the move");
    }
    let moves = if listable {
        client.list_reassignments().await?
    } else {
        Default::default()
    };
    if let Some(m) = moves.get(topic) {
        let parts: Vec<String> = m.keys().map(|p| p.to_string()).collect();
        bail!(
            "a reassignment of topic `{topic}` (partitions {}) started since the plan was made; it is not replaced: plan again once it completes",
            parts.join(", ")
        );
    }
    // Installed now, not when the wait first polls them: a signal that
    // arrives while the throttle is being set, or between two polls, is
    // still seen and the throttle still removed.
    let mut interrupts = Interrupts::install();
    let Some(rate) = opts.throttle else {
        let timeout = opts.wait.then_some(opts.wait_timeout);
        return move_and_wait(client, topic, assignment, timeout, &mut interrupts).await;
    };
    let meta = client.metadata().await?;
    let current = meta
        .topics
        .get(topic)
        .map(|t| t.partitions.clone())
        .unwrap_or_default();
    let (leaders, followers) = throttled_replicas(&current, assignment);
    let brokers: BTreeSet<i32> = current
        .values()
        .chain(assignment.values())
        .flatten()
        .copied()
        .collect();
    // Never overwrite (and then delete) a throttle someone else set: an
    // operator's permanent cap, or the throttle of another move.
    if let Some((other, _)) = moves.iter().next() {
        bail!(
            "--throttle: a reassignment of topic `{other}` is in flight; its replication throttle would be changed. Wait for it, or apply without --throttle"
        );
    }
    let existing = client
        .broker_rates_set(&brokers, &[LEADER_RATE, FOLLOWER_RATE])
        .await?;
    if !existing.is_empty() {
        let shown: Vec<String> = existing
            .iter()
            .map(|(b, k, v)| format!("broker {b} {k}={v}"))
            .collect();
        bail!(
            "--throttle: replication throttle rates are already set ({}); they are not overwritten. Apply without --throttle (the existing rates apply), or remove them first",
            shown.join(", ")
        );
    }
    let rates: Vec<ConfigAlteration> = brokers
        .iter()
        .map(|b| {
            let set = [
                (LEADER_RATE.to_string(), rate.to_string()),
                (FOLLOWER_RATE.to_string(), rate.to_string()),
            ]
            .into_iter()
            .collect();
            (b.to_string(), set, Vec::new())
        })
        .collect();
    // An empty list (nothing added: a factor decrease) is not set.
    let set: BTreeMap<String, String> = [
        (LEADER_REPLICAS.to_string(), leaders),
        (FOLLOWER_REPLICAS.to_string(), followers),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let outcome = async {
        client.alter_broker_configs(&rates).await?;
        if !set.is_empty() {
            one(client
                .alter_topic_configs(&[(topic.to_string(), set, Vec::new())])
                .await?)
            .context("setting the topic's replication throttle")?;
        }
        eprintln!("topic `{topic}`: replication throttled to {rate} bytes/s per broker");
        move_and_wait(
            client,
            topic,
            assignment,
            Some(opts.wait_timeout),
            &mut interrupts,
        )
        .await
    }
    .await;
    // Removed whatever happened: a throttle left behind slows the cluster.
    let del = vec![LEADER_REPLICAS.to_string(), FOLLOWER_REPLICAS.to_string()];
    let topic_removed = client
        .alter_topic_configs(&[(topic.to_string(), BTreeMap::new(), del)])
        .await
        .and_then(one);
    let unrates: Vec<ConfigAlteration> = brokers
        .iter()
        .map(|b| {
            let del = vec![LEADER_RATE.to_string(), FOLLOWER_RATE.to_string()];
            (b.to_string(), BTreeMap::new(), del)
        })
        .collect();
    let brokers_removed = client.alter_broker_configs(&unrates).await;
    let removed = topic_removed
        .context("removing the topic's replication throttle")
        .and(brokers_removed);
    if removed.is_ok() {
        eprintln!("topic `{topic}`: replication throttle removed");
    }
    outcome?;
    removed
}

/// Starts the move and, with a wait timeout, waits for it.
async fn move_and_wait(
    client: &mut Client,
    topic: &str,
    assignment: &BTreeMap<i32, Vec<i32>>,
    wait_timeout: Option<Duration>,
    interrupts: &mut Interrupts,
) -> Result<()> {
    let mut items = BTreeMap::new();
    items.insert(topic.to_string(), assignment.clone());
    one(client.reassign(&items).await?)?;
    if let Some(timeout) = wait_timeout {
        wait(client, topic, assignment.len(), timeout, interrupts).await?;
    }
    Ok(())
}

fn one(out: crate::kafka::Outcomes) -> Result<()> {
    match out.into_iter().find_map(|(_, e)| e) {
        Some(e) => bail!("{e}"),
        None => Ok(()),
    }
}

/// Polls ListPartitionReassignments until `topic` has no partition moving,
/// printing progress to stderr every few seconds. Gives up with an error
/// after `timeout`, or at SIGINT / SIGTERM, so that the caller removes its
/// throttle before the process ends; the move goes on in the cluster.
async fn wait(
    client: &mut Client,
    topic: &str,
    total: usize,
    timeout: Duration,
    interrupts: &mut Interrupts,
) -> Result<()> {
    let started = Instant::now();
    let mut last_print: Option<Instant> = None;
    loop {
        let moves = client.list_reassignments().await?;
        let left = moves.get(topic).map(|m| m.len()).unwrap_or(0);
        if left == 0 {
            eprintln!(
                "topic `{topic}`: reassignment complete after {:.1}s",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if last_print.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
            eprintln!(
                "topic `{topic}`: reassignment in progress, {left} of {total} partitions still moving ({}s)",
                started.elapsed().as_secs()
            );
            last_print = Some(Instant::now());
        }
        if started.elapsed() >= timeout {
            bail!(
                "topic `{topic}`: {left} of {total} partitions still moving after {}s (--wait-timeout): the reassignment goes on in the cluster; run `apply --wait` again to follow it",
                timeout.as_secs()
            );
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            signal = interrupts.recv() => bail!(
                "topic `{topic}`: {signal} while waiting, {left} of {total} partitions still moving: the reassignment goes on in the cluster; run `apply --wait` again to follow it"
            ),
        }
    }
}

/// SIGINT and SIGTERM handlers (a CI job cancelled, Ctrl-C). They are
/// installed when this is created, so a signal received at any point after
/// is delivered by the next [`Interrupts::recv`] instead of ending the
/// process.
struct Interrupts {
    int: Option<tokio::signal::unix::Signal>,
    term: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Interrupts {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Resolves at the first signal received since [`Interrupts::install`],
    /// naming it. Never resolves for a handler that could not be installed.
    async fn recv(&mut self) -> &'static str {
        async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    // None: the signal driver is gone, no signal will come.
                    if s.recv().await.is_none() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = one(&mut self.int) => "interrupted (SIGINT)",
            () = one(&mut self.term) => "terminated (SIGTERM)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_leaders_on_current_and_followers_on_new_replicas() {
        let current = [(0, vec![1]), (1, vec![2])].into_iter().collect();
        let target = [(0, vec![1, 2, 3]), (1, vec![2, 3, 1])]
            .into_iter()
            .collect();
        let (l, f) = throttled_replicas(&current, &target);
        assert_eq!(l, "0:1,1:2");
        assert_eq!(f, "0:2,0:3,1:3,1:1");
    }
}
