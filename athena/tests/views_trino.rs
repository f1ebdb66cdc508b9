//! Views, end to end, on a real engine: the tool's `CREATE OR REPLACE VIEW`
//! statements run on a local Trino (scripts/trino.sh) whose Glue metastore
//! is moto, so the views land in moto's Glue in the `/* Presto View: … */`
//! encoding that Athena's engine (Trino) writes, with the SQL as Trino
//! reformats it and the column types Trino derives.
//!
//! How the tool's statements reach Trino: the tool runs with
//! `AWS_ENDPOINT_URL` on the Athena-on-Trino proxy of `support/trino.rs`,
//! which passes every request to moto and first runs the SQL of each Athena
//! `StartQueryExecution` on Trino (a failure there becomes a `FAILED`
//! query, as on Athena). Out-of-band edits are made by Trino itself (its
//! HTTP API), an independent writer; the stored views are read back with
//! boto3, an independent reader. Needs moto and Trino: fails, never skips,
//! when either is down.

mod support;
#[path = "support/trino.rs"]
mod trino_support;

use std::path::Path;

use support::*;
use trino_support::*;

/// The table the views read, and the views: one plain, one over another
/// view, two with the constructs Trino rewrites when it stores a view
/// (joins, casts, decimals, `||`, `!=`, `NOT LIKE`, `NOT IN`, parentheses,
/// aliases without AS, CTE, window, lambda, UNION, ORDER BY).
fn config(db: &str, extra_view: &str) -> String {
    format!(
        r#"databases:
  - name: {db}
    tables:
      - name: people
        location: s3://athena-trino-tests/{db}/people/
        format: parquet
        columns:
          - {{name: id, type: bigint}}
          - {{name: name, type: string}}
          - {{name: score, type: double}}
          - {{name: tags, type: "map<string,array<int>>"}}
    views:
      - name: v_base
        sql: |
          SELECT id, name
          FROM people
          WHERE id > 0
        columns: [{{name: id, type: bigint}}, {{name: name, type: varchar}}]
      - name: v_top
        sql: select * from v_base
      - name: v_rich
        sql: >-
          SELECT a.id AS "Id", cast(a.score AS varchar) s, a.name || '!' AS shout,
          count(*) AS n, sum(b.score) total, a.tags
          FROM people a JOIN people b ON a.id = b.id LEFT JOIN v_base c ON c.id = a.id
          WHERE a.score > 1.5 AND a.name != 'x' OR a.name LIKE 'a%' AND -a.id < 3
          GROUP BY 1, 2, 3, 6 HAVING count(*) > 1
        columns:
          - {{name: id, type: bigint}}
          - {{name: s, type: varchar}}
          - {{name: shout, type: varchar}}
          - {{name: n, type: bigint}}
          - {{name: total, type: double}}
          - {{name: tags, type: "map(varchar, array(integer))"}}
      - name: v_more
        sql: |
          WITH recent AS (
            SELECT id, name, score, tags FROM people
            WHERE name NOT LIKE 'tmp%' AND id NOT IN (0, -1)
          )
          SELECT id, CASE WHEN score >= 10 THEN 'high' ELSE 'low' END AS band,
            rank() OVER (PARTITION BY name ORDER BY score DESC) AS r,
            transform(tags['k'], x -> x * 2) AS doubled
          FROM recent
          UNION ALL
          SELECT id, 'none', 0, NULL FROM (SELECT id FROM people) sub
          ORDER BY id
{extra_view}"#
    )
}

/// Runs the binary through the proxy.
async fn via(proxy: &TrinoProxy, args: &[&str]) -> Run {
    let mut cmd = command(&proxy.url);
    cmd.args(["--output-location", "s3://athena-trino-results/"])
        .args(args);
    athena_async(cmd).await
}

