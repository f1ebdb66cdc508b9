//! Privileges granted by another role than the owner converge: revoked as
//! their grantor, and with CASCADE (destructive) when dependent grants would
//! block the revoke. Checked with SQL on a separate connection.

mod support;

use support::*;

fn grantors(s: &Scratch, table: &str, grantee: &str) -> Vec<String> {
    s.sql(&format!(
        "SELECT a.privilege_type || ' by ' || pg_get_userbyid(a.grantor) FROM pg_class c, aclexplode(c.relacl) a \
         WHERE c.oid = 'public.{table}'::regclass AND a.grantee = '{grantee}'::regrole ORDER BY 1"
    ))
    .into_iter()
    .filter_map(|r| r.into_iter().next().flatten())
    .collect()
}

#[test]
fn grants_of_another_grantor_are_revoked_as_that_grantor() {
    let s = Scratch::new("grantor");
    let (x, y) = (s.role("x"), s.role("y"));
    s.sql("CREATE TABLE public.t (id int)");
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
      - {to: [{p}x], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
"#,
    );
    apply(&cfg, &[], &[]);
    // x passes SELECT on to y out of band; y is managed and declares nothing.
    s.sql(&format!(
        "SET ROLE \"{x}\"; GRANT SELECT ON public.t TO \"{y}\"; RESET ROLE"
    ));
    assert_eq!(grantors(&s, "t", &y), vec![format!("SELECT by {x}")]);
    let p = plan(&cfg, &[]);
    assert!(p.contains(&format!("SET ROLE \"{x}\"")), "{p}");
    apply(&cfg, &[], &[]);
    assert!(grantors(&s, "t", &y).is_empty());
    assert_converged(&cfg, &[]);
}

#[test]
fn dependent_grants_need_cascade_and_allow_destructive() {
    let s = Scratch::new("cascade");
    let (x, y) = (s.role("x"), s.role("y"));
    s.sql("CREATE TABLE public.t (id int)");
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
      - {to: [{p}x, {p}y], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE ROLE \"{y}\"; GRANT SELECT ON public.t TO \"{x}\" WITH GRANT OPTION; \
         SET ROLE \"{x}\"; GRANT SELECT ON public.t TO \"{y}\"; RESET ROLE"
    ));
    let p = plan(&cfg, &[]);
    assert!(p.contains("CASCADE"), "{p}");
    // Without --allow-destructive nothing is applied.
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        grantors(&s, "t", &x),
        vec!["SELECT by postgres".to_string()]
    );
    assert_eq!(grantors(&s, "t", &y), vec![format!("SELECT by {x}")]);
    apply(&cfg, &["--allow-destructive"], &[]);
    // The cascade took y's grant from x; the same apply granted it again.
    assert_converged(&cfg, &[]);
    let r = s.sql(&format!(
        "SELECT has_table_privilege('{x}', 'public.t', 'SELECT WITH GRANT OPTION'), \
                has_table_privilege('{y}', 'public.t', 'SELECT')"
    ));
    assert_eq!(r[0], vec![Some("f".into()), Some("t".into())]);
}

/// `x` passed SELECT on (with the grant option) to `y`, who passed it to `z`;
/// `w` (external, never changed) got it from `x` too. Revoking `x`'s grant
/// option with CASCADE takes all three; the same apply grants again what the
/// configuration declares (`y` with the option, `z`) and what it keeps (`w`).
#[test]
fn cascade_then_regrant_in_the_same_apply() {
    let s = Scratch::new("regrant");
    let (x, y, z, w) = (s.role("x"), s.role("y"), s.role("z"), s.role("w"));
    s.sql("CREATE TABLE public.t (id int)");
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE ROLE \"{y}\"; CREATE ROLE \"{z}\"; CREATE ROLE \"{w}\"; \
         GRANT SELECT ON public.t TO \"{x}\" WITH GRANT OPTION; \
         SET ROLE \"{x}\"; GRANT SELECT ON public.t TO \"{y}\" WITH GRANT OPTION; \
         GRANT SELECT ON public.t TO \"{w}\"; RESET ROLE; \
         SET ROLE \"{y}\"; GRANT SELECT ON public.t TO \"{z}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
external_roles: [{p}w]
roles:
  - name: {p}x
  - name: {p}y
  - name: {p}z
databases:
  - name: {db}
    grants:
      - {to: [{p}x, {p}z], on: table, schema: public, objects: [t], privileges: [SELECT]}
      - {to: [{p}y], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("CASCADE"), "{p}");
    assert!(p.contains("granted_by"), "{p}");
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    let (h, port) = server();
    assert_eq!(
        acl_lines(&h, &port, &s.db, "public.t"),
        vec![
            format!("{w} SELECT by postgres"),
            format!("{x} SELECT by postgres"),
            format!("{y} SELECT* by postgres"),
            format!("{z} SELECT by postgres"),
        ]
    );
    assert_eq!(
        psql(
            &s.db,
            &format!(
                "SELECT has_table_privilege('{x}', 'public.t', 'SELECT WITH GRANT OPTION'), \
                 has_table_privilege('{y}', 'public.t', 'SELECT WITH GRANT OPTION'), \
                 has_table_privilege('{z}', 'public.t', 'SELECT'), \
                 has_table_privilege('{w}', 'public.t', 'SELECT')"
            )
        ),
        "f|t|t|t"
    );
}

