//! Integration tests against the real PostgreSQL on 127.0.0.1:5432 (user
//! postgres). Each test owns a scratch database and a role-name prefix.

mod support;

use support::*;

const SCHEMA_SQL: &str = "
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id serial PRIMARY KEY, amount int, status text);
CREATE TABLE sales.customers (id int);
CREATE TABLE sales.secrets (id int);
CREATE VIEW sales.v_orders AS SELECT * FROM sales.orders;
CREATE MATERIALIZED VIEW sales.mv_orders AS SELECT * FROM sales.orders;
CREATE SEQUENCE sales.counter;
CREATE FUNCTION sales.total(a integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE sales.refresh() LANGUAGE sql AS 'SELECT 1';
";

#[test]
fn roles_create_alter_drop() {
    let s = Scratch::new("roles");
    let r = s.role("app");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}app
    login: true
    createdb: true
    connection_limit: 4
    valid_until: "2031-05-01T10:00:00+02:00"
    comment: "the app's role"
    settings: {statement_timeout: 5s, search_path: [sales, public]}
    password: {env: GT_ROLES_PW}
  - name: {p}group
    inherit: false
"#,
    );
    let env = [("GT_ROLES_PW", "correct horse")];
    let out = plan(&cfg, &env);
    assert!(out.contains("PASSWORD '<redacted>'"), "{out}");
    assert!(!out.contains("correct horse"), "password leaked:\n{out}");
    let out = apply(&cfg, &[], &env);
    assert!(!out.contains("correct horse"));
    assert_converged(&cfg, &env);
    let row = &s.sql(&format!(
        "SELECT rolcanlogin, rolcreatedb, rolconnlimit, to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), \
         shobj_description(oid, 'pg_authid'), array_to_string(rolconfig, ';') FROM pg_roles WHERE rolname = '{r}'"
    ))[0];
    assert_eq!(row[0].as_deref(), Some("t"));
    assert_eq!(row[1].as_deref(), Some("t"));
    assert_eq!(row[2].as_deref(), Some("4"));
    assert_eq!(row[3].as_deref(), Some("2031-05-01 08:00"));
    assert_eq!(row[4].as_deref(), Some("the app's role"));
    assert_eq!(
        row[5].as_deref(),
        Some("search_path=sales, public;statement_timeout=5s")
    );
    // The password was sent as a SCRAM verifier, never in plaintext.
    let verifier = value(
        "postgres",
        &format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{r}'"),
    )
    .unwrap_or_default();
    assert!(verifier.starts_with("SCRAM-SHA-256$4096:"), "{verifier}");

    // A changed password, out-of-band attribute changes: detected and fixed.
    let out = plan(&cfg, &[("GT_ROLES_PW", "new password")]);
    assert!(
        out.contains(&format!("ALTER ROLE \"{r}\" WITH PASSWORD '<redacted>'")),
        "{out}"
    );
    s.sql(&format!("ALTER ROLE \"{r}\" NOCREATEDB CONNECTION LIMIT 9; COMMENT ON ROLE \"{r}\" IS 'x'; ALTER ROLE \"{r}\" SET work_mem = '8MB'"));
    let out = plan(&cfg, &env);
    for want in [
        "CREATEDB CONNECTION LIMIT 4",
        "IS 'the app''s role'",
        "RESET \"work_mem\"",
    ] {
        assert!(out.contains(want), "missing {want}:\n{out}");
    }
    assert!(
        !out.contains("PASSWORD"),
        "unchanged password must not be re-set:\n{out}"
    );
    apply(&cfg, &[], &env);
    assert_converged(&cfg, &env);

    // Undeclared managed role: a destructive drop, refused without the flag.
    let cfg2 = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}group
    inherit: false
"#,
    );
    let o = grant(&["apply", "--auto-approve", &cfg2.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--allow-destructive"), "{}", text(&o));
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{r}'")
    )
    .is_some());
    apply(&cfg2, &["--allow-destructive"], &[]);
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{r}'")
    )
    .is_none());
    assert_converged(&cfg2, &[]);
}

#[test]
fn privileges_of_every_kind() {
    let s = Scratch::new("privs");
    s.sql(SCHEMA_SQL);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}reader
  - name: {p}writer
