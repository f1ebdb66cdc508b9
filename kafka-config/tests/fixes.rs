//! Integration tests of the issue-13 fixes on the real Apache Kafka cluster
//! of scripts/services.sh: scoped ACLs, destructive config changes with
//! their fallback, ignored configs, safe reassignments. Outcomes are
//! verified with kafka-python (support/kadmin.py), never kafka-config's own
//! client.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use support::*;

fn has_acl(list: &[Value], principal: &str, kind: &str, name: &str) -> bool {
    list.iter()
        .any(|a| a["principal"] == principal && a["type"] == kind && a["name"] == name)
}

/// Plans until the output satisfies `ready` (out-of-band changes reach
/// every broker within moments), at most 5 s; returns the last plan.
fn plan_until(ctx: &Ctx, ready: impl Fn(&str) -> bool) -> std::process::Output {
    let mut plan = ctx.plan();
    for _ in 0..20 {
        if ready(&stdout(&plan)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
        plan = ctx.plan();
    }
    plan
}

/// Removes this test's ACLs (every principal and name carries the prefix)
/// even when an assertion fails.
struct AclCleanup(String);

impl Drop for AclCleanup {
    fn drop(&mut self) {
        delete_acls(&self.0);
    }
}

#[test]
fn acls_outside_the_scope_survive_an_authoritative_apply() {
    let ctx = Ctx::new("acl_scope");
    let p = ctx.prefix.clone();
    let _cleanup = AclCleanup(p.clone());
    let orders = ctx.topic("orders");
    let app = format!("User:{p}app");
    let old = format!("User:{p}old");
    let other = format!("User:{p}other");
    let admin = format!("User:{p}admin");
    let other_topic = format!("other-{p}orders");
    let group = format!("{p}group");
    let managed_group = format!("{p}managed.group");
    create_acls(json!([
        // In scope, undeclared: the authoritative apply deletes them.
        {"principal": old, "operation": "read", "type": "topic", "name": orders},
        {"principal": old, "operation": "read", "type": "group", "name": managed_group},
        // Out of scope: another prefix's topic, a Cluster ACL of an admin, a Group ACL.
        {"principal": other, "operation": "read", "type": "topic", "name": other_topic},
        {"principal": admin, "operation": "alter", "type": "cluster", "name": "kafka-cluster"},
        {"principal": other, "operation": "read", "type": "group", "name": group},
    ]));
    ctx.write_cluster(&format!(
        "  acl_scope:\n    resources:\n      - {{resource_type: Group, name: '^{}managed\\.'}}\n",
        ctx.scope()
    ));
    ctx.write_topics(&format!(
        r#"
topics:
  - name: {{P}}orders
    partitions: 1
    replication_factor: 1
acls:
  - principal: "{app}"
    operation: [Read, Describe]
    resource_type: Topic
    name: {{P}}orders
"#
    ));
    let plan = plan_until(&ctx, |o| o.matches("- acl.").count() >= 2);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let out = stdout(&plan);
    for absent in [&other, &admin, &group, &other_topic] {
        assert!(
            !out.contains(absent.as_str()),
            "{absent} in the plan:\n{out}"
        );
    }
    assert!(
        out.contains(&format!("- acl.Topic:literal:{orders}.{old}.*.Read.Allow")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "- acl.Group:literal:{managed_group}.{old}.*.Read.Allow"
        )),
        "{out}"
    );
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));

    // A broker may answer DescribeAcls a moment before it has the
    // controller's latest ACL metadata: read until the apply shows.
    let settled = |l: &[Value]| {
        has_acl(l, &app, "TOPIC", &orders)
            && !has_acl(l, &old, "TOPIC", &orders)
            && !has_acl(l, &old, "GROUP", &managed_group)
    };
    let mut live = acls(&p);
    for _ in 0..50 {
        if settled(&live) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        live = acls(&p);
    }
    assert!(has_acl(&live, &app, "TOPIC", &orders), "{live:?}");
    assert!(!has_acl(&live, &old, "TOPIC", &orders), "{live:?}");
    assert!(!has_acl(&live, &old, "GROUP", &managed_group), "{live:?}");
    assert!(has_acl(&live, &other, "TOPIC", &other_topic), "{live:?}");
    assert!(
        has_acl(&live, &admin, "CLUSTER", "kafka-cluster"),
        "{live:?}"
    );
    assert!(has_acl(&live, &other, "GROUP", &group), "{live:?}");
    ctx.assert_no_changes();
}

