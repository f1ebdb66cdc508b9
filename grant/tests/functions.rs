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
