//! Integration tests: the real binary against the real Apache Kafka cluster
//! of scripts/services.sh (3 KRaft nodes, 127.0.0.1:9092), outcomes verified
//! with kafka-python and Kafka's own command-line tools.

mod support;

use support::*;

const TWO_TOPICS: &str = r#"
topics:
  - name: {P}orders
    partitions: 3
    replication_factor: 1
    configs:
      retention.ms: 7d
      max.message.bytes: 512KiB
      cleanup.policy: [delete]
  - name: {P}customers
    partitions: 1
    replication_factor: 1
    configs:
      cleanup.policy: compact
      min.cleanable.dirty.ratio: 0.5
"#;

#[test]
fn create_topics_with_configs_then_no_changes() {
    let ctx = Ctx::new("create");
    ctx.write_topics(TWO_TOPICS);
    let plan = ctx.plan();
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let out = stdout(&plan);
    assert!(
        out.contains(&format!("+ topic.{}orders", ctx.prefix)),
        "{out}"
    );
    assert!(out.contains("retention.ms=604800000"), "{out}");
    assert!(out.contains("max.message.bytes=524288"), "{out}");

    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert!(stdout(&apply).contains("2 created"), "{}", text(&apply));

    let c = configs(&ctx.topic("orders"));
    assert_eq!(c.get("retention.ms").map(String::as_str), Some("604800000"));
    assert_eq!(
        c.get("max.message.bytes").map(String::as_str),
        Some("524288")
    );
    assert_eq!(partitions(&ctx.topic("orders")), Some(3));
    // Idempotency: plan after apply is empty, and a second apply does nothing.
    ctx.assert_no_changes();
    let again = ctx.apply();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(stdout(&again).contains("No changes."), "{}", text(&again));
}

#[test]
fn change_a_config() {
    let ctx = Ctx::new("change");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    // A raise: a cut is destructive (tests/fixes.rs).
    ctx.write_topics(&TWO_TOPICS.replace("retention.ms: 7d", "retention.ms: 14d"));
    let plan = ctx.run(&["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    let out = stdout(&plan);
    assert!(
        out.contains(&format!("~ topic.{}orders", ctx.prefix)),
        "{out}"
    );
    assert!(out.contains("SET retention.ms=1209600000"), "{out}");
    assert!(
        !out.contains("customers"),
        "only the changed topic is planned:\n{out}"
    );
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(
        configs(&ctx.topic("orders"))
            .get("retention.ms")
            .map(String::as_str),
        Some("1209600000")
    );
    // The other configs were kept (incremental, not legacy AlterConfigs).
    assert_eq!(
        configs(&ctx.topic("orders"))
            .get("max.message.bytes")
            .map(String::as_str),
        Some("524288")
    );
    ctx.assert_no_changes();
}

#[test]
fn undeclared_override_from_another_client_is_removed() {
    let ctx = Ctx::new("override");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    let orders = ctx.topic("orders");
    // Another client adds an override the configuration does not declare.
    set_config(&orders, "segment.ms", "3600000");

    // Additive mode reports it and keeps it.
    ctx.write_cluster_mode("additive", "");
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains("undeclared override segment.ms=3600000 kept"),
        "{}",
        text(&plan)
    );
    ctx.assert_no_changes();

    // Authoritative mode removes it with an incremental DELETE.
    ctx.write_cluster("");
    let plan = ctx.plan();
    let out = stdout(&plan);
    assert!(out.contains("DELETE segment.ms"), "{}", text(&plan));
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let c = configs(&orders);
    assert!(!c.contains_key("segment.ms"), "{c:?}");
    // Kafka still describes segment.ms: now the broker default, not an override.
    assert_eq!(
        live_topic(&orders).configs.get("segment.ms"),
        Some(&("604800000".to_string(), "DEFAULT_CONFIG".to_string()))
    );
    assert_eq!(c.get("retention.ms").map(String::as_str), Some("604800000"));
    ctx.assert_no_changes();

    // An out-of-band change of a declared value is detected too.
    set_config(&orders, "retention.ms", "1000");
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains("SET retention.ms=604800000"),
        "{}",
        text(&plan)
    );
}

