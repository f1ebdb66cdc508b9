//! Secrets: a SASL password given through `${VAR}` never appears in any
//! output format, saved plan, imported file or `-vv` / `RUST_LOG=trace` log.

mod support;

use std::process::Output;

use support::*;

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn sasl_password_never_appears_in_outputs_logs_or_files() {
    let ctx = Ctx::new("secrets");
    let password = format!("Pw-{}-s3cr3t!", std::process::id());
    let user = format!("kc-user-{}", std::process::id());
    // PLAIN's initial response, as it would go on the wire.
    let plain = b64(format!("\0{user}\0{password}").as_bytes());
    let scope = ctx.prefix.replace('-', "\\-");
    // A SCRAM user with this password, created with Kafka's own
    // kafka-configs, allowed to describe the cluster and to manage this
    // test's topics (ACLs created with kafka-python).
    let principal = format!("User:{user}");
    let scram = format!("SCRAM-SHA-512=[iterations=4096,password={password}]");
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--alter",
            "--add-config",
            &scram,
            "--entity-type",
            "users",
            "--entity-name",
            &user,
        ],
    );
    create_acls(serde_json::json!([
        {"principal": principal, "operation": "all", "type": "topic", "name": ctx.prefix, "pattern": "prefixed"},
        {"principal": principal, "operation": "describe", "type": "cluster", "name": "kafka-cluster"},
        {"principal": principal, "operation": "describe_configs", "type": "cluster", "name": "kafka-cluster"},
    ]));
    // `test`: the real cluster, plaintext (plans succeed and are saved).
    // `sasl-live`: SASL_PLAINTEXT SCRAM-SHA-512 with the password (succeeds).
    // `sasl-wrong`: SASL PLAIN, user alice, this (wrong) password: refused.
    // `sasl-closed`: SASL against a closed port. The password is loaded in
    // every environment (substitution covers every file).
    std::fs::write(
        ctx.path().join("cluster.yaml"),
        format!(
            "clusters:\n  test:\n    bootstrap_servers: [\"{b}\"]\n    request_timeout: 5s\n  sasl-live:\n    bootstrap_servers: [\"127.0.0.1:9094\"]\n    request_timeout: 5s\n    security:\n      protocol: SASL_PLAINTEXT\n      sasl: {{mechanism: SCRAM-SHA-512, username: {user}, password: \"${{KC_TEST_SASL_PASSWORD}}\"}}\n  sasl-wrong:\n    bootstrap_servers: [\"127.0.0.1:9094\"]\n    request_timeout: 5s\n    security:\n      protocol: SASL_PLAINTEXT\n      sasl: {{mechanism: PLAIN, username: alice, password: \"${{KC_TEST_SASL_PASSWORD}}\"}}\n  sasl-closed:\n    bootstrap_servers: [\"127.0.0.1:1\"]\n    request_timeout: 2s\n    security:\n      protocol: SASL_PLAINTEXT\n      sasl: {{mechanism: SCRAM-SHA-512, username: {user}, password: \"${{KC_TEST_SASL_PASSWORD}}\"}}\nsettings:\n  scope: ['^{scope}']\n  mode: additive\n",
            b = bootstrap()
        ),
    )
    .expect("write cluster");
    ctx.write_topics(
        "topics:\n  - name: {P}orders\n    partitions: 1\n    replication_factor: 1\n    configs: {retention.ms: 1d}\n",
    );
    let dir = ctx.path().to_str().expect("utf-8").to_string();
    let saved = ctx.path().join("plan.json");
    let saved_s = saved.to_str().expect("utf-8").to_string();
    let imported = ctx.path().join("imported.out");
    let imported_s = imported.to_str().expect("utf-8").to_string();

    let run_env = |args: &[&str]| -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_kafka-config"))
            .args(args)
            .arg(&dir)
            .env_remove("KAFKA_CONFIG_ENV")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "trace")
            .env("KC_TEST_SASL_PASSWORD", &password)
            .output()
            .expect("run kafka-config")
    };
    let mut runs: Vec<(String, Output)> = Vec::new();
    let mut go = |args: &[&str]| {
        let out = run_env(args);
        runs.push((args.join(" "), out));
    };
    go(&["-vv", "validate"]);
    for env in ["test", "sasl-live", "sasl-wrong", "sasl-closed"] {
        go(&["-vv", "--env", env, "validate"]);
        for format in ["text", "json", "markdown"] {
            go(&["-vv", "--env", env, "plan", "--format", format]);
        }
        go(&["-vv", "--env", env, "plan", "--out", &saved_s]);
        if env == "test" {
            go(&[
                "-vv",
                "--env",
                env,
                "apply",
                "--auto-approve",
                "--plan",
                &saved_s,
            ]);
        }
        go(&["-vv", "--env", env, "apply", "--auto-approve"]);
        go(&["-vv", "--env", env, "import", "-o", &imported_s]);
    }
    go(&["-vv", "--env", "test", "plan", "--out", &saved_s]);

    // The runs did what they should (so the password was really loaded).
    let find = |prefix: &str| -> &Output {
        &runs
            .iter()
            .find(|(a, _)| a.starts_with(prefix))
            .unwrap_or_else(|| panic!("no run {prefix}"))
            .1
    };
    let ok = find("-vv --env test apply --auto-approve --plan");
    assert_eq!(ok.status.code(), Some(0), "{}", text(ok));
    assert!(
        stderr(ok).contains("DEBUG") || stderr(ok).contains("TRACE"),
        "-vv logs nothing:\n{}",
        text(ok)
    );
    let closed = find("-vv --env sasl-closed plan");
    assert_eq!(closed.status.code(), Some(1), "{}", text(closed));
    assert!(stderr(closed).contains("not reachable"), "{}", text(closed));
    // The password really went over the wire: SCRAM succeeds with it...
    let live = find("-vv --env sasl-live plan");
    assert_eq!(live.status.code(), Some(0), "{}", text(live));
    // ...and PLAIN with the same password for alice is refused, exit 1.
    let wrong = find("-vv --env sasl-wrong plan");
    assert_eq!(wrong.status.code(), Some(1), "{}", text(wrong));
    assert!(
        stderr(wrong).to_lowercase().contains("authentication"),
        "{}",
        text(wrong)
    );
    assert!(saved.exists(), "no saved plan");
    assert!(imported.exists(), "no imported file");

    let mut leaks = Vec::new();
    for (args, out) in &runs {
        for (stream, s) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
            if s.contains(&password) || s.contains(&plain) {
                leaks.push(format!("`{args}` {stream}:\n{s}"));
            }
            if s.contains("panicked") {
                leaks.push(format!("`{args}` panicked:\n{s}"));
            }
        }
    }
    for f in [&saved, &imported] {
        let s = std::fs::read_to_string(f).expect("read");
        if s.contains(&password) || s.contains(&plain) {
            leaks.push(format!("{}:\n{s}", f.display()));
        }
    }
    delete_acls(&user);
    kafka_tool_ok(
        "kafka.admin.ConfigCommand",
        &[
            "--bootstrap-server",
            &bootstrap(),
            "--alter",
            "--delete-config",
            "SCRAM-SHA-512",
            "--entity-type",
            "users",
            "--entity-name",
            &user,
        ],
    );
    assert!(
        leaks.is_empty(),
        "the password leaked:\n{}",
        leaks.join("\n\n")
    );
    eprintln!("{} runs scanned, no leak", runs.len());
}
