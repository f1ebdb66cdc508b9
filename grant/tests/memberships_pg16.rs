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

/// PostgreSQL 16+ keeps one membership grant per grantor and a plain REVOKE
/// removes only the revoker's: memberships `x` granted (with its admin
/// option) are revoked `GRANTED BY x`; revoking `x`'s admin option needs
/// CASCADE (destructive), and the membership the cascade takes from a
/// declared member is granted again in the same apply.
#[test]
fn memberships_granted_by_another_role_converge() {
    let s = Scratch::pg17("memgrantor");
    let (g, x, m, k) = (s.role("g"), s.role("x"), s.role("m"), s.role("k"));
    s.sql(&format!(
        "CREATE ROLE \"{g}\"; CREATE ROLE \"{x}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{k}\"; \
         GRANT \"{g}\" TO \"{x}\" WITH ADMIN OPTION; SET ROLE \"{x}\"; \
         GRANT \"{g}\" TO \"{m}\" WITH ADMIN OPTION; GRANT \"{g}\" TO \"{k}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}x
    member_of: [{p}g]
  - name: {p}m
    member_of: [{p}g]
  - name: {p}k
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(p.contains(&format!("GRANTED BY \"{x}\"")), "{p}");
    assert!(p.contains("CASCADE"), "{p}");
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    let rows = s.psql(&format!(
        "SELECT member::regrole::text || ' by ' || grantor::regrole::text || ' admin ' || admin_option \
         FROM pg_auth_members WHERE roleid = '{g}'::regrole ORDER BY 1"
    ));
    assert_eq!(
        rows,
        [
            format!("{m} by postgres admin false"),
            format!("{x} by postgres admin false")
        ]
        .join("\n")
    );
    assert_eq!(
        s.psql(&format!(
            "SELECT pg_has_role('{k}', '{g}', 'MEMBER'), pg_has_role('{m}', '{g}', 'MEMBER')"
        )),
        "f|t"
    );
}

/// A membership another role granted keeps its own options: the declared
/// `inherit: false` is set on that grant (`GRANTED BY`), no second grant is
/// added, and `set`, not declared, keeps its value.
#[test]
fn options_of_a_membership_granted_by_another_role() {
    let s = Scratch::pg17("memopts2");
    let (g, x, m) = (s.role("g"), s.role("x"), s.role("m"));
    s.sql(&format!(
        "CREATE ROLE \"{g}\"; CREATE ROLE \"{x}\"; CREATE ROLE \"{m}\"; \
         GRANT \"{g}\" TO \"{x}\" WITH ADMIN OPTION; SET ROLE \"{x}\"; \
         GRANT \"{g}\" TO \"{m}\" WITH SET FALSE; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}x
    member_of: [{role: {p}g, admin: true}]
  - name: {p}m
    member_of: [{role: {p}g, inherit: false}]
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!("WITH INHERIT FALSE GRANTED BY \"{x}\"")),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(
        s.psql(&format!(
            "SELECT grantor::regrole::text || ' ' || admin_option || inherit_option || set_option \
             FROM pg_auth_members WHERE roleid = '{g}'::regrole AND member = '{m}'::regrole"
        )),
        format!("{x} falsefalsefalse")
    );
}

/// A managed member that granted the membership on to a role the
/// configuration does not mention: revoking it needs CASCADE (destructive),
/// and the membership the cascade takes from that unmanaged role is granted
/// again in the same apply (it is not this configuration's to remove).
#[test]
fn a_membership_passed_on_to_an_unmanaged_role_is_kept() {
    let s = Scratch::pg17("memdown");
    let (g, x, u) = (s.role("g"), s.role("x"), s.role("u"));
    s.sql(&format!(
        "CREATE ROLE \"{g}\"; CREATE ROLE \"{x}\"; CREATE ROLE \"{u}\"; \
         GRANT \"{g}\" TO \"{x}\" WITH ADMIN OPTION; SET ROLE \"{x}\"; \
         GRANT \"{g}\" TO \"{u}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}x
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!("REVOKE \"{g}\" FROM \"{x}\" CASCADE")),
        "{p}"
    );
    assert!(p.contains(&format!("GRANT \"{g}\" TO \"{u}\"")), "{p}");
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(
        s.psql(&format!(
            "SELECT string_agg(member::regrole::text || ' by ' || grantor::regrole::text, ',') \
             FROM pg_auth_members WHERE roleid = '{g}'::regrole"
        )),
        format!("{u} by postgres")
    );
}