/// `a` (declares nothing) passed SELECT on to `b` (declares nothing): the
/// CASCADE of `a`'s revoke takes `b`'s grant, so `b`'s own revoke as `a`
/// (which would fail: `a` then holds nothing on the table) is left out.
#[test]
fn a_grant_the_cascade_takes_is_not_revoked_again() {
    let s = Scratch::new("cascorder");
    let (a, b) = (s.role("a"), s.role("b"));
    s.sql("CREATE TABLE public.t (id int)");
    s.sql(&format!(
        "CREATE ROLE \"{a}\"; CREATE ROLE \"{b}\"; \
         GRANT SELECT, INSERT ON public.t TO \"{a}\" WITH GRANT OPTION; \
         SET ROLE \"{a}\"; GRANT SELECT, INSERT ON public.t TO \"{b}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}a
  - name: {p}b
databases:
  - name: {db}
    grants:
      - {to: [{p}b], on: database, privileges: [CONNECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(!p.contains(&format!("SET ROLE \"{a}\"")), "{p}");
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    let (h, port) = server();
    assert_eq!(
        acl_lines(&h, &port, &s.db, "public.t"),
        Vec::<String>::new()
    );
}

/// PUBLIC's grants have grantors too: on `t` the one `x` made is revoked as
/// `x` (PUBLIC declared with none); on `u`, where PUBLIC is not declared, it
/// is granted again after the CASCADE of `x`'s grant option (PUBLIC is never
/// touched unless declared).
#[test]
fn grants_to_public_by_another_grantor() {
    let s = Scratch::new("pubgrantor");
    let x = s.role("x");
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE TABLE public.t (id int); CREATE TABLE public.u (id int); \
         GRANT SELECT ON public.t, public.u TO \"{x}\" WITH GRANT OPTION; \
         SET ROLE \"{x}\"; GRANT SELECT ON public.t, public.u TO PUBLIC; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}x
databases:
  - name: {db}
    grants:
      - {to: [{p}x], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}x], on: table, schema: public, objects: [u], privileges: [SELECT]}
      - {to: [PUBLIC], on: table, schema: public, objects: [t], privileges: []}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains(&format!("SET ROLE \"{x}\"")), "{p}");
    assert!(p.contains("CASCADE"), "{p}");
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    let (h, port) = server();
    let public = |rel: &str| {
        psql(
            &s.db,
            &format!(
                "SELECT coalesce(string_agg(a.privilege_type || ' by ' || pg_get_userbyid(a.grantor), ','), '') \
                 FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
                 WHERE c.oid = '{rel}'::regclass AND a.grantee = 0"
            ),
        )
    };
    assert_eq!(public("public.t"), "");
    assert_eq!(public("public.u"), "SELECT by postgres");
    assert_eq!(
        acl_lines(&h, &port, &s.db, "public.u"),
        vec![
            "PUBLIC SELECT by postgres".to_string(),
            format!("{x} SELECT by postgres")
        ]
    );
}

/// A table-level revoke also takes the grantee's column privileges and the
/// column grants it passed on: CASCADE, listed, and the declared column
/// grant of the dependent role granted again in the same apply.
#[test]
fn table_revoke_cascades_column_grants_passed_on() {
    let s = Scratch::new("colcascade");
    let (x, y) = (s.role("x"), s.role("y"));
    s.sql(&format!(
        "CREATE ROLE \"{x}\"; CREATE ROLE \"{y}\"; CREATE TABLE public.t (a int, b int); \
         GRANT SELECT ON public.t TO \"{x}\" WITH GRANT OPTION; \
         GRANT SELECT (a) ON public.t TO \"{x}\" WITH GRANT OPTION; \
         SET ROLE \"{x}\"; GRANT SELECT (a) ON public.t TO \"{y}\"; RESET ROLE"
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
      - {to: [{p}x], on: table, schema: public, objects: [t], privileges: [SELECT]}
      - {to: [{p}y], on: column, schema: public, objects: [t], columns: [a], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!("SELECT (a) granted by `{x}` to `{y}`")),
        "{p}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(
        psql(
            &s.db,
            "SELECT attacl::text FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attname = 'a'"
        ),
        format!("{{{y}=r/postgres}}")
    );
    assert_eq!(
        psql(
            &s.db,
            &format!(
                "SELECT has_table_privilege('{x}', 'public.t', 'SELECT WITH GRANT OPTION'), \
                 has_table_privilege('{x}', 'public.t', 'SELECT'), \
                 has_column_privilege('{y}', 'public.t', 'a', 'SELECT'), \
                 has_column_privilege('{y}', 'public.t', 'b', 'SELECT')"
            )
        ),
        "f|t|t|f"
    );
}