/// `plan --detailed-exitcode`: exit 0 and "No changes".
async fn assert_converged(proxy: &TrinoProxy, cfg: &Path) {
    let r = via(proxy, &["plan", "--detailed-exitcode", s(cfg)]).await;
    assert_eq!(r.code, 0, "expected no changes:\n{r}");
    assert!(r.stdout.contains("No changes"), "{r}");
}

/// The view as stored in moto's Glue, read with boto3: table type,
/// parameters, and the decoded `/* Presto View: … */` JSON.
fn stored_view(db: &str, name: &str) -> serde_json::Value {
    let out = boto3(&format!(
        "import base64\nt = glue.get_table(DatabaseName={db:?}, Name={name:?})['Table']\ntext = t['ViewOriginalText']\nassert text.startswith('/* Presto View: ') and text.endswith(' */'), text\nprint(json.dumps({{'type': t['TableType'], 'params': t.get('Parameters', {{}}), 'expanded': t.get('ViewExpandedText'), 'view': json.loads(base64.b64decode(text[16:-3]))}}))"
    ));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn view_names(db: &str) -> Vec<String> {
    let out = boto3(&format!(
        "print(json.dumps(sorted(t['Name'] for t in glue.get_tables(DatabaseName={db:?})['TableList'] if t.get('TableType') == 'VIRTUAL_VIEW')))"
    ));
    serde_json::from_str(&out).unwrap()
}

/// Applies `cfg` through the proxy; every statement ran on Trino.
async fn apply_on_trino(proxy: &TrinoProxy, cfg: &Path) -> Run {
    let before = proxy.ran().len();
    let r = via(proxy, &["apply", "--auto-approve", s(cfg)]).await;
    assert_eq!(
        r.code,
        0,
        "apply failed:\n{r}\nTrino ran: {:#?}",
        proxy.ran()
    );
    let ran = proxy.ran();
    assert!(ran.len() > before, "no statement reached Trino:\n{r}");
    for q in &ran[before..] {
        assert!(q.error.is_none(), "Trino rejected a statement: {q:#?}");
    }
    r
}

#[tokio::test]
async fn views_stored_by_trino_plan_no_changes() {
    let db = unique("trino_views");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, ""));
    apply_on_trino(&proxy, &cfg).await;
    // The tool's four statements, each in the database's context.
    let ran = proxy.ran();
    assert_eq!(ran.len(), 4, "{ran:#?}");
    assert!(ran.iter().all(|q| q.database == db), "{ran:#?}");
    assert!(
        ran.iter()
            .all(|q| q.sql.starts_with("CREATE OR REPLACE VIEW \"v_")),
        "{ran:#?}"
    );
    assert_eq!(view_names(&db), ["v_base", "v_more", "v_rich", "v_top"]);
    // Stored by Trino as Athena's engine stores a view.
    let v = stored_view(&db, "v_base");
    assert_eq!(v["type"], "VIRTUAL_VIEW", "{v}");
    assert_eq!(v["params"]["presto_view"], "true", "{v}");
    assert_eq!(v["params"]["comment"], "Presto View", "{v}");
    assert_eq!(v["expanded"], "/* Presto View */", "{v}");
    assert_eq!(v["view"]["catalog"], "awsdatacatalog", "{v}");
    assert_eq!(v["view"]["schema"], db.as_str(), "{v}");
    assert_eq!(
        v["view"]["columns"],
        serde_json::json!([{"name": "id", "type": "bigint"}, {"name": "name", "type": "varchar"}]),
        "{v}"
    );
    // Trino reformats the SQL it stores: the plan must still see no change.
    assert_eq!(
        v["view"]["originalSql"], "SELECT\n  id\n, name\nFROM\n  people\nWHERE (id > 0)\n",
        "{v}"
    );
    let rich = stored_view(&db, "v_rich");
    let stored = rich["view"]["originalSql"].as_str().unwrap();
    assert!(stored.contains("DECIMAL '1.5'"), "{stored}");
    assert!(stored.contains("concat("), "{stored}");
    assert!(stored.contains("INNER JOIN"), "{stored}");
    assert_converged(&proxy, &cfg).await;
    // `import` of what Trino stored plans no changes either.
    let imported = dir.path().join("imported.yaml");
    let r = via(
        &proxy,
        &["import", "--database", &db, "--out", s(&imported)],
    )
    .await;
    assert_eq!(r.code, 0, "{r}");
    assert_converged(&proxy, &imported).await;
    cleanup(&db).await;
}