/// `retention.ms` of a topic without an override: the broker's value.
fn broker_retention_ms(ctx: &Ctx) -> String {
    let probe = ctx.topic("probe");
    create_topic(&probe, 1);
    // The new topic reaches every broker's metadata within moments.
    for _ in 0..50 {
        if let Some(t) = live_topics(&probe).remove(&probe) {
            return t.configs["retention.ms"].0.clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("topic {probe} created with kafka-python never appeared");
}

#[test]
fn retention_cuts_and_compact_to_delete_need_allow_destructive() {
    let ctx = Ctx::new("destructive_cfg");
    let logs = ctx.topic("logs");
    let keyed = ctx.topic("keyed");
    ctx.write_topics(
        r#"
topics:
  - name: {P}logs
    partitions: 1
    replication_factor: 1
    configs: {retention.ms: 30d}
  - name: {P}keyed
    partitions: 1
    replication_factor: 1
    configs: {cleanup.policy: compact}
"#,
    );
    ctx.apply_ok();
    produce(&logs, 50, 2_000);
    // A cut and compact → delete.
    ctx.write_topics(
        r#"
topics:
  - name: {P}logs
    partitions: 1
    replication_factor: 1
    configs: {retention.ms: 1h}
  - name: {P}keyed
    partitions: 1
    replication_factor: 1
    configs: {cleanup.policy: delete}
"#,
    );
    let plan = ctx.plan();
    let out = stdout(&plan);
    assert!(
        out.contains("lowers retention.ms from 2592000000 to 3600000"),
        "{out}"
    );
    assert!(
        out.contains("cleanup.policy from compact to delete"),
        "{out}"
    );
    let refused = ctx.apply();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        stderr(&refused).contains("--allow-destructive"),
        "{}",
        text(&refused)
    );
    assert_eq!(configs(&logs)["retention.ms"], "2592000000");
    assert_eq!(configs(&keyed)["cleanup.policy"], "compact");
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_config_becomes(&logs, "retention.ms", Some("3600000"));
    assert_config_becomes(&keyed, "cleanup.policy", Some("delete"));
    ctx.assert_no_changes();
    // Back to compact: compaction drops superseded and keyless records, so
    // it is destructive too.
    ctx.write_topics(
        r#"
topics:
  - name: {P}logs
    partitions: 1
    replication_factor: 1
    configs: {retention.ms: 1h}
  - name: {P}keyed
    partitions: 1
    replication_factor: 1
    configs: {cleanup.policy: compact}
"#,
    );
    let out = stdout(&ctx.plan());
    assert!(
        out.contains("cleanup.policy from delete to compact") && out.contains("without a key"),
        "{out}"
    );
    let refused = ctx.apply();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert_eq!(configs(&keyed)["cleanup.policy"], "delete");
}

#[test]
fn deleting_a_retention_override_shows_the_fallback_and_is_destructive_when_it_cuts() {
    let ctx = Ctx::new("fallback");
    let broker = broker_retention_ms(&ctx);
    let longer: i64 = broker.parse::<i64>().expect("numeric retention") * 2;
    let logs = ctx.topic("logs");
    ctx.write_topics(&format!(
        "topics:\n  - name: {{P}}logs\n    partitions: 1\n    replication_factor: 1\n    configs: {{retention.ms: {longer}}}\n  - name: {{P}}probe\n    partitions: 1\n    replication_factor: 1\n"
    ));
    ctx.apply_ok();
    ctx.write_topics(
        "topics:\n  - name: {P}logs\n    partitions: 1\n    replication_factor: 1\n  - name: {P}probe\n    partitions: 1\n    replication_factor: 1\n",
    );
    let plan = ctx.plan();
    let out = stdout(&plan);
    assert!(
        out.contains(&format!(
            "deleting the override retention.ms={longer} falls back to {broker} ("
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("lowers retention.ms from {longer} to {broker}")),
        "{out}"
    );
    assert_eq!(ctx.apply().status.code(), Some(1));
    assert_eq!(configs(&logs)["retention.ms"], longer.to_string());
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_config_becomes(&logs, "retention.ms", None);
    ctx.assert_no_changes();
}

#[test]
fn ignored_configs_and_replication_throttles_are_left_alone() {
    let ctx = Ctx::new("ignore_cfg");
    let t = ctx.topic("orders");
    ctx.write_cluster("  ignore_configs: [segment.bytes]\n");
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n",
    );
    ctx.apply_ok();
    set_config(&t, "segment.bytes", "1048576");
    set_config(&t, "leader.replication.throttled.replicas", "0:1");
    set_config(&t, "follower.replication.throttled.replicas", "0:2");
    set_config(&t, "segment.ms", "3600000");
    let plan = plan_until(&ctx, |o| o.contains("DELETE segment.ms"));
    let out = stdout(&plan);
    assert!(out.contains("DELETE segment.ms"), "{out}");
    for kept in ["segment.bytes", "throttled.replicas"] {
        assert!(!out.contains(kept), "{kept} in the plan:\n{out}");
    }
    ctx.apply_ok();
    let c = configs(&t);
    assert_eq!(c.get("segment.bytes").map(String::as_str), Some("1048576"));
    assert_eq!(
        c.get("leader.replication.throttled.replicas")
            .map(String::as_str),
        Some("0:1")
    );
    assert_eq!(
        c.get("follower.replication.throttled.replicas")
            .map(String::as_str),
        Some("0:2")
    );
    assert!(!c.contains_key("segment.ms"), "{c:?}");
    ctx.assert_no_changes();
}

/// The replication throttle rates are broker-wide: the tests that set them
/// run one at a time.
static BROKER_THROTTLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn throttle_lock() -> std::sync::MutexGuard<'static, ()> {
    BROKER_THROTTLE.lock().unwrap_or_else(|e| e.into_inner())
}

