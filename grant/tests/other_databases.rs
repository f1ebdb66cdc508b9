//! Databases the configuration does not list: privileges its roles hold
//! there are reported as notes (never changed), and a dropped role's
//! databases are named when REASSIGN OWNED hands them over. Checked with psql.

mod support;

use support::*;

/// The explicit privileges of `role` on database `db` (aclexplode of
/// pg_database.datacl, through psql), e.g. `CREATE*`.
fn db_privs(db: &str, role: &str) -> String {
    psql(
        "postgres",
        &format!(
            "SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ',' ORDER BY 1), '') \
             FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a \
             WHERE d.datname = '{db}' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '{role}')"
        ),
    )
}

#[test]
fn privileges_on_unlisted_databases_are_noted_and_kept() {
    let mut s = Scratch::new("otherdb");
    let other = s.extra_db("unlisted");
    let u = s.role("u");
    s.sql(&format!("CREATE ROLE \"{u}\""));
    // Out of band, on a database the configuration does not list.
    psql(
        "postgres",
        &format!(
            "GRANT CREATE ON DATABASE \"{other}\" TO \"{u}\"; GRANT TEMPORARY ON DATABASE \"{other}\" TO \"{u}\" WITH GRANT OPTION"
        ),
    );
    for mode in ["additive", "authoritative"] {
        let cfg = s.config(
            &format!("{mode}.yaml"),
            &format!(
                r#"
connection: {{url: "{{url}}"}}
mode: {mode}
managed_roles: {{pattern: "{{p}}*"}}
roles:
  - name: {{p}}u
databases:
  - name: {{db}}
    grants:
      - {{to: [{{p}}u], on: database, privileges: [CONNECT]}}
"#
            ),
        );
        let p = plan(&cfg, &[]);
        assert!(
            p.contains(&format!(
                "`{u}` holds CREATE, TEMPORARY (with grant option) on database `{other}`, which the configuration does not list"
            )),
            "{mode}: {p}"
        );
        let o = grant(&["plan", "--format", "json", &cfg.to_string_lossy()], &[]);
        assert!(
            text(&o).contains(&format!("privileges.{other}.database.{other}.to.{u}")),
            "{mode}: {}",
            text(&o)
        );
        apply(&cfg, &["--allow-destructive"], &[]);
        assert_converged(&cfg, &[]);
        // Never changed.
        assert_eq!(db_privs(&other, &u), "CREATE,TEMPORARY*", "{mode}");
        assert_eq!(db_privs(&s.db, &u), "CONNECT", "{mode}");
    }
    // A saved plan is stale once such a privilege changes.
    let cfg = s.dir.path().join("additive.yaml");
    let saved = s.dir.path().join("plan.json");
    let o = grant(
        &[
            "plan",
            "--out",
            &saved.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    psql(
        "postgres",
        &format!("REVOKE CREATE ON DATABASE \"{other}\" FROM \"{u}\""),
    );
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--plan",
            &saved.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("stale"), "{}", text(&o));
}

#[test]
fn a_dropped_role_s_databases_are_named_and_handed_over() {
    let mut s = Scratch::new("dropdb");
    let owned = s.extra_db("owned");
    let old = s.role("old");
    s.sql(&format!("CREATE ROLE \"{old}\""));
    psql(
        "postgres",
        &format!("ALTER DATABASE \"{owned}\" OWNER TO \"{old}\""),
    );
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
mode: authoritative
managed_roles: {pattern: "{p}*"}
reassign_owned_to: {p}new
roles:
  - name: {p}new
databases:
  - name: {db}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!(
            "including database(s) `{owned}` are reassigned to `{}`",
            s.role("new")
        )),
        "{p}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(
        psql(
            "postgres",
            &format!("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{owned}'")
        ),
        s.role("new")
    );
    assert_eq!(
        psql(
            "postgres",
            &format!("SELECT count(*) FROM pg_roles WHERE rolname = '{old}'")
        ),
        "0"
    );
    assert_converged(&cfg, &[]);
}
