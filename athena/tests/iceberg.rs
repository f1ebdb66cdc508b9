//! Iceberg tables read truthfully: the live schema, partition spec and
//! properties come from the table's metadata JSON in S3, not from Glue.
//! boto3 (independent of the tool) writes the metadata file into moto's S3
//! and registers the Glue table the way Athena and the Iceberg Glue catalog
//! do (`table_type=ICEBERG`, `metadata_location`); the real binary plans
//! against it through `AWS_ENDPOINT_URL`.

mod support;

use support::*;

/// An Iceberg v2 metadata file as Athena / the Iceberg Glue catalog write
/// it: schema with field ids, a partition spec with transforms, and the
/// properties (Athena's `format` and vacuum keys under their Iceberg names).
fn metadata(threshold: &str, extra_column: bool) -> String {
    let extra = if extra_column {
        r#", {"id": 4, "name": "note", "required": false, "type": "string"}"#
    } else {
        ""
    };
    format!(
        r#"{{
  "format-version": 2,
  "table-uuid": "6f0f6a39-3c3e-4f53-8f1b-0c8a3f8d2e11",
  "location": "s3://BUCKET/ice",
  "last-sequence-number": 0,
  "last-updated-ms": 1700000000000,
  "last-column-id": 4,
  "current-schema-id": {schema_id},
  "schemas": [
    {{"type": "struct", "schema-id": 0, "fields": [
      {{"id": 1, "name": "id", "required": false, "type": "long"}},
      {{"id": 2, "name": "ts", "required": false, "type": "timestamp"}},
      {{"id": 3, "name": "category", "required": false, "type": "string", "doc": "kind"}}
    ]}},
    {{"type": "struct", "schema-id": 1, "fields": [
      {{"id": 1, "name": "id", "required": false, "type": "long"}},
      {{"id": 2, "name": "ts", "required": false, "type": "timestamp"}},
      {{"id": 3, "name": "category", "required": false, "type": "string", "doc": "kind"}}{extra}
    ]}}
  ],
  "default-spec-id": 0,
  "partition-specs": [{{"spec-id": 0, "fields": [
    {{"name": "category", "transform": "identity", "source-id": 3, "field-id": 1000}},
    {{"name": "ts_day", "transform": "day", "source-id": 2, "field-id": 1001}},
    {{"name": "id_bucket", "transform": "bucket[16]", "source-id": 1, "field-id": 1002}}
  ]}}],
  "last-partition-id": 1002,
  "default-sort-order-id": 0,
  "sort-orders": [{{"order-id": 0, "fields": []}}],
  "properties": {{
    "write.format.default": "PARQUET",
    "write.parquet.compression-codec": "zstd",
    "history.expire.max-snapshot-age-ms": "432000000",
    "optimize_rewrite_delete_file_threshold": "{threshold}"
  }},
  "current-snapshot-id": -1,
  "refs": {{}},
  "snapshots": [],
  "snapshot-log": [],
  "metadata-log": []
}}"#,
        schema_id = if extra_column { 1 } else { 0 },
    )
}

/// Writes `body` to `s3://bucket/key` and points the Glue table at it
/// (creating bucket, database and table the first time), with boto3. Glue's
/// own columns are deliberately stale: the tool must read the metadata.
fn register(db: &str, bucket: &str, key: &str, body: &str) -> String {
    let body = body.replace("BUCKET", bucket);
    boto3(&format!(
        r#"
s3 = boto3.client('s3', **kw)
try:
    s3.create_bucket(Bucket={bucket:?})
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass
s3.put_object(Bucket={bucket:?}, Key={key:?}, Body={body:?}.encode())
loc = 's3://{bucket}/{key}'
try:
    glue.create_database(DatabaseInput={{'Name': {db:?}}})
except glue.exceptions.AlreadyExistsException:
    pass
table = {{
    'Name': 'ice', 'TableType': 'EXTERNAL_TABLE',
    'Parameters': {{'table_type': 'ICEBERG', 'metadata_location': loc}},
    'StorageDescriptor': {{'Location': 's3://{bucket}/ice', 'Columns': [
        {{'Name': 'stale', 'Type': 'string', 'Parameters': {{'iceberg.field.current': 'false'}}}}]}},
}}
try:
    glue.create_table(DatabaseName={db:?}, TableInput=table)
except glue.exceptions.AlreadyExistsException:
    glue.update_table(DatabaseName={db:?}, TableInput=table)
print(glue.get_table(DatabaseName={db:?}, Name='ice')['Table']['Parameters']['metadata_location'])
"#
    ))
}

fn config(db: &str, bucket: &str) -> String {
    format!(
        r#"databases:
  - name: {db}
    tables:
      - name: ice
        table_type: iceberg
        location: s3://{bucket}/ice
        partitioned_by: [category, day(ts), "bucket(16, id)"]
        properties:
          format: parquet
          vacuum_max_snapshot_age_seconds: '432000'
          optimize_rewrite_delete_file_threshold: '10'
        columns:
          - {{name: id, type: bigint}}
          - {{name: ts, type: timestamp}}
          - {{name: category, type: string, comment: kind}}
"#
    )
}

