//! PUBLIC as a grantee the configuration can manage, and only where it is
//! declared. Checked with SQL on a separate connection.

mod support;

use support::*;

#[test]
fn public_defaults_are_revoked_only_where_declared() {
    let s = Scratch::new("public");
    s.sql(
        "CREATE SCHEMA app; CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'; \
         CREATE FUNCTION app.g() RETURNS int LANGUAGE sql AS 'SELECT 2'; CREATE TABLE app.t (id int)",
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
mode: additive
roles:
  - name: {p}app
    login: true
databases:
  - name: {db}
    grants:
      - {to: [PUBLIC], on: database, privileges: []}
      - {to: [{p}app], on: database, privileges: [CONNECT]}
      - {to: [public], on: function, schema: app, objects: [f], privileges: []}
      - {to: [PUBLIC], on: table, schema: app, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("FROM PUBLIC"), "{p}");
    assert!(p.contains("TO PUBLIC"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let q = |sql: &str| s.sql(sql)[0][0].clone();
    // PUBLIC: no CONNECT/TEMP on the database, no EXECUTE on f, SELECT on t.
    let probe = s.role("probe");
    s.sql(&format!("CREATE ROLE \"{probe}\""));
    assert_eq!(
        q(&format!(
            "SELECT has_database_privilege('{probe}', '{}', 'CONNECT')::text || has_database_privilege('{probe}', '{}', 'TEMP')::text",
            s.db, s.db
        ))
        .as_deref(),
        Some("falsefalse")
    );
    assert_eq!(
        q(&format!(
            "SELECT has_function_privilege('{probe}', 'app.f()', 'EXECUTE')"
        ))
        .as_deref(),
        Some("f")
    );
    // Not declared: g keeps PUBLIC's built-in EXECUTE.
    assert_eq!(
        q(&format!(
            "SELECT has_function_privilege('{probe}', 'app.g()', 'EXECUTE')"
        ))
        .as_deref(),
        Some("t")
    );
    assert_eq!(
        q(&format!(
            "SELECT has_table_privilege('{probe}', 'app.t', 'SELECT')"
        ))
        .as_deref(),
        Some("t")
    );
    assert_eq!(
        q(&format!(
            "SELECT has_database_privilege('{}', '{}', 'CONNECT')",
            s.role("app"),
            s.db
        ))
        .as_deref(),
        Some("t")
    );
}
