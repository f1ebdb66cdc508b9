//! The pure difference between the desired and the live state.
//!
//! Rules (see docs/kafka-config.md):
//! - a declared config is compared with the live value whatever its source,
//!   by type ([`units::values_equal`]);
//! - undeclared live overrides are deleted (authoritative) or reported (additive);
//! - partitions only grow; replication factor changes become reassignments,
//!   never while a reassignment of the topic is in flight (a note instead);
//! - internal and protected topics are never deleted; unmanaged topics are
//!   reported, and deleted only when the configuration opts in.

use std::collections::{BTreeMap, BTreeSet};

use common::{Action, Change, Diff, FieldChange, Note, Planned};
use kafka_protocol::messages::ApiKey;

use crate::kafka::NewTopic;
use crate::live::{Live, LiveTopic};
use crate::loss;
use crate::model::{Acl, Desired, Mode, TopicSpec, Unmanaged};
use crate::units;

/// One executable step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// CreateTopics.
    CreateTopic(NewTopic),
    /// CreatePartitions up to `count`.
    CreatePartitions {
        /// Topic.
        topic: String,
        /// New total.
        count: i32,
    },
    /// IncrementalAlterConfigs SET / DELETE.
    AlterConfigs {
        /// Topic.
        topic: String,
        /// Keys to set.
        set: BTreeMap<String, String>,
        /// Keys to delete (revert to the default).
        delete: Vec<String>,
    },
    /// AlterPartitionReassignments.
    Reassign {
        /// Topic.
        topic: String,
        /// Partition → replicas.
        assignment: BTreeMap<i32, Vec<i32>>,
    },
    /// DeleteTopics.
    DeleteTopic(String),
    /// CreateAcls.
    CreateAcl(Acl),
    /// DeleteAcls (exact filter).
    DeleteAcl(Acl),
}

impl Op {
    /// The Kafka API this operation needs.
    pub fn api(&self) -> ApiKey {
        match self {
            Op::CreateTopic(_) => ApiKey::CreateTopics,
            Op::CreatePartitions { .. } => ApiKey::CreatePartitions,
            Op::AlterConfigs { .. } => ApiKey::IncrementalAlterConfigs,
            Op::Reassign { .. } => ApiKey::AlterPartitionReassignments,
            Op::DeleteTopic(_) => ApiKey::DeleteTopics,
            Op::CreateAcl(_) => ApiKey::CreateAcls,
            Op::DeleteAcl(_) => ApiKey::DeleteAcls,
        }
    }

    /// What the operation does, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateTopic(t) => format!("creating topic `{}`", t.name),
            Op::CreatePartitions { topic, count } => {
                format!("increasing the partitions of topic `{topic}` to {count}")
            }
            Op::AlterConfigs { topic, .. } => format!("changing the configs of topic `{topic}`"),
            Op::Reassign { topic, .. } => {
                format!("changing the replication factor of topic `{topic}`")
            }
            Op::DeleteTopic(t) => format!("deleting topic `{t}`"),
            Op::CreateAcl(a) => format!("creating ACL {}", acl_text(a)),
            Op::DeleteAcl(a) => format!("deleting ACL {}", acl_text(a)),
        }
    }
}

fn acl_text(a: &Acl) -> String {
    format!(
        "{} {} {} on {}:{}:{} from {}",
        a.principal, a.permission, a.operation, a.resource_type, a.pattern_type, a.name, a.host
    )
}

