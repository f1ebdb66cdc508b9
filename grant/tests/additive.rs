//! Additive mode is additive: on a role that exists, only what the
//! configuration declares is changed. Checked with SQL on a separate
//! connection.

mod support;

use support::*;

#[test]
fn undeclared_attributes_comment_settings_and_password_are_kept() {
    let s = Scratch::new("additive");
    let r = s.role("app");
    s.sql(&format!(
        "CREATE ROLE \"{r}\" NOLOGIN CREATEDB CONNECTION LIMIT 7 PASSWORD 'kept-pw'; \
         COMMENT ON ROLE \"{r}\" IS 'set elsewhere'; ALTER ROLE \"{r}\" SET work_mem = '8MB'"
    ));
    let before = value(
        "postgres",
        &format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{r}'"),
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
mode: additive
roles:
  - name: {p}app
    login: true
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("LOGIN"), "{p}");
    assert!(
        !p.contains("NOCREATEDB") && !p.contains("CONNECTION LIMIT"),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let row = s.sql(&format!(
        "SELECT rolcanlogin, rolcreatedb, rolconnlimit, shobj_description(oid, 'pg_authid'), \
                array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname = '{r}'"
    ));
    assert_eq!(
        row[0],
        vec![
            Some("t".into()),
            Some("t".into()),
            Some("7".into()),
            Some("set elsewhere".into()),
            Some("work_mem=8MB".into())
        ]
    );
    let after = value(
        "postgres",
        &format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{r}'"),
    );
    assert_eq!(before, after);
}

/// A grant option (or a membership's admin option) the configuration does
/// not declare is kept in additive mode and reported (text and JSON), on
/// privileges, default privileges and memberships.
#[test]
fn undeclared_grant_options_are_noted() {
    let s = Scratch::new("addgo");
    let (a, g) = (s.role("a"), s.role("g"));
    s.sql(&format!(
        "CREATE ROLE \"{a}\"; CREATE ROLE \"{g}\"; GRANT \"{g}\" TO \"{a}\" WITH ADMIN OPTION; \
         CREATE TABLE public.t (id int); \
         GRANT SELECT ON public.t TO \"{a}\" WITH GRANT OPTION; \
         ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT ON TABLES TO \"{a}\" WITH GRANT OPTION"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
mode: additive
roles:
  - name: {p}g
  - name: {p}a
    member_of: [{p}g]
databases:
  - name: {db}
    grants:
      - {to: [{p}a], on: table, schema: public, objects: [t], privileges: [SELECT]}
    default_privileges:
      - {for_role: postgres, on: tables, to: [{p}a], privileges: [SELECT]}
"#,
    );
    assert_converged(&cfg, &[]);
    let p = plan(&cfg, &[]);
    assert!(
        p.contains("the grant option of SELECT granted outside the configuration"),
        "{p}"
    );
    assert!(
        p.contains("default privileges SELECT WITH GRANT OPTION granted outside"),
        "{p}"
    );
    assert!(
        p.contains(&format!(
            "holds the admin option of `{g}` outside the configuration"
        )),
        "{p}"
    );
    let o = grant(&["plan", "--format", "json", &cfg.to_string_lossy()], &[]);
    assert!(
        text(&o).contains(&format!("privileges.{}.table.public.t.to.{a}", s.db)),
        "{}",
        text(&o)
    );
    // Kept: still held with the option (psql).
    assert_eq!(
        psql(
            &s.db,
            &format!("SELECT has_table_privilege('{a}', 'public.t', 'SELECT WITH GRANT OPTION')")
        ),
        "t"
    );
}
