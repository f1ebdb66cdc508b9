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
    // A user to create shows its attribute as set, not as a change from a
    // default (`~ login = "false" -> "true"`).
    let p = plan(&cfg, &[]);
    assert!(p.contains("+ login = \"true\""), "{p}");
    assert!(!p.contains("\"false\" -> \"true\""), "{p}");
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

#[test]
fn unquoted_names_fold_like_postgresql() {
    let s = Scratch::new("rscase");
    s.sql(
        "CREATE SCHEMA sales; CREATE TABLE sales.orders (id int); \
         CREATE SCHEMA \"Kept\"; CREATE TABLE \"Kept\".\"T\" (id int); \
         CREATE TABLE \"Kept\".t2 (id int); CREATE TABLE \"Kept\".\"T.3\" (id int)",
    );
    // grant-rs sends `CREATE USER {p}Mixed_User`, `… ON Sales.Orders`,
    // `… ON DATABASE <DB>` unquoted: PostgreSQL folds ASCII letters only
    // (checked with psql: `CREATE ROLE x_ÜnïX` is the role `x_Ünïx`).
    // Double-quoted names keep their case.
    let cfg = s.config(
        "grant-rs.yaml",
        &r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: reader
    type: table
    grants: [SELECT]
    schemas: [Sales]
    tables: [Orders]
  - name: sch
    type: schema
    grants: [USAGE]
    schemas: [Sales, '"Kept"']
  - name: kept
    type: table
    grants: [INSERT]
    schemas: ['"Kept"']
    tables: ['"T"', '"Kept".T2', '"Kept"."T.3"']
  - name: db
    type: database
    grants: [CREATE]
    databases: [{DB}]
users:
  - name: {p}Mixed_User
    password: mixed-pw
    roles: [reader, sch, kept, db]
  - name: {p}ÜnïX
    roles: [reader]
  - name: '"{p}Quoted"'
    roles: []
"#
        .replace("{DB}", &s.db.to_uppercase()),
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let mixed = s.role("mixed_user");
    let roles = s.psql(&format!(
        "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE starts_with(rolname, '{}')",
        s.prefix
    ));
    assert_eq!(
        roles,
        format!("{}Quoted,{mixed},{}Ünïx", s.prefix, s.prefix),
        "roles created"
    );
    assert_eq!(has_table(&s, &mixed, "sales.orders", &["SELECT"]), "t");
    assert_eq!(has_table(&s, &mixed, "\"Kept\".\"T\"", &["INSERT"]), "t");
    // A quoted schema qualifier keeps its case; a quoted table its dot.
    assert_eq!(has_table(&s, &mixed, "\"Kept\".t2", &["INSERT"]), "t");
    assert_eq!(has_table(&s, &mixed, "\"Kept\".\"T.3\"", &["INSERT"]), "t");
    assert_eq!(
        s.psql(&format!(
            "SELECT has_schema_privilege('{mixed}', 'sales', 'USAGE'), \
                    has_schema_privilege('{mixed}', 'Kept', 'USAGE'), \
                    has_database_privilege('{mixed}', '{}', 'CREATE')",
            s.db
        )),
        "t|t|t"
    );
    let unicode = format!("{}Ünïx", s.prefix);
    assert_eq!(has_table(&s, &unicode, "sales.orders", &["SELECT"]), "t");
    assert_password_auth_enforced(&mixed);
    assert!(psql_login(&mixed, "mixed-pw"));
}

#[test]
fn unknown_keys_are_ignored_with_a_located_warning() {
    let s = Scratch::new("rsunk");
    s.sql("CREATE TABLE public.t (id int)");
    // grant-rs's structs do not deny unknown fields: such a file applies.
    let cfg = s.config(
        "grant-rs.yaml",
        r#"connection:
  type: postgres
  url: "{url}"
  pool: 4
roles:
  - name: reader
    type: table
    description: read-only role
    grants: [SELECT]
    schemas: [public]
    tables: [ALL]
users:
  - name: {p}u
    password: pw1
    team: data
    roles: [reader]
owner: data-team
"#,
    );
    let o = grant(&["apply", "-f", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let path = cfg.to_string_lossy();
    for (at, key) in [
        ("4:3", "pool"),
        ("8:5", "description"),
        ("15:5", "team"),
        ("17:1", "owner"),
    ] {
        assert!(
            err.contains(&format!("{path}:{at}: warning: unknown key `{key}`")),
            "{key} at {at}: {err}"
        );
    }
    // Also plan notes (here in the JSON plan).
    let o = grant(&["plan", "--format", "json", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON plan");
    let notes = plan["notes"].as_array().cloned().unwrap_or_default();
    assert!(
        notes.iter().any(|n| n["address"] == format!("{path}:8:5")
            && n["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("unknown key `description`"))),
        "{notes:?}"
    );
    let u = s.role("u");
    assert_eq!(has_table(&s, &u, "public.t", &["SELECT", "INSERT"]), "t,f");
    assert_password_auth_enforced(&u);
    assert!(psql_login(&u, "pw1"));
}
