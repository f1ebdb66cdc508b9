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
    // The cascade took y's grant from x; the next apply grants it as declared.
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let r = s.sql(&format!(
        "SELECT has_table_privilege('{x}', 'public.t', 'SELECT WITH GRANT OPTION'), \
                has_table_privilege('{y}', 'public.t', 'SELECT')"
    ));
    assert_eq!(r[0], vec![Some("f".into()), Some("t".into())]);
}