databases:
  - name: {db}
    grants:
      - {to: [{p}reader], on: database, privileges: [CONNECT, TEMPORARY]}
      - {to: [{p}reader, {p}writer], on: schema, objects: [sales], privileges: [USAGE]}
      - {to: [{p}reader], on: table, schema: sales, objects: ["*"], except: [secrets], privileges: [SELECT]}
      - {to: [{p}writer], on: table, schema: sales, objects: [orders], privileges: [INSERT, DELETE], with_grant_option: true}
      - {to: [{p}writer], on: column, schema: sales, objects: [customers], columns: [id], privileges: [UPDATE, SELECT]}
      - {to: [{p}writer], on: sequence, schema: sales, objects: ["*"], privileges: [USAGE, SELECT]}
      - {to: [{p}reader], on: function, schema: sales, objects: ["total(integer)", refresh], privileges: [EXECUTE]}
"#,
    );
    let out = plan(&cfg, &[]);
    assert!(
        out.contains("GRANT EXECUTE ON PROCEDURE \"sales\".\"refresh\"()"),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let reader = s.role("reader");
    let writer = s.role("writer");
    for t in ["orders", "customers", "v_orders", "mv_orders"] {
        assert_eq!(
            table_privs(&s.db, "sales", t, &reader),
            vec!["SELECT"],
            "{t}"
        );
    }
    assert!(table_privs(&s.db, "sales", "secrets", &reader).is_empty());
    assert_eq!(
        table_privs(&s.db, "sales", "orders", &writer),
        vec!["DELETE*", "INSERT*"]
    );
    assert_eq!(
        table_privs(&s.db, "sales", "counter", &writer),
        vec!["SELECT", "USAGE"]
    );
    assert_eq!(
        table_privs(&s.db, "sales", "orders_id_seq", &writer),
        vec!["SELECT", "USAGE"]
    );
    let col = s.sql(&format!(
        "SELECT has_column_privilege('{writer}', 'sales.customers', 'id', 'UPDATE'), has_table_privilege('{writer}', 'sales.customers', 'UPDATE'), \
         has_function_privilege('{reader}', 'sales.total(integer)', 'EXECUTE'), has_database_privilege('{reader}', '{}', 'TEMPORARY')",
        s.db
    ));
    assert_eq!(
        col[0],
        vec![
            Some("t".into()),
            Some("f".into()),
            Some("t".into()),
            Some("t".into())
        ]
    );

    // A new table matches `*` and shows up in the next plan.
    s.sql("CREATE TABLE sales.later (id int)");
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(&format!(
            "GRANT SELECT ON TABLE \"sales\".\"later\" TO \"{reader}\""
        )),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}

#[test]
fn default_privileges_apply_to_new_objects() {
    let s = Scratch::new("defaults");
    s.sql("CREATE SCHEMA sales");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}owner
  - name: {p}reader
databases:
  - name: {db}
    schemas: [{name: sales, owner: {p}owner}]
    default_privileges:
      - {for_role: {p}owner, schema: sales, on: tables, to: [{p}reader], privileges: [SELECT]}
      - {for_role: {p}owner, on: sequences, to: [{p}reader], privileges: [USAGE]}
      - {for_role: {p}owner, on: functions, to: [{p}reader], privileges: [EXECUTE], with_grant_option: true}
      - {for_role: {p}owner, on: types, to: [{p}reader], privileges: [USAGE]}
      - {for_role: {p}owner, on: schemas, to: [{p}reader], privileges: [USAGE]}
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let owner = s.role("owner");
    let reader = s.role("reader");
    s.sql(&format!(
        "SET ROLE \"{owner}\"; CREATE TABLE sales.fresh (id int); RESET ROLE"
    ));
    assert_eq!(
        table_privs(&s.db, "sales", "fresh", &reader),
        vec!["SELECT"]
    );
    // The owner's new table carries an explicit grant now: still no change.
    assert_converged(&cfg, &[]);
    // Out-of-band default privilege for the managed reader is revoked.
    s.sql(&format!("ALTER DEFAULT PRIVILEGES FOR ROLE \"{owner}\" IN SCHEMA sales GRANT DELETE ON TABLES TO \"{reader}\""));
    let out = plan(&cfg, &[]);
    assert!(out.contains("REVOKE DELETE ON TABLES FROM"), "{out}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}

#[test]
fn memberships_with_admin_option() {
    let s = Scratch::new("members");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}readers
  - name: {p}writers
    member_of: [{p}readers]
  - name: {p}alice
    login: true
    member_of: [{p}writers, {role: {p}readers, admin: true}]
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let alice = s.role("alice");
    let admin = value(
        "postgres",
        &format!(
            "SELECT admin_option FROM pg_auth_members WHERE member = (SELECT oid FROM pg_roles WHERE rolname = '{alice}') \
             AND roleid = (SELECT oid FROM pg_roles WHERE rolname = '{}')",
            s.role("readers")
        ),
    );
    assert_eq!(admin.as_deref(), Some("t"));
    // Out-of-band membership of a managed role is revoked.
    s.sql(&format!("GRANT pg_read_all_data TO \"{alice}\""));
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(&format!("REVOKE \"pg_read_all_data\" FROM \"{alice}\"")),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}

