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

/// PUBLIC's default privileges: the built-in EXECUTE on functions revoked
/// for one creator (a global `pg_default_acl` row replaces `acldefault`),
/// SELECT on new tables of one schema granted; other creators untouched;
/// out-of-band changes detected (declared) or noted (undeclared). Checked
/// with psql on objects created afterwards.
#[test]
fn public_default_privileges_are_managed_where_declared() {
    let s = Scratch::new("pubdef");
    let (own, other, probe) = (s.role("own"), s.role("other"), s.role("probe"));
    s.sql(&format!(
        "CREATE ROLE \"{own}\"; CREATE ROLE \"{other}\"; CREATE ROLE \"{probe}\"; \
         CREATE SCHEMA app AUTHORIZATION \"{own}\"; GRANT CREATE ON SCHEMA app TO \"{other}\"; \
         GRANT USAGE ON SCHEMA app TO \"{probe}\""
    ));
    let yaml = r#"
connection: {url: "{url}"}
external_roles: [{p}other, {p}probe]
roles:
  - name: {p}own
databases:
  - name: {db}
    grants:
      - {to: [{p}other], on: schema, objects: [app], privileges: [CREATE]}
      - {to: [{p}probe], on: schema, objects: [app], privileges: [USAGE]}
    default_privileges:
      - {for_role: {p}own, on: functions, to: [PUBLIC], privileges: FUNCS}
      - {for_role: {p}own, on: types, to: [public], privileges: [USAGE]}
      - {for_role: {p}own, schema: app, on: tables, to: [PUBLIC], privileges: [SELECT]}
"#;
    let cfg = s.config("c.yaml", &yaml.replace("FUNCS", "[]"));
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"
        )),
        "{p}"
    );
    assert!(
        p.contains(&format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" IN SCHEMA \"app\" GRANT SELECT ON TABLES TO PUBLIC"
        )),
        "{p}"
    );
    // The built-in USAGE on types is already what is declared.
    assert!(!p.contains("ON TYPES"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let create = |role: &str, n: &str| {
        psql(
            &s.db,
            &format!(
                "SET ROLE \"{role}\"; CREATE FUNCTION app.{n}() RETURNS int LANGUAGE sql AS 'SELECT 1'; \
                 CREATE TABLE app.{n}_t (id int)"
            ),
        )
    };
    create(&own, "f_own");
    create(&other, "f_other");
    let check = |n: &str| {
        psql(
            &s.db,
            &format!(
                "SELECT has_function_privilege('{probe}', 'app.{n}()', 'EXECUTE'), \
                 has_table_privilege('{probe}', 'app.{n}_t', 'SELECT')"
            ),
        )
    };
    assert_eq!(check("f_own"), "f|t");
    assert_eq!(check("f_other"), "t|f");
    // Out of band: the declared one is put back, an undeclared one is noted.
    psql(
        &s.db,
        &format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" GRANT EXECUTE ON FUNCTIONS TO PUBLIC; \
             ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" GRANT SELECT ON SEQUENCES TO PUBLIC"
        ),
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"), "{p}");
    assert!(
        p.contains("SELECT for PUBLIC granted outside the configuration"),
        "{p}"
    );
    assert!(!p.contains("ON SEQUENCES"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    // Declaring the built-in default again: the row goes, acldefault applies.
    let cfg = s.config("c.yaml", &yaml.replace("FUNCS", "[EXECUTE]"));
    let p = plan(&cfg, &[]);
    assert!(p.contains("GRANT EXECUTE ON FUNCTIONS TO PUBLIC"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    create(&own, "g_own");
    assert_eq!(check("g_own"), "t|t");
}

/// `future: true` on a `*` grant to PUBLIC declares PUBLIC's default
/// privileges for the objects' owner in that schema: a table created later
/// is readable by every role. A schema's `[]` cannot take away the global
/// EXECUTE on functions: the plan says so.
#[test]
fn future_grants_to_public_declare_its_default_privileges() {
    let s = Scratch::new("pubfut");
    let (own, probe) = (s.role("own"), s.role("probe"));
    s.sql(&format!(
        "CREATE ROLE \"{own}\"; CREATE ROLE \"{probe}\"; CREATE SCHEMA app AUTHORIZATION \"{own}\"; \
         SET ROLE \"{own}\"; CREATE TABLE app.t (id int); \
         CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
external_roles: [{p}own]
databases:
  - name: {db}
    grants:
      - {to: [PUBLIC], on: schema, objects: [app], privileges: [USAGE]}
      - {to: [PUBLIC], on: table, schema: app, objects: ["*"], privileges: [SELECT], future: true}
      - {to: [PUBLIC], on: function, schema: app, objects: ["*"], privileges: [], future: true}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" IN SCHEMA \"app\" GRANT SELECT ON TABLES TO PUBLIC"
        )),
        "{p}"
    );
    assert!(p.contains("`IN SCHEMA` cannot take away"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    psql(
        &s.db,
        &format!(
            "SET ROLE \"{own}\"; CREATE TABLE app.later (id int); \
             CREATE FUNCTION app.g() RETURNS int LANGUAGE sql AS 'SELECT 2'"
        ),
    );
    assert_eq!(
        psql(
            &s.db,
            &format!(
                "SELECT has_table_privilege('{probe}', 'app.t', 'SELECT'), \
                 has_table_privilege('{probe}', 'app.later', 'SELECT'), \
                 has_function_privilege('{probe}', 'app.f()', 'EXECUTE')"
            )
        ),
        "t|t|f"
    );
}

/// The issue's own example: PUBLIC's USAGE on schema `public` (and CREATE,
/// which PostgreSQL 14 and older gave by default) revoked where declared;
/// an out-of-band grant back to PUBLIC is planned away. Checked with psql.
#[test]
fn public_loses_usage_and_create_on_the_public_schema_where_declared() {
    let s = Scratch::new("pubschema");
    s.sql("GRANT CREATE ON SCHEMA public TO PUBLIC");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
mode: additive
roles:
  - name: {p}app
databases:
  - name: {db}
    grants:
      - {to: [PUBLIC], on: schema, objects: [public], privileges: []}
      - {to: [{p}app], on: schema, objects: [public], privileges: [USAGE]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains("FROM PUBLIC"), "{p}");
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    let probe = s.role("probe");
    s.psql(&format!("CREATE ROLE \"{probe}\""));
    let held = |role: &str| {
        s.psql(&format!(
            "SELECT has_schema_privilege('{role}', 'public', 'USAGE')::text || ',' || \
                    has_schema_privilege('{role}', 'public', 'CREATE')::text"
        ))
    };
    assert_eq!(held(&probe), "false,false");
    assert_eq!(held(&s.role("app")), "true,false");
    // Out of band: PUBLIC gets USAGE back; plan sees it and apply revokes it.
    s.psql("GRANT USAGE ON SCHEMA public TO PUBLIC");
    let p = plan(&cfg, &[]);
    assert!(
        p.contains("REVOKE USAGE ON SCHEMA \"public\" FROM PUBLIC"),
        "{p}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(held(&probe), "false,false");
}
