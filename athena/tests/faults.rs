//! Faults between the real binary and the AWS endpoint: down (closed
//! port), slow, throttling, dropped connections, and failure in the middle
//! of an apply. A fault-injecting proxy (`support::fault_proxy`) sits
//! between the binary and moto through `AWS_ENDPOINT_URL`; retries are
//! configured only through the SDK's standard mechanisms
//! (`AWS_MAX_ATTEMPTS`) and the tool's `--request-timeout`.

mod support;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use support::*;

fn config(db: &str, tables: usize) -> String {
    let mut s = format!("databases:\n  - name: {db}\n    description: faults\n    tables:\n");
    for i in 0..tables {
        s.push_str(&format!(
            "      - {{name: t{i}, location: \"s3://b/{db}/t{i}/\", format: parquet, columns: [{{name: a, type: string}}]}}\n"
        ));
    }
    s
}

fn free_closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn endpoint_down_retries_boundedly_then_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&unique("down"), 1));
    let url = format!("http://127.0.0.1:{}", free_closed_port());
    for verb in [
        &["plan"][..],
        &["apply", "--auto-approve"][..],
        &["import"][..],
    ] {
        let mut cmd = command(&url);
        cmd.args(verb);
        if verb[0] != "import" {
            cmd.arg(s(&cfg));
        }
        let r = athena_async(cmd).await;
        assert_eq!(r.code, 1, "{r}");
        assert!(!r.stderr.contains("panicked"), "{r}");
        assert!(r.stderr.contains("Connection refused"), "{r}");
        assert!(!r.stderr.contains("DispatchFailure("), "{r}");
        if verb[0] != "import" {
            assert!(
                r.stderr.contains(&format!(
                    "cannot read the live catalog from glue us-east-1 ({url})"
                )),
                "{r}"
            );
            assert!(r.stderr.contains("Glue GetDatabases failed"), "{r}");
        }
        // Three attempts (the SDK default) with at most 1 s + 2 s of backoff.
        assert!(r.elapsed < Duration::from_secs(10), "{r}");
    }
}

#[tokio::test]
async fn persistent_throttling_is_retried_with_backoff_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&unique("throttled"), 1));
    for attempts in [1usize, 4] {
        let proxy = fault_proxy(|_, _, _| Fault::Throttle).await;
        let mut cmd = command(&proxy.url);
        cmd.env("AWS_MAX_ATTEMPTS", attempts.to_string())
            .args(["plan", s(&cfg)]);
        let r = athena_async(cmd).await;
        assert_eq!(r.code, 1, "{r}");
        assert!(r.stderr.contains("Glue GetDatabases failed"), "{r}");
        assert!(r.stderr.contains("ThrottlingException"), "{r}");
        assert!(r.stderr.contains("Rate exceeded"), "{r}");
        // One readable line: no Debug dump of the raw HTTP response.
        assert!(!r.stderr.contains("SdkBody"), "{r}");
        assert_eq!(r.stderr.trim().lines().count(), 1, "{r}");
        let seen = proxy.seen.lock().unwrap().clone();
        assert_eq!(
            seen.len(),
            attempts,
            "exactly AWS_MAX_ATTEMPTS attempts: {seen:?}"
        );
        assert!(seen.iter().all(|s| s.target == "AWSGlue.GetDatabases"));
        let span = seen.last().unwrap().at - seen[0].at;
        eprintln!(
            "{attempts} attempt(s): retries spread over {span:?}, run took {:?}",
            r.elapsed
        );
        if attempts > 1 {
            // Jittered exponential backoff: the gaps are random but not all
            // ~0, and at most 1 s + 2 s + 4 s (the SDK's standard mode:
            // initial backoff 1 s, doubling, capped at 20 s).
            assert!(span > Duration::from_millis(50), "no backoff: {seen:?}");
            assert!(span < Duration::from_millis(7500), "unbounded: {seen:?}");
        }
        assert!(r.elapsed < Duration::from_secs(15), "{r}");
    }
}

#[tokio::test]
async fn transient_throttling_is_retried_and_the_apply_succeeds() {
    let db = unique("transient");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, 3));
    // Every distinct call is throttled once, then forwarded.
    let once: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let proxy = fault_proxy(move |_, target, _| {
        if once.lock().unwrap().insert(target.to_string()) {
            Fault::Throttle
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("Apply complete! 4 created, 0 updated, 0 deleted, 0 replaced."),
        "{r}"
    );
    let throttled: Vec<_> = proxy
        .targets()
        .into_iter()
        .filter(|(_, f)| *f == Fault::Throttle)
        .map(|(t, _)| t)
        .collect();
    for op in ["GetDatabases", "CreateDatabase", "CreateTable"] {
        assert!(
            throttled.contains(&format!("AWSGlue.{op}")),
            "{op} was not throttled: {throttled:?}"
        );
    }
    let state = catalog(&db).await;
    let tables: Vec<_> = state[&db].1.keys().cloned().collect();
    assert_eq!(tables, ["t0", "t1", "t2"]);
    let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("No changes"), "{r}");
    cleanup(&db).await;
}