#[tokio::test]
async fn out_of_band_view_edits_through_trino_are_reverted() {
    let db = unique("trino_drift");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, ""));
    apply_on_trino(&proxy, &cfg).await;
    let original = stored_view(&db, "v_base")["view"]["originalSql"].clone();
    // Another writer (Trino itself) changes the view's SQL.
    trino(
        "CREATE OR REPLACE VIEW v_base AS SELECT id, name FROM people WHERE id > 100",
        "awsdatacatalog",
        &db,
    )
    .expect("out-of-band CREATE OR REPLACE VIEW on Trino");
    let edited = stored_view(&db, "v_base");
    assert!(
        edited["view"]["originalSql"]
            .as_str()
            .unwrap()
            .contains("100"),
        "{edited}"
    );
    let r = via(&proxy, &["plan", "--detailed-exitcode", s(&cfg)]).await;
    assert_eq!(r.code, 2, "the edit must be a change:\n{r}");
    assert!(r.stdout.contains(&format!("~ view.{db}.v_base")), "{r}");
    assert!(
        r.stdout.contains("100"),
        "the plan shows the live SQL:\n{r}"
    );
    assert!(!r.stdout.contains("v_top"), "only the edited view:\n{r}");
    // apply puts the declared SQL back (run by Trino again).
    apply_on_trino(&proxy, &cfg).await;
    assert_eq!(stored_view(&db, "v_base")["view"]["originalSql"], original);
    assert_converged(&proxy, &cfg).await;
    // A view dropped out of band is created again.
    trino("DROP VIEW v_top", "awsdatacatalog", &db).expect("DROP VIEW on Trino");
    assert_eq!(view_names(&db), ["v_base", "v_more", "v_rich"]);
    let r = via(&proxy, &["plan", "--detailed-exitcode", s(&cfg)]).await;
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stdout.contains(&format!("+ view.{db}.v_top")), "{r}");
    apply_on_trino(&proxy, &cfg).await;
    assert_eq!(view_names(&db), ["v_base", "v_more", "v_rich", "v_top"]);
    assert_converged(&proxy, &cfg).await;
    cleanup(&db).await;
}

#[tokio::test]
async fn declared_view_columns_checked_against_what_trino_derived() {
    let db = unique("trino_cols");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, ""));
    apply_on_trino(&proxy, &cfg).await;
    // Trino writes `map(varchar,array(integer))`: the declared spelling
    // with spaces is the same type, so no note.
    let v = stored_view(&db, "v_rich");
    let tags = &v["view"]["columns"][5];
    assert_eq!(tags["type"], "map(varchar,array(integer))", "{v}");
    let r = via(&proxy, &["plan", s(&cfg)]).await;
    assert!(!r.stdout.contains("differ from the declared"), "{r}");
    // A wrong declared type is reported (columns are derived, not applied).
    let wrong = write(
        dir.path(),
        "wrong.yaml",
        &config(&db, "").replace(
            "columns: [{name: id, type: bigint}, {name: name, type: varchar}]",
            "columns: [{name: id, type: integer}, {name: name, type: varchar}]",
        ),
    );
    let r = via(&proxy, &["plan", s(&wrong)]).await;
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.contains("differ from the declared") && r.stdout.contains("id integer"),
        "{r}"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn a_view_trino_rejects_fails_the_apply_with_trinos_message() {
    let db = unique("trino_bad");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &config(
            &db,
            "      - {name: v_bad, sql: SELECT id FROM no_such_table}\n",
        ),
    );
    let r = via(&proxy, &["apply", "--auto-approve", s(&cfg)]).await;
    assert_ne!(r.code, 0, "{r}");
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(text.contains("no_such_table"), "Trino's message:\n{r}");
    assert!(!view_names(&db).contains(&"v_bad".to_string()));
    cleanup(&db).await;
}

