//! Executing a plan: a pre-flight check of every operation against the
//! broker's ApiVersions ranges (refuse before applying anything), then the changes
//! in order, batching consecutive operations of the same kind into one
//! request, and stopping at the first failure.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use common::{ApplyLog, Planned};
use kafka_protocol::messages::ApiKey;

use crate::diff::Op;
use crate::kafka::{Client, NewTopic, Outcomes};
use crate::model::Desired;

mod reassign;

pub use reassign::{throttled_replicas, ReassignOptions};

/// Operations the broker cannot run, as user-facing lines; empty when the
/// plan can be applied.
pub fn preflight(
    supported: &dyn Fn(ApiKey) -> Option<String>,
    changes: &[Planned<Op>],
) -> Vec<String> {
    let mut out = Vec::new();
    for p in changes {
        for op in &p.ops {
            if let Some(why) = supported(op.api()) {
                out.push(format!("{} ({}): {why}", op.describe(), p.change.address));
            }
        }
    }
    out
}

/// Batchable kinds of single-operation changes.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    Create,
    Alter,
    Delete,
    CreateAcl,
    DeleteAcl,
    Other,
}

fn kind(p: &Planned<Op>) -> Kind {
    if p.ops.len() != 1 {
        return Kind::Other;
    }
    match &p.ops[0] {
        Op::CreateTopic(_) => Kind::Create,
        Op::AlterConfigs { .. } => Kind::Alter,
        Op::DeleteTopic(_) => Kind::Delete,
        Op::CreateAcl(_) => Kind::CreateAcl,
        Op::DeleteAcl(_) => Kind::DeleteAcl,
        _ => Kind::Other,
    }
}

/// Applies `changes` in order.
pub async fn apply(
    desired: &Desired,
    changes: &[Planned<Op>],
    log: &mut ApplyLog,
    opts: ReassignOptions,
) -> Result<()> {
    let Some(cluster) = &desired.cluster else {
        bail!("no cluster is defined");
    };
    let mut client = Client::connect(cluster).await?;
    let refused = {
        let versions = client.versions().clone();
        let check = |key: ApiKey| -> Option<String> {
            crate::kafka::conn::usable(key, versions.get(&(key as i16)).copied())
                .err()
                .map(|e| e.to_string())
        };
        preflight(&check, changes)
    };
    if !refused.is_empty() {
        bail!(
            "the broker cannot carry out this plan; nothing was applied:\n  {}",
            refused.join("\n  ")
        );
    }
    // Metadata first: it locates the controller for controller-bound requests.
    client.metadata().await?;
    let mut i = 0;
    while i < changes.len() {
        let k = kind(&changes[i]);
        let mut j = i + 1;
        if k != Kind::Other {
            while j < changes.len() && kind(&changes[j]) == k && j - i < desired.batch_size {
                j += 1;
            }
        }
        run_group(&mut client, &changes[i..j], k, log, opts).await?;
        i = j;
    }
    Ok(())
}

