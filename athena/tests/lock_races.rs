//! The apply lock under races and lost answers, through the fault proxy of
//! `support` in front of moto: a database two applies create at once, a
//! lock whose CreateTable arrives late, a lock DeleteTable whose answer is
//! lost while another apply takes the lock. Outcomes are checked with
//! boto3 (an independent client), the proxy's record and the report.

mod support;

use std::time::Duration;

use support::*;

const LOCK: &str = "_athena_apply_lock";

fn config(db: &str, tables: &[&str]) -> String {
    let mut s = format!("databases:\n  - name: {db}\n    description: lock races\n    tables:\n");
    for t in tables {
        s.push_str(&format!(
            "      - name: {t}\n        location: s3://b/{db}/{t}/\n        format: parquet\n        columns: [{{name: a, type: string}}]\n"
        ));
    }
    s
}

/// Tables of `db` read with boto3, sorted, as JSON.
fn tables(db: &str) -> String {
    boto3(&format!(
        "print(json.dumps(sorted(t['Name'] for t in glue.get_tables(DatabaseName={db:?})['TableList'])))"
    ))
}

/// The `Name` of the table a CreateTable / DeleteTable request names.
fn table_named(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["TableInput"]["Name"]
        .as_str()
        .or(v["Name"].as_str())
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_applies_creating_the_same_database_never_change_it_unlocked() {
    let db = unique("lockrace_newdb");
    let dir = tempfile::tempdir().unwrap();
    let cfg_a = write(dir.path(), "a/c.yaml", &config(&db, &["ta"]));
    let cfg_b = write(dir.path(), "b/c.yaml", &config(&db, &["tb"]));
    // Both applies plan while the database does not exist; the first
    // CreateDatabase is held 3 s, so the other creates the database and the
    // held one meets AlreadyExistsException (the same description: the
    // live database matches what it asked for).
    let proxy = fault_proxy(per_target(|target, n| {
        if target == "AWSGlue.CreateDatabase" && n == 0 {
            Fault::Delay(Duration::from_secs(3))
        } else {
            Fault::Forward
        }
    }))
    .await;
    let run = |cfg: std::path::PathBuf| {
        let mut cmd = command(&proxy.url);
        cmd.args(["apply", "--auto-approve"]).arg(cfg);
        athena_async(cmd)
    };
    let (a, b) = tokio::join!(run(cfg_a), run(cfg_b));
    let seen = proxy.seen.lock().unwrap().clone();
    let creates = seen
        .iter()
        .filter(|s| s.target == "AWSGlue.CreateDatabase")
        .count();
    assert_eq!(creates, 2, "both applies planned the database:\n{a}\n{b}");
    // Every table change in the database happened while a lock was held
    // (created and not yet deleted, as the proxy saw the requests).
    let mut locked = false;
    let mut data_creates = 0;
    for s in &seen {
        let name = table_named(&s.body);
        match (s.target.as_str(), name == LOCK) {
            ("AWSGlue.CreateTable", true) => locked = true,
            ("AWSGlue.DeleteTable", true) => locked = false,
            ("AWSGlue.CreateTable", false) => {
                data_creates += 1;
                assert!(locked, "CreateTable {name} without the lock:\n{a}\n{b}");
            }
            _ => {}
        }
    }
    // Each apply either applied its table (serialized behind the other)
    // or failed saying the database is being changed by another apply.
    let mut want = Vec::new();
    for (r, t) in [(&a, "ta"), (&b, "tb")] {
        if r.code == 0 {
            want.push(t);
            assert!(r.stdout.contains("Apply complete!"), "{r}");
        } else {
            assert!(
                r.stderr
                    .contains(&format!("another apply is changing database `{db}`"))
                    || r.stderr
                        .contains("the catalog changed since the plan was made"),
                "{r}"
            );
            assert!(
                r.stderr.contains(&format!(
                    "only the database(s) `{db}` were created, nothing in them was changed"
                )),
                "{r}"
            );
        }
    }
    assert!(
        !want.is_empty(),
        "one apply at least goes through:\n{a}\n{b}"
    );
    assert_eq!(data_creates, want.len(), "{a}\n{b}");
    assert_eq!(
        tables(&db),
        serde_json::to_string(&want).unwrap().replace(',', ", "),
        "boto3 sees the applied tables and no lock:\n{a}\n{b}"
    );
    cleanup(&db).await;
}

/// An existing database `db` with table `a`, and a configuration adding `b`.
fn existing_db(dir: &std::path::Path, db: &str) -> std::path::PathBuf {
    let cfg = write(dir, "c.yaml", &config(db, &["a"]));
    apply_ok(&cfg, &[]);
    write(dir, "c.yaml", &config(db, &["a", "b"]))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_create_table_that_arrives_late_is_found_and_released() {
    let db = unique("lockrace_late");
    let dir = tempfile::tempdir().unwrap();
    let cfg = existing_db(dir.path(), &db);
    // The lock's CreateTable reaches moto 1.5 s after the tool sent it, past
    // its 1 s attempt timeout (one attempt): the lock appears while the
    // tool reads it back.
    let proxy = fault_proxy(per_target(|target, n| {
        if target == "AWSGlue.CreateTable" && n == 0 {
            Fault::Delay(Duration::from_millis(1500))
        } else {
            Fault::Forward
        }
    }))
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
        r.stderr.contains(&format!(
            "note: Glue CreateTable {db}.{LOCK} (apply lock) failed"
        )) && r.stderr.contains("this apply's lock; continuing"),
        "{r}"
    );
    assert!(r.stdout.contains("Apply complete! 1 created"), "{r}");
    assert_eq!(tables(&db), r#"["a", "b"]"#, "no lock left behind\n{r}");
    cleanup(&db).await;

    // A lock CreateTable that never arrives: nothing applied, no lock, and
    // the message says how long the lock was looked for.
    let db = unique("lockrace_never");
    let cfg = existing_db(dir.path(), &db);
    let proxy = fault_proxy(|_, target, _| {
        if target == "AWSGlue.CreateTable" {
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
        r.stderr.contains(
            "(apply lock) failed and the lock was not there when read back 4 times over 1.4 s; nothing was applied"
        ),
        "{r}"
    );
    assert_eq!(tables(&db), r#"["a"]"#, "{r}");
    cleanup(&db).await;

    // Neither the lock's CreateTable nor its read-back gets an answer: the
    // message says that whether the lock exists is unknown and which token
    // to look for.
    let db = unique("lockrace_unread");
    let cfg = existing_db(dir.path(), &db);
    let proxy = fault_proxy(|_, target, _| {
        if target == "AWSGlue.CreateTable" || target == "AWSGlue.GetTable" {
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
        r.stderr
            .contains("(apply lock) failed and reading it back failed too")
            && r.stderr
                .contains("nothing was applied. Whether this apply's lock exists is unknown: if")
            && r.stderr.contains("exists with parameter token = "),
        "{r}"
    );
    assert_eq!(tables(&db), r#"["a"]"#, "{r}");
    cleanup(&db).await;

    // A 4xx answer (throttling left after the SDK's retries) is a definite
    // rejection: read back once, not waited for.
    let db = unique("lockrace_reject");
    let cfg = existing_db(dir.path(), &db);
    let proxy = fault_proxy(|_, target, _| {
        if target == "AWSGlue.CreateTable" {
            Fault::Throttle
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
            "Glue CreateTable {db}.{LOCK} (apply lock) was rejected; nothing was applied"
        )),
        "{r}"
    );
    let reads = proxy
        .targets()
        .iter()
        .filter(|(t, _)| t == "AWSGlue.GetTable")
        .count();
    assert_eq!(reads, 1, "{:?}", proxy.targets());
    assert_eq!(tables(&db), r#"["a"]"#, "{r}");
    cleanup(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_lock_release_never_touches_the_next_applys_lock() {
    let db = unique("lockrace_release");
    let dir = tempfile::tempdir().unwrap();
    let cfg = existing_db(dir.path(), &db);
    // The lock's DeleteTable reaches moto and its answer is lost (one
    // attempt); before the tool reads the lock back, another apply takes
    // the lock (created with boto3, with a token of its own).
    let db2 = db.clone();
    let lost = std::sync::atomic::AtomicBool::new(false);
    let proxy = fault_proxy(move |_, target, _| match target {
        "AWSGlue.DeleteTable" => {
            lost.store(true, std::sync::atomic::Ordering::SeqCst);
            Fault::Lose
        }
        "AWSGlue.GetTable" if lost.swap(false, std::sync::atomic::Ordering::SeqCst) => {
            boto3(&format!(
                "glue.create_table(DatabaseName={db2:?}, TableInput={{'Name': '{LOCK}', 'Description': 'apply lock: other', 'Parameters': {{'token': 'other'}}}})"
            ));
            Fault::Forward
        }
        _ => Fault::Forward,
    })
    .await;
    let mut cmd = command(&proxy.url);
    cmd.env("AWS_MAX_ATTEMPTS", "1")
        .args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("Apply complete! 1 created"), "{r}");
    let deletes = proxy
        .targets()
        .iter()
        .filter(|(t, _)| t == "AWSGlue.DeleteTable")
        .count();
    assert_eq!(deletes, 1, "{:?}", proxy.targets());
    // The other apply's lock is neither named as ours nor deleted.
    assert!(!r.stderr.contains("could not remove the apply lock"), "{r}");
    assert_eq!(tables(&db), format!(r#"["{LOCK}", "a", "b"]"#), "{r}");
    assert_eq!(
        boto3(&format!(
            "print(glue.get_table(DatabaseName={db:?}, Name='{LOCK}')['Table']['Parameters']['token'])"
        )),
        "other"
    );
    cleanup(&db).await;
}