fn replica_counts(topic: &str) -> Vec<usize> {
    live_topic(topic).replicas.iter().map(|r| r.len()).collect()
}

/// Dynamic configs of broker `id`, as Kafka's own kafka-configs prints them.
fn broker_dynamic_configs(id: &str) -> String {
    let bs = bootstrap();
    kafka_tool_ok(
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
    )
}

#[test]
fn replication_factor_changes_wait_and_throttle() {
    let _serial = throttle_lock();
    let ctx = Ctx::new("rf_wait");
    let t = ctx.topic("orders");
    let yaml = |rf: u8| {
        format!("topics:\n  - name: {{P}}orders\n    partitions: 2\n    replication_factor: {rf}\n")
    };
    ctx.write_topics(&yaml(1));
    ctx.apply_ok();
    assert_eq!(replica_counts(&t), vec![1, 1]);

    // 1 → 3, waited to completion.
    ctx.write_topics(&yaml(3));
    let out = ctx.run(&["apply", "--auto-approve", "--wait", "--no-color"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!("topic `{t}`: reassignment complete")),
        "{}",
        text(&out)
    );
    assert_eq!(replica_counts(&t), vec![3, 3]);
    assert!(kadmin("reassignments", json!({"prefix": ctx.prefix}))
        .as_object()
        .unwrap()
        .is_empty());
    ctx.assert_no_changes();

    // 3 → 2 with a throttle: set for the move, removed after.
    ctx.write_topics(&yaml(2));
    let out = ctx.run(&[
        "apply",
        "--auto-approve",
        "--throttle",
        "10MiB",
        "--no-color",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("replication throttled to 10485760 bytes/s"),
        "{err}"
    );
    assert!(err.contains("replication throttle removed"), "{err}");
    assert_eq!(replica_counts(&t), vec![2, 2]);
    let c = configs(&t);
    assert!(!c.keys().any(|k| k.contains("throttled")), "{c:?}");
    for id in ["1", "2", "3"] {
        let b = broker_dynamic_configs(id);
        // Only our rate: another test run may throttle its own move.
        assert!(
            !b.contains("replication.throttled.rate=10485760"),
            "broker {id}: {b}"
        );
    }
    ctx.assert_no_changes();
}

#[test]
fn a_throttle_set_by_someone_else_is_never_overwritten() {
    let _serial = throttle_lock();
    let ctx = Ctx::new("rf_keep");
    let _cleanup = MoveCleanup(ctx.prefix.clone());
    let t = ctx.topic("orders");
    let yaml = |rf: u8| {
        format!("topics:\n  - name: {{P}}orders\n    partitions: 1\n    replication_factor: {rf}\n")
    };
    ctx.write_topics(&yaml(1));
    ctx.apply_ok();
    // An operator's cap on broker 2, set with Kafka's own kafka-configs.
    let bs = bootstrap();
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            bs.as_str(),
            "--alter",
            "--entity-type",
            "brokers",
            "--entity-name",
            "2",
            "--add-config",
            "leader.replication.throttled.rate=7777777",
        ],
    );
    ctx.write_topics(&yaml(3));
    let out = ctx.run(&[
        "apply",
        "--auto-approve",
        "--throttle",
        "10MiB",
        "--no-color",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("already set") && stderr(&out).contains("7777777"),
        "{}",
        text(&out)
    );
    // The operator's rate is intact and nothing moved.
    assert!(
        broker_dynamic_configs("2").contains("leader.replication.throttled.rate=7777777"),
        "{}",
        broker_dynamic_configs("2")
    );
    assert_eq!(replica_counts(&t), vec![1]);
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            bs.as_str(),
            "--alter",
            "--entity-type",
            "brokers",
            "--entity-name",
            "2",
            "--delete-config",
            "leader.replication.throttled.rate",
        ],
    );
}

