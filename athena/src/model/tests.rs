use super::projection::relative_date;
use super::*;
use common::config::{EnvMode, SourceFile, Sources};
use common::diagnostic::Diagnostics;

pub(crate) fn parse(text: &str) -> Result<Desired, Diagnostics> {
    let f = SourceFile::parse("athena.yaml", text, &|_| None, EnvMode::Require)?;
    load(&Sources { files: vec![f] })
}

fn errors(text: &str) -> String {
    match parse(text) {
        Ok(_) => "ok".into(),
        Err(d) => d.to_string(),
    }
}

const GOOD: &str = r#"
databases:
  - name: Analytics
    description: Analytics data
    location: s3://bucket/analytics/
    parameters: {owner: data}
    tables:
      - name: Events
        comment: raw events
        location: s3://bucket/events/
        format: parquet
        columns:
          - {name: ID, type: BIGINT}
          - {name: payload, type: "struct<a: int, b: array<string>>"}
          - {name: amount, type: "decimal(10, 2)"}
        partition_keys:
          - {name: dt, type: string}
          - {name: region, type: string}
        properties: {classification: parquet}
        projection:
          location_template: s3://bucket/events/$${dt}/$${region}/
          columns:
            dt: {type: date, format: yyyy-MM-dd, range: ["2024-01-01", "NOW"], interval: 1, unit: days}
            region: {type: enum, values: [eu, us]}
      - name: logs
        location: s3://bucket/logs
        format: csv
        quote: '"'
        skip_header_lines: 1
        columns: [{name: line, type: string}]
        partition_keys: [{name: dt, type: string}, {name: src, type: string}]
        partitions:
          - values: {src: a}
            date_range: {key: dt, start: "2024-01-30", end: "2024-02-02"}
          - values: {src: b, dt: "2023-12-31"}
            location: s3://other/{src}/{dt}/
      - name: tsv
        location: s3://bucket/tsv/
        format: tsv
        columns: [{name: a, type: "varchar(10)"}]
      - name: ice
        table_type: iceberg
        location: s3://bucket/ice/
        columns: [{name: a, type: int}]
    views:
      - name: v_events
        sql: |
          SELECT id FROM events;
        columns: [{name: id, type: bigint}]
"#;

#[test]
fn valid_config_resolves() {
    let d = parse(GOOD).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_json_snapshot!(d);
}