fn configs_text(c: &BTreeMap<String, String>) -> String {
    c.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement shown in the plan for an operation.
pub fn statement(op: &Op) -> String {
    match op {
        Op::CreateTopic(t) => format!(
            "CreateTopics(name={}, partitions={}, replication_factor={}, configs={{{}}})",
            t.name,
            t.partitions,
            t.replication_factor,
            configs_text(&t.configs)
        ),
        Op::CreatePartitions { topic, count } => {
            format!("CreatePartitions(topic={topic}, count={count})")
        }
        Op::AlterConfigs { topic, set, delete } => {
            let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("SET {k}={v}")).collect();
            parts.extend(delete.iter().map(|k| format!("DELETE {k}")));
            format!(
                "IncrementalAlterConfigs(topic={topic}, {})",
                parts.join(", ")
            )
        }
        Op::Reassign { topic, assignment } => {
            let parts: Vec<String> = assignment
                .iter()
                .map(|(p, r)| {
                    format!(
                        "{p}=[{}]",
                        r.iter()
                            .map(|b| b.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
                .collect();
            format!(
                "AlterPartitionReassignments(topic={topic}, {})",
                parts.join(", ")
            )
        }
        Op::DeleteTopic(t) => format!("DeleteTopics({t})"),
        Op::CreateAcl(a) => format!("CreateAcls({})", acl_text(a)),
        Op::DeleteAcl(a) => format!("DeleteAcls({})", acl_text(a)),
    }
}

fn planned(change: Change, ops: Vec<Op>) -> Planned<Op> {
    let change = ops.iter().fold(change, |c, op| c.statement(statement(op)));
    Planned::new(change, ops)
}

/// Changes the plan cannot carry out; `plan` and `apply` stop on them
/// before anything is applied.
pub fn check(desired: &Desired, live: &Live) -> Vec<String> {
    let mut errors = Vec::new();
    for (name, spec) in &desired.topics {
        // Resolved only on error: a location costs a scan of the file.
        let origin = || {
            desired
                .origins
                .get(name)
                .map(|o| format!("{o}: "))
                .unwrap_or_default()
        };
        let Some(l) = live.topics.get(name) else {
            let rf = usize::try_from(spec.replication_factor).unwrap_or(0);
            if !live.brokers.is_empty() && rf > live.brokers.len() {
                errors.push(format!(
                    "{}topic `{name}`: replication_factor {rf} needs at least {rf} brokers; the cluster has {}",
                    origin(),
                    live.brokers.len()
                ));
            }
            continue;
        };
        if spec.partitions < l.partitions {
            errors.push(format!(
                "{}topic `{name}` has {} partitions on the cluster and {} in the configuration: Kafka cannot decrease partitions (recreate the topic under a new name, or set partitions: {})",
                origin(),
                l.partitions, spec.partitions, l.partitions
            ));
        }
        if spec.replication_factor != l.replication_factor && l.moving.is_empty() {
            if spec.partitions != l.partitions {
                errors.push(format!(
                    "{}topic `{name}`: change the partitions and the replication factor in two separate applies",
                    origin()
                ));
            }
            if usize::try_from(spec.replication_factor).unwrap_or(0) > live.brokers.len() {
                errors.push(format!(
                    "{}topic `{name}`: replication_factor {} needs at least {} brokers; the cluster has {}",
                    origin(),
                    spec.replication_factor,
                    spec.replication_factor,
                    live.brokers.len()
                ));
            }
        }
    }
    errors
}

/// A balanced assignment for a new replication factor: keeps current
/// replicas (leader first), drops from the tail, and adds the least loaded
/// brokers (lowest id on ties).
pub fn balanced_assignment(
    current: &BTreeMap<i32, Vec<i32>>,
    brokers: &[i32],
    rf: usize,
) -> BTreeMap<i32, Vec<i32>> {
    let mut load: BTreeMap<i32, usize> = brokers.iter().map(|b| (*b, 0)).collect();
    let mut out = BTreeMap::new();
    for (p, replicas) in current {
        let mut r: Vec<i32> = replicas
            .iter()
            .copied()
            .filter(|b| load.contains_key(b))
            .collect();
        r.truncate(rf);
        for b in &r {
            *load.entry(*b).or_default() += 1;
        }
        out.insert(*p, r);
    }
    let n = brokers.len().max(1);
    let rank: BTreeMap<i32, usize> = brokers.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    for (p, r) in out.iter_mut() {
        // Ties go to the broker after the partition's index, round robin.
        let shift = usize::try_from(*p).unwrap_or(0) % n;
        while r.len() < rf {
            let next = load
                .iter()
                .filter(|(b, _)| !r.contains(b))
                .min_by_key(|(b, c)| (**c, (rank.get(b).copied().unwrap_or(0) + n - shift) % n))
                .map(|(b, _)| *b);
            let Some(b) = next else { break };
            *load.entry(b).or_default() += 1;
            r.push(b);
        }
    }
    out
}

/// The in-flight moves of a topic, for notes: `partition 0: adding [3], removing [1]`.
fn moving_text(l: &LiveTopic) -> String {
    let ids = |v: &[i32]| {
        v.iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    l.moving
        .iter()
        .map(|(p, m)| {
            format!(
                "partition {p}: adding [{}], removing [{}]",
                ids(&m.adding),
                ids(&m.removing)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn create_change(name: &str, spec: &TopicSpec) -> Planned<Op> {
    let mut c = Change::new(format!("topic.{name}"), Action::Create)
        .field(FieldChange::new(
            "partitions",
            None::<String>,
            Some(spec.partitions.to_string()),
        ))
        .field(FieldChange::new(
            "replication_factor",
            None::<String>,
            Some(spec.replication_factor.to_string()),
        ));
    for (k, v) in &spec.configs {
        c = c.field(FieldChange::new(
            format!("config.{k}"),
            None::<String>,
            Some(v.clone()),
        ));
    }
    planned(
        c,
        vec![Op::CreateTopic(NewTopic {
            name: name.to_string(),
            partitions: spec.partitions,
            replication_factor: spec.replication_factor,
            configs: spec.configs.clone(),
        })],
    )
}

fn update_change(
    name: &str,
    spec: &TopicSpec,
    l: &LiveTopic,
    desired: &Desired,
    live: &Live,
    notes: &mut Vec<Note>,
) -> Option<Planned<Op>> {
    let address = format!("topic.{name}");
    let mut c = Change::new(address.clone(), Action::Update);
    let mut ops = Vec::new();
    if spec.partitions > l.partitions {
        c = c.field(FieldChange::new(
            "partitions",
            Some(l.partitions.to_string()),
            Some(spec.partitions.to_string()),
        ));
        ops.push(Op::CreatePartitions {
            topic: name.to_string(),
            count: spec.partitions,
        });
    }
    let mut set = BTreeMap::new();
    let mut delete = Vec::new();
    let mut losses = Vec::new();
    for (k, v) in &spec.configs {
        let lv = l.configs.get(k).and_then(|e| e.value.as_deref());
        if !units::values_equal(k, v, lv) {
            c = c.field(FieldChange::new(format!("config.{k}"), lv, Some(v.clone())));
            losses.extend(loss::data_loss(k, lv, Some(v)));
            set.insert(k.clone(), v.clone());
        }
    }
    for (k, e) in &l.configs {
        if !e.is_override || spec.configs.contains_key(k) || desired.ignores_config(k) {
            continue;
        }
        match desired.mode {
            Mode::Authoritative => {
                c = c.field(FieldChange::new(
                    format!("config.{k}"),
                    e.value.clone(),
                    None::<String>,
                ));
                let to = e.fallback.as_ref().and_then(|f| f.value.as_deref());
                if let Some(f) = &e.fallback {
                    notes.push(Note {
                        address: address.clone(),
                        message: format!(
                            "deleting the override {k}={} falls back to {} ({})",
                            e.value.as_deref().unwrap_or("(hidden)"),
                            f.value.as_deref().unwrap_or("(hidden)"),
                            f.from
                        ),
                    });
                }
                losses.extend(loss::data_loss(k, e.value.as_deref(), to));
                delete.push(k.clone());
            }
            Mode::Additive => notes.push(Note {
                address: address.clone(),
                message: format!(
                    "undeclared override {k}={} kept (additive mode)",
                    e.value.as_deref().unwrap_or("(hidden)")
                ),
            }),
        }
    }
    if !losses.is_empty() {
        c = c.destructive(format!(
            "{}{}",
            losses.join("; "),
            loss::at_stake_text(l.bytes)
        ));
    }
    if !set.is_empty() || !delete.is_empty() {
        ops.push(Op::AlterConfigs {
            topic: name.to_string(),
            set,
            delete,
        });
    }
    if !l.moving.is_empty() {
        notes.push(Note {
            address: address.clone(),
            message: format!(
                "a replica reassignment is in progress ({}); the replication factor is compared once it completes, and the move is never replaced",
                moving_text(l)
            ),
        });
    } else if spec.replication_factor != l.replication_factor && spec.partitions == l.partitions {
        c = c.field(FieldChange::new(
            "replication_factor",
            Some(l.replication_factor.to_string()),
            Some(spec.replication_factor.to_string()),
        ));
        let rf = usize::try_from(spec.replication_factor).unwrap_or(1);
        ops.push(Op::Reassign {
            topic: name.to_string(),
            assignment: balanced_assignment(&l.assignment, &live.brokers, rf),
        });
    }
    (!ops.is_empty()).then(|| planned(c, ops))
}

/// The plan: topic creations, updates, ACL changes, then deletions.
pub fn diff(desired: &Desired, live: &Live) -> Diff<Op> {
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut deletes = Vec::new();
    let mut notes: Vec<Note> = live
        .warnings
        .iter()
        .map(|w| Note {
            address: "cluster".into(),
            message: format!("warning: {w}"),
        })
        .collect();
    for (name, spec) in &desired.topics {
        match live.topics.get(name) {
            None => creates.push(create_change(name, spec)),
            Some(l) => {
                if let Some(p) = update_change(name, spec, l, desired, live, &mut notes) {
                    updates.push(p);
                }
            }
        }
    }
    for (name, l) in &live.topics {
        if desired.topics.contains_key(name) || l.internal {
            continue;
        }
        let address = format!("topic.{name}");
        if desired.is_protected(name) {
            notes.push(Note {
                address,
                message: "unmanaged topic, protected: never deleted".into(),
            });
        } else if desired.unmanaged == Unmanaged::Delete {
            let c = Change::new(address, Action::Delete)
                .field(FieldChange::new(
                    "partitions",
                    Some(l.partitions.to_string()),
                    None::<String>,
                ))
                .destructive(format!(
                    "deletes the topic and all its messages{}",
                    loss::at_stake_text(l.bytes)
                ));
            deletes.push(planned(c, vec![Op::DeleteTopic(name.clone())]));
        } else {
            notes.push(Note {
                address,
                message: "unmanaged topic, not in the configuration; left alone (set `deletion.unmanaged: delete` to remove it)".into(),
            });
        }
    }
    let mut acl_changes = Vec::new();
    if let (Some(want), Some(have)) = (&desired.acls, &live.acls) {
        let have_set: BTreeSet<&Acl> = have.iter().collect();
        let want_set: BTreeSet<&Acl> = want.iter().collect();
        for a in want.iter().filter(|a| !have_set.contains(a)) {
            let c = Change::new(a.address(), Action::Create);
            acl_changes.push(planned(c, vec![Op::CreateAcl(a.clone())]));
        }
        // Out-of-scope bindings (other teams', the admin's own) are never
        // touched, whatever the mode.
        for a in have
            .iter()
            .filter(|a| !want_set.contains(a) && desired.acl_in_scope(a))
        {
            match desired.mode {
                Mode::Authoritative => {
                    let c = Change::new(a.address(), Action::Delete)
                        .destructive("removes access granted by this ACL");
                    acl_changes.push(planned(c, vec![Op::DeleteAcl(a.clone())]));
                }
                Mode::Additive => notes.push(Note {
                    address: a.address(),
                    message: "undeclared ACL kept (additive mode)".into(),
                }),
            }
        }
    }
    let mut changes = creates;
    changes.extend(updates);
    changes.extend(acl_changes);
    changes.extend(deletes);
    // Tell now what apply will refuse.
    let mut missing = BTreeMap::<String, Vec<String>>::new();
    for p in &changes {
        for op in &p.ops {
            if !live.supports(op.api()) {
                missing
                    .entry(format!("{:?}", op.api()))
                    .or_default()
                    .push(p.change.address.clone());
            }
        }
    }
    for (api, addrs) in missing {
        notes.push(Note {
            address: addrs.join(", "),
            message: format!(
                "the broker does not support {api}: apply will refuse this plan and apply nothing"
            ),
        });
    }
    Diff { changes, notes }
}

#[cfg(test)]
mod tests;