#[tokio::test]
async fn dropped_connections_are_retried_or_fail_boundedly() {
    let db = unique("dropped");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, 1));
    // The first two connections are closed without an answer: retried.
    let proxy = fault_proxy(|i, _, _| if i < 2 { Fault::Close } else { Fault::Forward }).await;
    let mut cmd = command(&proxy.url);
    cmd.args(["plan", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains(&format!("+ database.{db}")), "{r}");
    // Every connection closed: bounded, clear failure.
    let proxy = fault_proxy(|_, _, _| Fault::Close).await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "3").args(["plan", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("Glue GetDatabases failed"), "{r}");
    assert!(r.stderr.contains("dispatch failure"), "{r}");
    assert_eq!(proxy.seen.lock().unwrap().len(), 3, "{r}");
    assert!(r.elapsed < Duration::from_secs(30), "{r}");
}

#[tokio::test]
async fn slow_endpoint_times_out_per_attempt_then_fails_boundedly() {
    let db = unique("slow");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, 1));
    // Slow but within the attempt timeout: fine.
    let proxy = fault_proxy(|_, _, _| Fault::Delay(Duration::from_millis(300))).await;
    let mut cmd = command(&proxy.url);
    cmd.args(["--request-timeout", "5", "plan", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    // Slower than the attempt timeout: each attempt is cut, retried, then fails.
    let proxy = fault_proxy(|_, _, _| Fault::Delay(Duration::from_secs(30))).await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "2").args([
        "--request-timeout",
        "1",
        "apply",
        "--auto-approve",
        s(&cfg),
    ]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("Glue GetDatabases failed"), "{r}");
    assert!(r.stderr.to_lowercase().contains("timeout"), "{r}");
    assert_eq!(proxy.seen.lock().unwrap().len(), 2, "{r}");
    // Two 1 s attempts plus at most one backoff (< 1 s with the SDK defaults).
    assert!(r.elapsed < Duration::from_secs(8), "{r}");
    eprintln!(
        "2 attempts of 1 s against a 30 s endpoint: failed after {:?}",
        r.elapsed
    );
    assert!(catalog(&db).await.is_empty(), "nothing applied");
}

/// Addresses listed under a heading of the apply failure report.
fn report_section(stderr: &str, heading: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut lines = stderr.lines().skip_while(|l| !l.starts_with(heading));
    lines.next();
    for l in lines {
        let Some(rest) = l.strip_prefix("  ") else {
            break;
        };
        out.insert(rest.split_whitespace().nth(1).unwrap_or("").to_string());
    }
    out
}

/// Addresses (`database.X`, `table.X.Y`) that exist in moto for `db`.
async fn existing(db: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, (_, tables)) in catalog(db).await {
        if name != db {
            continue;
        }
        out.insert(format!("database.{name}"));
        for t in tables.keys() {
            out.insert(format!("table.{name}.{t}"));
        }
    }
    out
}

#[tokio::test]
async fn failure_mid_apply_reports_exactly_what_was_applied_and_rerun_converges() {
    for parallelism in ["1", "8"] {
        let db = unique(&format!("midapply{parallelism}"));
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "c.yaml", &config(&db, 6));
        // The database, its apply lock and two tables are written, then
        // every Glue write but DeleteTable (the lock's release) is throttled.
        let proxy = fault_proxy(|_, target, writes| {
            if is_write(target) && target != "AWSGlue.DeleteTable" && writes >= 4 {
                Fault::Throttle
            } else {
                Fault::Forward
            }
        })
        .await;
        let mut cmd = command(&proxy.url);
        cmd.env("AWS_MAX_ATTEMPTS", "2").args([
            "--parallelism",
            parallelism,
            "apply",
            "--auto-approve",
            s(&cfg),
        ]);
        let r = athena_async(cmd).await;
        assert_eq!(r.code, 1, "{r}");
        assert!(r.stderr.contains("error: apply failed"), "{r}");
        assert!(r.stderr.contains("ThrottlingException"), "{r}");
        let applied = report_section(&r.stderr, "Applied (");
        let not_applied = report_section(&r.stderr, "Not applied (");
        let live = existing(&db).await;
        assert_eq!(applied, live, "the report must match moto's state\n{r}");
        assert_eq!(applied.len(), 3, "{r}");
        assert_eq!(applied.len() + not_applied.len(), 7, "{r}");
        assert!(applied.is_disjoint(&not_applied), "{r}");
        // A healthy re-run creates the rest and converges.
        let r = athena(&["apply", "--auto-approve", s(&cfg)]);
        assert_eq!(r.code, 0, "{r}");
        assert!(
            r.stdout.contains("Apply complete! 4 created"),
            "only the missing tables are created: {r}"
        );
        assert_eq!(existing(&db).await.len(), 7);
        let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
        assert_eq!(r.code, 0, "{r}");
        cleanup(&db).await;
    }
}

