use super::partitions::SHOWN_PARTITIONS;
use super::*;
use crate::model::tests::parse;
use crate::model::{self, ColumnSpec, TableSpec};
use common::plan::Plan;

fn render(d: &Diff<Op>) -> String {
    let plan = Plan {
        format_version: 1,
        tool: "athena".into(),
        target: "test".into(),
        live_fingerprint: String::new(),
        config_fingerprint: String::new(),
        changes: d.changes.iter().map(|p| p.change.clone()).collect(),
        notes: d.notes.clone(),
    };
    common::run::render_plan(&plan, common::render::Format::Text, false)
}

/// The live catalog that exactly matches `desired` (as Glue would return it).
fn live_of(desired: &Desired) -> Live {
    let mut live = Live::default();
    for (n, d) in &desired.databases {
        let mut d = d.clone();
        d.delete_unmanaged = false;
        live.databases.insert(n.clone(), d);
    }
    live
}

const BASE: &str = r#"
databases:
  - name: sales
    description: Sales
    location: s3://b/sales/
    tables:
      - name: orders
        location: s3://b/orders/
        format: csv
        skip_header_lines: 1
        columns:
          - {name: id, type: bigint}
          - {name: amount, type: "decimal(10,2)"}
          - {name: note, type: string}
        partition_keys: [{name: dt, type: string}]
        partitions:
          - date_range: {key: dt, start: "2024-01-01", end: "2024-01-03"}
      - name: events
        location: s3://b/events/
        format: parquet
        columns:
          - {name: id, type: bigint}
          - {name: payload, type: "struct<a:int>"}
    views:
      - name: v_orders
        sql: SELECT id, amount FROM orders
"#;

#[test]
fn everything_new() {
    let d = parse(BASE).unwrap();
    insta::assert_snapshot!(render(&diff(&d, &Live::default())));
}

#[test]
fn no_changes_when_equal_even_if_written_differently() {
    let d = parse(BASE).unwrap();
    let mut live = live_of(&d);
    let db = live.databases.get_mut("sales").unwrap();
    db.location = Some("s3://b/sales".into());
    let v = db.tables.get_mut("v_orders").unwrap();
    v.view.as_mut().unwrap().sql = "SELECT id,   amount\n  FROM orders;".into();
    let o = db.tables.get_mut("orders").unwrap();
    o.location = Some("s3://b/orders".into());
    let r = diff(&d, &live);
    assert!(r.changes.is_empty(), "{}", render(&r));
    assert!(r.notes.is_empty());
}

#[test]
fn changes_and_safety() {
    let want = parse(
        &BASE
            .replace(
                "          - {name: note, type: string}\n",
                "          - {name: note, type: string}\n          - {name: extra, type: int}\n",
            )
            .replace(
                "          - {name: payload, type: \"struct<a:int>\"}\n",
                "          - {name: payload, type: \"struct<a:int,b:string>\"}\n",
            )
            .replace("end: \"2024-01-03\"", "end: \"2024-01-02\"")
            .replace("SELECT id, amount FROM orders", "SELECT id FROM orders"),
    )
    .unwrap();
    let mut live = live_of(&parse(BASE).unwrap());
    let db = live.databases.get_mut("sales").unwrap();
    db.tables
        .get_mut("events")
        .unwrap()
        .parameters
        .insert("owner".into(), "someone".into());
    db.tables
        .insert("legacy".into(), TableSpec::new("legacy", Kind::External));
    insta::assert_snapshot!(render(&diff(&want, &live)));
}

#[test]
fn unsafe_changes_destructive() {
    let want = parse(
        &BASE
            .replace("          - {name: amount, type: \"decimal(10,2)\"}\n", "")
            .replace(
                "partition_keys: [{name: dt, type: string}]",
                "partition_keys: [{name: day, type: string}]",
            )
            .replace("key: dt", "key: day")
            .replace("    tables:\n", "    delete_unmanaged: true\n    tables:\n"),
    )
    .unwrap();
    let mut live = live_of(&parse(BASE).unwrap());
    let db = live.databases.get_mut("sales").unwrap();
    db.tables
        .insert("legacy".into(), TableSpec::new("legacy", Kind::External));
    db.tables.get_mut("events").unwrap().columns[0].type_ = "string".into();
    insta::assert_snapshot!(render(&diff(&want, &live)));
}

fn cols(spec: &str) -> Vec<ColumnSpec> {
    spec.split(';')
        .map(|c| {
            let (n, t) = c.trim().split_once(' ').unwrap();
            ColumnSpec {
                name: n.into(),
                type_: t.into(),
                comment: None,
            }
        })
        .collect()
}

#[test]
fn athena_schema_update_table() {
    // Athena's "Handling schema updates" table: which change is safe per format.
    let old = cols("a int; b string; c int");
    let cases = [
        ("rename column", cols("a int; bb string; c int")),
        ("add at start/middle", cols("a int; x int; b string; c int")),
        ("add at end", cols("a int; b string; c int; x int")),
        ("remove column", cols("a int; c int")),
        ("reorder", cols("a int; c int; b string")),
        ("widen type", cols("a bigint; b string; c int")),
        ("narrow type", cols("a int; b int; c int")),
    ];
    let formats = [
        Access::Csv,
        Access::Json,
        Access::Avro,
        Access::ParquetByName,
        Access::ParquetByIndex,
        Access::OrcByIndex,
        Access::OrcByName,
        Access::Iceberg,
    ];
    let mut out = String::from("change | CSV | JSON | Avro | Parquet name | Parquet index | ORC index | ORC name | Iceberg\n");
    for (name, new) in &cases {
        out.push_str(name);
        for f in formats {
            let ok = unsafe_column_changes(&old, new, f).is_empty();
            out.push_str(if ok { " | Y" } else { " | N" });
        }
        out.push('\n');
    }
    insta::assert_snapshot!(out);
}