#[test]
fn unit_spellings_do_not_diff() {
    let ctx = Ctx::new("units");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    for (a, b) in [
        ("retention.ms: 7d", "retention.ms: 168h"),
        ("retention.ms: 7d", "retention.ms: 604800000"),
        ("retention.ms: 7d", "retention.ms: \"604800000\""),
        ("max.message.bytes: 512KiB", "max.message.bytes: 524288"),
        ("cleanup.policy: [delete]", "cleanup.policy: delete"),
        (
            "min.cleanable.dirty.ratio: 0.5",
            "min.cleanable.dirty.ratio: \"0.50\"",
        ),
    ] {
        ctx.write_topics(&TWO_TOPICS.replace(a, b));
        ctx.assert_no_changes();
    }
}

#[test]
fn unmanaged_topics_are_deleted_only_with_opt_in() {
    let ctx = Ctx::new("delete");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    let stray = ctx.topic("stray");
    let kept = ctx.topic("audit-log");
    create_topic(&stray, 1);
    create_topic(&kept, 1);

    // Without opt-in: a note, no change.
    let plan = ctx.plan();
    let out = stdout(&plan);
    assert!(out.contains("unmanaged topic"), "{}", text(&plan));
    ctx.assert_no_changes();

    // With opt-in: a destructive delete, refused without --allow-destructive.
    ctx.write_cluster(&format!(
        "deletion:\n  unmanaged: delete\n  protected: ['^{}audit']\n",
        ctx.prefix.replace('-', "\\-")
    ));
    let plan = ctx.plan();
    let out = stdout(&plan);
    assert!(out.contains(&format!("- topic.{stray}")), "{}", text(&plan));
    assert!(
        !out.contains(&format!("- topic.{kept}")),
        "protected topics are never deleted:\n{out}"
    );
    let refused = ctx.apply();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        stderr(&refused).contains("--allow-destructive"),
        "{}",
        text(&refused)
    );
    assert!(
        topics().contains(&stray),
        "nothing may be deleted without --allow-destructive"
    );

    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let now = topics();
    assert!(!now.contains(&stray));
    assert!(now.contains(&kept));
    assert!(now.contains(&ctx.topic("orders")));
    ctx.assert_no_changes();
}

#[test]
fn internal_topics_are_never_deleted() {
    let ctx = Ctx::new("internal");
    let internal = format!("__{}offsets", ctx.prefix);
    create_topic(&internal, 1);
    let scope_a = ctx.prefix.replace('-', "\\-");
    std::fs::write(
        ctx.path().join("cluster.yaml"),
        format!(
            "clusters:\n  test:\n    bootstrap_servers: [\"{}\"]\nsettings:\n  scope: ['^{scope_a}', '^__{scope_a}']\ndeletion:\n  unmanaged: delete\n",
            bootstrap()
        ),
    )
    .expect("write");
    ctx.write_topics(TWO_TOPICS);
    let plan = ctx.plan();
    assert!(!stdout(&plan).contains(&internal), "{}", text(&plan));
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert!(topics().contains(&internal));
    ctx.assert_no_changes();
}

#[test]
fn validation_errors_have_locations_and_apply_nothing() {
    let ctx = Ctx::new("invalid");
    let path = ctx.write_topics(
        "topics:\n  - name: {P}a\n    partitions: 1\n    replication_factor: 1\n    configs:\n      retention.msx: 1d\n  - name: {P}b\n    partitions: 0\n    replication_factor: 1\n",
    );
    let out = run(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("topics.yaml:6:7: error: unknown topic config `retention.msx`"),
        "{err}"
    );
    assert!(err.contains("did you mean `retention.ms`?"), "{err}");
    assert!(
        err.contains("topics.yaml:8:17: error: partitions must be at least 1"),
        "{err}"
    );
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply));
    assert!(
        !topics().iter().any(|t| t.starts_with(&ctx.prefix)),
        "nothing may be created"
    );
}