/// Marks the successful items done and fails with the others.
fn settle(
    group: &[Planned<Op>],
    outcomes: Outcomes,
    key: impl Fn(&Planned<Op>) -> String,
    log: &mut ApplyLog,
) -> Result<()> {
    let by_key: BTreeMap<String, Option<String>> = outcomes.into_iter().collect();
    let mut failures = Vec::new();
    for p in group {
        match by_key.get(&key(p)) {
            Some(None) => log.done(&p.change.address),
            Some(Some(e)) => failures.push(format!("{}: {e}", p.change.address)),
            None => failures.push(format!(
                "{}: the broker did not answer for it",
                p.change.address
            )),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{}", failures.join("; "))
    }
}

/// A request that failed without an answer (connection lost, timeout): the
/// broker may have carried it out. Its changes are reported "not applied"
/// (never claimed), and the error says their outcome is unknown.
fn in_doubt(e: anyhow::Error, group: &[Planned<Op>]) -> anyhow::Error {
    const SHOWN: usize = 5;
    let mut names: Vec<&str> = group
        .iter()
        .take(SHOWN)
        .map(|p| p.change.address.as_str())
        .collect();
    let more = group.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    if names.is_empty() {
        names.push("-");
    }
    anyhow::anyhow!(
        "{e:#}\n  no valid answer from the broker: the outcome of {}{more} is unknown (it may have been carried out; the next plan reads the live state)",
        names.join(", ")
    )
}

fn topic_of(p: &Planned<Op>) -> String {
    match p.ops.first() {
        Some(Op::CreateTopic(t)) => t.name.clone(),
        Some(Op::AlterConfigs { topic, .. }) => topic.clone(),
        Some(Op::DeleteTopic(t)) => t.clone(),
        Some(Op::CreateAcl(a)) | Some(Op::DeleteAcl(a)) => a.address(),
        Some(Op::CreatePartitions { topic, .. }) | Some(Op::Reassign { topic, .. }) => {
            topic.clone()
        }
        None => String::new(),
    }
}

async fn run_group(
    client: &mut Client,
    group: &[Planned<Op>],
    k: Kind,
    log: &mut ApplyLog,
    opts: ReassignOptions,
) -> Result<()> {
    let all_ops = || group.iter().flat_map(|p| p.ops.iter());
    match k {
        Kind::Create => {
            let topics: Vec<NewTopic> = all_ops()
                .filter_map(|o| match o {
                    Op::CreateTopic(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            let out = client
                .create_topics(&topics, topics.len())
                .await
                .map_err(|e| in_doubt(e, group))?;
            settle(group, out, topic_of, log)
        }
        Kind::Alter => {
            let items: Vec<_> = all_ops()
                .filter_map(|o| match o {
                    Op::AlterConfigs { topic, set, delete } => {
                        Some((topic.clone(), set.clone(), delete.clone()))
                    }
                    _ => None,
                })
                .collect();
            let out = client
                .alter_topic_configs(&items)
                .await
                .map_err(|e| in_doubt(e, group))?;
            settle(group, out, topic_of, log)
        }
        Kind::Delete => {
            let names: Vec<String> = group.iter().map(topic_of).collect();
            let out = client
                .delete_topics(&names)
                .await
                .map_err(|e| in_doubt(e, group))?;
            settle(group, out, topic_of, log)
        }
        Kind::CreateAcl | Kind::DeleteAcl => {
            let acls: Vec<_> = all_ops()
                .filter_map(|o| match o {
                    Op::CreateAcl(a) | Op::DeleteAcl(a) => Some(a.clone()),
                    _ => None,
                })
                .collect();
            let out = if k == Kind::CreateAcl {
                client
                    .create_acls(&acls)
                    .await
                    .map_err(|e| in_doubt(e, group))?
            } else {
                client
                    .delete_acls(&acls)
                    .await
                    .map_err(|e| in_doubt(e, group))?
            };
            settle(group, out, topic_of, log)
        }
        Kind::Other => {
            for p in group {
                let mut done: Vec<String> = Vec::new();
                for op in &p.ops {
                    run_one(client, op, opts).await.map_err(|e| {
                        let partial = if done.is_empty() {
                            String::new()
                        } else {
                            format!("; already applied for this change: {}", done.join(", "))
                        };
                        e.context(format!("{} ({}){partial}", op.describe(), p.change.address))
                    })?;
                    done.push(op.describe());
                }
                log.done(&p.change.address);
            }
            Ok(())
        }
    }
}

fn one(out: Outcomes) -> Result<()> {
    for (_, e) in out {
        if let Some(e) = e {
            bail!("{e}");
        }
    }
    Ok(())
}

async fn run_one(client: &mut Client, op: &Op, opts: ReassignOptions) -> Result<()> {
    match op {
        Op::CreateTopic(t) => one(client.create_topics(std::slice::from_ref(t), 1).await?),
        Op::CreatePartitions { topic, count } => one(client
            .create_partitions(&[(topic.clone(), *count, None)])
            .await?),
        Op::AlterConfigs { topic, set, delete } => one(client
            .alter_topic_configs(&[(topic.clone(), set.clone(), delete.clone())])
            .await?),
        Op::Reassign { topic, assignment } => reassign::run(client, topic, assignment, opts).await,
        Op::DeleteTopic(t) => one(client.delete_topics(std::slice::from_ref(t)).await?),
        Op::CreateAcl(a) => one(client.create_acls(std::slice::from_ref(a)).await?),
        Op::DeleteAcl(a) => one(client.delete_acls(std::slice::from_ref(a)).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::{Action, Change};

    #[test]
    fn preflight_names_each_refused_operation() {
        let changes = vec![
            Planned::new(
                Change::new("topic.a", Action::Update),
                vec![
                    Op::CreatePartitions {
                        topic: "a".into(),
                        count: 4,
                    },
                    Op::AlterConfigs {
                        topic: "a".into(),
                        set: BTreeMap::new(),
                        delete: vec!["segment.ms".into()],
                    },
                ],
            ),
            Planned::new(
                Change::new("topic.b", Action::Delete),
                vec![Op::DeleteTopic("b".into())],
            ),
        ];
        let check = |k: ApiKey| (k == ApiKey::CreatePartitions).then(|| "unsupported".to_string());
        let refused = preflight(&check, &changes);
        assert_eq!(
            refused,
            vec!["increasing the partitions of topic `a` to 4 (topic.a): unsupported".to_string()]
        );
        assert_eq!(kind(&changes[0]), Kind::Other);
        assert_eq!(kind(&changes[1]), Kind::Delete);
    }
}
