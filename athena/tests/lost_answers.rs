//! Writes whose answer is lost after moto applied them: the fault proxy of
//! `support` forwards the request to moto and then drops the connection
//! (`Fault::Lose`) or answers only after the tool's attempt timeout
//! (`Fault::LateAnswer`). The SDK's retry then meets AlreadyExists /
//! EntityNotFound (or, with one attempt, the tool sees the timeout); the
//! tool reads the object again and reports what the catalog holds. The
//! outcome is checked with boto3 (an independent client) and the report.

mod support;

use std::time::Duration;

use support::*;

fn config(db: &str, tables: &[&str], extra_column: bool, delete_unmanaged: bool) -> String {
    let mut s = format!(
        "databases:\n  - name: {db}\n    description: lost answers\n    delete_unmanaged: {delete_unmanaged}\n    tables:\n"
    );
    for t in tables {
        let b = if extra_column {
            ", {name: b, type: bigint}"
        } else {
            ""
        };
        s.push_str(&format!(
            "      - name: {t}\n        location: s3://b/{db}/{t}/\n        format: parquet\n        columns: [{{name: a, type: string}}{b}]\n        partition_keys: [{{name: dt, type: string}}]\n        partitions:\n          - date_range: {{key: dt, start: \"2024-01-01\", end: \"2024-01-04\"}}\n"
        ));
    }
    s
}

/// The state of `db` read with boto3: table -> (columns, partitions).
fn boto3_state(db: &str) -> String {
    boto3(&format!(
        "db = {db:?}\nout = {{}}\ntry:\n    glue.get_database(Name=db)\nexcept glue.exceptions.EntityNotFoundException:\n    print('no database'); raise SystemExit\nfor t in glue.get_tables(DatabaseName=db)['TableList']:\n    cols = [c['Name'] + ':' + c['Type'] for c in t['StorageDescriptor'].get('Columns', [])]\n    parts = sorted('/'.join(p['Values']) for p in glue.get_partitions(DatabaseName=db, TableName=t['Name'])['Partitions'])\n    out[t['Name']] = [cols, parts]\nprint(json.dumps(out, sort_keys=True))"
    ))
}

fn count(proxy: &FaultProxy, target: &str) -> usize {
    proxy
        .targets()
        .iter()
        .filter(|(t, _)| t == &format!("AWSGlue.{target}"))
        .count()
}

