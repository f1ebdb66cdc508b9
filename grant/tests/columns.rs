//! Column grants: through `*` only on the tables having the columns; a
//! named table without a column is a plan error at its location. Checked
//! with SQL on a separate connection.

mod support;

use support::*;

#[test]
fn star_takes_only_tables_with_the_columns() {
    let s = Scratch::new("columns");
    s.sql(
        "CREATE SCHEMA app; CREATE TABLE app.a (id int, email text); \
         CREATE TABLE app.b (id int); CREATE TABLE app.c (email text, id int)",
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
      - {to: [{p}r], on: column, schema: app, objects: ["*"], columns: [email], privileges: [SELECT]}
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let r = s.role("r");
    let q = s.sql(&format!(
        "SELECT has_column_privilege('{r}', 'app.a', 'email', 'SELECT'), \
                has_column_privilege('{r}', 'app.c', 'email', 'SELECT'), \
                has_column_privilege('{r}', 'app.b', 'id', 'SELECT')"
    ));
    assert_eq!(
        q[0],
        vec![Some("t".into()), Some("t".into()), Some("f".into())]
    );

    let bad = s.config(
        "bad.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: column, schema: app, objects: [b], columns: [email], privileges: [SELECT]}
"#,
    );
    let o = grant(&["plan", &bad.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("bad.yaml:8:"), "{}", text(&o));
    assert!(
        text(&o).contains("table `app.b` has no column `email`"),
        "{}",
        text(&o)
    );
}

/// PostgreSQL's table-level REVOKE also revokes the grantee's privilege on
/// every column: the declared column privileges are granted again after it,
/// in the same apply (held before or not).
#[test]
fn a_table_revoke_keeps_the_declared_column_privileges() {
    let s = Scratch::new("colrevoke");
    let (x, y) = (s.role("x"), s.role("y"));
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE ROLE \"{y}\"; CREATE TABLE public.t (a int, b int); \
         GRANT SELECT, UPDATE ON public.t TO \"{x}\", \"{y}\"; GRANT SELECT (a) ON public.t TO \"{x}\""
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}x
  - name: {p}y
databases:
  - name: {db}
    grants:
      - {to: [{p}x, {p}y], on: column, schema: public, objects: [t], columns: [a], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("taken by the table's REVOKE"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    for r in [&x, &y] {
        assert_eq!(
            psql(
                &s.db,
                &format!(
                    "SELECT has_column_privilege('{r}', 'public.t', 'a', 'SELECT'), \
                     has_column_privilege('{r}', 'public.t', 'b', 'SELECT'), \
                     has_table_privilege('{r}', 'public.t', 'UPDATE'), \
                     (SELECT attacl::text FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attname = 'a') \
                     LIKE '%{r}=r/%'"
                )
            ),
            "t|f|f|t",
            "{r}"
        );
    }
}
