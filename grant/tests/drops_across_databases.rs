//! Role drops are all or nothing across databases: a role that owns objects
//! or holds privileges in a database the configuration does not list is not
//! dropped (nothing is reassigned anywhere). Checked with SQL on separate
//! connections.

mod support;

use support::*;

#[test]
fn drop_refused_when_a_database_is_unreachable() {
    let mut s = Scratch::new("dropall");
    let other = s.extra_db("other");
    let x = s.role("x");
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE TABLE public.t (id int); GRANT SELECT ON public.t TO \"{x}\""
    ));
    sql(
        &other,
        &format!("CREATE TABLE public.o (id int); GRANT SELECT ON public.o TO \"{x}\""),
    );
    let base = r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}keep
databases:
  - name: {db}
"#;
    let cfg = s.config("c.yaml", base);
    let p = plan(&cfg, &[]);
    assert!(p.contains(&format!("`{other}`")), "{p}");
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--allow-destructive",
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    // Nothing happened in either database.
    assert_eq!(table_privs(&s.db, "public", "t", &x), vec!["SELECT"]);
    assert_eq!(table_privs(&other, "public", "o", &x), vec!["SELECT"]);
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{x}'")
    )
    .is_some());
    assert!(value(
        "postgres",
        &format!(
            "SELECT 1 FROM pg_roles WHERE rolname = '{}'",
            s.role("keep")
        )
    )
    .is_none());

    // With the other database listed, the drop reaches both.
    let cfg = s.config("c2.yaml", &format!("{base}  - name: {other}\n"));
    apply(&cfg, &["--allow-destructive"], &[]);
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{x}'")
    )
    .is_none());
    assert_converged(&cfg, &[]);
}