#[test]
fn validation_errors() {
    let cases = [
        // unknown key with suggestion
        "databases:\n  - name: a\n    tabels: []\n",
        // bad type
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: parquet\n        columns:\n          - {name: x, type: \"struct<a:int,b:strng>\"}\n",
        // no format, no location
        "databases:\n  - name: a\n    tables:\n      - name: t\n        columns: [{name: x, type: int}]\n",
        // csv options on parquet, duplicate columns, partition key duplicates a column
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: parquet\n        delimiter: ','\n        columns: [{name: x, type: int}, {name: X, type: int}]\n        partition_keys: [{name: x, type: string}]\n",
        // projection on a non-partition key, missing key, bad date range
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: json\n        columns: [{name: x, type: int}]\n        partition_keys: [{name: dt, type: string}, {name: h, type: int}]\n        projection:\n          columns:\n            dte: {type: enum, values: [a]}\n            dt: {type: date, format: yyyy-MM-dd, range: [\"2024-02-01\", \"2024-01-01\"]}\n",
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: json\n        columns: [{name: x, type: int}]\n        partition_keys: [{name: dt, type: string}]\n        projection:\n          columns:\n            dt: {type: date, format: yyyy-MM-dd, range: [\"2024/02/01\", \"NOW-3YEARS\"], unit: fortnights}\n",
        // partitions: unknown key, missing key, bad date
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: orc\n        columns: [{name: x, type: int}]\n        partition_keys: [{name: dt, type: string}, {name: r, type: string}]\n        partitions:\n          - values: {zone: a}\n            date_range: {key: dt, start: \"2024-13-01\", end: \"2024-01-02\"}\n          - values: {dt: x}\n",
        // duplicates across the database: table vs view, duplicate database
        "databases:\n  - name: a\n    tables:\n      - {name: t, location: s3://b/t/, format: avro, columns: [{name: x, type: int}]}\n    views:\n      - {name: T, sql: select 1}\n  - name: A\n",
        // iceberg with a format
        "databases:\n  - name: a\n    tables:\n      - {name: t, table_type: iceberg, format: parquet, location: s3://b/t/, columns: [{name: x, type: int}]}\n",
        // iceberg: a property Athena rejects, an Iceberg-native key
        "databases:\n  - name: a\n    tables:\n      - name: t\n        table_type: iceberg\n        location: s3://b/t/\n        columns: [{name: x, type: int}]\n        properties: {write.format: parquet, write_compresion: zstd, history.expire.max-snapshot-age-ms: '1'}\n",
        // iceberg partition transforms: unknown column, zero width, wrong type, missing width, unknown function, duplicate; partitioned_by on an external table
        "databases:\n  - name: a\n    tables:\n      - name: t\n        table_type: iceberg\n        location: s3://b/t/\n        columns: [{name: a, type: int}, {name: b, type: string}]\n        partitioned_by: [nope, \"bucket(0, a)\", \"year(a)\", \"truncate(b)\", \"zorder(a)\", a, A]\n      - {name: e, location: s3://b/e/, format: json, columns: [{name: x, type: int}], partitioned_by: [x]}\n",
        // projection and registered partitions together
        "databases:\n  - name: a\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: json\n        columns: [{name: x, type: int}]\n        partition_keys: [{name: dt, type: string}]\n        projection:\n          columns:\n            dt: {type: injected}\n        partitions:\n          - values: {dt: a}\n",
        // reserved properties, bad names
        "databases:\n  - name: my-db\n    tables:\n      - name: t\n        location: gs://b/t/\n        format: parquet\n        columns: [{name: x, type: int}]\n        properties: {EXTERNAL: 'FALSE', transient_lastDdlTime: '1'}\n",
    ];
    let out: Vec<String> = cases.iter().map(|c| errors(c)).collect();
    insta::assert_snapshot!(out.join("\n=====\n"));
}

#[test]
fn case_folding_equal() {
    let a = parse("databases:\n  - name: Foo\n    tables:\n      - {name: T, location: s3://b/t/, format: parquet, columns: [{name: ID, type: INT}]}\n").unwrap();
    let b = parse("databases:\n  - name: foo\n    tables:\n      - {name: t, location: s3://b/t/, format: parquet, columns: [{name: id, type: integer}]}\n").unwrap();
    assert_eq!(a, b);
}

#[test]
fn java_patterns() {
    assert_eq!(java_to_chrono("yyyy-MM-dd").as_deref(), Some("%Y-%m-%d"));
    assert_eq!(
        java_to_chrono("yyyy/MM/dd/HH").as_deref(),
        Some("%Y/%m/%d/%H")
    );
    assert_eq!(java_to_chrono("'year='yyyy").as_deref(), Some("year=%Y"));
    assert_eq!(java_to_chrono("yyyy-QQ"), None);
    assert!(relative_date("NOW-3YEARS"));
    assert!(relative_date("now"));
    assert!(!relative_date("NOW-3"));
}

#[test]
fn iceberg_property_values() {
    let bad = "databases:\n  - name: a\n    tables:\n      - name: t\n        table_type: iceberg\n        location: s3://b/t/\n        columns: [{name: x, type: int}]\n        properties:\n          format: csv\n          optimize_rewrite_delete_file_threshold: ten\n          vacuum_max_snapshot_age_seconds: '-5'\n          vacuum_min_snapshots_to_keep: '0'\n          write_target_data_file_size_bytes: '1.5'\n          write.data.path: /tmp/data\n      - name: o\n        table_type: iceberg\n        location: s3://b/o/\n        columns: [{name: x, type: int}]\n        properties: {format: ORC, write_compression: gzip}\n      - name: p\n        table_type: iceberg\n        location: s3://b/p/\n        columns: [{name: x, type: int}]\n        properties: {write_compression: lz4}\n";
    insta::assert_snapshot!(errors(bad));
    // Every accepted form: any case, each format's codecs, whole numbers.
    for (format, codec) in [
        ("parquet", "ZSTD"),
        ("parquet", "uncompressed"),
        ("orc", "zlib"),
        ("orc", "LZ4"),
        ("avro", "deflate"),
        ("AVRO", "snappy"),
    ] {
        let good = format!("databases:\n  - name: a\n    tables:\n      - name: t\n        table_type: iceberg\n        location: s3://b/t/\n        columns: [{{name: x, type: int}}]\n        properties:\n          format: {format}\n          write_compression: {codec}\n          optimize_rewrite_delete_file_threshold: '10'\n          vacuum_max_snapshot_age_seconds: '432000'\n          write.object-storage.path: s3://b/data\n");
        parse(&good).unwrap_or_else(|e| panic!("{format}/{codec}: {e}"));
    }
}
