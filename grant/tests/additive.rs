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

/// A grant-rs file (additive): `ri`'s `-b` denies INSERT on `b`, UPDATE
/// granted out of band is kept. The plan's field line shows what `u` holds
/// after the apply (UPDATE stays), as an update, and only INSERT is revoked.
#[test]
fn the_field_line_shows_what_additive_mode_keeps() {
    let s = Scratch::new("addkeep");
    let u = s.role("u");
    s.sql(&format!(
        "CREATE TABLE public.b (id int); CREATE ROLE \"{u}\" LOGIN; \
         GRANT SELECT, INSERT, UPDATE ON public.b TO \"{u}\""
    ));
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: rs
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [ALL]
  - name: ri
    type: table
    grants: [INSERT]
    schemas: [public]
    tables: [ALL, -b]
users:
  - name: {p}u
    roles: [rs, ri]
"#,
    );
    let p = plan(&cfg, &[]);
    apply(&cfg, &[], &[]);
    assert_eq!(
        s.psql(&format!(
            "SELECT concat_ws(',', has_table_privilege('{u}', 'public.b', 'SELECT'), \
             has_table_privilege('{u}', 'public.b', 'INSERT'), has_table_privilege('{u}', 'public.b', 'UPDATE'))"
        )),
        "t,f,t",
        "{p}"
    );
    assert!(
        p.contains(&format!(
            "~ privileges.{}.table.public.b.to.{u}\n      ~ privileges = \"SELECT, INSERT, UPDATE\" -> \"SELECT, UPDATE\"\n      > REVOKE INSERT ON TABLE \"public\".\"b\" FROM \"{u}\"\n",
            s.db
        )),
        "{p}"
    );
    assert!(
        p.contains("UPDATE granted outside the configuration (kept: mode additive)"),
        "{p}"
    );
    assert_converged(&cfg, &[]);
}

/// A grant-rs user with `-dbrole`: only the CREATE `dbrole` grants is
/// revoked; CONNECT and TEMPORARY (granted out of band) are kept, so the
/// change is an update whose field line keeps them.
#[test]
fn a_minus_role_keeping_privileges_is_an_update() {
    let s = Scratch::new("addminus");
    let u = s.role("u");
    let db = s.db.clone();
    s.sql(&format!(
        "CREATE ROLE \"{u}\" LOGIN; GRANT CREATE, CONNECT, TEMPORARY ON DATABASE \"{db}\" TO \"{u}\""
    ));
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: dbrole
    type: database
    grants: [CREATE]
    databases: [{db}]
users:
  - name: {p}u
    roles: [-dbrole]
"#,
    );
    let p = plan(&cfg, &[]);
    apply(&cfg, &[], &[]);
    assert_eq!(
        s.psql(&format!(
            "SELECT concat_ws(',', has_database_privilege('{u}', '{db}', 'CREATE'), \
             has_database_privilege('{u}', '{db}', 'CONNECT'), has_database_privilege('{u}', '{db}', 'TEMPORARY'))"
        )),
        "f,t,t",
        "{p}"
    );
    assert!(
        p.contains(&format!(
            "~ privileges.{db}.database.{db}.to.{u}\n      ~ privileges = \"CREATE, CONNECT, TEMPORARY\" -> \"CONNECT, TEMPORARY\"\n"
        )),
        "{p}"
    );
    assert!(p.contains("0 to delete"), "{p}");
    assert_converged(&cfg, &[]);
}
