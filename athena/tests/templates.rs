//! athena-rs-compatible templates: `build` and `run` of the real binary
//! against moto through `AWS_ENDPOINT_URL`; what ran is read back from
//! moto's recorded query executions with an independent Athena client.

mod support;

use support::*;

fn template_project(db: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "base/index.sql",
        "{% include \"base/tables.sql\" %}\n{% include \"base/parts.sql\" %}\n",
    );
    write(
        dir.path(),
        "base/tables.sql",
        &format!("-- Database: {db}\nCREATE EXTERNAL TABLE IF NOT EXISTS `t1` (id string COMMENT 'x; y') LOCATION '{{{{ s3_bucket }}}}/t1';\n\n/* Database: {db}_b */\nCREATE VIEW \"v\" AS SELECT 'a;b' AS c;\n"),
    );
    write(
        dir.path(),
        "base/parts.sql",
        &format!("-- Database: {db}\nALTER TABLE t1 ADD IF NOT EXISTS\n{{% for d in date_range(start=\"2024-01-01\", end=\"2024-01-03\") %}}PARTITION (dt = '{{{{ d }}}}') LOCATION '{{{{ s3_bucket }}}}/t1/{{{{ d | date(format=\"%Y/%m/%d\") }}}}/'{{% if not loop.last %}}\n{{% endif %}}{{% endfor %}};\n"),
    );
    write(
        dir.path(),
        "prd/index.sql",
        "{% set s3_bucket = \"s3://prd\" %}\n{% include 'base/index.sql' %}\n",
    );
    dir
}

#[tokio::test]
async fn template_run_executes_each_statement_with_its_database() {
    let db = unique("tmpl");
    let p = template_project(&db);
    let built = athena_in(&["build", "prd"], p.path());
    assert_eq!(built.code, 0, "{built}");
    assert!(
        built.stdout.contains("LOCATION 's3://prd/t1/2024/01/02/'"),
        "{built}"
    );

    // --dry-run really does nothing.
    let r = athena_in(&["run", "--dry-run", "prd"], p.path());
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("3 statement(s) rendered, none executed"),
        "{r}"
    );
    assert!(recorded_queries(&db).await.is_empty());

    let r = athena_in(&["run", "prd"], p.path());
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("3 statement(s) succeeded"), "{r}");
    assert_eq!(
        recorded_queries(&db).await,
        vec![
            format!("-- Database: {db}\nCREATE EXTERNAL TABLE IF NOT EXISTS `t1` (id string COMMENT 'x; y') LOCATION 's3://prd/t1'"),
            format!("-- Database: {db}\nALTER TABLE t1 ADD IF NOT EXISTS\nPARTITION (dt = '2024-01-01') LOCATION 's3://prd/t1/2024/01/01/'\nPARTITION (dt = '2024-01-02') LOCATION 's3://prd/t1/2024/01/02/'"),
        ]
    );
    assert_eq!(
        recorded_queries(&format!("{db}_b")).await,
        vec![format!(
            "/* Database: {db}_b */\nCREATE VIEW \"v\" AS SELECT 'a;b' AS c"
        )]
    );
}

#[tokio::test]
async fn cancelled_query_fails_the_run_and_stops() {
    let moto = private_moto();
    // Queries stay QUEUED until stopped.
    http_post(
        &moto.url,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "athena::execution", "transition": {"progression": "manual", "times": 1000000}}"#,
    );
    let p = template_project("cancel_db");
    let child = spawn(&moto.url, &["run", "prd"], p.path());
    let a = athena_client_at(&moto.url);
    let mut id = None;
    for _ in 0..100 {
        let ids = a
            .list_query_executions()
            .send()
            .await
            .unwrap()
            .query_execution_ids
            .unwrap_or_default();
        if let Some(first) = ids.first() {
            id = Some(first.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let id = id.expect("the run started a query");
    a.stop_query_execution()
        .query_execution_id(&id)
        .send()
        .await
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("Athena query {id} CANCELLED")),
        "{stderr}"
    );
    assert!(
        stderr.contains("statement 1/3 failed; 2 statement(s) after it were not run"),
        "{stderr}"
    );
    let ids = a
        .list_query_executions()
        .send()
        .await
        .unwrap()
        .query_execution_ids
        .unwrap_or_default();
    assert_eq!(ids.len(), 1, "nothing ran after the cancelled statement");
}

#[tokio::test]
async fn polling_waits_through_queued_and_running() {
    let moto = private_moto();
    // Each state lasts three polls: QUEUED, RUNNING, then SUCCEEDED.
    http_post(
        &moto.url,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "athena::execution", "transition": {"progression": "manual", "times": 3}}"#,
    );
    let p = template_project("poll_db");
    let started = std::time::Instant::now();
    let out = spawn(&moto.url, &["run", "prd"], p.path())
        .wait_with_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 statement(s) succeeded"), "{stdout}");
    // Backoff from 100 ms: ~6 polls per statement take well under athena-rs's 5 s per poll.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// A template tree of 4 tables in one database: the database, then per