/// Produces `n` records of `size` bytes to partition 0 of `topic` with kafka-python.
fn produce(topic: &str, n: usize, size: usize) {
    let script = format!(
        "import os\nfrom kafka import KafkaProducer\np = KafkaProducer(bootstrap_servers=os.environ.get('KAFKA_BOOTSTRAP', '127.0.0.1:9092'), acks=1, linger_ms=20)\nfor _ in range({n}):\n    p.send('{topic}', b'x' * {size}, partition=0)\np.flush()\np.close()\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3");
    assert!(out.status.success(), "producing failed: {}", text(&out));
}

/// Cancels this test's reassignments and removes the broker throttle even
/// when an assertion fails.
struct MoveCleanup(String);

impl Drop for MoveCleanup {
    fn drop(&mut self) {
        let moves = kadmin_try("reassignments", json!({"prefix": self.0})).unwrap_or_default();
        if let Some(m) = moves.as_object() {
            let cancel: serde_json::Map<String, Value> =
                m.keys().map(|k| (k.clone(), Value::Null)).collect();
            if !cancel.is_empty() {
                let _ = kadmin_try("reassign", json!({"moves": cancel}));
            }
        }
        let bs = bootstrap();
        // One key per call: kafka-configs refuses a whole deletion when one
        // of its keys is not set.
        for id in ["1", "2", "3"] {
            for key in [
                "leader.replication.throttled.rate",
                "follower.replication.throttled.rate",
            ] {
                let _ = kafka_tool(
                    "kafka.admin.ConfigCommand",
                    &[
                        "--bootstrap-server",
                        bs.as_str(),
                        "--alter",
                        "--entity-type",
                        "brokers",
                        "--entity-name",
                        id,
                        "--delete-config",
                        key,
                    ],
                );
            }
        }
    }
}

#[test]
fn an_in_flight_reassignment_by_someone_else_is_reported_not_replaced() {
    let _serial = throttle_lock();
    let ctx = Ctx::new("inflight");
    let _cleanup = MoveCleanup(ctx.prefix.clone());
    let t = ctx.topic("orders");
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n",
    );
    ctx.apply_ok();
    produce(&t, 200, 10_000);
    let old = live_topic(&t).replicas[0][0];
    let new = [1, 2, 3].into_iter().find(|b| *b != old).unwrap();
    // Someone else moves the partition, throttled to a crawl.
    let bs = bootstrap();
    for id in ["1", "2", "3"] {
        kafka_tool_ok(
            "kafka.admin.ConfigCommand",
            &[
                "--bootstrap-server",
                bs.as_str(),
                "--alter",
                "--entity-type",
                "brokers",
                "--entity-name",
                id,
                "--add-config",
                "leader.replication.throttled.rate=1,follower.replication.throttled.rate=1",
            ],
        );
    }
    set_config(
        &t,
        "leader.replication.throttled.replicas",
        &format!("0:{old}"),
    );
    set_config(
        &t,
        "follower.replication.throttled.replicas",
        &format!("0:{new}"),
    );
    kadmin("reassign", json!({"moves": {format!("{t}:0"): [old, new]}}));
    let moves = kadmin("reassignments", json!({"prefix": ctx.prefix}));
    assert!(
        moves.as_object().unwrap().contains_key(&format!("{t}:0")),
        "the reassignment finished too early for the test: {moves}"
    );

    // Declared factor unchanged (1): no diff from Metadata's old+new list.
    let plan = ctx.run(&["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let out = text(&plan);
    assert!(
        out.contains("a replica reassignment is in progress (partition 0: adding ["),
        "{out}"
    );
    assert!(!out.contains("throttled"), "{out}");
    // Declared factor 3: still no change while it moves; apply leaves it alone.
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 3\n",
    );
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert!(stdout(&apply).contains("No changes."), "{}", text(&apply));
    let moves = kadmin("reassignments", json!({"prefix": ctx.prefix}));
    let m = moves[format!("{t}:0")]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        m.contains(&format!("adding_replicas=[{new}]")) || m.contains(&new.to_string()),
        "{m}"
    );
    let c = configs(&t);
    assert_eq!(
        c.get("follower.replication.throttled.replicas")
            .map(String::as_str),
        Some(format!("0:{new}").as_str())
    );
}