#[tokio::test]
async fn a_view_made_by_a_template_run_is_adopted_without_changes() {
    // An athena-rs user's template creates the view (`run`, through Athena,
    // executed by Trino); the same view declared in YAML plans nothing.
    let db = unique("trino_tmpl");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let tables_only = config(&db, "");
    let tables_only = &tables_only[..tables_only.find("    views:").unwrap()];
    let cfg = write(dir.path(), "tables.yaml", tables_only);
    let r = via(&proxy, &["apply", "--auto-approve", s(&cfg)]).await;
    assert_eq!(r.code, 0, "{r}");
    write(
        dir.path(),
        "prd/index.sql",
        &format!("-- Database: {db}\nCREATE OR REPLACE VIEW v_tmpl AS\nSELECT id, name FROM people WHERE name <> 'x;y' ORDER BY id;\n"),
    );
    let mut cmd = command(&proxy.url);
    cmd.args([
        "--output-location",
        "s3://athena-trino-results/",
        "run",
        "prd",
    ])
    .current_dir(dir.path());
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}\nTrino ran: {:#?}", proxy.ran());
    assert_eq!(view_names(&db), ["v_tmpl"]);
    let declared = write(
        dir.path(),
        "c.yaml",
        &format!("{tables_only}    views:\n      - name: v_tmpl\n        sql: SELECT id, name FROM people WHERE name <> 'x;y' ORDER BY id\n"),
    );
    assert_converged(&proxy, &declared).await;
    cleanup(&db).await;
}

#[tokio::test]
async fn the_same_sql_resolved_in_another_database_is_a_change() {
    let db = unique("trino_schema");
    let other = format!("{db}_other");
    let proxy = trino_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, ""));
    apply_on_trino(&proxy, &cfg).await;
    // Another database with its own `people` table (boto3).
    boto3(&format!(
        "glue.create_database(DatabaseInput={{'Name': {other:?}}})\nglue.create_table(DatabaseName={other:?}, TableInput={{'Name': 'people', 'TableType': 'EXTERNAL_TABLE', 'StorageDescriptor': {{'Columns': [{{'Name': 'id', 'Type': 'bigint'}}, {{'Name': 'name', 'Type': 'string'}}], 'Location': 's3://athena-trino-tests/{other}/people/', 'InputFormat': 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', 'OutputFormat': 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat', 'SerdeInfo': {{'SerializationLibrary': 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'}}}}}})"
    ));
    // Out of band, from a session in the other database: the view's SQL
    // text is unchanged, but `people` is now the other database's table.
    trino(
        &format!("CREATE OR REPLACE VIEW {db}.v_base AS SELECT id, name FROM people WHERE id > 0"),
        "awsdatacatalog",
        &other,
    )
    .expect("out-of-band CREATE OR REPLACE VIEW on Trino");
    assert_eq!(stored_view(&db, "v_base")["view"]["schema"], other.as_str());
    let r = via(&proxy, &["plan", "--detailed-exitcode", s(&cfg)]).await;
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stdout.contains(&format!("~ view.{db}.v_base")), "{r}");
    assert!(r.stdout.contains(&other), "{r}");
    apply_on_trino(&proxy, &cfg).await;
    assert_eq!(stored_view(&db, "v_base")["view"]["schema"], db.as_str());
    assert_converged(&proxy, &cfg).await;
    cleanup(&db).await;
    cleanup(&other).await;
}
