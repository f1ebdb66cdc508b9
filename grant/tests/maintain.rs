//! PostgreSQL 17's MAINTAIN against the test server (PostgreSQL 15): `ALL`
//! leaves it out, naming it is a located plan error. (PostgreSQL 17 itself is
//! covered by the diff unit tests.)

mod support;

use support::*;

#[test]
fn maintain_on_an_older_server() {
    let s = Scratch::new("maintain");
    s.sql("CREATE TABLE public.t (id int)");
    let server = value("postgres", "SHOW server_version_num").unwrap_or_default();
    assert!(
        server.as_str() < "170000",
        "this test expects a server older than PostgreSQL 17, found {server}"
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}a
databases:
  - name: {db}
    grants:
      - {to: [{p}a], on: table, schema: public, objects: [t], privileges: [ALL]}
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(
        table_privs(&s.db, "public", "t", &s.role("a")),
        vec![
            "DELETE",
            "INSERT",
            "REFERENCES",
            "SELECT",
            "TRIGGER",
            "TRUNCATE",
            "UPDATE"
        ]
    );
    let bad = s.config(
        "bad.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}a
databases:
  - name: {db}
    grants:
      - {to: [{p}a], on: table, schema: public, objects: [t], privileges: [MAINTAIN]}
"#,
    );
    let o = grant(&["plan", &bad.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("bad.yaml:8:"), "{}", text(&o));
    assert!(
        text(&o).contains("MAINTAIN needs PostgreSQL 17"),
        "{}",
        text(&o)
    );
}
