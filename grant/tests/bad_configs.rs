//! The malformed-configuration corpus (`tests/bad-configs/grant/`): every
//! case through the real binary's `validate`, `plan` and `apply
//! --auto-approve` against the real PostgreSQL. Each must exit 1 with the
//! expected `file:line:column` and message, never panic, and apply nothing
//! (catalog snapshots before and after are equal).

mod support;

use std::path::{Path, PathBuf};

use support::{grant, text, url, Scratch};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-configs/grant")
}

/// Everything a wrong apply could change: the run's roles with their
/// attributes, settings and memberships, and every ACL of the scratch database.
fn snapshot(s: &Scratch) -> Vec<Vec<Option<String>>> {
    let p = &s.prefix;
    let mut rows = support::sql(
        "postgres",
        &format!(
            "SELECT 'role', r.rolname, r.rolcanlogin::text, r.rolconnlimit::text, r.rolvaliduntil::text, \
             (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid), \
             (SELECT string_agg(array_to_string(setconfig, ','), ';') FROM pg_db_role_setting WHERE setrole = r.oid) \
             FROM pg_roles r WHERE starts_with(r.rolname, '{p}') \
             UNION ALL SELECT 'member', g.rolname, u.rolname, NULL, NULL, NULL, NULL FROM pg_auth_members m \
             JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member \
             WHERE starts_with(g.rolname, '{p}') OR starts_with(u.rolname, '{p}') ORDER BY 1, 2, 3"
        ),
    );
    rows.extend(s.sql(
        "SELECT 'database', datname::text, datacl::text FROM pg_database WHERE datname = current_database() \
         UNION ALL SELECT 'schema', nspname::text, nspacl::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
         UNION ALL SELECT 'relation', c.oid::regclass::text, c.relacl::text || coalesce((SELECT string_agg(a.attname || '=' || a.attacl::text, ',') FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), '') \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sales' \
         UNION ALL SELECT 'function', p.oid::regprocedure::text, p.proacl::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'sales' \
         UNION ALL SELECT 'default', defaclrole::regrole::text, defaclacl::text FROM pg_default_acl \
         UNION ALL SELECT 'owner', nspname::text, nspowner::regrole::text FROM pg_namespace WHERE nspname = 'sales' \
         ORDER BY 1, 2",
    ));
    rows
}

#[test]
fn every_bad_config_is_located_and_applies_nothing() {
    let s = Scratch::new("badcfg");
    s.sql(
        "CREATE SCHEMA sales; CREATE TABLE sales.orders (id int, email text); \
         CREATE TABLE sales.secrets (id int); CREATE FUNCTION sales.f(integer) RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    let db_url = url(&s.db);
    let env = [
        ("GRANT_BAD_P", s.prefix.as_str()),
        ("GRANT_BAD_DB", s.db.as_str()),
        ("GRANT_BAD_URL", db_url.as_str()),
        ("DATABASE_URL", db_url.as_str()),
    ];
    let expand = |x: &str| {
        x.replace("${GRANT_BAD_P}", &s.prefix)
            .replace("${GRANT_BAD_DB}", &s.db)
    };
    let cases = testkit::corpus::load(&corpus_dir());
    assert!(
        cases.len() >= 35,
        "the corpus has {} cases, expected at least 35",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let before = snapshot(&s);
        let location = case.absolute_location();
        let fragment = expand(&case.fragment);
        let help = case.help.as_deref().map(expand);
        for verb in &case.verbs {
            let arg = case.path.to_string_lossy().to_string();
            let args: Vec<&str> = match verb.as_str() {
                "apply" => vec!["apply", "--auto-approve", &arg],
                v => vec![v, &arg],
            };
            let o = grant(&args, &env);
            runs += 1;
            let mut problems = testkit::corpus::problems(&o, &location, &fragment, help.as_deref());
            for leak in testkit::corpus::leaked(&text(&o), &case.secrets) {
                problems.push(format!("printed the secret `{leak}`"));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({verb}): {}\n{}",
                    case.name,
                    problems.join("; "),
                    text(&o)
                ));
            }
        }
        let after = snapshot(&s);
        if before != after {
            failures.push(format!(
                "{}: the catalog changed:\nbefore: {before:?}\nafter:  {after:?}",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} cases, {runs} runs, all located, nothing applied",
        cases.len()
    );
}

/// The harness itself can fail: a valid configuration in the same setting
/// applies (so "nothing applied" above is not vacuous).
#[test]
fn a_valid_config_in_the_same_setting_does_apply() {
    let s = Scratch::new("badcfgok");
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let db_url = url(&s.db);
    let before = snapshot(&s);
    let cfg = s.config(
        "ok.yaml",
        "roles:\n  - name: \"{p}a\"\ndatabases:\n  - name: \"{db}\"\n    grants:\n      - {to: [\"{p}a\"], on: table, schema: sales, objects: [orders], privileges: [SELECT]}\n",
    );
    let o = grant(
        &["apply", "--auto-approve", &cfg.to_string_lossy()],
        &[("DATABASE_URL", db_url.as_str())],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_ne!(
        before,
        snapshot(&s),
        "a successful apply must show in the snapshot"
    );
}
