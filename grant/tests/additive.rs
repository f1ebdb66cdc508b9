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
