//! A saved plan applied after an out-of-band Glue change (or a config
//! change) is refused as stale; the AWS secret key and session token of the
//! environment never appear in any output, saved plan or trace log.

mod support;

use std::process::Command;

use support::*;

fn with(args: &[&str]) -> Command {
    require_moto();
    let mut cmd = command(&endpoint());
    cmd.args(args);
    cmd
}

async fn columns(db: &str, t: &str) -> Vec<String> {
    let t = glue()
        .get_table()
        .database_name(db)
        .name(t)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    t.storage_descriptor
        .and_then(|s| s.columns)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[tokio::test]
async fn saved_plan_is_refused_after_out_of_band_or_config_change() {
    let db = unique("stale");
    let dir = tempfile::tempdir().unwrap();
    let table = |cols: &str| {
        format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: \"s3://b/{db}/t/\", format: parquet, columns: [{cols}]}}\n")
    };
    let cfg = write(dir.path(), "c.yaml", &table("{name: a, type: string}"));
    let plan = dir.path().join("plan.json");
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");

    // A fresh saved plan applies.
    write(
        dir.path(),
        "c.yaml",
        &table("{name: a, type: string}, {name: b, type: int}"),
    );
    let r = athena(&["plan", "--out", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    let r = athena(&["apply", "--auto-approve", "--plan", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(columns(&db, "t").await, ["a", "b"]);

    // Out-of-band change between plan and apply: refused, nothing applied.
    write(
        dir.path(),
        "c.yaml",
        &table("{name: a, type: string}, {name: b, type: int}, {name: c, type: date}"),
    );
    let r = athena(&["plan", "--out", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    let g = glue();
    g.create_table()
        .database_name(&db)
        .table_input(
            aws_sdk_glue::types::TableInput::builder()
                .name("out_of_band")
                .table_type("EXTERNAL_TABLE")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let r = athena(&["apply", "--auto-approve", "--plan", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(
            "refusing a stale plan: the live state changed since the plan was saved. Nothing was applied"
        ),
        "{r}"
    );
    assert_eq!(columns(&db, "t").await, ["a", "b"], "nothing applied");

    // An out-of-band change to the managed table itself.
    let r = athena(&["plan", "--out", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    let current = g
        .get_table()
        .database_name(&db)
        .name("t")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let sd = current.storage_descriptor.clone().unwrap();
    g.update_table()
        .database_name(&db)
        .table_input(
            aws_sdk_glue::types::TableInput::builder()
                .name("t")
                .table_type("EXTERNAL_TABLE")
                .description("changed by hand")
                .storage_descriptor(sd)
                .set_parameters(current.parameters.clone())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let r = athena(&["apply", "--auto-approve", "--plan", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("the live state changed"), "{r}");
    assert_eq!(columns(&db, "t").await, ["a", "b"], "nothing applied");

    // The configuration changed after the plan was saved.
    let r = athena(&["plan", "--out", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    write(
        dir.path(),
        "c.yaml",
        &table("{name: a, type: string}, {name: b, type: int}, {name: d, type: date}"),
    );
    let r = athena(&["apply", "--auto-approve", "--plan", s(&plan), s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr
            .contains("the configuration changed since the plan was saved"),
        "{r}"
    );
    assert_eq!(columns(&db, "t").await, ["a", "b"], "nothing applied");

    // Planning again converges.
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(columns(&db, "t").await, ["a", "b", "d"]);
    cleanup(&db).await;
}

#[tokio::test]
async fn aws_secret_and_session_token_never_appear() {
    let pid = std::process::id();
    let secret = format!("athenaSecretKey{pid}Xq9Zr");
    let token = format!("athenaSessionToken{pid}Wm4Kp");
    let db = unique("secrets");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    description: d\n    tables:\n      - {{name: t, location: \"s3://b/{db}/t/\", format: csv, columns: [{{name: a, type: string}}], partition_keys: [{{name: dt, type: string}}], partitions: [{{values: {{dt: \"2024-01-01\"}}}}]}}\n    views:\n      - {{name: v, sql: \"SELECT a FROM t\"}}\n"),
    );
    let plan = dir.path().join("plan.json");
    let imported = dir.path().join("imported.yaml");
    let c = s(&cfg);
    let p = s(&plan);
    let i = s(&imported);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    // (arguments, endpoint override, RUST_LOG); in order (plan --out then apply --plan).
    let mut runs: Vec<(Vec<&str>, Option<&str>, Option<&str>)> = Vec::new();
    for log in [None, Some("trace")] {
        runs.extend([
            (vec!["-vv", "validate", c], None, log),
            (vec!["-vv", "plan", c], None, log),
            (vec!["-vv", "plan", "--format", "json", c], None, log),
            (vec!["-vv", "plan", "--format", "markdown", c], None, log),
            (vec!["-vv", "plan", "--out", p, c], None, log),
            (
                vec!["-vv", "apply", "--auto-approve", "--plan", p, c],
                None,
                log,
            ),
            (
                vec!["-vv", "import", "--database", &db, "--out", i],
                None,
                log,
            ),
            (vec!["-vv", "import", "--database", &db], None, log),
            (vec!["-vv", "apply", "--auto-approve", c], None, log),
            (vec!["-vv", "plan", c], Some(closed.as_str()), log),
        ]);
    }
    let key_id = format!("AKIAATHENA{pid}");
    let mut checked = 0;
    let mut credentials_logged = 0;
    for (args, endpoint_override, rust_log) in &runs {
        let mut cmd = with(args);
        if let Some(e) = endpoint_override {
            cmd.env("AWS_ENDPOINT_URL", e).env("AWS_MAX_ATTEMPTS", "1");
        }
        cmd.env("AWS_ACCESS_KEY_ID", &key_id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env("AWS_SESSION_TOKEN", &token)
            .env("AWS_OUTPUT_LOCATION", "s3://athena-results/");
        if let Some(l) = rust_log {
            cmd.env("RUST_LOG", l);
        }
        let r = run(cmd);
        if endpoint_override.is_none() {
            assert_eq!(r.code, 0, "{args:?}: {r}");
        } else {
            assert_eq!(r.code, 1, "{args:?}: {r}");
        }
        if args[1] != "validate" {
            // The logs really are verbose (signing, HTTP) and so worth scanning.
            let level = if rust_log.is_some() { "TRACE" } else { "DEBUG" };
            assert!(r.stderr.contains(level), "{args:?}: {r}");
        }
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            for needle in [&secret, &token] {
                assert!(
                    !text.contains(needle.as_str()),
                    "{args:?} RUST_LOG={rust_log:?}: {what} contains a secret"
                );
            }
        }
        if r.stderr.contains(&key_id) && r.stderr.contains("secret_access_key: \"** redacted **\"")
        {
            credentials_logged += 1;
        }
        checked += r.stdout.len() + r.stderr.len();
    }
    // The trace logs do show the credentials the runs used (from this
    // environment), with the secret redacted: the scan looked at the right thing.
    assert!(credentials_logged >= 5, "{credentials_logged}");
    for f in [&plan, &imported] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.is_empty());
        assert!(
            !text.contains(&secret) && !text.contains(&token),
            "{}",
            f.display()
        );
    }
    eprintln!("scanned {checked} bytes of output from {} runs", runs.len());
    cleanup(&db).await;
}