#[test]
fn nested_type_change_is_unsafe() {
    let r = unsafe_column_changes(
        &cols("a struct<x:int>"),
        &cols("a struct<x:int,y:int>"),
        Access::ParquetByName,
    );
    assert_eq!(r.len(), 1);
    assert!(r[0].contains("nested"), "{r:?}");
}

#[test]
fn access_modes() {
    let d = parse(BASE).unwrap();
    let db = &d.databases["sales"];
    assert_eq!(Access::of(&db.tables["orders"]), Access::Csv);
    assert_eq!(Access::of(&db.tables["events"]), Access::ParquetByName);
    let mut t = db.tables["events"].clone();
    t.serde_parameters
        .insert("parquet.column.index.access".into(), "TRUE".into());
    assert_eq!(Access::of(&t), Access::ParquetByIndex);
    t.serde_library = Some(model::ORC_SERDE.into());
    assert_eq!(Access::of(&t), Access::OrcByIndex);
    t.serde_parameters
        .insert("orc.column.index.access".into(), "false".into());
    assert_eq!(Access::of(&t), Access::OrcByName);
}

#[test]
fn iceberg_changes() {
    let y = "databases:\n  - name: lake\n    tables:\n      - name: ice\n        table_type: iceberg\n        location: s3://b/ice/\n        properties: {format: parquet}\n        partitioned_by: [b, \"bucket(4, a)\"]\n        columns:\n          - {name: a, type: int}\n          - {name: b, type: string}\n";
    let want = parse(&y.replace("type: int}", "type: bigint}").replace(
        "type: string}\n",
        "type: string}\n          - {name: c, type: date}\n",
    ))
    .unwrap();
    let live = live_of(&parse(y).unwrap());
    insta::assert_snapshot!(render(&diff(&want, &live)));
    let new = diff(&want, &Live::default());
    insta::assert_snapshot!("iceberg_create", render(&new));
}

#[test]
fn many_partitions_are_chunked_in_statements() {
    let y = "databases:\n  - name: p\n    tables:\n      - name: t\n        location: s3://b/t/\n        format: json\n        columns: [{name: a, type: int}]\n        partition_keys: [{name: dt, type: string}]\n        partitions:\n          - date_range: {key: dt, start: \"2024-01-01\", end: \"2024-12-31\"}\n";
    let d = parse(y).unwrap();
    let r = diff(&d, &live_of(&parse(&y.replace("        partitions:\n          - date_range: {key: dt, start: \"2024-01-01\", end: \"2024-12-31\"}\n", "        partitions: []\n")).unwrap()));
    assert_eq!(r.changes.len(), 1);
    let c = &r.changes[0].change;
    assert!(
        c.statements
            .iter()
            .any(|s| s.contains("365 partitions, 4 request(s)")),
        "{:?}",
        c.statements
    );
    assert_eq!(c.fields.len(), SHOWN_PARTITIONS + 1);
}

#[test]
fn iceberg_partition_spec_change_replaces_only_an_empty_table() {
    let y = "databases:\n  - name: lake\n    tables:\n      - name: ice\n        table_type: iceberg\n        location: s3://b/ice/\n        properties: {format: parquet}\n        partitioned_by: [b, \"bucket(16, a)\"]\n        columns:\n          - {name: a, type: int}\n          - {name: b, type: string}\n";
    let want = parse(&y.replace("bucket(16, a)", "bucket(8, a)")).unwrap();
    let mut live = live_of(&parse(y).unwrap());
    let contents = |live: &mut Live, c| {
        live.databases
            .get_mut("lake")
            .and_then(|d| d.tables.get_mut("ice"))
            .unwrap()
            .iceberg_contents = c;
    };
    let holding = |records, data_files| {
        Some(model::IcebergContents {
            records,
            data_files,
            snapshots: 4,
        })
    };
    // Holding data, or contents unknown: refused before the diff, with
    // what would be lost.
    contents(&mut live, holding(Some(1200), Some(3)));
    let refused = super::spec_changes_losing_data(&want, &live);
    assert_eq!(refused.len(), 1, "{refused:?}");
    insta::assert_snapshot!("iceberg_spec_change_refused", refused[0]);
    contents(&mut live, holding(None, None));
    let refused = super::spec_changes_losing_data(&want, &live);
    assert!(
        refused[0].contains("would delete all its rows"),
        "{refused:?}"
    );
    // Empty: a destructive replace that loses only the snapshot history.
    contents(&mut live, holding(Some(0), Some(0)));
    assert!(super::spec_changes_losing_data(&want, &live).is_empty());
    let d = diff(&want, &live);
    assert_eq!(d.changes.len(), 1);
    assert!(d.changes[0].change.destructive.is_some());
    insta::assert_snapshot!(render(&d));
    // Metadata not read (no metadata_location): not compared, a note.
    contents(&mut live, None);
    assert!(super::spec_changes_losing_data(&want, &live).is_empty());
    let d = diff(&want, &live);
    assert!(d.changes.is_empty(), "{d:?}");
    assert!(
        d.notes[0]
            .message
            .contains("partition spec is not compared"),
        "{d:?}"
    );
    // Applied (the live spec now the declared one): no change, no note.
    let same = live_of(&want);
    let d = diff(&want, &same);
    assert!(d.changes.is_empty() && d.notes.is_empty(), "{d:?}");
}
