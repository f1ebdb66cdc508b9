//! Integration tests: the real `athena` binary against a moto server (Glue
//! and Athena emulation) reached through the standard AWS configuration
//! (`AWS_ENDPOINT_URL`). Every test uses its own database names.

mod support;

use aws_sdk_glue::types::{Column, SerDeInfo, StorageDescriptor, TableInput};
use support::*;

fn all_formats(db: &str) -> String {
    format!(
        r#"
databases:
  - name: {db}
    description: all formats
    location: s3://bucket/{db}/
    parameters: {{team: data}}
    tables:
      - {{name: t_parquet, location: s3://bucket/{db}/p/, format: parquet, columns: [{{name: id, type: bigint}}, {{name: s, type: "struct<a:int,b:array<string>>"}}]}}
      - {{name: t_orc, location: s3://bucket/{db}/o/, format: orc, columns: [{{name: id, type: bigint}}]}}
      - {{name: t_json, location: s3://bucket/{db}/j/, format: json, columns: [{{name: id, type: bigint}}, {{name: m, type: "map<string,int>"}}]}}
      - {{name: t_csv, location: s3://bucket/{db}/c/, format: csv, quote: '"', skip_header_lines: 1, columns: [{{name: id, type: bigint}}, {{name: d, type: "decimal(10,2)"}}]}}
      - {{name: t_tsv, location: s3://bucket/{db}/t/, format: tsv, columns: [{{name: id, type: bigint}}, {{name: v, type: "varchar(10)"}}]}}
      - {{name: t_avro, location: s3://bucket/{db}/a/, format: avro, columns: [{{name: id, type: bigint}}]}}
      - {{name: t_text, location: s3://bucket/{db}/x/, format: textfile, delimiter: "|", columns: [{{name: id, type: bigint}}]}}
      - name: t_explicit
        location: s3://bucket/{db}/e/
        serde: {{library: org.apache.hadoop.hive.serde2.RegexSerDe, parameters: {{input.regex: "^(\\d+)$"}}}}
        input_format: org.apache.hadoop.mapred.TextInputFormat
        output_format: org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat
        columns: [{{name: id, type: bigint}}]
"#
    )
}

#[tokio::test]
async fn create_every_format_then_idempotent() {
    let db = unique("formats");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &all_formats(&db));
    let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stdout.contains("Plan: 9 to create"), "{r}");
    apply_ok(&cfg, &[]);
    assert_no_changes(&cfg);
    // Apply again: nothing to do.
    let r = apply_ok(&cfg, &[]);
    assert!(r.stdout.contains("No changes"), "{r}");

    let csv = table(&db, "t_csv").await;
    let sd = csv.storage_descriptor.as_ref().unwrap();
    let serde = sd.serde_info.as_ref().unwrap();
    assert_eq!(
        serde.serialization_library.as_deref(),
        Some("org.apache.hadoop.hive.serde2.OpenCSVSerde")
    );
    assert_eq!(serde.parameters.as_ref().unwrap()["quoteChar"], "\"");
    assert_eq!(
        csv.parameters.as_ref().unwrap()["skip.header.line.count"],
        "1"
    );
    assert_eq!(csv.table_type.as_deref(), Some("EXTERNAL_TABLE"));
    let pq = table(&db, "t_parquet").await;
    assert_eq!(
        pq.storage_descriptor
            .as_ref()
            .unwrap()
            .input_format
            .as_deref(),
        Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
    );
    assert_eq!(
        pq.storage_descriptor
            .as_ref()
            .unwrap()
            .columns
            .as_ref()
            .unwrap()[1]
            .r#type
            .as_deref(),
        Some("struct<a:int,b:array<string>>")
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn case_and_spelling_differences_are_no_change() {
    let db = unique("case");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: parquet, columns: [{{name: id, type: integer}}]}}\n"),
    );
    apply_ok(&cfg, &[]);
    let cfg2 = write(
        dir.path(),
        "c.yaml",
        &format!(
            "databases:\n  - name: {}\n    tables:\n      - {{name: T, location: s3://b/t, format: parquet, columns: [{{name: ID, type: INT}}]}}\n",
            db.to_uppercase()
        ),
    );
    assert_no_changes(&cfg2);
    cleanup(&db).await;
}

#[tokio::test]
async fn add_column_property_and_location_change_keep_unmanaged_fields() {
    let db = unique("update");
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: csv\n        columns:\n          - {{name: a, type: string}}\n          - {{name: b, type: int}}\n        properties: {{team: x}}\n"
    );
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let g = glue();
    // Out-of-band: set fields the config does not manage (owner, descriptor
    // parameters, a catalog-maintained parameter) with another client.
    let t = table(&db, "t").await;
    let mut sd = t.storage_descriptor.clone().unwrap();
    sd.parameters = Some([("compression".to_string(), "gzip".to_string())].into());
    sd.number_of_buckets = 4;
    let mut params = t.parameters.clone().unwrap();
    params.insert("transient_lastDdlTime".into(), "1700000000".into());
    let input = TableInput::builder()
        .name("t")
        .owner("someone")
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(sd)
        .set_parameters(Some(params))
        .build()
        .unwrap();
    g.update_table()
        .database_name(&db)
        .table_input(input)
        .send()
        .await
        .unwrap();
    // Glue-managed keys never diff.
    assert_no_changes(&cfg);
    let versions_before = g
        .get_table_versions()
        .database_name(&db)
        .table_name("t")
        .send()
        .await
        .unwrap()
        .table_versions
        .unwrap()
        .len();
    let version_before = table(&db, "t").await.version_id;

    let changed = base
        .replace(
            "          - {name: b, type: int}\n",
            "          - {name: b, type: int}\n          - {name: c, type: double}\n",
        )
        .replace("{team: x}", "{team: y, tier: gold}")
        .replace("location: s3://b/t/", "location: s3://b/t2/");
    let cfg = write(dir.path(), "c.yaml", &changed);
    let r = athena(&["plan", s(&cfg)]);
    assert!(r.stdout.contains("~ table."), "{r}");
    assert!(r.stdout.contains("properties.tier"), "{r}");
    assert!(r.stdout.contains("location"), "{r}");
    assert!(
        !r.stdout.contains("destructive:"),
        "adding at the end is safe for CSV:\n{r}"
    );
    apply_ok(&cfg, &[]);
    assert_no_changes(&cfg);

    let t = table(&db, "t").await;
    assert_eq!(col_names(&t), ["a", "b", "c"]);
    let sd = t.storage_descriptor.as_ref().unwrap();
    assert_eq!(sd.location.as_deref(), Some("s3://b/t2/"));
    assert_eq!(t.owner.as_deref(), Some("someone"), "owner kept");
    assert_eq!(sd.number_of_buckets, 4, "buckets kept");
    assert_eq!(
        sd.parameters.as_ref().unwrap()["compression"],
        "gzip",
        "descriptor parameters kept"
    );
    let p = t.parameters.as_ref().unwrap();
    assert_eq!(p["tier"], "gold");
    assert_eq!(
        p["transient_lastDdlTime"], "1700000000",
        "catalog-maintained parameter kept"
    );
    // The update went through UpdateTable (a new table version); the tool
    // read the table first and sent that VersionId (moto does not check it).
    let versions_after = g
        .get_table_versions()
        .database_name(&db)
        .table_name("t")
        .send()
        .await
        .unwrap()
        .table_versions
        .unwrap()
        .len();
    assert_eq!(versions_after, versions_before + 1);
    assert_ne!(t.version_id, version_before);
    cleanup(&db).await;
}

#[tokio::test]
async fn unsafe_change_refused_without_flag() {
    let db = unique("unsafe");
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: csv\n        columns:\n          - {{name: a, type: string}}\n          - {{name: b, type: int}}\n          - {{name: c, type: int}}\n"
    );
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let cfg = write(
        dir.path(),
        "c.yaml",
        &base.replace("          - {name: b, type: int}\n", ""),
    );
    let r = athena(&["plan", s(&cfg)]);
    assert!(
        r.stdout
            .contains("destructive: removing column `b` breaks reading CSV/TSV data"),
        "{r}"
    );
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("destructive"), "{r}");
    assert_eq!(
        col_names(&table(&db, "t").await),
        ["a", "b", "c"],
        "nothing applied"
    );
    apply_ok(&cfg, &["--allow-destructive"]);
    assert_eq!(col_names(&table(&db, "t").await), ["a", "c"]);
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn partition_key_change_is_a_replace() {
    let db = unique("pkey");
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: parquet\n        columns: [{{name: a, type: string}}]\n        partition_keys: [{{name: dt, type: string}}]\n"
    );
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let cfg = write(dir.path(), "c.yaml", &base.replace("name: dt", "name: day"));
    let r = athena(&["plan", s(&cfg)]);
    assert!(r.stdout.contains("-/+ table."), "{r}");
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    apply_ok(&cfg, &["--allow-destructive"]);
    let t = table(&db, "t").await;
    assert_eq!(t.partition_keys.unwrap()[0].name, "day");
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn partitions_added_and_removed_in_chunks() {
    let db = unique("parts");
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: json\n        columns: [{{name: a, type: string}}]\n        partition_keys: [{{name: dt, type: string}}, {{name: src, type: string}}]\n        partitions:\n          - values: {{src: web}}\n            date_range: {{key: dt, start: \"2024-01-01\", end: \"2024-06-01\"}}\n          - values: {{src: app, dt: \"2023-12-31\"}}\n            location: s3://elsewhere/{{src}}/{{dt}}/\n"
    );
    let cfg = write(dir.path(), "c.yaml", &base);
    let r = athena(&["plan", s(&cfg)]);
    assert!(r.stdout.contains("153 partitions, 2 request(s)"), "{r}");
    apply_ok(&cfg, &[]);
    let v = partition_values(&db, "t").await;
    assert_eq!(v.len(), 153);
    assert!(v.contains(&"2023-12-31/app".to_string()));
    assert_no_changes(&cfg);
    let g = glue();
    let p = g
        .get_partition()
        .database_name(&db)
        .table_name("t")
        .set_partition_values(Some(vec!["2023-12-31".into(), "app".into()]))
        .send()
        .await
        .unwrap()
        .partition
        .unwrap();
    assert_eq!(
        p.storage_descriptor.unwrap().location.as_deref(),
        Some("s3://elsewhere/app/2023-12-31/")
    );

    // Shrink the range and drop the extra partition.
    let smaller = base
        .replace("end: \"2024-06-01\"", "end: \"2024-01-11\"")
        .replace("          - values: {src: app, dt: \"2023-12-31\"}\n            location: s3://elsewhere/{src}/{dt}/\n", "");
    let cfg = write(dir.path(), "c.yaml", &smaller);
    let r = athena(&["plan", s(&cfg)]);
    assert!(r.stdout.contains("BatchDeletePartition"), "{r}");
    // Unregistering live partitions loses them for queries: destructive.
    assert!(
        r.stdout
            .contains("destructive: unregisters 143 live partition(s)"),
        "{r}"
    );
    let refused = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(refused.code, 1, "{refused}");
    assert!(refused.stderr.contains("--allow-destructive"), "{refused}");
    assert_eq!(partition_values(&db, "t").await.len(), 153);
    apply_ok(&cfg, &["--allow-destructive"]);
    let v = partition_values(&db, "t").await;
    assert_eq!(v.len(), 10, "{v:?}");
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn out_of_band_change_detected_and_reverted() {
    let db = unique("oob");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: orc, columns: [{{name: a, type: string}}], properties: {{k: v}}}}\n"),
    );
    apply_ok(&cfg, &[]);
    let g = glue();
    let t = table(&db, "t").await;
    let mut sd = t.storage_descriptor.clone().unwrap();
    sd.location = Some("s3://hacked/".into());
    let mut params = t.parameters.clone().unwrap();
    params.insert("k".into(), "changed".into());
    params.insert("added".into(), "1".into());
    let input = TableInput::builder()
        .name("t")
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(sd)
        .set_parameters(Some(params))
        .build()
        .unwrap();
    g.update_table()
        .database_name(&db)
        .table_input(input)
        .send()
        .await
        .unwrap();
    let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stdout.contains("s3://hacked/"), "{r}");
    assert!(r.stdout.contains("properties.added"), "{r}");
    assert!(r.stdout.contains("\"changed\" -> \"v\""), "{r}");
    apply_ok(&cfg, &[]);
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

fn glue_table(name: &str) -> TableInput {
    TableInput::builder()
        .name(name)
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(
            StorageDescriptor::builder()
                .columns(Column::builder().name("x").r#type("int").build().unwrap())
                .location("s3://b/other/")
                .input_format("org.apache.hadoop.mapred.TextInputFormat")
                .output_format("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
                .serde_info(
                    SerDeInfo::builder()
                        .serialization_library("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
                        .build(),
                )
                .build(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn unmanaged_table_reported_and_deleted_only_with_opt_in() {
    let db = unique("unmanaged");
    let dir = tempfile::tempdir().unwrap();
    let base = format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: avro, columns: [{{name: a, type: string}}]}}\n");
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let g = glue();
    g.create_table()
        .database_name(&db)
        .table_input(glue_table("stray"))
        .send()
        .await
        .unwrap();
    let r = athena(&["plan", "--detailed-exitcode", s(&cfg)]);
    assert_eq!(r.code, 0, "a note is not a change:\n{r}");
    assert!(r.stdout.contains("unmanaged table"), "{r}");
    apply_ok(&cfg, &["--allow-destructive"]);
    assert!(
        g.get_table()
            .database_name(&db)
            .name("stray")
            .send()
            .await
            .is_ok(),
        "left alone without opt-in"
    );

    let cfg = write(
        dir.path(),
        "c.yaml",
        &base.replace("    tables:\n", "    delete_unmanaged: true\n    tables:\n"),
    );
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 1, "needs --allow-destructive:\n{r}");
    assert!(g
        .get_table()
        .database_name(&db)
        .name("stray")
        .send()
        .await
        .is_ok());
    apply_ok(&cfg, &["--allow-destructive"]);
    assert!(
        g.get_table()
            .database_name(&db)
            .name("stray")
            .send()
            .await
            .is_err(),
        "deleted"
    );
    assert_no_changes(&cfg);
    cleanup(&db).await;
}

#[tokio::test]
async fn import_round_trip() {
    let db = unique("import");
    let dir = tempfile::tempdir().unwrap();
    let mut text = all_formats(&db);
    text.push_str(
        "      - name: t_proj\n        location: s3://bucket/proj/\n        format: parquet\n        columns: [{name: id, type: bigint}]\n        partition_keys: [{name: dt, type: string}, {name: region, type: string}]\n        projection:\n          location_template: s3://bucket/proj/$${dt}/$${region}/\n          columns:\n            dt: {type: date, format: yyyy-MM-dd, range: [\"2024-01-01\", \"NOW\"], unit: DAYS}\n            region: {type: enum, values: [eu, us]}\n",
    );
    let cfg = write(dir.path(), "c.yaml", &text);
    apply_ok(&cfg, &[]);
    // A table made by another client, with catalog-maintained parameters.
    let g = glue();
    let mut t = glue_table("by_hand");
    t.parameters = Some(
        [
            ("transient_lastDdlTime".to_string(), "1".to_string()),
            ("EXTERNAL".to_string(), "TRUE".to_string()),
        ]
        .into(),
    );
    g.create_table()
        .database_name(&db)
        .table_input(t)
        .send()
        .await
        .unwrap();
    let out = dir.path().join("imported.yaml");
    let r = athena(&["import", "--database", &db, "--out", s(&out)]);
    assert_eq!(r.code, 0, "{r}");
    let imported = std::fs::read_to_string(&out).unwrap();
    assert!(imported.contains("format: parquet"), "{imported}");
    assert!(imported.contains("projection:"), "{imported}");
    assert!(!imported.contains("transient_lastDdlTime"), "{imported}");
    assert_no_changes(&out);
    cleanup(&db).await;
}

#[tokio::test]
async fn views_through_athena_with_database_context() {
    let db = unique("views");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n    views:\n      - name: v_top\n        sql: SELECT * FROM v_base\n      - name: v_base\n        sql: |\n          SELECT id\n          FROM t\n          WHERE id > 0\n"
        ),
    );
    let r = athena(&[
        "apply",
        "--auto-approve",
        "--output-location",
        "s3://athena-results/",
        s(&cfg),
    ]);
    assert_eq!(r.code, 0, "{r}");
    let q = recorded_queries(&db).await;
    // The dependent view after the one it reads; exact statements.
    assert_eq!(
        q,
        vec![
            "CREATE OR REPLACE VIEW \"v_base\" AS\nSELECT id\nFROM t\nWHERE id > 0".to_string(),
            "CREATE OR REPLACE VIEW \"v_top\" AS\nSELECT * FROM v_base".to_string(),
        ],
        "moto recorded: {q:#?}"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn presto_view_fixture_decoded_and_compared_normalized() {
    let db = unique("presto");
    let g = glue();
    g.create_database()
        .database_input(
            aws_sdk_glue::types::DatabaseInput::builder()
                .name(&db)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // A view exactly as Athena stores it in Glue.
    let view_json = format!(
        r#"{{"originalSql":"SELECT id,\n  name FROM people","catalog":"awsdatacatalog","schema":"{db}","columns":[{{"name":"id","type":"bigint"}},{{"name":"name","type":"varchar"}}],"owner":"arn:aws:iam::123456789012:user/dev","runAsInvoker":false}}"#
    );
    use base64::Engine;
    let text = format!(
        "/* Presto View: {} */",
        base64::engine::general_purpose::STANDARD.encode(view_json)
    );
    let input = TableInput::builder()
        .name("v_people")
        .table_type("VIRTUAL_VIEW")
        .view_original_text(text)
        .view_expanded_text("/* Presto View */")
        .set_parameters(Some(
            [
                ("presto_view".to_string(), "true".to_string()),
                ("comment".to_string(), "Presto View".to_string()),
            ]
            .into(),
        ))
        .storage_descriptor(
            StorageDescriptor::builder()
                .columns(
                    Column::builder()
                        .name("id")
                        .r#type("bigint")
                        .build()
                        .unwrap(),
                )
                .columns(
                    Column::builder()
                        .name("name")
                        .r#type("string")
                        .build()
                        .unwrap(),
                )
                .serde_info(SerDeInfo::builder().build())
                .build(),
        )
        .build()
        .unwrap();
    g.create_table()
        .database_name(&db)
        .table_input(input)
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let same = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    views:\n      - name: v_people\n        sql: \"SELECT id, name\\n FROM people;\"\n        columns: [{{name: id, type: bigint}}, {{name: name, type: varchar}}]\n"),
    );
    assert_no_changes(&same);
    let out = dir.path().join("imported.yaml");
    let r = athena(&["import", "--database", &db, "--out", s(&out)]);
    assert_eq!(r.code, 0, "{r}");
    assert_no_changes(&out);
    let different = write(dir.path(), "c.yaml", &format!("databases:\n  - name: {db}\n    views:\n      - name: v_people\n        sql: SELECT id FROM people\n"));
    let r = athena(&[
        "plan",
        "--output-location",
        "s3://athena-results/",
        s(&different),
    ]);
    assert!(r.stdout.contains("~ view."), "{r}");
    assert!(
        r.stdout.contains("CREATE OR REPLACE VIEW \"v_people\" AS"),
        "{r}"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn iceberg_through_athena_ddl() {
    let db = unique("iceberg");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - {{name: ice, table_type: iceberg, location: s3://b/ice/, columns: [{{name: a, type: int}}, {{name: ts, type: timestamp}}], partitioned_by: [\"bucket(16, a)\", hour(ts)], properties: {{write_compression: zstd}}}}\n"),
    );
    apply_ok(&cfg, &["--output-location", "s3://athena-results/"]);
    assert_eq!(
        recorded_queries(&db).await,
        vec!["CREATE TABLE `ice` (`a` int, `ts` timestamp)\nPARTITIONED BY (bucket(16, `a`), hour(`ts`))\nLOCATION 's3://b/ice/'\nTBLPROPERTIES ('table_type'='ICEBERG', 'write_compression'='zstd')".to_string()]
    );
    cleanup(&db).await;
}

#[test]
fn bad_config_located_and_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = unique("bad");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: parquet\n        columns:\n          - {{name: a, type: \"array<strin>\"}}\n"),
    );
    for verb in ["validate", "plan", "apply"] {
        let r = athena(&[verb, s(&cfg)]);
        assert_eq!(r.code, 1, "{r}");
        assert!(
            r.stderr
                .contains("c.yaml:8:36: error: invalid column type `array<strin>`"),
            "{r}"
        );
        assert!(!r.stderr.contains("panicked"), "{r}");
    }
}

#[test]
fn unreachable_endpoint_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", "databases:\n  - name: x\n");
    let out = command("http://127.0.0.1:9")
        .args(["plan", s(&cfg)])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Glue GetDatabases failed"), "{err}");
}

#[tokio::test]
async fn update_table_sends_the_version_id_it_read() {
    let db = unique("version");
    let dir = tempfile::tempdir().unwrap();
    let base = format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: parquet, columns: [{{name: a, type: string}}]}}\n");
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let version = table(&db, "t")
        .await
        .version_id
        .expect("moto returns a VersionId");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &base.replace(
            "{name: a, type: string}",
            "{name: a, type: string}, {name: b, type: int}",
        ),
    );
    let proxy = fault_proxy(|_, _, _| Fault::Forward).await;
    let mut cmd = command(&proxy.url);
    cmd.args(["apply", "--auto-approve", s(&cfg)]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    let reqs: Vec<(String, String)> = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.target.clone(), r.body.clone()))
        .collect();
    let targets: Vec<&str> = reqs.iter().map(|(t, _)| t.as_str()).collect();
    let get = targets
        .iter()
        .position(|t| *t == "AWSGlue.GetTable")
        .expect("GetTable before the update");
    let upd = targets
        .iter()
        .position(|t| *t == "AWSGlue.UpdateTable")
        .expect("UpdateTable sent");
    assert!(get < upd, "{targets:?}");
    let body: serde_json::Value = serde_json::from_str(&reqs[upd].1).unwrap();
    assert_eq!(
        body["VersionId"],
        serde_json::Value::String(version),
        "{body}"
    );
    assert_eq!(body["TableInput"]["TableType"], "EXTERNAL_TABLE", "{body}");
    cleanup(&db).await;
}

#[test]
fn region_from_the_flag_or_a_clear_error() {
    require_moto();
    let dir = tempfile::tempdir().unwrap();
    let db = unique("region");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n"),
    );
    let run = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["plan", s(&cfg)]);
        command(&endpoint())
            .args(&args)
            .env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS region configured"));
    let out = run(&["--region", "us-east-1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("glue us-east-1"), "{stdout}");
    assert!(stdout.contains(&format!("+ database.{db}")), "{stdout}");
}

#[tokio::test]
async fn athena_statements_need_a_result_location_before_anything_is_applied() {
    let db = unique("noresults");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n    views:\n      - {{name: v, sql: SELECT id FROM t}}\n"),
    );
    for verb in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let mut args = verb.to_vec();
        args.push(s(&cfg));
        let r = athena(&args);
        assert_eq!(r.code, 1, "{r}");
        assert!(
            r.stderr
                .contains("workgroup `primary` sets no result location"),
            "{r}"
        );
    }
    assert!(
        glue().get_database().name(&db).send().await.is_err(),
        "nothing applied"
    );
    // A workgroup with its own result location is enough.
    let wg = format!("wg_{}", std::process::id());
    let a = athena_client_at(&endpoint());
    a.create_work_group()
        .name(&wg)
        .configuration(
            aws_sdk_athena::types::WorkGroupConfiguration::builder()
                .result_configuration(
                    aws_sdk_athena::types::ResultConfiguration::builder()
                        .output_location("s3://wg-results/")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    apply_ok(&cfg, &["--workgroup", &wg]);
    assert_eq!(
        recorded_queries(&db).await,
        vec!["CREATE OR REPLACE VIEW \"v\" AS\nSELECT id FROM t".to_string()]
    );
    let _ = a.delete_work_group().work_group(&wg).send().await;
    cleanup(&db).await;
}

/// Partition values and locations of a table, read with boto3.
fn boto3_partitions(db: &str, t: &str) -> Vec<(Vec<String>, String)> {
    let out = boto3(&format!(
        "ps = glue.get_partitions(DatabaseName={db:?}, TableName={t:?})['Partitions']\nprint(json.dumps(sorted([p['Values'], p['StorageDescriptor']['Location']] for p in ps)))"
    ));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn partition_key_change_counts_and_re_registers_live_partitions() {
    let db = unique("pkeylive");
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "databases:\n  - name: {db}\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: parquet\n        columns: [{{name: a, type: string}}]\n        partition_keys: [{{name: dt, type: string}}, {{name: src, type: string}}]\n"
    );
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    // Partitions registered by another writer (a crawler, MSCK REPAIR).
    boto3(&format!(
        "sd = glue.get_table(DatabaseName={db:?}, Name='t')['Table']['StorageDescriptor']\nfor d, s in [('2024-01-01', 'web'), ('2024-01-02', 'web'), ('2024-01-02', 'app')]:\n    glue.create_partition(DatabaseName={db:?}, TableName='t', PartitionInput={{'Values': [d, s], 'StorageDescriptor': dict(sd, Location=f's3://b/t/{{d}}/{{s}}/')}})"
    ));
    let before = boto3_partitions(&db, "t");
    assert_eq!(before.len(), 3);

    // A comment on a key, and the keys reordered: the names survive.
    let cfg = write(
        dir.path(),
        "c.yaml",
        &base.replace(
            "[{name: dt, type: string}, {name: src, type: string}]",
            "[{name: src, type: string}, {name: dt, type: string, comment: day}]",
        ),
    );
    let r = athena(&["plan", s(&cfg)]);
    assert!(
        r.stdout.contains(
            "with its 3 registered partition(s): 3 re-registered under the new keys, 0 lost"
        ),
        "{r}"
    );
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(boto3_partitions(&db, "t"), before, "nothing applied");
    apply_ok(&cfg, &["--allow-destructive"]);
    let mut after: Vec<(Vec<String>, String)> = boto3_partitions(&db, "t")
        .into_iter()
        .map(|(mut v, l)| {
            v.reverse();
            (v, l)
        })
        .collect();
    after.sort();
    assert_eq!(
        after, before,
        "re-registered with values in the new key order"
    );
    assert_no_changes(&cfg);

    // A key renamed: the partitions cannot be re-registered; the plan says so.
    let cfg = write(
        dir.path(),
        "c.yaml",
        &base.replace(
            "[{name: dt, type: string}, {name: src, type: string}]",
            "[{name: src, type: string}, {name: day, type: string}]",
        ),
    );
    let r = athena(&["plan", s(&cfg)]);
    assert!(
        r.stdout.contains("with its 3 registered partition(s): 0 re-registered under the new keys, 3 lost (a partition key is added, removed or renamed"),
        "{r}"
    );
    apply_ok(&cfg, &["--allow-destructive"]);
    assert!(boto3_partitions(&db, "t").is_empty());
    boto3(&format!(
        "glue.delete_table(DatabaseName={db:?}, Name='t')\nglue.delete_database(Name={db:?})"
    ));
}

#[test]
fn a_second_apply_on_a_locked_database_fails_fast_and_applies_nothing() {
    let db = unique("locked");
    let dir = tempfile::tempdir().unwrap();
    let base = format!("databases:\n  - name: {db}\n    tables:\n      - {{name: a, location: s3://b/a/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n");
    let cfg = write(dir.path(), "c.yaml", &base);
    apply_ok(&cfg, &[]);
    let tables = |db: &str| {
        boto3(&format!(
            "print(json.dumps(sorted(t['Name'] for t in glue.get_tables(DatabaseName={db:?})['TableList'])))"
        ))
    };
    assert_eq!(tables(&db), r#"["a"]"#, "the lock is released after apply");
    // Another apply holds the database.
    boto3(&format!(
        "glue.create_table(DatabaseName={db:?}, TableInput={{'Name': '_athena_apply_lock', 'Description': 'apply lock: athena pid 1 on ci since 2026-01-01T00:00:00Z'}})"
    ));
    assert_no_changes(&cfg);
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("{base}      - {{name: b, location: s3://b/b/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n"),
    );
    let r = athena(&["apply", "--auto-approve", s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(&format!("another apply is changing database `{db}` (apply lock: athena pid 1 on ci since 2026-01-01T00:00:00Z); nothing was applied")),
        "{r}"
    );
    assert_eq!(tables(&db), r#"["_athena_apply_lock", "a"]"#);
    boto3(&format!(
        "glue.delete_table(DatabaseName={db:?}, Name='_athena_apply_lock')"
    ));
    // Two applies at once: one applies, the other fails fast or finds
    // nothing left to do; never both half.
    let runs: Vec<Run> = std::thread::scope(|sc| {
        let h: Vec<_> = (0..2)
            .map(|_| sc.spawn(|| athena(&["apply", "--auto-approve", s(&cfg)])))
            .collect();
        h.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &runs {
        assert!(
            r.code == 0
                || r.stderr.contains("another apply is changing database")
                || r.stderr.contains("the catalog changed since the plan"),
            "{r}"
        );
    }
    assert!(runs.iter().any(|r| r.code == 0));
    assert_eq!(tables(&db), r#"["a", "b"]"#);
    assert_no_changes(&cfg);
    boto3(&format!(
        "for t in glue.get_tables(DatabaseName={db:?})['TableList']:\n    glue.delete_table(DatabaseName={db:?}, Name=t['Name'])\nglue.delete_database(Name={db:?})"
    ));
}

#[test]
fn apply_dash_o_sets_the_result_location_for_yaml_too() {
    let db = unique("dasho");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "databases:\n  - name: {db}\n    views:\n      - {{name: v, sql: SELECT 1 AS one}}\n"
        ),
    );
    apply_ok(&cfg, &["-o", "s3://athena-results-dash-o/"]);
    let out = boto3(&format!(
        "ids = athena.list_query_executions()['QueryExecutionIds']\nqs = [athena.get_query_execution(QueryExecutionId=i)['QueryExecution'] for i in ids]\nprint(json.dumps([q['ResultConfiguration']['OutputLocation'] for q in qs if q.get('QueryExecutionContext', {{}}).get('Database') == {db:?}]))"
    ));
    let locs: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(locs.len(), 1, "{out}");
    assert!(locs[0].starts_with("s3://athena-results-dash-o/"), "{out}");
    boto3(&format!("glue.delete_database(Name={db:?})"));
}

#[tokio::test]
async fn catalog_id_and_data_catalog_reach_every_call() {
    let db = unique("catalogid");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!("databases:\n  - name: {db}\n    tables:\n      - {{name: t, location: s3://b/t/, format: parquet, columns: [{{name: id, type: bigint}}]}}\n    views:\n      - {{name: v, sql: SELECT id FROM t}}\n"),
    );
    let proxy = fault_proxy(|_, _, _| Fault::Forward).await;
    let mut cmd = command(&proxy.url);
    cmd.args([
        "--catalog-id",
        "123456789012",
        "--data-catalog",
        "other_catalog",
        "--output-location",
        "s3://athena-results/",
        "apply",
        "--auto-approve",
        s(&cfg),
    ]);
    let r = athena_async(cmd).await;
    assert_eq!(r.code, 0, "{r}");
    let seen = proxy.seen.lock().unwrap().clone();
    let glue_calls: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.starts_with("AWSGlue."))
        .collect();
    assert!(glue_calls.len() >= 4, "{seen:?}");
    for s in &glue_calls {
        let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        assert_eq!(body["CatalogId"], "123456789012", "{} {}", s.target, s.body);
    }
    let start = seen
        .iter()
        .find(|s| s.target == "AmazonAthena.StartQueryExecution")
        .expect("the view statement");
    let body: serde_json::Value = serde_json::from_str(&start.body).unwrap();
    assert_eq!(
        body["QueryExecutionContext"]["Catalog"], "other_catalog",
        "{body}"
    );
    assert_eq!(
        body["QueryExecutionContext"]["Database"],
        db.as_str(),
        "{body}"
    );
    // moto keeps one catalog: the table is there, read back with boto3.
    let names = boto3(&format!(
        "print(json.dumps([t['Name'] for t in glue.get_tables(CatalogId='123456789012', DatabaseName={db:?})['TableList']]))"
    ));
    assert_eq!(names, r#"["t"]"#);
    cleanup(&db).await;
}
