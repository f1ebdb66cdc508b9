//! A drop-in for athena-rs: the real binary run with athena-rs's command
//! lines on the template tree `tests/fixtures/athena-rs/project` (written
//! for this project from athena-rs's README, examples and tests), compared
//! with what athena-rs itself printed and sent to moto
//! (`tests/fixtures/athena-rs/expected`, recorded once with athena-rs
//! built from source outside the repository; see docs/migration.md).
//! What reached moto is read back with boto3 (`support/moto_queries.py`).

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/athena-rs")
}

fn project() -> PathBuf {
    fixtures().join("project")
}

fn expected(name: &str) -> String {
    let p = fixtures().join("expected").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `(query, database)` pairs athena-rs sent, as recorded in the fixture.
fn expected_sent(name: &str) -> Vec<(String, Option<String>)> {
    let v: Vec<serde_json::Value> = serde_json::from_str(&expected(name)).unwrap();
    statements_and_databases(&v)
}

/// Runs the binary against a private moto in the fixture project.
fn run_on(moto: &PrivateMoto, args: &[&str]) -> Run {
    let mut cmd = command(&moto.url);
    cmd.args(args).current_dir(project());
    run(cmd)
}

#[test]
fn build_prints_what_athena_rs_prints_byte_for_byte() {
    for (target, file) in [
        ("prd", "build-prd.sql"),
        ("stg", "build-stg.sql"),
        ("single/one.sql", "build-single.sql"),
        ("rules", "build-rules.sql"),
        ("escapes", "build-escapes.sql"),
    ] {
        let r = run({
            let mut c = command("http://127.0.0.1:9");
            c.args(["build", target, "--no-pretty", "true"])
                .current_dir(project());
            c
        });
        assert_eq!(r.code, 0, "{target}: {r}");
        assert_eq!(r.stdout, expected(file), "build {target} -n true");
        assert_eq!(r.stderr, "", "{target}");
        // -n, and a trailing slash, as athena-rs accepts them.
        let r = run({
            let mut c = command("http://127.0.0.1:9");
            c.args(["build", &format!("./{target}"), "-n", "true"])
                .current_dir(project());
            c
        });
        assert_eq!(r.stdout, expected(file), "build ./{target} -n true");
    }
    // `-o FILE`: the SQL without a trailing newline, and `Write to FILE`.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.sql");
    let r = run({
        let mut c = command("http://127.0.0.1:9");
        c.args(["build", "prd", "-o", s(&out)])
            .current_dir(project());
        c
    });
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout, format!("Write to {}\n", out.display()));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        expected("build-prd.sql")
    );
}

#[test]
fn empty_directory_prints_nothing_and_unreadable_subdirectories_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let r = run({
        let mut c = command("http://127.0.0.1:9");
        c.args(["build", "empty"]).current_dir(dir.path());
        c
    });
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r}");

    // A subdirectory nobody can read, beside the templates (athena-rs's
    // directory walk skips what it cannot read).
    write(dir.path(), "prd/index.sql", "SELECT {{ 1 + 1 }};\n");
    let locked = dir.path().join("locked");
    write(dir.path(), "locked/x.sql", "SELECT 0;\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut cmd = unprivileged(&["build", "prd", "-n", "true"]);
    cmd.current_dir(dir.path());
    let r = run(cmd);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout, "SELECT 2;");
}

/// The binary run so that a mode-000 directory is unreadable: as is for a
/// normal user, through `setpriv` as `nobody` when the tests run as root.
fn unprivileged(args: &[&str]) -> std::process::Command {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        let mut c = command("http://127.0.0.1:9");
        c.args(args);
        return c;
    }
    let mut c = command("http://127.0.0.1:9");
    let bin = c.get_program().to_os_string();
    let mut w = std::process::Command::new("setpriv");
    w.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin)
        .args(args);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => w.env(k, v),
            None => w.env_remove(k),
        };
    }
    c = w;
    c
}

#[test]
fn apply_sends_what_athena_rs_sends() {
    for (target, file) in [("prd", "apply-prd.json"), ("rules", "apply-rules.json")] {
        let moto = private_moto();
        let r = run_on(&moto, &["apply", target, "--no-pretty", "true"]);
        assert_eq!(r.code, 0, "{target}: {r}");
        let sent = statements_and_databases(&boto3_queries(&moto.url, "us-east-1"));
        assert_eq!(sent, expected_sent(file), "apply {target}");
        // athena-rs's stdout with --no-pretty true: the SQL, then every
        // statement (health check first), nothing between them.
        let mut want = expected(&file.replace("apply-", "build-").replace(".json", ".sql"));
        for (q, _) in &sent {
            want.push_str(q);
        }
        assert_eq!(r.stdout, want, "stdout of apply {target}");
    }
}

#[test]
fn hive_escapes_keep_statements_whole_where_athena_rs_splits_them() {
    let moto = private_moto();
    let r = run_on(&moto, &["apply", "escapes"]);
    assert_eq!(r.code, 0, "{r}");
    let sent = statements_and_databases(&boto3_queries(&moto.url, "us-east-1"));
    let db = Some("esc_db".to_string());
    assert_eq!(
        sent,
        vec![
            ("SELECT 1".to_string(), None),
            ("-- Database: esc_db\nCREATE EXTERNAL TABLE IF NOT EXISTS `notes` (\n  body string COMMENT 'it\\'s; ok'\n)\nLOCATION 's3://acme/notes/'".to_string(), db.clone()),
            ("-- Database: esc_db\nCREATE OR REPLACE VIEW \"semi\" AS SELECT 'a;b' AS x".to_string(), db),
        ]
    );
    // athena-rs cut both statements inside their string literals.
    let theirs = expected_sent("apply-escapes.json");
    assert_eq!(theirs.len(), 5, "{theirs:#?}");
    assert!(theirs[1].0.ends_with("COMMENT 'it\\'s"), "{theirs:#?}");
}

