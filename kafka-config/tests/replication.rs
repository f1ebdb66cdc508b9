//! Replication-factor changes on the real 3-broker cluster: RF 1 → 3 and
//! 3 → 2 through a partition reassignment, waited to completion (seen by
//! kafka-python and Kafka's own TopicCommand), then plan shows no changes.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::*;

const TOPIC: &str = "topics:\n  - name: {P}orders\n    partitions: 3\n    replication_factor: RF\n    configs: {retention.ms: 1d}\n";

/// Waits until no reassignment of `prefix` is in flight and every partition
/// of `topic` has `rf` replicas (kafka-python).
fn wait_rf(prefix: &str, topic: &str, rf: usize) -> Duration {
    let start = Instant::now();
    loop {
        let moving = kadmin("reassignments", json!({ "prefix": prefix }));
        let live = live_topic(topic);
        let done = moving.as_object().map(|m| m.is_empty()).unwrap_or(false)
            && live.replicas.iter().all(|r| r.len() == rf);
        if done {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{topic}: not at RF {rf} after 90 s: replicas {:?}, in flight {moving}",
            live.replicas
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn describe(topic: &str) -> String {
    kafka_tool_ok(
        "org.apache.kafka.tools.TopicCommand",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--describe",
            "--topic",
            topic,
        ],
    )
}

#[test]
fn replication_factor_1_to_3_then_3_to_2_through_reassignment() {
    let ctx = Ctx::new("rf_change");
    let orders = ctx.topic("orders");
    ctx.write_topics(&TOPIC.replace("RF", "1"));
    ctx.apply_ok();
    assert!(live_topic(&orders).replicas.iter().all(|r| r.len() == 1));

    // 1 → 3
    ctx.write_topics(&TOPIC.replace("RF", "3"));
    let plan = ctx.run(&["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    assert!(
        stdout(&plan).contains("replication_factor"),
        "{}",
        text(&plan)
    );
    ctx.apply_ok();
    let took = wait_rf(&ctx.prefix, &orders, 3);
    let d = describe(&orders);
    assert!(d.contains("ReplicationFactor: 3"), "{d}");
    let live = live_topic(&orders);
    for r in &live.replicas {
        let mut s = r.clone();
        s.sort();
        assert_eq!(s, vec![1, 2, 3], "{:?}", live.replicas);
    }
    ctx.assert_no_changes();

    // 3 → 2
    ctx.write_topics(&TOPIC.replace("RF", "2"));
    ctx.apply_ok();
    let took2 = wait_rf(&ctx.prefix, &orders, 2);
    let d = describe(&orders);
    assert!(d.contains("ReplicationFactor: 2"), "{d}");
    ctx.assert_no_changes();
    // The config was untouched by the moves.
    assert_eq!(
        configs(&orders).get("retention.ms").map(String::as_str),
        Some("86400000")
    );
    eprintln!("RF 1→3 completed {took:?} after apply, 3→2 {took2:?}");
}

#[test]
fn apply_wait_returns_once_the_move_has_completed() {
    let ctx = Ctx::new("rf_wait");
    let orders = ctx.topic("orders");
    ctx.write_topics(&TOPIC.replace("RF", "1"));
    ctx.apply_ok();
    ctx.write_topics(&TOPIC.replace("RF", "2"));
    let out = ctx.run(&["apply", "--auto-approve", "--wait", "--no-color"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains("reassignment complete"),
        "{}",
        text(&out)
    );
    // Nothing is moving any more the moment apply returns (the controller's
    // answer, no polling).
    let moving = kadmin("reassignments", json!({ "prefix": ctx.prefix }));
    assert_eq!(moving, json!({}), "apply --wait returned mid-move");
    wait_rf(&ctx.prefix, &orders, 2);
    ctx.assert_no_changes();
}
