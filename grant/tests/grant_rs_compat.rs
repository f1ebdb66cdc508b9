//! grant-rs configurations, unchanged, against the real PostgreSQL: passwords
//! as any scalar, md5 verifiers passed through, `update_password`, schema and
//! table roles on the connection's database, `ALL` / `+t` / `-t` / `-ALL`,
//! `-role`, DROP. Outcomes are checked with SQL on a separate connection and
//! by logging in with psql over password authentication.

mod support;

use support::*;

/// The database whose connections must authenticate with a password
/// (scripts/services.sh adds the pg_hba.conf line and creates it).
fn stored_verifier(user: &str) -> String {
    value(
        "postgres",
        &format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'"),
    )
    .unwrap_or_default()
}

fn md5_of(password: &str, user: &str) -> String {
    value(
        "postgres",
        &format!("SELECT 'md5' || md5('{password}{user}')"),
    )
    .unwrap_or_default()
}

const README_SQL: &str = "CREATE SCHEMA schema2; \
    CREATE TABLE public.public_table (id int); CREATE TABLE public.orders (id int); \
    CREATE TABLE public.secret_table (id int); CREATE TABLE schema2.\"table\" (id int);";

#[test]
fn readme_example_unchanged() {
    let s = Scratch::new("rsreadme");
    s.sql(README_SQL);
    let u1 = s.role("duyet");
    let u2 = s.role("duyet2");
    let md5 = md5_of("md5-login-pw", &u2);
    // grant-rs's README example: the password a YAML number, the second an
    // md5 verifier, the schema and table roles with a `databases` that
    // grant-rs ignores for them.
    let cfg = s.config(
        "grant-rs.yaml",
        &r#"
connection:
  type: "postgres"
  # support environment variables, e.g. postgres://${HOSTNAME}:5432
  url: "{url}"

roles:
  - name: role_database_level
    type: database
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
      - postgres
    schemas:
      - public
  - name: role_all_schema
    type: table
    grants:
      - SELECT
      - INSERT
      - UPDATE
    databases:
      - postgres
    schemas:
      - public
    tables:
      - ALL # include all table
      - +public_table # can add `+` to mark included tables (public.public_table)
      - -secret_table # add `-` to exclude this table (public.secret_table)
      - -schema2.table # exclude schema2.table

users:
  - name: {p}duyet
    password: 1234567890 # password in plaintext
    roles:
      - role_database_level
      - role_all_schema
      - role_schema_level
  - name: {p}duyet2
    password: MD5 # support md5 style: grant gen-pass -u duyet2
    roles:
      - role_database_level
      - role_all_schema
      - role_schema_level
"#
        .replace("MD5", &md5),
    );
    let o = grant(&["validate", &cfg.to_string_lossy()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    // Out-of-band grants the `-` entries revoke.
    s.sql(&format!(
        "CREATE ROLE \"{u1}\" LOGIN PASSWORD '1234567890' CREATEDB; \
         GRANT SELECT, INSERT, DELETE ON public.secret_table, schema2.\"table\" TO \"{u1}\""
    ));
    let out = apply(&cfg, &[], &[]);
    assert!(!out.contains("1234567890") && !out.contains(&md5), "{out}");
    assert_converged(&cfg, &[]);

    // The md5 value is stored as that verifier, not hashed again.
    assert_eq!(stored_verifier(&u2), md5);
    assert_password_auth_enforced(&u2);
    assert!(psql_login(&u2, "md5-login-pw"), "{u2} cannot log in");
    assert!(psql_login(&u1, "1234567890"), "{u1} cannot log in");

    for u in [&u1, &u2] {
        let r = s.sql(&format!(
            "SELECT has_database_privilege('{u}', '{db}', 'CREATE'), \
                    has_database_privilege('{u}', '{db}', 'TEMP'), \
                    has_schema_privilege('{u}', 'public', 'CREATE')",
            db = s.db
        ));
        assert_eq!(r[0], vec![Some("t".into()); 3], "{u}");
        for t in ["public_table", "orders"] {
            assert_eq!(
                table_privs(&s.db, "public", t, u),
                vec!["INSERT", "SELECT", "UPDATE"],
                "{u} on {t}"
            );
        }
    }
    // `-secret_table` revoked the role's privileges, not DELETE (not in its grants).
    assert_eq!(
        table_privs(&s.db, "public", "secret_table", &u1),
        vec!["DELETE"]
    );
    assert_eq!(table_privs(&s.db, "schema2", "table", &u1), vec!["DELETE"]);
    assert!(table_privs(&s.db, "public", "secret_table", &u2).is_empty());
    // The existing user kept its attribute (additive: undeclared).
    assert_eq!(
        value(
            "postgres",
            &format!("SELECT rolcreatedb FROM pg_roles WHERE rolname = '{u1}'")
        )
        .as_deref(),
        Some("t")
    );
}

#[test]
fn passwords_follow_update_password() {
    let s = Scratch::new("rspw");
    let keep = s.role("keep");
    let upd = s.role("upd");
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles: []
users:
  - name: {p}keep
    password: true
  - {name: {p}upd, password: 0123, update_password: true}
  - {name: {p}num, password: 1.50}
  - name: {p}hex
    password: 0x1F # a comment
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_password_auth_enforced(&keep);
    // Scalars are passwords as written.
    assert!(psql_login(&keep, "true"));
    assert!(psql_login(&upd, "0123"));
    assert!(psql_login(&s.role("num"), "1.50"));
    assert!(psql_login(&s.role("hex"), "0x1F"));
    s.sql(&format!(
        "ALTER ROLE \"{keep}\" PASSWORD 'changed-elsewhere'; ALTER ROLE \"{upd}\" PASSWORD 'changed-elsewhere'"
    ));
    // Without update_password an existing user's password is never touched.
    let p = plan(&cfg, &[]);
    assert!(!p.contains(&format!("role.{keep}")), "{p}");
    assert!(p.contains(&format!("role.{upd}")), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert!(psql_login(&keep, "changed-elsewhere"));
    assert!(psql_login(&upd, "0123"));
    assert!(!psql_login(&upd, "changed-elsewhere"));
}

#[test]
fn minus_entries_revoke() {
    let s = Scratch::new("rsminus");
    s.sql("CREATE SCHEMA a; CREATE TABLE a.t1 (id int); CREATE TABLE a.t2 (id int); CREATE TABLE public.x (id int)");
    let u = s.role("u");
    let v = s.role("v");
    s.sql(&format!(
        "CREATE ROLE \"{u}\" LOGIN; CREATE ROLE \"{v}\" LOGIN; \
         GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA a TO \"{u}\"; \
         GRANT USAGE, CREATE ON SCHEMA a TO \"{v}\"; GRANT SELECT ON public.x TO \"{v}\""
    ));
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: none_in_a
    type: table
    grants: [SELECT]
    schemas: [a]
    tables: [-ALL, +t1]
  - name: schema_a
    type: schema
    grants: [ALL]
    schemas: [a]
  - name: read_x
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [x]
users:
  - name: {p}u
    roles: [none_in_a]
  - name: {p}v
    roles: [-schema_a, -read_x]
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    // `-ALL` revoked SELECT everywhere in `a` (a `+t1` after it is dropped,
    // as grant-rs does); UPDATE was not the role's to revoke.
    assert_eq!(table_privs(&s.db, "a", "t1", &u), vec!["UPDATE"]);
    assert_eq!(table_privs(&s.db, "a", "t2", &u), vec!["UPDATE"]);
    // `-role` revokes what the role grants.
    let r = s.sql(&format!(
        "SELECT has_schema_privilege('{v}', 'a', 'USAGE'), has_schema_privilege('{v}', 'a', 'CREATE')"
    ));
    assert_eq!(r[0], vec![Some("f".into()), Some("f".into())]);
    assert!(table_privs(&s.db, "public", "x", &v).is_empty());
}

#[test]
fn drop_privilege_is_accepted_and_refused_by_postgresql_at_plan() {
    let s = Scratch::new("rsdrop");
    s.sql("CREATE TABLE public.t (id int)");
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: dropper
    type: table
    grants: [SELECT, DROP]
    schemas: [public]
    tables: [t]
users:
  - name: {p}u
    roles: [dropper]
"#,
    );
    let o = grant(&["validate", &cfg.to_string_lossy()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = grant(&["plan", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("grant-rs.yaml:"), "{}", text(&o));
    assert!(
        text(&o).contains("DROP is a Redshift table privilege"),
        "{}",
        text(&o)
    );
    assert!(
        value(
            "postgres",
            &format!("SELECT 1 FROM pg_roles WHERE rolname = '{}'", s.role("u"))
        )
        .is_none(),
        "nothing may be created"
    );
}

#[test]
fn additive_mode_reports_out_of_band_drift() {
    let s = Scratch::new("rsdrift");
    s.sql("CREATE TABLE public.t (id int); CREATE TABLE public.other (id int)");
    let u = s.role("u");
    let cfg = s.config(
        "grant-rs.yaml",
        r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: reader
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [t]
users:
  - name: {p}u
    roles: [reader]
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    s.sql(&format!(
        "CREATE ROLE \"{p}grp\"; GRANT \"{p}grp\" TO \"{u}\"; \
         GRANT INSERT ON public.t TO \"{u}\"; GRANT UPDATE ON public.other TO \"{u}\"; \
         ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT DELETE ON TABLES TO \"{u}\"",
        p = s.prefix
    ));
    for format in ["text", "json", "markdown"] {
        let o = grant(
            &[
                "plan",
                "--detailed-exitcode",
                "--format",
                format,
                &cfg.to_string_lossy(),
            ],
            &[],
        );
        // Nothing to change (additive keeps them), but each is reported.
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let t = text(&o);
        assert!(
            t.contains(&format!("privileges.{}.table.public.t.to.{u}", s.db)),
            "{format}: {t}"
        );
        assert!(
            t.contains("INSERT granted outside the configuration"),
            "{format}: {t}"
        );
        assert!(
            t.contains(&format!("table.public.other.to.{u}")),
            "{format}: {t}"
        );
        assert!(
            t.contains(&format!("membership.{}grp.{u}", s.prefix)),
            "{format}: {t}"
        );
        assert!(t.contains("default privileges DELETE"), "{format}: {t}");
    }
    // The out-of-band grants are kept by apply.
    apply(&cfg, &[], &[]);
    assert_eq!(
        table_privs(&s.db, "public", "t", &u),
        vec!["INSERT", "SELECT"]
    );
    s.sql(&format!(
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE DELETE ON TABLES FROM \"{u}\""
    ));
}