/// table a CREATE and two ALTERs, a view (a barrier), one more ALTER.
fn parallel_project(db: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut sql = format!("CREATE DATABASE IF NOT EXISTS {db};\n");
    for i in 1..=4 {
        sql.push_str(&format!("/* Database: {db} */\nCREATE EXTERNAL TABLE IF NOT EXISTS `t{i}` (a string) PARTITIONED BY (dt string) LOCATION 's3://b/t{i}/';\n"));
    }
    for p in 1..=2 {
        for i in 1..=4 {
            sql.push_str(&format!(
                "/* Database: {db} */\nALTER TABLE t{i} ADD IF NOT EXISTS PARTITION (dt='{p}');\n"
            ));
        }
    }
    sql.push_str(&format!("-- Database: {db}\nCREATE OR REPLACE VIEW v AS SELECT * FROM t1;\n/* Database: {db} */\nALTER TABLE t1 ADD IF NOT EXISTS PARTITION (dt='3');\n"));
    write(dir.path(), "par/index.sql", &sql);
    dir
}

fn slow_private_moto() -> PrivateMoto {
    let moto = private_moto();
    // Each state lasts two polls: a query takes several hundred ms.
    http_post(
        &moto.url,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "athena::execution", "transition": {"progression": "manual", "times": 2}}"#,
    );
    moto
}

#[test]
fn parallel_templates_keep_per_table_order_and_barriers() {
    let moto = slow_private_moto();
    let p = parallel_project("par_db");
    let mut cmd = command(&moto.url);
    cmd.args(["apply", "--parallelism", "4", "par"])
        .current_dir(p.path());
    let r = run(cmd);
    assert_eq!(r.code, 0, "{r}");
    let sent: Vec<String> = boto3_queries(&moto.url, "us-east-1")
        .iter()
        .map(|q| q["query"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent.len(), 16, "{sent:#?}");
    assert_eq!(sent[0], "SELECT 1");
    assert_eq!(sent[1], "CREATE DATABASE IF NOT EXISTS par_db");
    // Per table, the written order.
    for i in 1..=4 {
        let mine: Vec<&String> = sent
            .iter()
            .filter(|q| q.contains(&format!("`t{i}`")) || q.contains(&format!("TABLE t{i} ")))
            .collect();
        let want = if i == 1 { 4 } else { 3 };
        assert_eq!(mine.len(), want, "t{i}: {sent:#?}");
        assert!(mine[0].contains("CREATE EXTERNAL TABLE"), "{mine:#?}");
        assert!(
            mine[1].contains("dt='1'") && mine[2].contains("dt='2'"),
            "{mine:#?}"
        );
    }
    // The view waits for every table statement, the last ALTER for the view.
    assert!(sent[14].contains("CREATE OR REPLACE VIEW v"), "{sent:#?}");
    assert!(sent[15].contains("dt='3'"), "{sent:#?}");
    // Statements on different tables were in flight together: the second
    // CREATE started before the first one finished.
    let started2 = r.stderr.find("[3/15] started").expect("started 3");
    let done1 = r.stderr.find("[2/15] SUCCEEDED").expect("done 2");
    assert!(started2 < done1, "{r}");
}

#[test]
fn a_failed_parallel_statement_stops_what_depends_on_it() {
    let moto = slow_private_moto();
    let p = parallel_project("parf_db");
    let child = spawn(&moto.url, &["apply", "--parallelism", "4", "par"], p.path());
    // Cancel the first ALTER of t2 while it runs.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cancelled = rt.block_on(async {
        let a = athena_client_at(&moto.url);
        for _ in 0..1000 {
            let ids = a
                .list_query_executions()
                .send()
                .await
                .unwrap()
                .query_execution_ids
                .unwrap_or_default();
            for id in ids {
                let q = a
                    .get_query_execution()
                    .query_execution_id(&id)
                    .send()
                    .await
                    .unwrap()
                    .query_execution
                    .unwrap();
                if q.query()
                    .unwrap_or("")
                    .contains("ALTER TABLE t2 ADD IF NOT EXISTS PARTITION (dt='1')")
                {
                    a.stop_query_execution()
                        .query_execution_id(&id)
                        .send()
                        .await
                        .unwrap();
                    return id;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the ALTER of t2 never started");
    });
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("statement 7/15 failed: CANCELLED ({cancelled})")),
        "{stderr}"
    );
    // t2's next ALTER, the view and the ALTER after it did not run; the other
    // tables' ALTERs did.
    for (i, d) in [(11, 7), (14, 7), (15, 14)] {
        assert!(
            stderr.contains(&format!(
                "statement {i}/15 not run: it depends on statement {d}"
            )),
            "{i}: {stderr}"
        );
    }
    assert!(
        stderr.contains("11 succeeded, 1 failed or cancelled, 3 not run"),
        "{stderr}"
    );
    let sent: Vec<String> = boto3_queries(&moto.url, "us-east-1")
        .iter()
        .map(|q| q["query"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent.len(), 13, "health check + 12 started: {sent:#?}");
    assert!(!sent
        .iter()
        .any(|q| q.contains("VIEW") || q.contains("dt='3'")));
}
