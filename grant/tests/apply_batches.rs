//! Apply sends the plan's GRANTs merged into multi-object statements and
//! many statements per round trip: the result, checked with psql, is the
//! same as one statement at a time, whatever the names and the options.

mod support;

use support::*;

#[test]
fn merged_grants_reach_every_object_with_their_options() {
    let s = Scratch::new("batches");
    s.sql(
        r#"CREATE SCHEMA "Sales, Q1";
        CREATE TABLE "Sales, Q1"."Orders ON TABLE x" (id int, "Amount" int);
        CREATE TABLE "Sales, Q1"."a""b" (id int);
        CREATE TABLE "Sales, Q1".plain (id int);
        CREATE SEQUENCE "Sales, Q1".counter;
        CREATE SEQUENCE "Sales, Q1"."Other Seq""""#,
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: "{p}reader"
  - name: "{p}Writer, Two"
databases:
  - name: {db}
    grants:
      - {to: ["{p}reader", "{p}Writer, Two"], on: schema, objects: ["Sales, Q1"], privileges: [USAGE]}
      - {to: ["{p}reader", "{p}Writer, Two"], on: table, schema: "Sales, Q1", objects: ["*"], privileges: [SELECT]}
      - {to: ["{p}Writer, Two"], on: table, schema: "Sales, Q1", objects: ["a\"b", plain], privileges: [INSERT, UPDATE], with_grant_option: true}
      - {to: ["{p}reader"], on: sequence, schema: "Sales, Q1", objects: ["*"], privileges: [USAGE]}
      - {to: ["{p}reader"], on: column, schema: "Sales, Q1", objects: ["Orders ON TABLE x"], columns: [Amount], privileges: [UPDATE]}
"#,
    );
    apply(&cfg, &[], &[]);
    let (reader, writer) = (s.role("reader"), s.role("Writer, Two"));
    let sch = "Sales, Q1";
    for t in ["Orders ON TABLE x", "a\"b", "plain"] {
        assert_eq!(table_privs(&s.db, sch, t, &reader), ["SELECT"], "{t}");
    }
    assert_eq!(
        table_privs(&s.db, sch, "Orders ON TABLE x", &writer),
        ["SELECT"]
    );
    for t in ["a\"b", "plain"] {
        assert_eq!(
            table_privs(&s.db, sch, t, &writer),
            ["INSERT*", "SELECT", "UPDATE*"],
            "{t}"
        );
    }
    for q in ["counter", "Other Seq\""] {
        assert_eq!(table_privs(&s.db, sch, q, &reader), ["USAGE"], "{q}");
        assert!(table_privs(&s.db, sch, q, &writer).is_empty(), "{q}");
    }
    let col = value(
        &s.db,
        &format!(
            "SELECT has_column_privilege('{reader}', '\"Sales, Q1\".\"Orders ON TABLE x\"', 'Amount', 'UPDATE')::text"
        ),
    );
    assert_eq!(col.as_deref(), Some("true"));
    for r in [&reader, &writer] {
        let usage = value(
            &s.db,
            &format!(
                "SELECT has_schema_privilege('{}', 'Sales, Q1', 'USAGE')::text",
                r.replace('\'', "''")
            ),
        );
        assert_eq!(usage.as_deref(), Some("true"), "{r}");
    }
    assert_converged(&cfg, &[]);
}

#[test]
fn more_objects_than_one_statement_takes() {
    let s = Scratch::new("batches_many");
    s.sql(
        "CREATE SCHEMA wide; \
         DO $$ BEGIN FOR t IN 1..1234 LOOP EXECUTE format('CREATE TABLE wide.t%s (id int)', t); END LOOP; END $$",
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: wide, objects: ["*"], privileges: [SELECT]}
"#,
    );
    apply(&cfg, &[], &[]);
    let n = value(
        &s.db,
        &format!(
            "SELECT count(*)::text FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
             WHERE c.relnamespace = 'wide'::regnamespace AND a.grantee = '{}'::regrole AND a.privilege_type = 'SELECT'",
            s.role("r")
        ),
    );
    assert_eq!(n.as_deref(), Some("1234"));
    assert_converged(&cfg, &[]);
}
