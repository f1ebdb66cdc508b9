use super::*;
use crate::live::LiveConfig;
use crate::model::{Operation, OverrideDetection, PatternType, Permission, ResourceType};

fn desired() -> Desired {
    Desired {
        cluster: None,
        mode: Mode::Authoritative,
        scope: vec![],
        override_detection: OverrideDetection::Auto,
        batch_size: 500,
        unmanaged: Unmanaged::Report,
        protected: vec![],
        protected_topics: Default::default(),
        topics: BTreeMap::new(),
        acls: None,
        acl_scope: Default::default(),
        ignore_configs: Default::default(),
        origins: Default::default(),
        scope_re: vec![],
        protected_re: vec![],
    }
}

fn spec(p: i32, rf: i16, configs: &[(&str, &str)]) -> TopicSpec {
    TopicSpec {
        partitions: p,
        replication_factor: rf,
        configs: configs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn cfg(value: &str, source: &str, is_override: bool) -> LiveConfig {
    LiveConfig {
        value: Some(value.into()),
        source: source.into(),
        is_override,
        fallback: None,
    }
}

fn live_topic(p: i32, rf: i16, configs: &[(&str, LiveConfig)]) -> LiveTopic {
    LiveTopic {
        internal: false,
        partitions: p,
        replication_factor: rf,
        assignment: (0..p).map(|i| (i, (1..=i32::from(rf)).collect())).collect(),
        configs: configs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        moving: BTreeMap::new(),
        bytes: None,
    }
}

fn all_apis() -> BTreeMap<String, (i16, i16)> {
    [
        "CreateTopics",
        "DeleteTopics",
        "IncrementalAlterConfigs",
        "CreatePartitions",
        "AlterPartitionReassignments",
        "CreateAcls",
        "DeleteAcls",
    ]
    .iter()
    .map(|k| (k.to_string(), (0, 5)))
    .collect()
}

fn live() -> Live {
    Live {
        brokers: vec![1, 2, 3],
        apis: all_apis(),
        topics: BTreeMap::new(),
        acls: None,
        warnings: Vec::new(),
    }
}

fn render(d: &Diff<Op>) -> String {
    let mut s = String::new();
    for p in &d.changes {
        s.push_str(&format!(
            "{} {}",
            p.change.action.symbol(),
            p.change.address
        ));
        if let Some(r) = &p.change.destructive {
            s.push_str(&format!("  [destructive: {r}]"));
        }
        s.push('\n');
        for f in &p.change.fields {
            s.push_str(&format!(
                "    {}: {} -> {}\n",
                f.name,
                f.before.as_deref().unwrap_or("(none)"),
                f.after.as_deref().unwrap_or("(none)")
            ));
        }
        for st in &p.change.statements {
            s.push_str(&format!("    $ {st}\n"));
        }
    }
    for n in &d.notes {
        s.push_str(&format!("note {}: {}\n", n.address, n.message));
    }
    if s.is_empty() {
        s.push_str("No changes.\n");
    }
    s
}

#[test]
fn create_update_delete_and_notes() {
    let mut d = desired();
    d.unmanaged = Unmanaged::Delete;
    d.protected = vec!["^keep\\.".into()];
    d.compile();
    d.topics
        .insert("new".into(), spec(3, 1, &[("retention.ms", "604800000")]));
    d.topics.insert(
        "orders".into(),
        spec(
            6,
            3,
            &[
                ("retention.ms", "86400000"),
                ("cleanup.policy", "compact,delete"),
            ],
        ),
    );
    let mut l = live();
    l.topics.insert(
        "orders".into(),
        live_topic(
            3,
            3,
            &[
                (
                    "retention.ms",
                    cfg("604800000", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                (
                    "cleanup.policy",
                    cfg("delete,compact", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                ("segment.ms", cfg("3600000", "DYNAMIC_TOPIC_CONFIG", true)),
                ("max.message.bytes", cfg("1048588", "DEFAULT_CONFIG", false)),
            ],
        ),
    );
    l.topics.insert("old".into(), live_topic(1, 1, &[]));
    l.topics.insert("keep.me".into(), live_topic(1, 1, &[]));
    let mut internal = live_topic(50, 1, &[]);
    internal.internal = true;
    l.topics.insert("__consumer_offsets".into(), internal);
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn equal_values_written_differently_are_no_change() {
    let mut d = desired();
    d.topics.insert(
        "t".into(),
        spec(
            1,
            1,
            &[
                ("retention.ms", "604800000"),
                ("min.cleanable.dirty.ratio", "0.5"),
                ("cleanup.policy", "compact,delete"),
                ("max.message.bytes", "1048588"),
            ],
        ),
    );
    let mut l = live();
    l.topics.insert(
        "t".into(),
        live_topic(
            1,
            1,
            &[
                (
                    "retention.ms",
                    cfg("604800000", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                (
                    "min.cleanable.dirty.ratio",
                    cfg("0.50", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                (
                    "cleanup.policy",
                    cfg("delete, compact", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                // Declared value equal to a default (any source) is no change.
                ("max.message.bytes", cfg("1048588", "DEFAULT_CONFIG", false)),
            ],
        ),
    );
    let r = diff(&d, &l);
    assert!(r.changes.is_empty(), "{}", render(&r));
}

#[test]
fn additive_mode_reports_overrides() {
    let mut d = desired();
    d.mode = Mode::Additive;
    d.topics.insert("t".into(), spec(1, 1, &[]));
    let mut l = live();
    l.topics.insert(
        "t".into(),
        live_topic(
            1,
            1,
            &[("segment.ms", cfg("3600000", "DYNAMIC_TOPIC_CONFIG", true))],
        ),
    );
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn replication_factor_change_is_a_reassignment() {
    let mut d = desired();
    d.topics.insert("t".into(), spec(3, 2, &[]));
    let mut l = live();
    let mut t = live_topic(3, 1, &[]);
    t.assignment = [(0, vec![1]), (1, vec![2]), (2, vec![3])]
        .into_iter()
        .collect();
    l.topics.insert("t".into(), t);
    assert!(check(&d, &l).is_empty());
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn impossible_changes_are_errors() {
    let mut d = desired();
    d.topics.insert("shrink".into(), spec(2, 1, &[]));
    d.topics.insert("wide".into(), spec(1, 5, &[]));
    d.origins.insert_fixed("shrink", "t.yaml:3:11");
    let mut l = live();
    l.topics.insert("shrink".into(), live_topic(4, 1, &[]));
    l.topics.insert("wide".into(), live_topic(1, 1, &[]));
    d.topics.insert("new-wide".into(), spec(1, 4, &[]));
    insta::assert_snapshot!(check(&d, &l).join("\n"));
}

#[test]
fn unsupported_apis_are_noted() {
    let mut d = desired();
    d.topics.insert("t".into(), spec(4, 1, &[]));
    let mut l = live();
    l.apis.remove("CreatePartitions");
    l.topics.insert("t".into(), live_topic(2, 1, &[]));
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn acls_authoritative() {
    let acl = |p: &str, op: &str| Acl {
        resource_type: ResourceType::Topic,
        name: "orders".into(),
        pattern_type: PatternType::Literal,
        principal: p.into(),
        host: "*".into(),
        operation: Operation::parse(op).unwrap(),
        permission: Permission::Allow,
    };
    let mut d = desired();
    d.acls = Some(vec![acl("User:alice", "Read"), acl("User:bob", "Write")]);
    let mut l = live();
    l.acls = Some(vec![acl("User:alice", "Read"), acl("User:eve", "Read")]);
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn balanced() {
    let cur = [(0, vec![1]), (1, vec![1]), (2, vec![1])]
        .into_iter()
        .collect();
    let a = balanced_assignment(&cur, &[1, 2, 3], 2);
    assert_eq!(a[&0], vec![1, 2]);
    assert_eq!(a[&1], vec![1, 3]);
    assert_eq!(a[&2], vec![1, 3]);
    let cur = [(0, vec![3, 1, 2])].into_iter().collect();
    assert_eq!(balanced_assignment(&cur, &[1, 2, 3], 1)[&0], vec![3]);
}

#[test]
fn out_of_scope_acls_are_never_deleted() {
    let acl = |rt: ResourceType, name: &str, p: &str| Acl {
        resource_type: rt,
        name: name.into(),
        pattern_type: PatternType::Literal,
        principal: p.into(),
        host: "*".into(),
        operation: Operation::Read,
        permission: Permission::Allow,
    };
    let mut d = desired();
    d.scope = vec!["^a\\.".into()];
    d.acl_scope.resources = vec![(ResourceType::Group, "^a\\.".into())];
    d.compile();
    let mine = acl(ResourceType::Topic, "a.orders", "User:app");
    let declared_group = acl(ResourceType::Group, "shared", "User:app");
    d.acls = Some(vec![declared_group.clone(), mine.clone()]);
    let mut l = live();
    l.acls = Some(vec![
        mine.clone(),
        declared_group,
        // In scope, undeclared: deleted.
        acl(ResourceType::Topic, "a.orders", "User:old"),
        acl(ResourceType::Group, "a.consumers", "User:old"),
        // Out of scope: another prefix, the admin's Cluster ACL, another group.
        acl(ResourceType::Topic, "b.orders", "User:other"),
        acl(ResourceType::Cluster, "kafka-cluster", "User:admin"),
        acl(ResourceType::Group, "b.consumers", "User:other"),
    ]);
    let out = diff(&d, &l);
    let deleted: Vec<&str> = out
        .changes
        .iter()
        .map(|p| p.change.address.as_str())
        .collect();
    assert_eq!(
        deleted,
        vec![
            "acl.Topic:literal:a.orders.User:old.*.Read.Allow",
            "acl.Group:literal:a.consumers.User:old.*.Read.Allow",
        ]
    );
    d.mode = Mode::Additive;
    let out = diff(&d, &l);
    assert!(out.changes.is_empty());
    assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
}

#[test]
fn ignored_and_throttle_configs_are_not_undeclared_overrides() {
    let mut d = desired();
    d.ignore_configs = ["segment.bytes".to_string()].into_iter().collect();
    d.topics.insert("t".into(), spec(1, 1, &[]));
    let mut l = live();
    l.topics.insert(
        "t".into(),
        live_topic(
            1,
            1,
            &[
                (
                    "segment.bytes",
                    cfg("1048576", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                (
                    "leader.replication.throttled.replicas",
                    cfg("0:1", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                (
                    "follower.replication.throttled.replicas",
                    cfg("0:2", "DYNAMIC_TOPIC_CONFIG", true),
                ),
                ("segment.ms", cfg("1000", "DYNAMIC_TOPIC_CONFIG", true)),
            ],
        ),
    );
    let out = diff(&d, &l);
    assert_eq!(out.changes.len(), 1);
    assert_eq!(
        out.changes[0].change.statements,
        vec!["IncrementalAlterConfigs(topic=t, DELETE segment.ms)".to_string()]
    );
}

#[test]
fn deleting_an_override_shows_its_fallback_and_data_loss_is_destructive() {
    use crate::live::Fallback;
    let with_fallback = |v: &str, to: Option<&str>, from: &str| LiveConfig {
        fallback: Some(Fallback {
            value: to.map(String::from),
            from: from.into(),
        }),
        ..cfg(v, "DYNAMIC_TOPIC_CONFIG", true)
    };
    let topic = |name: &str, key: &str, c: LiveConfig| {
        let mut d = desired();
        d.topics.insert(name.into(), spec(1, 1, &[]));
        let mut l = live();
        l.topics.insert(name.into(), live_topic(1, 1, &[(key, c)]));
        diff(&d, &l)
    };
    // 30 days → the broker's 7 days: destructive, the fallback is shown.
    let out = topic(
        "a",
        "retention.ms",
        with_fallback(
            "2592000000",
            Some("604800000"),
            "DEFAULT_CONFIG log.retention.hours",
        ),
    );
    assert_eq!(
        out.changes[0].change.destructive.as_deref(),
        Some("lowers retention.ms from 2592000000 to 604800000: messages older than 604800000 ms are deleted")
    );
    assert_eq!(
        out.notes[0].message,
        "deleting the override retention.ms=2592000000 falls back to 604800000 (DEFAULT_CONFIG log.retention.hours)"
    );
    // 1 hour → 7 days keeps more: not destructive.
    let out = topic(
        "b",
        "retention.ms",
        with_fallback(
            "3600000",
            Some("604800000"),
            "DEFAULT_CONFIG log.retention.hours",
        ),
    );
    assert!(out.changes[0].change.destructive.is_none());
    // compact → the broker's delete: destructive.
    let out = topic(
        "c",
        "cleanup.policy",
        with_fallback(
            "compact",
            Some("delete"),
            "DYNAMIC_DEFAULT_BROKER_CONFIG log.cleanup.policy",
        ),
    );
    assert!(out.changes[0]
        .change
        .destructive
        .as_deref()
        .unwrap()
        .starts_with("cleanup.policy from compact to delete"));
    // No synonyms reported: the loss cannot be ruled out.
    let out = topic(
        "d",
        "retention.bytes",
        cfg("1000", "DYNAMIC_TOPIC_CONFIG", true),
    );
    assert!(out.changes[0].change.destructive.is_some());
    assert!(out.notes.is_empty());
    // A declared compact → delete change too.
    let mut d = desired();
    d.topics
        .insert("e".into(), spec(1, 1, &[("cleanup.policy", "delete")]));
    let mut l = live();
    l.topics.insert(
        "e".into(),
        live_topic(
            1,
            1,
            &[(
                "cleanup.policy",
                cfg("compact", "DYNAMIC_TOPIC_CONFIG", true),
            )],
        ),
    );
    assert!(diff(&d, &l).changes[0].change.destructive.is_some());
}

#[test]
fn an_in_flight_reassignment_is_a_note_not_a_diff() {
    use crate::kafka::Moving;
    let mut d = desired();
    d.topics.insert("t".into(), spec(2, 2, &[]));
    let mut l = live();
    // Someone moves partition 0 from [1,2] to [2,3]: Metadata lists [1,2,3].
    let mut t = live_topic(2, 2, &[]);
    t.assignment.insert(0, vec![1, 2, 3]);
    t.moving.insert(
        0,
        Moving {
            replicas: vec![1, 2, 3],
            adding: vec![3],
            removing: vec![1],
        },
    );
    l.topics.insert("t".into(), t);
    // Read as the reader would: the adding replica is not counted.
    assert!(check(&d, &l).is_empty());
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{:?}", out.changes);
    assert_eq!(
        out.notes[0].message,
        "a replica reassignment is in progress (partition 0: adding [3], removing [1]); the replication factor is compared once it completes, and the move is never replaced"
    );
    // Even a declared factor change waits: the move is not replaced.
    d.topics.insert("t".into(), spec(2, 3, &[]));
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{:?}", out.changes);
    assert!(check(&d, &l).is_empty());
}

#[test]
fn the_bytes_at_stake_are_in_the_reason() {
    let mut d = desired();
    d.unmanaged = Unmanaged::Delete;
    d.topics
        .insert("cut".into(), spec(1, 1, &[("retention.ms", "3600000")]));
    let mut l = live();
    let mut old = live_topic(1, 1, &[]);
    old.bytes = Some(3 << 20);
    l.topics.insert("old".into(), old);
    let mut cut = live_topic(
        1,
        1,
        &[(
            "retention.ms",
            cfg("604800000", "DYNAMIC_TOPIC_CONFIG", true),
        )],
    );
    cut.bytes = Some(1536);
    l.topics.insert("cut".into(), cut.clone());
    let reasons: Vec<String> = diff(&d, &l)
        .changes
        .iter()
        .filter_map(|p| p.change.destructive.clone())
        .collect();
    assert_eq!(
        reasons,
        vec![
            "lowers retention.ms from 604800000 to 3600000: messages older than 3600000 ms are deleted (the topic holds 1.5 KiB (1536 bytes) on disk, one replica)".to_string(),
            "deletes the topic and all its messages (the topic holds 3.0 MiB (3145728 bytes) on disk, one replica)".to_string(),
        ]
    );
    // The reader asks sizes for exactly these two topics.
    l.topics.insert("same".into(), live_topic(1, 1, &[]));
    d.topics.insert("same".into(), spec(1, 1, &[]));
    let stake: Vec<String> = crate::live::at_stake(&d, &l.topics).into_keys().collect();
    assert_eq!(stake, vec!["cut".to_string(), "old".to_string()]);
}

#[test]
fn read_warnings_are_plan_notes() {
    let mut l = live();
    l.warnings
        .push("in-flight reassignments cannot be read (denied)".into());
    let d = crate::diff::diff(&desired(), &l);
    assert!(d
        .notes
        .iter()
        .any(|n| n.address == "cluster" && n.message.contains("in-flight reassignments")));
}
