//! A saved plan is refused as stale when live state it was computed from
//! changed out of band, also state that changes none of its statements:
//! PUBLIC's default privileges and (PostgreSQL 16+) who granted a
//! membership. Changed with psql; nothing applied is checked with psql.

mod support;

use std::path::Path;

use support::*;

/// `grant plan --out FILE`, asserting success.
fn save_plan(cfg: &Path, planfile: &Path) {
    let o = grant(
        &[
            "plan",
            "--out",
            &planfile.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// `grant apply --plan FILE`, asserting it is refused as stale (exit 1).
fn assert_refused_as_stale(cfg: &Path, planfile: &Path) {
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--plan",
            &planfile.to_string_lossy(),
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("refusing a stale plan") && out.contains("the live state changed"),
        "{out}"
    );
    assert!(out.contains("Nothing was applied"), "{out}");
}

#[test]
fn saved_plan_is_stale_after_a_public_default_privilege_changes() {
    let s = Scratch::new("stalepubdef");
    let (own, app) = (s.role("own"), s.role("app"));
    // The rows exist before the plan is saved: changing their ACL below
    // changes no dependency (pg_shdepend), only PUBLIC's entries.
    s.sql(&format!(
        "CREATE ROLE \"{own}\"; \
         ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC; \
         ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" GRANT USAGE ON SEQUENCES TO PUBLIC"
    ));
    // PUBLIC is not declared: the plan is the same before and after the
    // changes below, only the live state of the configured database
    // differs.
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}own
  - name: {p}app
databases:
  - name: {db}
    grants:
      - {to: [{p}app], on: database, privileges: [CONNECT]}
"#,
    );
    let app_exists = || {
        s.psql(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{app}'"
        ))
    };
    let planfile = s.dir.path().join("plan.json");
    for change in [
        // A schema's row.
        format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" IN SCHEMA public GRANT INSERT ON TABLES TO PUBLIC"
        ),
        // A global row.
        format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"{own}\" GRANT SELECT ON SEQUENCES TO PUBLIC"
        ),
    ] {
        save_plan(&cfg, &planfile);
        s.psql(&change);
        assert_refused_as_stale(&cfg, &planfile);
        assert_eq!(app_exists(), "0", "the saved plan's CREATE ROLE ran");
    }
    // Both changes are in place: PUBLIC's entries of each row.
    let public_entries = |namespace: &str| {
        s.psql(&format!(
            "SELECT string_agg(a, ',') FROM pg_default_acl d, unnest(d.defaclacl::text[]) a \
             WHERE d.defaclrole = '{own}'::regrole AND d.defaclnamespace = {namespace} AND a LIKE '=%'"
        ))
    };
    assert_eq!(
        public_entries("'public'::regnamespace"),
        format!("=ar/{own}")
    );
    assert_eq!(public_entries("0"), format!("=rU/{own}"));
    // A plan saved now applies.
    save_plan(&cfg, &planfile);
    apply(&cfg, &["--plan", &planfile.to_string_lossy()], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(app_exists(), "1");
}

#[test]
fn saved_plan_is_stale_after_a_membership_grantor_changes_on_postgresql_17() {
    let s = Scratch::pg17("stalememby");
    let (g, x, m, app) = (s.role("g"), s.role("x"), s.role("m"), s.role("app"));
    s.sql(&format!(
        "CREATE ROLE \"{g}\"; CREATE ROLE \"{x}\"; CREATE ROLE \"{m}\"; \
         GRANT \"{g}\" TO \"{x}\" WITH ADMIN OPTION; GRANT \"{g}\" TO \"{m}\""
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
    member_of: [{p}g]
  - name: {p}app
"#,
    );
    let grantors = || {
        s.psql(&format!(
            "SELECT string_agg(pg_get_userbyid(grantor), ',' ORDER BY pg_get_userbyid(grantor)) \
             FROM pg_auth_members WHERE roleid = '{g}'::regrole AND member = '{m}'::regrole"
        ))
    };
    let planfile = s.dir.path().join("plan.json");
    for (change, has_x) in [
        // `x` grants the membership `m` already holds: a second grant, same
        // options; the plan's statements do not change, the live state does.
        (format!("GRANT \"{g}\" TO \"{m}\" GRANTED BY \"{x}\""), true),
        // And back: only the first grantor's grant is left.
        (
            format!("REVOKE \"{g}\" FROM \"{m}\" GRANTED BY \"{x}\""),
            false,
        ),
    ] {
        save_plan(&cfg, &planfile);
        s.psql(&change);
        assert_eq!(grantors().contains(&x), has_x, "{}", grantors());
        assert_refused_as_stale(&cfg, &planfile);
        assert_eq!(
            s.psql(&format!(
                "SELECT count(*) FROM pg_roles WHERE rolname = '{app}'"
            )),
            "0",
            "the saved plan's CREATE ROLE ran"
        );
    }
    save_plan(&cfg, &planfile);
    apply(&cfg, &["--plan", &planfile.to_string_lossy()], &[]);
    assert_converged(&cfg, &[]);
}
