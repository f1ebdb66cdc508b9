//! Functions are matched by identity (`regprocedure`): any spelling of a
//! signature converges. Checked with SQL on a separate connection.

mod support;

use support::*;

#[test]
fn any_signature_spelling_converges() {
    let s = Scratch::new("funcid");
    s.sql(
        "CREATE SCHEMA app; \
         CREATE FUNCTION app.f(integer, character varying) RETURNS int LANGUAGE sql AS 'SELECT 1'; \
         CREATE FUNCTION app.f(text) RETURNS int LANGUAGE sql AS 'SELECT 2'; \
         REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC",
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}caller
databases:
  - name: {db}
    grants:
      - to: [{p}caller]
        on: function
        schema: app
        objects: ["f(int4,varchar)"]
        privileges: [EXECUTE]
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let u = s.role("caller");
    let r = s.sql(&format!(
        "SELECT has_function_privilege('{u}', 'app.f(integer, character varying)', 'EXECUTE'), \
                has_function_privilege('{u}', 'app.f(text)', 'EXECUTE')"
    ));
    assert_eq!(r[0], vec![Some("t".into()), Some("f".into())]);
}

/// A bare name is every overload (docs/grant.md); a signature names one, and
/// authoritative mode then revokes the others. Checked with psql.
#[test]
fn a_bare_name_is_every_overload_and_a_signature_is_one() {
    let s = Scratch::new("overloads");
    s.sql(
        "CREATE SCHEMA app; \
         CREATE FUNCTION app.f(integer) RETURNS int LANGUAGE sql AS 'SELECT 1'; \
         CREATE FUNCTION app.f(text) RETURNS int LANGUAGE sql AS 'SELECT 2'; \
         CREATE FUNCTION app.g(integer) RETURNS int LANGUAGE sql AS 'SELECT 3'; \
         REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC",
    );
    let cfg = |objects: &str| {
        s.config(
            "c.yaml",
            &r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}caller
databases:
  - name: {db}
    grants:
      - to: [{p}caller]
        on: function
        schema: app
        objects: OBJECTS
        privileges: [EXECUTE]
"#
            .replace("OBJECTS", objects),
        )
    };
    let u = s.role("caller");
    let held = || {
        psql(
            &s.db,
            &format!(
                "SELECT has_function_privilege('{u}', 'app.f(integer)', 'EXECUTE')::text || ',' || \
                        has_function_privilege('{u}', 'app.f(text)', 'EXECUTE')::text || ',' || \
                        has_function_privilege('{u}', 'app.g(integer)', 'EXECUTE')::text"
            ),
        )
    };
    let c = cfg("[f]");
    apply(&c, &[], &[]);
    assert_converged(&c, &[]);
    assert_eq!(held(), "true,true,false");
    let c = cfg(r#"["f(text)"]"#);
    let p = plan(&c, &[]);
    assert!(
        p.contains("REVOKE EXECUTE ON FUNCTION \"app\".\"f\"(integer)"),
        "{p}"
    );
    apply(&c, &["--allow-destructive"], &[]);
    assert_converged(&c, &[]);
    assert_eq!(held(), "false,true,false");
}
