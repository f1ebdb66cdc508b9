//! `apply --wait-timeout` and signals during a throttled wait: apply stops
//! with exit 1, removes the throttle it set, and the move goes on in the
//! cluster. Verified with kafka-python and Kafka's own kafka-configs.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use support::*;

/// Cancels this test's reassignments and removes the broker throttle rates,
/// even when an assertion fails.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        cancel_moves(&self.0);
        for b in 1..=3 {
            let _ = kadmin_try(
                "broker_config",
                json!({"broker": b, "delete": ["leader.replication.throttled.rate", "follower.replication.throttled.rate"]}),
            );
        }
    }
}

fn cancel_moves(prefix: &str) {
    let moves = kadmin_try("reassignments", json!({ "prefix": prefix })).unwrap_or_default();
    if let Some(m) = moves.as_object() {
        let cancel: serde_json::Map<String, Value> =
            m.keys().map(|k| (k.clone(), Value::Null)).collect();
        if !cancel.is_empty() {
            let _ = kadmin_try("reassign", json!({ "moves": cancel }));
        }
    }
}

fn moving(prefix: &str) -> usize {
    kadmin("reassignments", json!({ "prefix": prefix }))
        .as_object()
        .map_or(0, |m| m.len())
}

/// No throttle left: none of the topic's throttle keys, and no broker with
/// the 1 KiB/s rate this test sets (kafka-configs, Kafka's own tool).
fn assert_no_throttle_left(topic: &str) {
    let c = configs(topic);
    assert!(!c.keys().any(|k| k.contains("throttled")), "{c:?}");
    let bs = bootstrap();
    for id in ["1", "2", "3"] {
        let b = kafka_tool_ok(
            "kafka.admin.ConfigCommand",
            &[
                "--bootstrap-server",
                bs.as_str(),
                "--describe",
                "--entity-type",
                "brokers",
                "--entity-name",
                id,
            ],
        );
        assert!(
            !b.contains("replication.throttled.rate=1024"),
            "broker {id}: {b}"
        );
    }
}

#[test]
fn a_wait_that_times_out_or_is_signalled_removes_its_throttle() {
    let ctx = Ctx::new("wait_limit");
    let _cleanup = Cleanup(ctx.prefix.clone());
    let topic = ctx.topic("big");
    let yaml = |rf: u8| {
        format!("topics:\n  - name: {{P}}big\n    partitions: 1\n    replication_factor: {rf}\n")
    };
    ctx.write_topics(&yaml(1));
    ctx.apply_ok();
    // 8 MB of records: at 1 KiB/s the move cannot finish during the test.
    kadmin(
        "produce",
        json!({"topic": topic, "count": 80, "size": 100_000}),
    );
    ctx.write_topics(&yaml(2));

    // The timeout runs out.
    let out = ctx.run(&[
        "apply",
        "--auto-approve",
        "--throttle",
        "1KiB",
        "--wait-timeout",
        "3s",
        "--no-color",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("1 of 1 partitions still moving after 3s (--wait-timeout)"),
        "{err}"
    );
    assert!(err.contains("replication throttle removed"), "{err}");
    assert_no_throttle_left(&topic);
    // Not cancelled: unthrottled now, the move completes in the cluster.
    wait_for_replicas(&topic, 2);

    // SIGTERM while waiting (a cancelled CI job), on the move 2 → 3.
    ctx.write_topics(&yaml(3));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args([
            "apply",
            "--auto-approve",
            "--throttle",
            "1KiB",
            "--no-color",
        ])
        .arg(ctx.path())
        .env_remove("KAFKA_CONFIG_ENV")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kafka-config");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.expect("stderr line");
        seen.push_str(&line);
        seen.push('\n');
        // As early as the throttle is set (before the move starts): the
        // handlers are in place from before the throttle on.
        if line.contains("replication throttled to") {
            break;
        }
    }
    assert!(seen.contains("replication throttled to"), "{seen}");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    for line in lines {
        seen.push_str(&line.expect("stderr line"));
        seen.push('\n');
    }
    let status = child.wait().expect("wait for kafka-config");
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(
        seen.contains("terminated (SIGTERM) while waiting"),
        "{seen}"
    );
    assert!(seen.contains("replication throttle removed"), "{seen}");
    assert_no_throttle_left(&topic);
    wait_for_replicas(&topic, 3);
    ctx.assert_no_changes();
}

/// Waits up to 30 s for every partition of `topic` to have `n` replicas and
/// no move in flight (kafka-python).
fn wait_for_replicas(topic: &str, n: usize) {
    let prefix = topic;
    for _ in 0..300 {
        let done = live_topic(topic).replicas.iter().all(|r| r.len() == n);
        if done && moving(prefix) == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!(
        "{topic}: not at {n} replicas after 30 s: {:?}",
        live_topic(topic).replicas
    );
}