#[tokio::test]
async fn a_partly_applied_change_is_named_and_rerun_converges() {
    let db = unique("partly");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/{db}/t/\n        format: parquet\n        columns: [{{name: a, type: string}}]\n        partition_keys: [{{name: dt, type: string}}]\n        partitions:\n          - date_range: {{key: dt, start: \"2024-01-01\", end: \"2024-01-04\"}}\n"),
    );
    // The table's second step (registering its partitions) always fails.
    let proxy = fault_proxy(|_, target, _| {
        if target == "AWSGlue.BatchCreatePartition" {
            Fault::Throttle
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "2")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(&format!(
            "partly applied: glue:CreateTable {db}.t succeeded before this step; apply again to finish"
        )),
        "{r}"
    );
    let applied = report_section(&r.stderr, "Applied (");
    let not_applied = report_section(&r.stderr, "Not applied (");
    assert_eq!(applied, BTreeSet::from([format!("database.{db}")]), "{r}");
    assert_eq!(
        not_applied,
        BTreeSet::from([format!("table.{db}.t")]),
        "{r}"
    );
    // The table exists without partitions: the report did not claim it.
    assert!(existing(&db).await.contains(&format!("table.{db}.t")));
    let parts = glue()
        .get_partitions()
        .database_name(&db)
        .table_name("t")
        .send()
        .await
        .unwrap();
    assert!(parts.partitions.unwrap_or_default().is_empty());
    // A healthy re-run registers the partitions and converges.
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    let parts = glue()
        .get_partitions()
        .database_name(&db)
        .table_name("t")
        .send()
        .await
        .unwrap();
    assert_eq!(parts.partitions.unwrap_or_default().len(), 3);
    let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
    assert_eq!(r.code, 0, "{r}");
    cleanup(&db).await;
}

#[tokio::test]
async fn throttled_athena_statement_is_retried_with_one_idempotency_token() {
    let db = unique("athenaretry");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    views:\n      - {{name: v, sql: \"SELECT 1 AS one\"}}\n"),
    );
    // The first StartQueryExecution and the first poll are throttled.
    let once: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let proxy = fault_proxy(move |_, target, _| {
        if target.starts_with("AmazonAthena.") && once.lock().unwrap().insert(target.to_string()) {
            Fault::Throttle
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.args(["apply", "--auto-approve", s(&cfg)])
        .env("AWS_OUTPUT_LOCATION", "s3://athena-results/");
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    let starts: Vec<Seen> = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.target == "AmazonAthena.StartQueryExecution")
        .cloned()
        .collect();
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(proxy.targets().contains(&(
        "AmazonAthena.GetQueryExecution".to_string(),
        Fault::Throttle
    )));
    assert_eq!(starts[0].fault, Fault::Throttle);
    let token = |s: &Seen| {
        let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        v["ClientRequestToken"].as_str().unwrap_or("").to_string()
    };
    // The retry carries the same token, so Athena would not run it twice
    // had the first attempt reached it.
    assert!(!token(&starts[0]).is_empty(), "{starts:?}");
    assert_eq!(token(&starts[0]), token(&starts[1]));
    assert_eq!(
        recorded_queries(&db).await,
        ["CREATE OR REPLACE VIEW \"v\" AS\nSELECT 1 AS one"],
        "run once"
    );
    cleanup(&db).await;
}

#[test]
fn request_timeout_must_be_a_positive_number_of_seconds() {
    for bad in ["0", "-1", "abc", "NaN", "1e9"] {
        let r = run({
            let mut c = command("http://127.0.0.1:1");
            c.arg(format!("--request-timeout={bad}"))
                .args(["validate", "x.yaml"]);
            c
        });
        assert_eq!(r.code, 2, "{bad}: {r}");
        assert!(
            r.stderr
                .contains("is not a number of seconds (greater than 0, at most 86400)"),
            "{bad}: {r}"
        );
    }
}