#[tokio::test]
async fn created_objects_whose_answer_was_lost_are_reread_and_reported_applied() {
    let db = unique("lostcreate");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &config(&db, &["t0", "t1"], false, false),
    );
    // The first attempt of every write reaches moto, its answer is dropped;
    // the SDK's retry then gets AlreadyExistsException (CreateDatabase,
    // CreateTable) or per-partition AlreadyExists errors.
    let proxy = fault_proxy(per_target(|target, n| {
        if is_glue_write(target) && n % 2 == 0 {
            Fault::Lose
        } else {
            Fault::Forward
        }
    }))
    .await;
    let mut cmd = command(&proxy.url);
    cmd.args(["--parallelism", "1", "apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("Apply complete! 3 created, 0 updated, 0 deleted, 0 replaced."),
        "{r}"
    );
    // Each write was sent twice: the lost attempt and the SDK's retry
    // (CreateTable: the apply lock of the new database, t0, t1).
    assert_eq!(count(&proxy, "CreateDatabase"), 2, "{:?}", proxy.targets());
    assert_eq!(count(&proxy, "CreateTable"), 6, "{:?}", proxy.targets());
    assert_eq!(count(&proxy, "BatchCreatePartition"), 4);
    for what in [
        format!("note: glue:CreateDatabase {db}: "),
        format!("note: glue:CreateTable {db}.t0: "),
        format!("note: glue:CreateTable {db}.t1: "),
        format!("note: glue:BatchCreatePartition {db}.t1 (3 partitions): "),
    ] {
        assert!(r.stderr.contains(&what), "{what}\n{r}");
    }
    assert!(r.stderr.contains("AlreadyExistsException"), "{r}");
    assert!(
        r.stderr.contains("shows it applied; counted as applied"),
        "{r}"
    );
    let parts = r#"["2024-01-01", "2024-01-02", "2024-01-03"]"#;
    assert_eq!(
        boto3_state(&db),
        format!(r#"{{"t0": [["a:string"], {parts}], "t1": [["a:string"], {parts}]}}"#)
    );
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn updates_deletes_and_the_lock_survive_lost_answers() {
    let db = unique("lostupdate");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &config(&db, &["t0", "t1"], false, false),
    );
    apply_ok(&cfg, &[]);
    // t0 is gone from the configuration (deleted), t1 gains a column.
    let cfg = write(dir.path(), "c.yaml", &config(&db, &["t1"], true, true));
    // Every UpdateTable answer is lost (all attempts applied, none
    // answered); the first CreateTable (the lock) and each first
    // DeleteTable (t0, then the lock) are lost and retried, so the retry
    // meets AlreadyExists / EntityNotFound.
    let proxy = fault_proxy(per_target(|target, n| match target {
        "AWSGlue.UpdateTable" => Fault::Lose,
        "AWSGlue.CreateTable" | "AWSGlue.DeleteTable" if n % 2 == 0 => Fault::Lose,
        _ => Fault::Forward,
    }))
    .await;
    let mut cmd = command(&proxy.url);
    cmd.args([
        "--parallelism",
        "1",
        "apply",
        "--auto-approve",
        "--allow-destructive",
        s(&cfg),
    ]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("Apply complete! 0 created, 1 updated, 1 deleted, 0 replaced."),
        "{r}"
    );
    assert_eq!(count(&proxy, "CreateTable"), 2, "{:?}", proxy.targets());
    assert_eq!(count(&proxy, "UpdateTable"), 3, "{:?}", proxy.targets());
    assert_eq!(count(&proxy, "DeleteTable"), 4, "{:?}", proxy.targets());
    assert!(
        r.stderr.contains(&format!(
            "note: Glue CreateTable {db}._athena_apply_lock (apply lock) failed (service error: AlreadyExistsException"
        )),
        "{r}"
    );
    assert!(r.stderr.contains("this apply's lock; continuing"), "{r}");
    assert!(
        r.stderr
            .contains(&format!("note: glue:UpdateTable {db}.t1: ")),
        "{r}"
    );
    assert!(
        r.stderr
            .contains(&format!("note: glue:DeleteTable {db}.t0: ")),
        "{r}"
    );
    assert!(r.stderr.contains("EntityNotFoundException"), "{r}");
    assert!(!r.stderr.contains("could not remove the apply lock"), "{r}");
    let parts = r#"["2024-01-01", "2024-01-02", "2024-01-03"]"#;
    // No lock table left, t0 deleted, t1 updated.
    assert_eq!(
        boto3_state(&db),
        format!(r#"{{"t1": [["a:string", "b:bigint"], {parts}]}}"#)
    );
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn answers_after_the_timeout_without_retry_are_reread() {
    let db = unique("lostlate");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, &["t0"], false, false));
    // One attempt per call, cut after 1 s; moto applies each write at once
    // and its answer comes 3 s later.
    let proxy = fault_proxy(|_, target, _| {
        if is_glue_write(target) {
            Fault::LateAnswer(Duration::from_secs(3))
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1").args([
        "--request-timeout",
        "1",
        "apply",
        "--auto-approve",
        s(&cfg),
    ]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .contains("Apply complete! 2 created, 0 updated, 0 deleted, 0 replaced."),
        "{r}"
    );
    // The new database's apply lock and t0.
    assert_eq!(count(&proxy, "CreateTable"), 2);
    assert!(r.stderr.to_lowercase().contains("timeout"), "{r}");
    assert!(
        r.stderr
            .contains(&format!("note: glue:CreateTable {db}.t0: ")),
        "{r}"
    );
    let parts = r#"["2024-01-01", "2024-01-02", "2024-01-03"]"#;
    assert_eq!(
        boto3_state(&db),
        format!(r#"{{"t0": [["a:string"], {parts}]}}"#)
    );
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn a_write_that_never_arrived_is_reread_and_reported_not_applied() {
    let db = unique("lostnever");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &config(&db, &["t0", "t1"], false, false),
    );
    // The lock's and t0's CreateTable go through; every attempt for t1 is
    // cut before it reaches moto.
    let proxy = fault_proxy(per_target(|target, n| {
        if target == "AWSGlue.CreateTable" && n >= 2 {
            Fault::Close
        } else {
            Fault::Forward
        }
    }))
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "2").args([
        "--parallelism",
        "1",
        "apply",
        "--auto-approve",
        s(&cfg),
    ]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(&format!(
            "read again after the failure: not applied (table `{db}.t1` does not exist)"
        )),
        "{r}"
    );
    assert!(
        r.stderr
            .contains(&format!("Not applied (1):\n  + table.{db}.t1")),
        "{r}"
    );
    assert!(!r.stderr.contains("counted as applied"), "{r}");
    let parts = r#"["2024-01-01", "2024-01-02", "2024-01-03"]"#;
    assert_eq!(
        boto3_state(&db),
        format!(r#"{{"t0": [["a:string"], {parts}]}}"#)
    );
    // A healthy re-run creates the rest and converges.
    let r = apply_ok(&cfg, &[]);
    assert!(r.stdout.contains("Apply complete! 1 created"), "{r}");
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn a_lost_start_query_answer_is_asked_again_with_the_same_token() {
    let db = unique("lostquery");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    views:\n      - {{name: v, sql: \"SELECT 1 AS one\"}}\n"),
    );
    // One attempt per call; the first StartQueryExecution reaches moto and
    // its answer is dropped.
    let proxy = fault_proxy(per_target(|target, n| {
        if target == "AmazonAthena.StartQueryExecution" && n == 0 {
            Fault::Lose
        } else {
            Fault::Forward
        }
    }))
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_OUTPUT_LOCATION", "s3://athena-results/")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stderr
            .contains("re-sent with the same ClientRequestToken, Athena answered with query"),
        "{r}"
    );
    let starts: Vec<Seen> = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.target == "AmazonAthena.StartQueryExecution")
        .cloned()
        .collect();
    assert_eq!(starts.len(), 2, "{starts:?}");
    let token = |s: &Seen| {
        let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        v["ClientRequestToken"].as_str().unwrap_or("").to_string()
    };
    // Real Athena answers the second request with the query the first
    // started (moto ignores the token and records both).
    assert!(token(&starts[0]).len() >= 32, "{starts:?}");
    assert_eq!(token(&starts[0]), token(&starts[1]));
    let recorded = boto3_queries(&endpoint(), "us-east-1");
    let ours = statements_and_databases(&recorded)
        .into_iter()
        .filter(|(_, d)| d.as_deref() == Some(db.as_str()))
        .count();
    assert!(ours >= 1, "the statement reached moto: {recorded:?}");
    cleanup(&db).await;
}

#[tokio::test]
async fn a_started_query_whose_state_cannot_be_read_is_not_claimed_either_way() {
    let db = unique("lostpoll");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    views:\n      - {{name: v, sql: \"SELECT 1 AS one\"}}\n"),
    );
    // The statement reaches moto; every poll of its state is cut.
    let proxy = fault_proxy(|_, target, _| {
        if target == "AmazonAthena.GetQueryExecution" {
            Fault::Close
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_OUTPUT_LOCATION", "s3://athena-results/")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(
            "the statement was started and may have run; whether it succeeded is unknown (run plan to see)"
        ),
        "{r}"
    );
    assert!(
        r.stderr
            .contains(&format!("Not applied (1):\n  + view.{db}.v")),
        "{r}"
    );
    assert_eq!(
        recorded_queries(&db).await,
        ["CREATE OR REPLACE VIEW \"v\" AS\nSELECT 1 AS one"],
        "started once"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn a_rejected_start_query_is_not_sent_again_and_reported_not_started() {
    let db = unique("rejectquery");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    views:\n      - {{name: v, sql: \"SELECT 1 AS one\"}}\n"),
    );
    // One attempt per call; StartQueryExecution is answered 400
    // ThrottlingException (a definite answer: Athena did not start it).
    let proxy = fault_proxy(|_, target, _| {
        if target == "AmazonAthena.StartQueryExecution" {
            Fault::Throttle
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_OUTPUT_LOCATION", "s3://athena-results/")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(
            "Athena StartQueryExecution rejected `CREATE OR REPLACE VIEW \"v\" AS`: not started"
        ),
        "{r}"
    );
    assert!(!r.stderr.contains("unknown"), "{r}");
    assert!(
        r.stderr
            .contains(&format!("Not applied (1):\n  + view.{db}.v")),
        "{r}"
    );
    let starts = proxy
        .targets()
        .iter()
        .filter(|(t, _)| t == "AmazonAthena.StartQueryExecution")
        .count();
    assert_eq!(starts, 1, "not re-sent: {:?}", proxy.targets());
    assert!(recorded_queries(&db).await.is_empty(), "moto ran nothing");
    cleanup(&db).await;
}

#[tokio::test]
async fn an_update_whose_read_half_failed_is_reported_not_applied() {
    let db = unique("updateread");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, &["t0"], false, false));
    apply_ok(&cfg, &[]);
    let cfg = write(dir.path(), "c.yaml", &config(&db, &["t0"], true, false));
    // Every GetTable is cut (one attempt): UpdateTable's read of the table
    // fails, nothing is written.
    let proxy = fault_proxy(|_, target, _| {
        if target == "AWSGlue.GetTable" {
            Fault::Close
        } else {
            Fault::Forward
        }
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(&format!(
            "glue:UpdateTable {db}.t0: not applied (nothing was written)"
        )),
        "{r}"
    );
    assert!(!r.stderr.contains("unknown"), "{r}");
    assert_eq!(count(&proxy, "UpdateTable"), 0, "{:?}", proxy.targets());
    let parts = r#"["2024-01-01", "2024-01-02", "2024-01-03"]"#;
    assert_eq!(
        boto3_state(&db),
        format!(r#"{{"t0": [["a:string"], {parts}]}}"#),
        "no lock left, the table unchanged"
    );
    cleanup(&db).await;
}
