//! Behaviour of issue 13's defect fixes that the other fix tests
//! (tests/fixes.rs) do not cover: a reassignment started by someone else and
//! still in flight is reported, never diffed nor replaced, and its throttle
//! overrides are left alone. Set up and verified with kafka-python.

mod support;

use serde_json::json;
use support::*;

/// Cancels the reassignment and removes the broker throttles, even when an
/// assertion fails.
struct Unthrottle {
    moves: serde_json::Value,
}

impl Drop for Unthrottle {
    fn drop(&mut self) {
        let cancel: serde_json::Map<String, serde_json::Value> = self
            .moves
            .as_object()
            .expect("moves")
            .keys()
            .map(|k| (k.clone(), serde_json::Value::Null))
            .collect();
        let _ = kadmin_try("reassign", json!({ "moves": cancel }));
        for b in 1..=3 {
            let _ = kadmin_try(
                "broker_config",
                json!({"broker": b, "delete": ["leader.replication.throttled.rate", "follower.replication.throttled.rate"]}),
            );
        }
    }
}

#[test]
fn a_reassignment_in_flight_is_reported_not_diffed_nor_replaced() {
    let ctx = Ctx::new("inflight");
    let topic = ctx.topic("moving");
    ctx.write_topics(
        "topics:\n  - name: {P}moving\n    partitions: 1\n    replication_factor: 1\n    configs: {retention.ms: 1d}\n",
    );
    ctx.apply_ok();
    // 8 MB of records, replication throttled to 1 KB/s: the move that
    // another operator starts (kafka-python) stays in flight.
    kadmin(
        "produce",
        json!({"topic": topic, "count": 80, "size": 100_000}),
    );
    let leader = live_topic(&topic).replicas[0][0];
    let other = if leader == 1 { 2 } else { 1 };
    let moves = json!({ format!("{topic}:0"): [leader, other] });
    let _undo = Unthrottle {
        moves: moves.clone(),
    };
    for b in 1..=3 {
        kadmin(
            "broker_config",
            json!({"broker": b, "set": {"leader.replication.throttled.rate": "1024", "follower.replication.throttled.rate": "1024"}}),
        );
    }
    set_config(&topic, "leader.replication.throttled.replicas", "*");
    set_config(&topic, "follower.replication.throttled.replicas", "*");
    let started = kadmin("reassign", json!({ "moves": moves }));
    assert!(
        started
            .as_object()
            .expect("answer")
            .values()
            .all(|e| e.is_null()),
        "{started}"
    );
    let inflight = kadmin("reassignments", json!({ "prefix": ctx.prefix }));
    assert_eq!(
        inflight.as_object().map(|m| m.len()),
        Some(1),
        "the move finished too fast to test: {inflight}"
    );

    // Metadata now lists 2 replicas (old + new): no RF diff, no throttle
    // removal, and the move is mentioned.
    let plan = ctx.run(&["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        stdout(&plan).to_lowercase().contains("reassignment"),
        "the in-flight move is reported:\n{}",
        text(&plan)
    );
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    // Still in flight, same target; throttles still set.
    let after = kadmin("reassignments", json!({ "prefix": ctx.prefix }));
    assert_eq!(after, inflight, "the move was replaced or cancelled");
    let c = configs(&topic);
    assert_eq!(
        c.get("leader.replication.throttled.replicas")
            .map(String::as_str),
        Some("*"),
        "{c:?}"
    );
    assert_eq!(
        c.get("follower.replication.throttled.replicas")
            .map(String::as_str),
        Some("*"),
        "{c:?}"
    );

    // Even a declared factor change never replaces the move in flight.
    ctx.write_topics(
        "topics:\n  - name: {P}moving\n    partitions: 1\n    replication_factor: 3\n    configs: {retention.ms: 1d}\n",
    );
    let plan = ctx.plan();
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        !stdout(&plan).contains("AlterPartitionReassignments"),
        "a move is planned over the one in flight:\n{}",
        text(&plan)
    );
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert!(!stderr(&apply).contains("panicked"), "{}", text(&apply));
    let after = kadmin("reassignments", json!({ "prefix": ctx.prefix }));
    assert_eq!(after, inflight, "the move was replaced or cancelled");
}
