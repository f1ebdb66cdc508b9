//! PostgreSQL 17's MAINTAIN: on a real PostgreSQL 17 (127.0.0.1:5417,
//! scripts/pg17.sh; `GRANT_TEST_PG17_HOST` / `GRANT_TEST_PG17_PORT`) it is
//! read, planned, granted, revoked and part of `ALL`; on the PostgreSQL 15 test
//! server `ALL` leaves it out and naming it is a located plan error. Checked
//! with psql (`has_table_privilege`, `aclexplode`).

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

#[test]
fn maintain_on_postgresql_17() {
    let s = Scratch::pg17("maint17");
    let (a, b, c) = (s.role("a"), s.role("b"), s.role("c"));
    s.sql("CREATE TABLE public.t (id int); CREATE TABLE public.u (id int)");
    let yaml = r#"
connection: {url: "{url}"}
roles:
  - name: {p}a
  - name: {p}b
  - name: {p}c
databases:
  - name: {db}
    grants:
      - {to: [{p}a], on: table, schema: public, objects: [t], privileges: [ALL]}
      - {to: [{p}b], on: table, schema: public, objects: [u], privileges: B_PRIVS}
      - {to: [{p}c], on: table, schema: public, objects: [u], privileges: [SELECT]}
    default_privileges:
      - {for_role: {p}a, on: tables, to: [{p}c], privileges: [ALL]}
"#;
    let cfg = s.config("c.yaml", &yaml.replace("B_PRIVS", "[SELECT, MAINTAIN]"));
    let p = plan(&cfg, &[]);
    assert!(p.contains("MAINTAIN"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let (h, port) = s.server.clone();
    let all = "DELETE INSERT MAINTAIN REFERENCES SELECT TRIGGER TRUNCATE UPDATE";
    let acl = |rel: &str| acl_lines(&h, &port, &s.db, rel);
    let expected_t: Vec<String> = all
        .split(' ')
        .map(|p| format!("{a} {p} by postgres"))
        .collect();
    assert_eq!(acl("public.t"), expected_t);
    assert_eq!(
        acl("public.u"),
        vec![
            format!("{b} MAINTAIN by postgres"),
            format!("{b} SELECT by postgres"),
            format!("{c} SELECT by postgres"),
        ]
    );
    let has = |role: &str, rel: &str| {
        s.psql(&format!(
            "SELECT has_table_privilege('{role}', '{rel}', 'MAINTAIN')"
        ))
    };
    assert_eq!(has(&a, "public.t"), "t");
    assert_eq!(has(&b, "public.u"), "t");
    // `ALL` in default privileges includes MAINTAIN: a table `a` creates.
    s.psql(&format!(
        "GRANT CREATE ON SCHEMA public TO \"{a}\"; SET ROLE \"{a}\"; CREATE TABLE public.new (id int)"
    ));
    assert_eq!(has(&c, "public.new"), "t");
    // Read: MAINTAIN granted out of band is revoked (authoritative).
    s.psql(&format!("GRANT MAINTAIN ON public.u TO \"{c}\""));
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!(
            "REVOKE MAINTAIN ON TABLE \"public\".\"u\" FROM \"{c}\""
        )),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(has(&c, "public.u"), "f");
    // Revoked when the configuration no longer lists it.
    let cfg = s.config("c.yaml", &yaml.replace("B_PRIVS", "[SELECT]"));
    let p = plan(&cfg, &[]);
    assert!(p.contains("REVOKE MAINTAIN"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(has(&b, "public.u"), "f");
    assert_eq!(
        s.psql(&format!(
            "SELECT has_table_privilege('{b}', 'public.u', 'SELECT')"
        )),
        "t"
    );
    // import reads MAINTAIN: its file plans no change.
    let imported = s.dir.path().join("imported.yaml");
    let o = grant(
        &[
            "import",
            "--url",
            &url_at(&s.server, &s.db),
            "--pattern",
            &format!("{}*", s.prefix),
            "-o",
            &imported.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let file = std::fs::read_to_string(&imported).unwrap_or_else(|e| panic!("{e}"));
    assert!(file.contains("MAINTAIN"), "{file}");
    assert_converged(&imported, &[]);
}

/// A grant-rs `-t` whose role grants `ALL`, while another of the user's
/// roles grants SELECT there: the excluded table keeps only SELECT — on
/// PostgreSQL 17 MAINTAIN is revoked too (as grant-rs's REVOKE ALL does),
/// and on an older server the same file plans no MAINTAIN at all.
#[test]
fn a_grant_rs_exclusion_of_all_takes_maintain_too() {
    let yaml = r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: rall
    type: table
    grants: [ALL]
    schemas: [public]
    tables: [ALL, -a]
  - name: rsel
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [a]
users:
  - name: {p}m
    roles: [rall, rsel]
"#;
    for s in [Scratch::pg17("maintrs17"), Scratch::new("maintrs15")] {
        let m = s.role("m");
        s.sql(&format!(
            "CREATE TABLE public.a (id int); CREATE TABLE public.b (id int); \
             CREATE ROLE \"{m}\"; GRANT ALL ON public.a, public.b TO \"{m}\""
        ));
        let cfg = s.config("grant-rs.yaml", yaml);
        apply(&cfg, &[], &[]);
        assert_converged(&cfg, &[]);
        let (h, port) = s.server.clone();
        let on = |rel: &str| {
            acl_lines(&h, &port, &s.db, rel)
                .into_iter()
                .filter(|l| l.starts_with(&format!("{m} ")))
                .map(|l| l.split(' ').nth(1).unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(on("public.a"), "SELECT", "{}", s.server.1);
        let all = if s.server.1 == server17().1 {
            "DELETE INSERT MAINTAIN REFERENCES SELECT TRIGGER TRUNCATE UPDATE"
        } else {
            "DELETE INSERT REFERENCES SELECT TRIGGER TRUNCATE UPDATE"
        };
        assert_eq!(on("public.b"), all, "{}", s.server.1);
    }
}