#[test]
fn dry_run_true_executes_nothing() {
    let moto = private_moto();
    let r = run_on(&moto, &["apply", "-d", "true", "prd"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("none executed"), "{r}");
    assert!(boto3_queries(&moto.url, "us-east-1").is_empty());
    let r = run_on(&moto, &["apply", "prd", "--dry-run", "false", "-n"]);
    assert_eq!(r.code, 2, "-n is build's flag, as in athena-rs: {r}");
}

#[test]
fn athena_rs_flags_and_environment_reach_athena() {
    let moto = private_moto();
    // Short flags after the verb, as athena-rs takes them.
    let r = run_on(
        &moto,
        &[
            "apply",
            "-w",
            "primary",
            "-o",
            "s3://results-flag/",
            "-r",
            "eu-west-1",
            "single/one.sql",
        ],
    );
    assert_eq!(r.code, 0, "{r}");
    let q = boto3_queries(&moto.url, "eu-west-1");
    assert_eq!(q.len(), 2, "{q:#?}");
    for v in &q {
        assert_eq!(v["workgroup"], "primary", "{v}");
        let loc = v["output_location"].as_str().unwrap_or_default();
        assert!(loc.starts_with("s3://results-flag/"), "{v}");
    }
    // The same through athena-rs's environment variables.
    let mut cmd = command(&moto.url);
    cmd.args(["apply", "single"])
        .current_dir(project())
        .env_remove("AWS_REGION")
        .env("AWS_DEFAULT_REGION", "ap-south-1")
        .env("AWS_WORKGROUP", "primary")
        .env("AWS_OUTPUT_LOCATION", "s3://results-env/");
    // `single` holds only one.sql, no index.sql: athena-rs's error.
    let r = run(cmd);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("index.sql"), "{r}");
    let mut cmd = command(&moto.url);
    cmd.args(["apply", "single/one.sql"])
        .current_dir(project())
        .env_remove("AWS_REGION")
        .env("AWS_DEFAULT_REGION", "ap-south-1")
        .env("AWS_WORKGROUP", "primary")
        .env("AWS_OUTPUT_LOCATION", "s3://results-env/");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r}");
    let q = boto3_queries(&moto.url, "ap-south-1");
    assert_eq!(q.len(), 2, "{q:#?}");
    assert_eq!(q[1]["query"], "SELECT 42 AS answer");
    let loc = q[1]["output_location"].as_str().unwrap_or_default();
    assert!(loc.starts_with("s3://results-env/"), "{loc}");

    // A profile (-p) from a config file: its region is used.
    let dir = tempfile::tempdir().unwrap();
    let conf = write(
        dir.path(),
        "config",
        "[profile team]\nregion = sa-east-1\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    let mut cmd = command(&moto.url);
    cmd.args(["apply", "-p", "team", "single/one.sql"])
        .current_dir(project())
        .env_remove("AWS_REGION")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &conf)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"));
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(boto3_queries(&moto.url, "sa-east-1").len(), 2);
}

/// Cancels the first query moto sees (athena-rs's health check).
fn cancel_first_query(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let a = athena_client_at(url);
        for _ in 0..500 {
            let ids = a
                .list_query_executions()
                .send()
                .await
                .unwrap()
                .query_execution_ids
                .unwrap_or_default();
            if let Some(id) = ids.first() {
                a.stop_query_execution()
                    .query_execution_id(id)
                    .send()
                    .await
                    .unwrap();
                return id.clone();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("no query started");
    })
}

#[test]
fn a_failed_statement_is_reported_and_the_run_goes_on_unless_strict() {
    for strict in [false, true] {
        let moto = private_moto();
        // Each state lasts a few polls, so the test can cancel a query.
        http_post(
            &moto.url,
            "/moto-api/state-manager/set-transition",
            r#"{"model_name": "athena::execution", "transition": {"progression": "manual", "times": 3}}"#,
        );
        let mut args = vec!["apply", "single/one.sql"];
        if strict {
            args.push("--strict");
        }
        let child = spawn(&moto.url, &args, &project());
        let id = cancel_first_query(&moto.url);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("CANCELLED ({id})")), "{stderr}");
        let q = boto3_queries(&moto.url, "us-east-1");
        if strict {
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("1 statement(s) after it were not run"),
                "{stderr}"
            );
            assert_eq!(q.len(), 1, "{q:#?}");
        } else {
            // athena-rs's result: reported, the rest runs, exit 0.
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            assert_eq!(q.len(), 2, "{q:#?}");
            assert_eq!(q[1]["state"], "SUCCEEDED");
        }
    }
}

#[test]
fn template_flags_on_a_yaml_configuration_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", "databases:\n  - name: x\n");
    let r = run({
        let mut c = command("http://127.0.0.1:9");
        c.args(["apply", "-d", "true", s(&cfg)]);
        c
    });
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("--dry-run applies to SQL templates"),
        "{r}"
    );
}