#[test]
fn two_databases_in_one_config() {
    let mut s = Scratch::new("twodb");
    let other = s.extra_db("b");
    s.sql("CREATE SCHEMA a; CREATE TABLE a.t (id int)");
    sql(&other, "CREATE SCHEMA b; CREATE TABLE b.t (id int)");
    let cfg = s.config(
        "c.yaml",
        &r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: a, objects: [t], privileges: [SELECT]}
  - name: OTHER
    grants:
      - {to: [{p}r], on: database, privileges: [CONNECT]}
      - {to: [{p}r], on: table, schema: b, objects: ["*"], privileges: [UPDATE]}
"#
        .replace("OTHER", &other),
    );
    let out = apply(&cfg, &[], &[]);
    assert!(out.contains("Apply complete! 4 created"), "{out}");
    assert_converged(&cfg, &[]);
    let r = s.role("r");
    assert_eq!(table_privs(&s.db, "a", "t", &r), vec!["SELECT"]);
    assert_eq!(table_privs(&other, "b", "t", &r), vec!["UPDATE"]);
    sql(&other, &format!("GRANT DELETE ON b.t TO \"{r}\""));
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(&format!("privileges.{other}.table.b.t.to.{r}")),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}

#[test]
fn authoritative_revokes_and_additive_keeps_out_of_band_grants() {
    let s = Scratch::new("modes");
    s.sql(SCHEMA_SQL);
    let body = r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: sales, objects: [orders], privileges: [SELECT]}
"#;
    let auth = s.config("auth.yaml", body);
    let add = s.config("add.yaml", &format!("mode: additive\n{body}"));
    apply(&auth, &[], &[]);
    let r = s.role("r");
    // Out-of-band, like `psql -c "GRANT ..."`.
    s.sql(&format!(
        "GRANT DELETE ON sales.orders TO \"{r}\"; GRANT SELECT ON sales.secrets TO \"{r}\""
    ));
    assert_converged(&add, &[]);
    let out = plan(&auth, &[]);
    assert!(
        out.contains(&format!(
            "REVOKE DELETE ON TABLE \"sales\".\"orders\" FROM \"{r}\""
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "REVOKE SELECT ON TABLE \"sales\".\"secrets\" FROM \"{r}\""
        )),
        "{out}"
    );
    apply(&auth, &[], &[]);
    assert_eq!(table_privs(&s.db, "sales", "orders", &r), vec!["SELECT"]);
    assert!(table_privs(&s.db, "sales", "secrets", &r).is_empty());
    assert_converged(&auth, &[]);
}

#[test]
fn drop_role_with_reassign() {
    let s = Scratch::new("reassign");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
roles:
  - name: {p}heir
"#,
    );
    apply(&cfg, &[], &[]);
    let gone = s.role("gone");
    s.sql(&format!(
        "CREATE ROLE \"{gone}\"; CREATE SCHEMA owned AUTHORIZATION \"{gone}\"; CREATE TABLE owned.t (id int); ALTER TABLE owned.t OWNER TO \"{gone}\""
    ));
    // Owns objects and no reassign target: refused, nothing applied.
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--allow-destructive",
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("owns 2 object(s)"), "{}", text(&o));
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{gone}'")
    )
    .is_some());
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
managed_roles: {pattern: "{p}*"}
reassign_owned_to: {p}heir
databases:
  - name: {db}