#[test]
fn import_round_trip() {
    let ctx = Ctx::new("import");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    set_config(&ctx.topic("customers"), "segment.ms", "3600000");
    let imported = ctx.path().join("imported.yaml");
    let out = ctx.run(&["import", "--out", imported.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = std::fs::read_to_string(&imported).expect("read");
    assert!(
        yaml.contains(&format!("name: {}orders", ctx.prefix)),
        "{yaml}"
    );
    assert!(yaml.contains("segment.ms"), "{yaml}");
    // Replace the hand-written topics with the imported ones: no changes.
    std::fs::remove_file(ctx.path().join("topics.yaml")).expect("rm");
    ctx.assert_no_changes();
}

#[test]
fn add_partitions_with_a_new_topic_and_a_config_change_in_one_apply() {
    let ctx = Ctx::new("partitions");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    // One plan: a new topic, a config change and a partition increase.
    let changed = TWO_TOPICS
        .replace("partitions: 3", "partitions: 6")
        .replace("retention.ms: 7d", "retention.ms: 14d")
        + "  - name: {P}extra\n    partitions: 1\n    replication_factor: 1\n";
    ctx.write_topics(&changed);
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains("CreatePartitions"),
        "{}",
        text(&plan)
    );
    ctx.apply_ok();
    // Kafka's own TopicCommand sees 6 partitions.
    let described = kafka_tool_ok(
        "org.apache.kafka.tools.TopicCommand",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--describe",
            "--topic",
            &ctx.topic("orders"),
        ],
    );
    assert!(described.contains("PartitionCount: 6"), "{described}");
    assert!(topics().contains(&ctx.topic("extra")));
    assert_eq!(
        configs(&ctx.topic("orders"))
            .get("retention.ms")
            .map(String::as_str),
        Some("1209600000")
    );
    ctx.assert_no_changes();
}

#[test]
fn partition_decrease_is_an_error_before_apply() {
    let ctx = Ctx::new("decrease");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    ctx.write_topics(
        &TWO_TOPICS
            .replace("partitions: 3", "partitions: 2")
            .replace("retention.ms: 7d", "retention.ms: 2d"),
    );
    let plan = ctx.plan();
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    assert!(
        stderr(&plan).contains("Kafka cannot decrease partitions"),
        "{}",
        text(&plan)
    );
    assert!(
        stderr(&plan).contains("topics.yaml:3:11"),
        "{}",
        text(&plan)
    );
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(1));
    assert_eq!(
        configs(&ctx.topic("orders"))
            .get("retention.ms")
            .map(String::as_str),
        Some("604800000")
    );
}

#[test]
fn unreachable_broker_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("c.yaml");
    std::fs::write(
        &p,
        "clusters:\n  x:\n    bootstrap_servers: [127.0.0.1:1]\n    request_timeout: 2s\ntopics: []\n",
    )
    .expect("write");
    let out = run(&["plan", p.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("Kafka is not reachable at 127.0.0.1:1"),
        "{}",
        text(&out)
    );
}

#[test]
fn saved_plans_apply_only_while_the_cluster_is_unchanged() {
    let ctx = Ctx::new("saved");
    ctx.write_topics(TWO_TOPICS);
    let saved = ctx.path().join("plan.json");
    let saved_s = saved.to_str().expect("utf-8");
    // Live state is fingerprinted deterministically: an unchanged cluster
    // accepts the saved plan.
    let plan = ctx.run(&["plan", "--out", saved_s]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let apply = ctx.run(&["apply", "--auto-approve", "--plan", saved_s]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    // An out-of-band change between plan and apply makes the plan stale.
    ctx.write_topics(&TWO_TOPICS.replace("retention.ms: 7d", "retention.ms: 14d"));
    let plan = ctx.run(&["plan", "--out", saved_s]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    set_config(&ctx.topic("orders"), "segment.ms", "3600000");
    let apply = ctx.run(&["apply", "--auto-approve", "--plan", saved_s]);
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply));
    assert!(stderr(&apply).contains("stale"), "{}", text(&apply));
    assert_eq!(
        configs(&ctx.topic("orders"))
            .get("retention.ms")
            .map(String::as_str),
        Some("604800000")
    );
}

#[test]
fn replication_factor_beyond_the_brokers_is_refused_with_a_reason() {
    let ctx = Ctx::new("rf");
    ctx.write_topics(TWO_TOPICS);
    ctx.apply_ok();
    // The cluster has 3 brokers: RF 4 for an existing topic and RF 5 for a
    // new one are refused at plan time, nothing is applied.
    let changed = TWO_TOPICS.replacen("replication_factor: 1", "replication_factor: 4", 1)
        + "  - name: {P}wide\n    partitions: 1\n    replication_factor: 5\n";
    ctx.write_topics(&changed);
    let plan = ctx.plan();
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));
    let err = stderr(&plan);
    assert!(
        err.contains(&format!(
            "topic `{}orders`: replication_factor 4 needs at least 4 brokers; the cluster has 3",
            ctx.prefix
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "topic `{}wide`: replication_factor 5 needs at least 5 brokers",
            ctx.prefix
        )),
        "{err}"
    );
    let apply = ctx.apply();
    assert_eq!(apply.status.code(), Some(1));
    assert!(!topics().contains(&ctx.topic("wide")));
    assert_eq!(live_topic(&ctx.topic("orders")).replicas[0].len(), 1);
}
