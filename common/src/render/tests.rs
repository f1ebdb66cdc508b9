use super::*;
use crate::plan::{Change, FieldChange, Note, Plan, PLAN_FORMAT_VERSION};

fn sample() -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        tool: "grant".into(),
        target: "postgres://app:<redacted>@db:5432/app".into(),
        live_fingerprint: "aa".into(),
        config_fingerprint: "bb".into(),
        changes: vec![
            Change::new("role.analyst", Action::Create)
                .field(FieldChange::new("login", None::<String>, Some("true")))
                .field(FieldChange::sensitive("password", false))
                .statement("CREATE ROLE \"analyst\" LOGIN PASSWORD '<redacted>';"),
            Change::new("topic.orders", Action::Update)
                .field(FieldChange::new("config.retention.ms", Some("86400000"), Some("604800000")))
                .field(FieldChange::new("config.cleanup.policy", Some("compact"), None::<String>))
                .statement("IncrementalAlterConfigs topic=orders SET retention.ms=604800000, DELETE cleanup.policy"),
            Change::new("view.sales.daily", Action::Update)
                .field(FieldChange::new(
                    "sql",
                    Some("SELECT day,\n  sum(amount) AS total\nFROM sales.orders\nGROUP BY day"),
                    Some("SELECT day,\n  sum(amount) AS total,\n  count(*) AS n\nFROM sales.orders\nGROUP BY day"),
                ))
                .statement("CREATE OR REPLACE VIEW \"daily\" AS\nSELECT day, sum(amount) AS total, count(*) AS n\nFROM sales.orders GROUP BY day"),
            Change::new("role.old", Action::Delete)
                .statement("DROP ROLE \"old\";")
                .destructive("role `old` is no longer declared"),
            Change::new("table.sales.events", Action::Replace)
                .field(FieldChange::new("partition_keys", Some("dt"), Some("dt, hour")))
                .destructive("partition keys change: the table is dropped and created again"),
        ],
        notes: vec![Note {
            address: "topic.legacy".into(),
            message: "unmanaged: on the cluster but not in the configuration".into(),
        }],
    }
}

fn empty() -> Plan {
    Plan {
        changes: vec![],
        notes: vec![],
        ..sample()
    }
}

#[test]
fn text_plan() {
    insta::assert_snapshot!(text(&sample(), false));
}

#[test]
fn text_plan_colour() {
    let s = text(&sample(), true);
    assert!(s.contains("\x1b[32m+ role.analyst\x1b[0m"));
    assert!(s.contains("\x1b[31m- role.old\x1b[0m"));
    assert!(s.contains("\x1b[35m-/+ table.sales.events\x1b[0m"));
    assert!(!text(&sample(), false).contains('\x1b'));
}

#[test]
fn text_no_changes() {
    insta::assert_snapshot!(text(&empty(), false));
}

#[test]
fn json_plan() {
    insta::assert_snapshot!(json(&sample()));
}

#[test]
fn json_round_trips() {
    let p = sample();
    let back: Plan = serde_json::from_str(&json(&p)).unwrap();
    assert_eq!(back, p);
}

#[test]
fn markdown_plan() {
    insta::assert_snapshot!(markdown(&sample()));
}

#[test]
fn markdown_no_changes() {
    insta::assert_snapshot!(markdown(&empty()));
}

#[test]
fn markdown_folds_long_plans() {
    let mut p = empty();
    for i in 0..25 {
        p.changes
            .push(Change::new(format!("topic.t{i}"), Action::Create));
    }
    let md = markdown(&p);
    assert!(md.contains("<details><summary>Details (25 changes)</summary>"));
    assert!(markdown(&sample()).contains("<details open>"));
}

#[test]
fn summary_line() {
    let s = sample().summary();
    assert_eq!(
        s.line(),
        "Plan: 1 to create, 2 to update, 1 to delete, 1 to replace."
    );
    assert_eq!(s.destructive, 2);
}

#[test]
fn unified_diff_marks_lines() {
    assert_eq!(unified_diff("a\nb\n", "a\nc\n"), " a\n-b\n+c\n");
}