roles:
  - name: {p}heir
"#,
    );
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(&format!(
            "REASSIGN OWNED BY \"{gone}\" TO \"{}\"",
            s.role("heir")
        )),
        "{out}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{gone}'")
    )
    .is_none());
    assert_eq!(
        s.sql("SELECT tableowner FROM pg_tables WHERE schemaname = 'owned'")[0][0].as_deref(),
        Some(s.role("heir").as_str())
    );
    assert_converged(&cfg, &[]);
}

#[test]
fn two_concurrent_applies_serialize() {
    let s = Scratch::new("concurrent");
    s.sql(SCHEMA_SQL);
    let mut roles = String::new();
    let mut grants = String::new();
    for i in 0..20 {
        roles.push_str(&format!(
            "  - name: {{p}}r{i}\n    member_of: [{{p}}group]\n"
        ));
        grants.push_str(&format!(
            "      - {{to: [{{p}}r{i}], on: table, schema: sales, objects: [\"*\"], privileges: [SELECT, INSERT]}}\n"
        ));
    }
    let cfg = s.config(
        "c.yaml",
        &format!("connection: {{url: \"{{url}}\"}}\nroles:\n  - name: {{p}}group\n{roles}databases:\n  - name: {{db}}\n    grants:\n{grants}"),
    );
    let p = cfg.to_string_lossy().to_string();
    let spawn = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_grant"));
        c.args(["apply", "--auto-approve", &p]).env("NO_COLOR", "1");
        c.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        match c.spawn() {
            Ok(ch) => ch,
            Err(e) => panic!("spawn: {e}"),
        }
    };
    let a = spawn();
    let b = spawn();
    let oa = a.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let ob = b.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(oa.status.success(), "first apply:\n{}", text(&oa));
    assert!(ob.status.success(), "second apply:\n{}", text(&ob));
    assert_converged(&cfg, &[]);
}

#[test]
fn failing_statement_rolls_back_the_database() {
    let s = Scratch::new("failing");
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: sales, objects: [orders], privileges: [SELECT]}
      - {to: [{p}r], on: table, schema: sales, objects: [missing], privileges: [SELECT]}
"#,
    );
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("statement failed: GRANT SELECT ON TABLE \"sales\".\"missing\""),
        "{t}"
    );
    assert!(t.contains("rolled back"), "{t}");
    assert!(
        value(
            "postgres",
            &format!("SELECT 1 FROM pg_roles WHERE rolname = '{}'", s.role("r"))
        )
        .is_none(),
        "role creation must be rolled back"
    );
    assert!(value(
        &s.db,
        "SELECT 1 FROM pg_class WHERE relname = 'orders' AND relacl IS NOT NULL"
    )
    .is_none());
}

#[test]
fn tricky_identifiers() {
    let s = Scratch::new("tricky");
    s.sql(r#"CREATE SCHEMA "Sales Dept"; CREATE TABLE "Sales Dept"."Order""s.2024" ("Amount €" int); CREATE TABLE "Sales Dept"."日本" (id int)"#);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: "{p}Mixed Case"
  - name: "{p}quo\"te's"
  - name: "{p}dot.ted"
databases:
  - name: {db}
    grants:
      - {to: ["{p}Mixed Case", "{p}quo\"te's", "{p}dot.ted"], on: schema, objects: ["Sales Dept"], privileges: [USAGE]}
      - {to: ["{p}Mixed Case"], on: table, schema: "Sales Dept", objects: ["*"], privileges: [SELECT]}
      - {to: ["{p}quo\"te's"], on: column, schema: "Sales Dept", objects: ["Order\"s.2024"], columns: ["Amount €"], privileges: [UPDATE]}
"#,
    );
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(r#"ON TABLE "Sales Dept"."Order""s.2024""#),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let mixed = s.role("Mixed Case");
    let n = value(&s.db, &format!(
        "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '{mixed}')"
    ));
    assert_eq!(n.as_deref(), Some("2"));
}

#[test]
fn bad_input_is_located_and_applies_nothing() {
    let s = Scratch::new("badinput");
    let cfg = s.config(
        "bad.yaml",
        "connection: {url: \"{url}\"}\nroles:\n  - name: {p}r\ndatabases:\n  - name: {db}\n    grants:\n      - to: [{p}r]\n        on: table\n        schema: s\n        objects: [t]\n        privileges: [EXECUTE]\n",
    );
    let o = grant(&["validate", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("bad.yaml:11:"), "{t}");
    assert!(
        t.contains("privilege EXECUTE does not apply to a table"),
        "{t}"
    );
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{}'", s.role("r"))
    )
    .is_none());
}

