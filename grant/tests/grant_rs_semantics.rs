//! grant-rs files whose meaning a review of issue 11 found wrong: a `-t` in
//! one of a user's table roles, mixed-case names (grant-rs sends them
//! unquoted), a YAML alias to a numeric password, unknown keys. Applied with
//! `grant apply -f` to the real PostgreSQL; outcomes read with psql and
//! checked by logging in with psql over password authentication.

mod support;

use support::*;

/// `has_table_privilege` of `user` on `table` for `privs`, read with psql:
/// `t`/`f` per privilege, `,`-joined.
fn has_table(s: &Scratch, user: &str, table: &str, privs: &[&str]) -> String {
    let cols: Vec<String> = privs
        .iter()
        .map(|p| format!("has_table_privilege('{user}', '{table}', '{p}')"))
        .collect();
    s.psql(&format!("SELECT concat_ws(',', {})", cols.join(", ")))
}

#[test]
fn minus_excludes_from_its_own_role_only() {
    let s = Scratch::new("rsexcl");
    s.sql("CREATE TABLE public.ct (id int); CREATE TABLE public.other (id int)");
    let both = s.role("both");
    let alone = s.role("alone");
    // `alone` holds INSERT on ct from elsewhere: its only role excludes ct.
    s.sql(&format!(
        "CREATE ROLE \"{alone}\" LOGIN; GRANT INSERT ON public.ct TO \"{alone}\""
    ));
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: rb
    type: table
    grants: [SELECT, INSERT]
    schemas: [public]
    tables: [ALL]
  - name: rc
    type: table
    grants: [INSERT]
    schemas: [public]
    tables: [ALL, -ct]
users:
  - name: {p}both
    roles: [rc, rb]
  - name: {p}alone
    roles: [rc]
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    // rc's `-ct` excludes ct from rc; rb still grants SELECT and INSERT.
    assert_eq!(
        has_table(&s, &both, "public.ct", &["SELECT", "INSERT"]),
        "t,t"
    );
    assert_eq!(
        has_table(&s, &both, "public.other", &["SELECT", "INSERT"]),
        "t,t"
    );
    // With rc alone, ct gets nothing of rc's (the INSERT is revoked).
    assert_eq!(
        has_table(&s, &alone, "public.ct", &["SELECT", "INSERT"]),
        "f,f"
    );
    assert_eq!(
        has_table(&s, &alone, "public.other", &["SELECT", "INSERT"]),
        "f,t"
    );
}