/// Removes the client quota even when an assertion fails.
struct QuotaCleanup(String);

impl Drop for QuotaCleanup {
    fn drop(&mut self) {
        let bs = bootstrap();
        let _ = kafka_tool(
            "kafka.admin.ConfigCommand",
            &[
                "--bootstrap-server",
                bs.as_str(),
                "--alter",
                "--entity-type",
                "clients",
                "--entity-name",
                self.0.as_str(),
                "--delete-config",
                "request_percentage",
            ],
        );
    }
}

/// Seconds since midnight of a tracing line's `2026-01-01T12:34:56.789012Z`.
fn log_time(line: &str) -> Option<f64> {
    let t = line.get(11..26)?;
    let mut parts = t.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

#[test]
fn the_brokers_throttle_time_is_honoured() {
    let ctx = Ctx::new("quota");
    let client_id = format!("{}client", ctx.prefix);
    let _cleanup = QuotaCleanup(client_id.clone());
    let bs = bootstrap();
    // A request quota so small that every answer carries a throttle time.
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            bs.as_str(),
            "--alter",
            "--entity-type",
            "clients",
            "--entity-name",
            client_id.as_str(),
            "--add-config",
            "request_percentage=0.01",
        ],
    );
    ctx.write_cluster("");
    let cluster = std::fs::read_to_string(ctx.path().join("cluster.yaml")).unwrap();
    std::fs::write(
        ctx.path().join("cluster.yaml"),
        cluster.replace(
            "    request_timeout: 10s\n",
            // Shorter than the throttle: a request sent into the broker's
            // muted channel (KIP-219) would time out; honoured, it waits
            // before it is sent, outside the timeout.
            &format!("    request_timeout: 700ms\n    client_id: {client_id}\n"),
        ),
    )
    .unwrap();
    ctx.write_topics(
        "topics:\n  - name: {P}a\n    partitions: 1\n    replication_factor: 1\n  - name: {P}b\n    partitions: 1\n    replication_factor: 1\n",
    );
    // The quota applies within a second or two; the throttle grows with use.
    let mut pairs = 0;
    for _ in 0..6 {
        let out = ctx.run(&["-v", "plan", "--no-color"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let err = stderr(&out);
        assert!(!err.contains("timed out"), "{err}");
        // Per broker: a throttled answer, then the next request's answer no
        // earlier than the throttle time later.
        let mut last: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for line in err
            .lines()
            .filter(|l| l.contains("the broker throttled this client"))
        {
            let broker = line
                .split("broker=")
                .nth(1)
                .unwrap_or("")
                .split(' ')
                .next()
                .unwrap_or("")
                .to_string();
            let ms: f64 = line
                .split("throttle_ms=")
                .nth(1)
                .and_then(|v| v.trim().parse().ok())
                .expect("throttle_ms");
            let at = log_time(line).expect("timestamp");
            if let Some((prev_at, prev_ms)) = last.get(&broker) {
                assert!(
                    at - prev_at >= prev_ms / 1000.0 - 0.05,
                    "a request went out {:.3}s after a {prev_ms} ms throttle:\n{err}",
                    at - prev_at
                );
                pairs += 1;
            }
            last.insert(broker, (at, ms));
        }
        if pairs >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(
        pairs >= 1,
        "the broker never throttled two requests in a row"
    );
}

#[test]
fn a_principal_without_cluster_describe_can_still_plan() {
    let ctx = Ctx::new("no_cluster_describe");
    // alice (SASL PLAIN, not a super user) has no ACL on the Cluster, so
    // ListPartitionReassignments is refused: the plan goes on without it.
    std::fs::write(
        ctx.path().join("cluster.yaml"),
        format!(
            "clusters:\n  test:\n    bootstrap_servers: [\"127.0.0.1:9094\"]\n    security:\n      protocol: SASL_PLAINTEXT\n      sasl: {{mechanism: PLAIN, username: alice, password: alice-secret}}\nsettings:\n  scope: ['^{}']\n",
            ctx.scope()
        ),
    )
    .unwrap();
    ctx.write_topics("topics:\n  - name: {P}a\n    partitions: 1\n    replication_factor: 1\n");
    let out = ctx.run(&["-v", "plan", "--no-color"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains("in-flight reassignments cannot be read")
            && stdout(&out).contains("warning: in-flight reassignments cannot be read"),
        "{}",
        text(&out)
    );
    assert!(
        stdout(&out).contains(&format!("+ topic.{}a", ctx.prefix)),
        "{}",
        text(&out)
    );
}