#[test]
fn connects_through_libpq_environment() {
    let s = Scratch::new("pgenv");
    let cfg = s.config("c.yaml", "roles:\n  - name: {p}r\n");
    let (h, p) = server();
    let env = [
        ("PGHOST", h.as_str()),
        ("PGPORT", p.as_str()),
        ("PGUSER", "postgres"),
        ("PGDATABASE", s.db.as_str()),
    ];
    let out = apply(&cfg, &[], &env);
    assert!(out.contains("1 created"), "{out}");
    assert_converged(&cfg, &env);
}

#[test]
fn unreachable_server_is_a_clear_error() {
    let s = Scratch::new("unreach");
    let cfg = s.config(
        "c.yaml",
        "connection: {url: \"postgres://postgres@127.0.0.1:1/x\"}\nroles:\n  - name: {p}r\n",
    );
    let o = grant(&["plan", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("cannot connect to postgres://postgres@127.0.0.1:1/x"),
        "{}",
        text(&o)
    );
}

#[test]
fn import_then_plan_shows_no_changes() {
    let s = Scratch::new("import");
    s.sql(SCHEMA_SQL);
    let (r, w, g) = (
        s.role("Read er"),
        s.role("wri\"ter").replace('"', "\"\""),
        s.role("grp"),
    );
    s.sql(&format!(
        r#"CREATE ROLE "{g}" NOINHERIT; CREATE ROLE "{r}" LOGIN CONNECTION LIMIT 3 VALID UNTIL '2032-01-01 00:00:00+00' IN ROLE "{g}";
        CREATE ROLE "{w}" CREATEDB; GRANT "{g}" TO "{w}" WITH ADMIN OPTION; COMMENT ON ROLE "{r}" IS 'imported';
        ALTER ROLE "{r}" SET search_path TO sales, public; ALTER ROLE "{w}" SET statement_timeout = '1min';
        GRANT CONNECT ON DATABASE "{db}" TO "{r}"; GRANT USAGE ON SCHEMA sales TO "{r}", "{w}";
        GRANT SELECT ON ALL TABLES IN SCHEMA sales TO "{r}"; GRANT INSERT, UPDATE ON sales.orders TO "{w}" WITH GRANT OPTION;
        GRANT DELETE ON sales.orders TO "{w}"; GRANT UPDATE (id) ON sales.customers TO "{w}";
        GRANT USAGE ON SEQUENCE sales.counter TO "{w}"; GRANT EXECUTE ON FUNCTION sales.total(integer) TO "{r}";
        ALTER DEFAULT PRIVILEGES IN SCHEMA sales GRANT SELECT ON TABLES TO "{r}";
        ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO "{w}" WITH GRANT OPTION;"#,
        db = s.db
    ));
    let out = s.dir.path().join("imported.yaml");
    let o = grant(
        &[
            "import",
            "--url",
            &url(&s.db),
            "--pattern",
            &format!("{}*", s.prefix),
            "-o",
            &out.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let yaml = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(yaml.contains("with_grant_option: true"), "{yaml}");
    assert!(yaml.contains("default_privileges"), "{yaml}");
    let v = grant(&["validate", &out.to_string_lossy()], &[]);
    assert!(v.status.success(), "{}\n{yaml}", text(&v));
    assert_converged(&out, &[]);
}

#[test]
fn gen_pass_verifier_round_trip() {
    let s = Scratch::new("genpass");
    let o = grant(&["gen-pass", "--role", &s.role("u")], &[]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let line = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {k} in {out}"))
            .to_string()
    };
    let (pw, scram, md5) = (line("password:"), line("scram-sha-256:"), line("md5:"));
    assert_eq!(pw.len(), 32);
    let cfg = s.config(
        "c.yaml",
        &format!("connection: {{url: \"{{url}}\"}}\nroles:\n  - name: {{p}}u\n    login: true\n    password: {{verifier: \"{scram}\"}}\n"),
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let stored = value(
        "postgres",
        &format!(
            "SELECT rolpassword FROM pg_authid WHERE rolname = '{}'",
            s.role("u")
        ),
    );
    assert_eq!(stored.as_deref(), Some(scram.as_str()));
    // The plaintext from the environment verifies against the stored verifier.
    let cfg = s.config(
        "c.yaml",
        "connection: {url: \"{url}\"}\nroles:\n  - name: {p}u\n    login: true\n    password: {env: GT_GENPASS_PW}\n",
    );
    assert_converged(&cfg, &[("GT_GENPASS_PW", &pw)]);
    // md5 verifier: PostgreSQL stores it as given.
    let cfg = s.config(
        "c.yaml",
        &format!("connection: {{url: \"{{url}}\"}}\nroles:\n  - name: {{p}}u\n    login: true\n    password: {{verifier: \"{md5}\"}}\n"),
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_converged(
        &s.config("c.yaml", "connection: {url: \"{url}\"}\nroles:\n  - name: {p}u\n    login: true\n    password: {env: GT_GENPASS_PW}\n"),
        &[("GT_GENPASS_PW", &pw)],
    );
}

#[test]
fn json_schema_is_published() {
    let o = grant(&["schema"], &[]);
    assert!(o.status.success());
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("schema is not JSON: {e}"));
    let props = &v["properties"];
    for k in [
        "connection",
        "roles",
        "databases",
        "mode",
        "managed_roles",
        "external_roles",
        "reassign_owned_to",
    ] {
        assert!(props.get(k).is_some(), "missing {k} in schema");
    }
}

#[test]
fn grant_rs_config_is_accepted_unchanged() {
    let s = Scratch::new("grantrs");
    s.sql("CREATE SCHEMA common; CREATE TABLE common.a (id int); CREATE TABLE common.secret_table (id int); CREATE TABLE public.p (id int)");
    // A grant-rs configuration, as its README writes them.
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: "postgres"
  url: "{url}"

roles:
  - name: role_database_level
    type: databases
    grants:
      - CREATE
      - TEMP
    databases:
      - {db}

  - name: role_schema_level
    type: schema
    grants:
      - CREATE
    databases:
      - {db}
    schemas:
      - common

  - name: role_table_level
    type: table
    grants:
      - SELECT
      - INSERT
    databases:
      - {db}
    schemas:
      - common
      - public
    tables:
      - ALL
      - -secret_table

users:
  - name: {p}duyet
    password: "${GT_GRANTRS_PW:-s3cret}"
    update_password: true
    roles:
      - role_database_level
      - role_schema_level
      - name: role_table_level
"#,
    );
    let o = grant(&["validate", &cfg.to_string_lossy()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let out = apply(&cfg, &[], &[]);
    assert!(!out.contains("s3cret"), "{out}");
    assert_converged(&cfg, &[]);
    let u = s.role("duyet");
    assert_eq!(
        table_privs(&s.db, "common", "a", &u),
        vec!["INSERT", "SELECT"]
    );
    assert_eq!(
        table_privs(&s.db, "public", "p", &u),
        vec!["INSERT", "SELECT"]
    );
    assert!(table_privs(&s.db, "common", "secret_table", &u).is_empty());
    let r = s.sql(&format!(
        "SELECT has_database_privilege('{u}', '{}', 'CREATE'), has_schema_privilege('{u}', 'common', 'CREATE'), rolcanlogin FROM pg_roles WHERE rolname = '{u}'",
        s.db
    ));
    assert_eq!(
        r[0],
        vec![Some("t".into()), Some("t".into()), Some("t".into())]
    );
    // grant-rs never revokes: an out-of-band grant stays.
    s.sql(&format!("GRANT DELETE ON common.secret_table TO \"{u}\""));
    assert_converged(&cfg, &[]);
}

#[test]
fn inspect_shows_effective_privileges() {
    let s = Scratch::new("inspect");
    s.sql(SCHEMA_SQL);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}readers
  - name: {p}alice
    login: true
    member_of: [{p}readers]
databases:
  - name: {db}
    grants:
      - {to: [{p}readers], on: table, schema: sales, objects: [orders], privileges: [SELECT]}
      - {to: [{p}alice], on: table, schema: sales, objects: [orders], privileges: [UPDATE], with_grant_option: true}
"#,
    );
    apply(&cfg, &[], &[]);
    let o = grant(
        &[
            "inspect",
            "--config",
            &cfg.to_string_lossy(),
            "--role",
            &s.role("alice"),
            "--object",
            "sales.orders",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert_eq!(v[0]["object"], "table sales.orders");
    assert_eq!(v[0]["privileges"], serde_json::json!(["SELECT", "UPDATE*"]));
    assert_eq!(
        v[0]["via"],
        serde_json::json!(["direct", format!("via {}", s.role("readers"))])
    );
    let o = grant(
        &[
            "inspect",
            "--config",
            &cfg.to_string_lossy(),
            "--role",
            &s.role("*"),
        ],
        &[],
    );
    assert!(text(&o).contains("ROLE"), "{}", text(&o));
    let cfgs = cfg.to_string_lossy().to_string();
    let pattern = s.role("*");
    let o = grant(
        &[
            "inspect",
            "--config",
            &cfgs,
            "--role",
            &pattern,
            "--object",
            "sales.orders",
            "--format",
            "matrix",
        ],
        &[],
    );
    let t = text(&o);
    let row = t
        .lines()
        .find(|l| l.contains("table sales.orders"))
        .unwrap_or_default();
    // alice: SELECT via readers + UPDATE with grant option; readers: SELECT.
    assert!(row.split_whitespace().any(|c| c == "rw*"), "{t}");
    assert!(row.split_whitespace().any(|c| c == "r"), "{t}");
}

#[test]
fn tls_modes() {
    assert_eq!(
        value("postgres", "SHOW ssl").as_deref(),
        Some("on"),
        "this test needs PostgreSQL with ssl = on (Debian's default snakeoil certificate)"
    );
    let s = Scratch::new("tls");
    let (h, p) = server();
    let cfg = |mode: &str, host: &str, extra: &str| {
        s.config(
            "tls.yaml",
            &format!("connection:\n  url: \"postgres://postgres@{host}:{p}/{{db}}?sslmode={mode}\"\n{extra}roles:\n  - name: {{p}}r\n"),
        )
    };
    apply(&cfg("require", &h, ""), &[], &[]);
    assert_converged(&cfg("require", &h, ""), &[]);
    // verify-full checks the host name: the snakeoil certificate names the machine, not 127.0.0.1.
    let o = grant(
        &[
            "plan",
            &cfg("verify-full", "127.0.0.1", "").to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("certificate"), "{}", text(&o));
    // verify-ca with the server's own certificate as the root.
    let ca = "  sslrootcert: /etc/ssl/certs/ssl-cert-snakeoil.pem\n";
    let c = s.config(
        "tls.yaml",
        &format!("connection:\n  url: \"postgres://postgres@{h}:{p}/{{db}}\"\n  sslmode: verify-ca\n{ca}roles:\n  - name: {{p}}r\n"),
    );
    assert_converged(&c, &[]);
}

#[test]
fn saved_plan_is_applied_or_refused_when_stale() {
    let s = Scratch::new("saved");
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
    login: true
    password: {env: GT_SAVED_PW}
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: sales, objects: ["*"], privileges: [SELECT]}
"#,
    );
    let env = [("GT_SAVED_PW", "very-secret-value")];
    let planfile = s.dir.path().join("plan.json");
    let o = grant(
        &[
            "plan",
            "--format",
            "json",
            "--out",
            &planfile.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    let saved = std::fs::read_to_string(&planfile).unwrap_or_default();
    assert!(
        !saved.contains("very-secret-value") && !text(&o).contains("very-secret-value"),
        "secret leaked"
    );
    assert!(saved.contains("PASSWORD '<redacted>'"), "{saved}");
    // The live state changes after the plan was saved: the saved plan is refused.
    s.sql("CREATE TABLE sales.later (id int)");
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--plan",
            &planfile.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("stale"), "{}", text(&o));
    // A fresh saved plan applies.
    let o = grant(
        &[
            "plan",
            "--out",
            &planfile.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &env,
    );
    assert!(o.status.success(), "{}", text(&o));
    apply(&cfg, &["--plan", &planfile.to_string_lossy()], &env);
    assert_converged(&cfg, &env);
}

#[test]
fn ownership_of_schemas_and_tables() {
    let s = Scratch::new("owners");
    s.sql(SCHEMA_SQL);
    s.sql("CREATE SEQUENCE sales.standalone; CREATE TABLE sales.ident (id int GENERATED ALWAYS AS IDENTITY)");
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}owner
  - name: {p}reader
databases:
  - name: {db}
    schemas: [{name: sales, owner: {p}owner, tables_owner: {p}owner}]
    grants:
      - {to: [{p}reader, {p}owner], on: table, schema: sales, objects: ["*"], privileges: [SELECT]}
"#,
    );
    let out = plan(&cfg, &[]);
    for want in [
        "ALTER SCHEMA \"sales\" OWNER TO",
        "ALTER TABLE \"sales\".\"orders\" OWNER TO",
        "ALTER VIEW \"sales\".\"v_orders\" OWNER TO",
        "ALTER MATERIALIZED VIEW \"sales\".\"mv_orders\" OWNER TO",
        "ALTER SEQUENCE \"sales\".\"standalone\" OWNER TO",
    ] {
        assert!(out.contains(want), "missing {want}:\n{out}");
    }
    // Sequences owned by a column follow their table; the owner needs no grant.
    assert!(!out.contains("\"orders_id_seq\" OWNER"), "{out}");
    assert!(!out.contains("\"ident_id_seq\" OWNER"), "{out}");
    assert!(
        !out.contains(&format!(
            "GRANT SELECT ON TABLE \"sales\".\"orders\" TO \"{}\"",
            s.role("owner")
        )),
        "the owner has every privilege; no grant to it:\n{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    let owner = s.role("owner");
    let rows = s.sql("SELECT c.relname || ':' || pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sales' AND c.relkind IN ('r','v','m','S') ORDER BY 1");
    for r in rows {
        let v = r[0].clone().unwrap_or_default();
        assert!(v.ends_with(&format!(":{owner}")), "{v}");
    }
    assert_eq!(
        table_privs(&s.db, "sales", "orders", &s.role("reader")),
        vec!["SELECT"]
    );
    // Out-of-band owner change is detected and reverted.
    s.sql("ALTER TABLE sales.customers OWNER TO postgres");
    let out = plan(&cfg, &[]);
    assert!(
        out.contains("ALTER TABLE \"sales\".\"customers\" OWNER TO"),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}

#[test]
fn published_json_schema_is_up_to_date() {
    let o = grant(&["schema"], &[]);
    assert!(o.status.success());
    let published = include_str!("../../schemas/grant.schema.json");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        published,
        "schemas/grant.schema.json is stale: run `grant schema > schemas/grant.schema.json`"
    );
}

#[test]
fn works_without_superuser_or_pg_authid() {
    let s = Scratch::new("nonsuper");
    let admin = s.role("admin");
    s.sql(&format!(
        "CREATE ROLE \"{admin}\" LOGIN CREATEROLE; GRANT CREATE ON DATABASE \"{}\" TO \"{admin}\"",
        s.db
    ));
    let (h, p) = server();
    let cfg = s.config(
        "c.yaml",
        &format!(
            "connection: {{url: \"postgres://{admin}@{h}:{p}/{{db}}\"}}\nroles:\n  - name: {{p}}app\n    login: true\n    password: {{env: GT_NONSUPER_PW}}\n"
        ),
    );
    let env = [("GT_NONSUPER_PW", "pw-1")];
    apply(&cfg, &[], &env);
    // The stored verifier cannot be read: no perpetual password change, a note instead.
    let out = plan(&cfg, &env);
    assert!(out.contains("No changes"), "{out}");
    assert!(out.contains("cannot be read"), "{out}");
    let o = grant(
        &["plan", "--detailed-exitcode", &cfg.to_string_lossy()],
        &env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
