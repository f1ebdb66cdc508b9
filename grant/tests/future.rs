//! `objects: ["*"]` and objects created later: `future: true` declares the
//! default privileges for the objects' owner; without it the plan says so.
//! Checked with SQL on a separate connection.

mod support;

use support::*;

#[test]
fn future_true_covers_tables_created_later() {
    let s = Scratch::new("future");
    let owner = s.role("owner");
    let r = s.role("r");
    s.sql(&format!(
        "CREATE ROLE \"{owner}\"; CREATE SCHEMA app AUTHORIZATION \"{owner}\"; \
         SET ROLE \"{owner}\"; CREATE TABLE app.a (id int); RESET ROLE"
    ));
    let base = r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
external_roles: [{p}owner]
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: app, objects: ["*"], privileges: [SELECT]FUTURE}
"#;
    let without = s.config("without.yaml", &base.replace("FUTURE", ""));
    let p = plan(&without, &[]);
    assert!(p.contains("set `future: true`"), "{p}");
    let cfg = s.config("c.yaml", &base.replace("FUTURE", ", future: true"));
    let p = plan(&cfg, &[]);
    assert!(!p.contains("set `future: true`"), "{p}");
    assert!(
        p.contains(&format!("ALTER DEFAULT PRIVILEGES FOR ROLE \"{owner}\" IN SCHEMA \"app\" GRANT SELECT ON TABLES TO \"{r}\"")),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    // A table the owner creates later is readable at once.
    s.sql(&format!(
        "SET ROLE \"{owner}\"; CREATE TABLE app.later (id int); RESET ROLE"
    ));
    assert_eq!(table_privs(&s.db, "app", "later", &r), vec!["SELECT"]);
    assert_eq!(table_privs(&s.db, "app", "a", &r), vec!["SELECT"]);
    assert_converged(&cfg, &[]);
}
