//! PostgreSQL 16+ membership options (`inherit`, `set`, `admin`) on the real
//! PostgreSQL 17 test server (scripts/pg17.sh): created, changed together
//! with the admin option in one apply, converged; checked with psql
//! (`pg_auth_members`).

mod support;

use support::*;

#[test]
fn membership_options_converge_on_postgresql_17() {
    let s = Scratch::pg17("memopts");
    let (g, m) = (s.role("g"), s.role("m"));
    let yaml = r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}m
    member_of: [{role: {p}g, OPTS}]
"#;
    let opts = || {
        s.psql(&format!(
            "SELECT admin_option, inherit_option, set_option FROM pg_auth_members \
             WHERE roleid = '{g}'::regrole AND member = '{m}'::regrole"
        ))
    };
    let cfg = s.config(
        "c.yaml",
        &yaml.replace("OPTS", "admin: true, inherit: false, set: false"),
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains("WITH ADMIN TRUE, INHERIT FALSE, SET FALSE"),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(opts(), "t|f|f");
    // INHERIT and SET change and the admin option goes, in one apply.
    let cfg = s.config("c.yaml", &yaml.replace("OPTS", "inherit: true, set: true"));
    let p = plan(&cfg, &[]);
    assert!(p.contains("WITH INHERIT TRUE, SET TRUE"), "{p}");
    assert!(p.contains("REVOKE ADMIN OPTION FOR"), "{p}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(opts(), "f|t|t");
}