/// The statements of a plan (`> ` lines), in order.
fn statements(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("> "))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn plan_reads_the_iceberg_metadata_and_detects_out_of_band_changes() {
    let db = unique("icemeta");
    let bucket = db.replace('_', "-");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.yaml", &config(&db, &bucket));
    let key1 = "ice/metadata/00000-a.metadata.json";
    let loc = register(&db, &bucket, key1, &metadata("10", false));
    assert_eq!(loc, format!("s3://{bucket}/{key1}"));

    // The configuration matches the metadata (Athena keys vs their Iceberg
    // names, `PARQUET` vs `parquet`, seconds vs milliseconds): no changes,
    // although Glue's columns and parameters say otherwise.
    assert_no_changes(&cfg);

    // Import reads the same metadata: the imported file has the partition
    // transforms and Athena's property keys, not Glue's stale columns, and
    // plans no changes.
    let imported = dir.path().join("imported.yaml");
    let r = athena(&["import", "--database", &db, "--out", s(&imported)]);
    assert_eq!(r.code, 0, "{r}");
    let text = std::fs::read_to_string(&imported).unwrap();
    for want in [
        "bucket(16, id)",
        "day(ts)",
        "optimize_rewrite_delete_file_threshold: '10'",
        "vacuum_max_snapshot_age_seconds: '432000'",
        "write_compression: zstd",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains("stale"), "{text}");
    assert_no_changes(&imported);

    // Out of band: another writer commits a new metadata file with another
    // threshold and one more column, and moves metadata_location.
    let key2 = "ice/metadata/00001-b.metadata.json";
    let now = register(&db, &bucket, key2, &metadata("20", true));
    assert_eq!(now, format!("s3://{bucket}/{key2}"));
    let r = athena(&[
        "plan",
        "--detailed-exitcode",
        "--output-location",
        "s3://athena-results/",
        s(&cfg),
    ]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        statements(&r.stdout),
        vec![
            "ALTER TABLE `ice` DROP COLUMN `note`".to_string(),
            "ALTER TABLE `ice` SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold'='10')"
                .to_string(),
        ],
        "{r}"
    );
    assert!(
        r.stdout
            .contains("properties.optimize_rewrite_delete_file_threshold = \"20\" -> \"10\""),
        "{r}"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn a_partition_spec_change_on_a_table_holding_data_is_refused_and_a_missing_metadata_file_fails(
) {
    let db = unique("icespec");
    let bucket = db.replace('_', "-");
    let dir = tempfile::tempdir().unwrap();
    // The table holds data: a current snapshot of 1200 rows in 3 files.
    let with_data = metadata("10", false)
        .replace(
            r#""current-snapshot-id": -1"#,
            r#""current-snapshot-id": 77"#,
        )
        .replace(
            r#""snapshots": []"#,
            r#""snapshots": [{"snapshot-id": 76, "timestamp-ms": 1700000000000, "summary": {"operation": "append", "total-records": "700", "total-data-files": "2"}}, {"snapshot-id": 77, "parent-snapshot-id": 76, "timestamp-ms": 1700000001000, "summary": {"operation": "append", "total-records": "1200", "total-data-files": "3"}}]"#,
        );
    let loc = register(
        &db,
        &bucket,
        "ice/metadata/00000-a.metadata.json",
        &with_data,
    );
    assert!(loc.ends_with("00000-a.metadata.json"), "{loc}");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &config(&db, &bucket).replace("\"bucket(16, id)\"", "\"bucket(8, id)\""),
    );
    // Athena DDL cannot evolve a partition spec, and dropping the table
    // would delete its data: the plan refuses, saying what would be lost.
    let r = athena(&[
        "plan",
        "--detailed-exitcode",
        "--output-location",
        "s3://athena-results/",
        s(&cfg),
    ]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains(&format!(
            "table `{db}.ice`: the declared partition spec (category, day(ts), bucket(8, id)) differs from the live one (category, day(ts), bucket(16, id))"
        )),
        "{r}"
    );
    assert!(
        r.stderr.contains(
            "would delete its 1200 row(s) in 3 data file(s) and its 2 snapshot(s) (time travel); the tool never deletes table data"
        ),
        "{r}"
    );
    // Refused by apply too, even with --allow-destructive: nothing sent to
    // Athena, the table still points at the same metadata.
    let r = athena(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--output-location",
        "s3://athena-results/",
        s(&cfg),
    ]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("the tool never deletes table data"),
        "{r}"
    );
    assert!(recorded_queries(&db).await.is_empty());
    let now = boto3(&format!(
        "print(glue.get_table(DatabaseName={db:?}, Name='ice')['Table']['Parameters']['metadata_location'])"
    ));
    assert_eq!(now, loc);
    // metadata_location names an object that does not exist: the plan fails
    // and says which table and file.
    boto3(&format!(
        r#"
t = glue.get_table(DatabaseName={db:?}, Name='ice')['Table']
p = dict(t['Parameters']); p['metadata_location'] = 's3://{bucket}/ice/metadata/missing.metadata.json'
glue.update_table(DatabaseName={db:?}, TableInput={{'Name': 'ice', 'TableType': 'EXTERNAL_TABLE', 'Parameters': p, 'StorageDescriptor': t['StorageDescriptor']}})
"#
    ));
    let r = athena(&["plan", s(&cfg)]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr
            .contains(&format!("reading the Iceberg metadata of `{db}.ice`"))
            && r.stderr.contains("missing.metadata.json"),
        "{r}"
    );
    assert!(!r.stderr.contains("panicked"), "{r}");
    cleanup(&db).await;
}
