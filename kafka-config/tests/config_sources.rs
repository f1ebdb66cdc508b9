//! The config-source rule on the real cluster: a declared value equal to the
//! broker default is no change; a cluster-wide dynamic broker default set
//! out-of-band with Kafka's own `kafka-configs` is never removed and never
//! diffed, while a topic override of the same key is; `import` round trip on
//! a cluster with broker-level defaults. Verified with kafka-python and
//! ConfigCommand. The broker default is cluster-wide: the tests that set it
//! take a lock (no other test binary runs meanwhile).

mod support;

use std::sync::Mutex;

use support::*;

static BROKER_DEFAULTS: Mutex<()> = Mutex::new(());

/// Topic key `delete.retention.ms`; its cluster-wide broker default is
/// `log.cleaner.delete.retention.ms` (no other test uses either).
const TOPIC_KEY: &str = "delete.retention.ms";
const BROKER_KEY: &str = "log.cleaner.delete.retention.ms";

/// Sets the broker default for the test; removes it when dropped.
struct BrokerDefault;

impl BrokerDefault {
    fn set(value: &str) -> BrokerDefault {
        broker_default(BROKER_KEY, Some(value));
        BrokerDefault
    }
}

impl Drop for BrokerDefault {
    fn drop(&mut self) {
        broker_default(BROKER_KEY, None);
    }
}

/// The cluster-wide dynamic broker defaults, as ConfigCommand prints them.
fn describe_broker_defaults() -> String {
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--describe",
            "--entity-type",
            "brokers",
            "--entity-default",
        ],
    )
}

/// Waits until every broker reports the broker default on `topic` (the
/// dynamic default reaches brokers through the metadata log).
fn wait_source(topic: &str, key: &str, value: &str, source: &str) {
    let want = (value.to_string(), source.to_string());
    for _ in 0..100 {
        if live_topic(topic).configs.get(key) == Some(&want) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!(
        "{topic}: {key} is {:?}, expected {want:?}",
        live_topic(topic).configs.get(key)
    );
}

#[test]
fn declared_value_equal_to_the_broker_default_is_no_change() {
    let ctx = Ctx::new("equal_default");
    // Created out-of-band without any override.
    create_topic(&ctx.topic("plain"), 1);
    let defaults = live_topic(&ctx.topic("plain")).configs;
    assert_eq!(
        defaults.get("max.message.bytes").map(|(_, s)| s.as_str()),
        Some("DEFAULT_CONFIG")
    );
    // Declared with the broker's own default values, spelled differently.
    ctx.write_topics(
        "topics:\n  - name: {P}plain\n    partitions: 1\n    replication_factor: 1\n    configs:\n      max.message.bytes: 1048588\n      cleanup.policy: [delete]\n      segment.ms: 7d\n      min.cleanable.dirty.ratio: \"0.50\"\n",
    );
    ctx.assert_no_changes();
    let apply = ctx.apply_ok();
    assert!(stdout(&apply).contains("No changes."), "{}", text(&apply));
    // Nothing was written: no topic override appeared.
    assert!(configs(&ctx.topic("plain")).is_empty());
}

#[test]
fn a_broker_default_is_never_removed_nor_diffed_a_topic_override_is() {
    let _lock = BROKER_DEFAULTS.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = Ctx::new("broker_default");
    let _default = BrokerDefault::set("3600000");
    assert!(
        describe_broker_defaults().contains(&format!("{BROKER_KEY}=3600000")),
        "{}",
        describe_broker_defaults()
    );
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n    configs: {retention.ms: 1d}\n",
    );
    ctx.apply_ok();
    let orders = ctx.topic("orders");
    wait_source(
        &orders,
        TOPIC_KEY,
        "3600000",
        "DYNAMIC_DEFAULT_BROKER_CONFIG",
    );
    // Authoritative mode: the broker default is not an undeclared override.
    ctx.assert_no_changes();
    let apply = ctx.apply_ok();
    assert!(stdout(&apply).contains("No changes."), "{}", text(&apply));
    assert!(describe_broker_defaults().contains(&format!("{BROKER_KEY}=3600000")));

    // Declaring the broker default's value is no change either.
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n    configs: {retention.ms: 1d, delete.retention.ms: 1h}\n",
    );
    ctx.assert_no_changes();

    // A topic override of the same key, set out-of-band, is diffed and removed.
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n    configs: {retention.ms: 1d}\n",
    );
    set_config(&orders, TOPIC_KEY, "7200000");
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains(&format!("DELETE {TOPIC_KEY}")),
        "{}",
        text(&plan)
    );
    ctx.apply_ok();
    // Back to the broker default, which is still set.
    wait_source(
        &orders,
        TOPIC_KEY,
        "3600000",
        "DYNAMIC_DEFAULT_BROKER_CONFIG",
    );
    assert!(describe_broker_defaults().contains(&format!("{BROKER_KEY}=3600000")));
    ctx.assert_no_changes();
}

#[test]
fn import_round_trip_on_a_cluster_with_broker_defaults() {
    let _lock = BROKER_DEFAULTS.lock().unwrap_or_else(|e| e.into_inner());
    let ctx = Ctx::new("import_defaults");
    let _default = BrokerDefault::set("5400000");
    create_topic_rf(&ctx.topic("orders"), 3, 2);
    create_topic(&ctx.topic("events"), 1);
    set_config(&ctx.topic("orders"), "retention.ms", "86400000");
    set_config(&ctx.topic("events"), "cleanup.policy", "compact");
    wait_source(
        &ctx.topic("events"),
        TOPIC_KEY,
        "5400000",
        "DYNAMIC_DEFAULT_BROKER_CONFIG",
    );
    let imported = ctx.path().join("imported.yaml");
    let out = ctx.run(&["import", "--out", imported.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = std::fs::read_to_string(&imported).expect("read");
    assert!(yaml.contains(&ctx.topic("orders")), "{yaml}");
    assert!(yaml.contains("retention.ms"), "{yaml}");
    assert!(yaml.contains("compact"), "{yaml}");
    // Broker-level values are not topic overrides: not imported.
    assert!(!yaml.contains(TOPIC_KEY), "{yaml}");
    assert!(!yaml.contains("min.insync.replicas"), "{yaml}");
    assert!(!yaml.contains("5400000"), "{yaml}");
    // The imported file alone plans no changes, in authoritative mode.
    ctx.assert_no_changes();
    let apply = ctx.apply_ok();
    assert!(stdout(&apply).contains("No changes."), "{}", text(&apply));
    let live = live_topic(&ctx.topic("orders"));
    assert_eq!(live.replicas.len(), 3);
    assert!(live.replicas.iter().all(|r| r.len() == 2));
}
