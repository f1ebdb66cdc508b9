//! The malformed-configuration corpus (`tests/bad-configs/grant/`): every
//! case through the real binary's `validate`, `plan` and `apply
//! --auto-approve` against the real PostgreSQL. Each must exit 1 with the
//! expected `file:line:column` and message, never panic, and apply nothing
//! (catalog snapshots before and after are equal).

mod support;

use std::path::{Path, PathBuf};

use support::{grant, text, url, Scratch};

/// One corpus case.
struct Case {
    name: String,
    /// What is passed to the tool (a file or a directory).
    arg: PathBuf,
    /// The file the error must point into.
    file: PathBuf,
    line: u32,
    column: u32,
    fragment: String,
    help: Option<String>,
    verbs: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-configs/grant")
}

/// Parses `LINE:COLUMN fragment` or `PATH:LINE:COLUMN fragment`.
fn parse_expect(s: &str, with_path: bool) -> (Option<String>, u32, u32, String) {
    let (loc, fragment) = s.trim().split_once(' ').unwrap_or((s.trim(), ""));
    let mut parts: Vec<&str> = loc.rsplitn(3, ':').collect();
    parts.reverse();
    let (path, l, c) = match (with_path, parts.as_slice()) {
        (true, [p, l, c]) => (Some(p.to_string()), *l, *c),
        (false, [l, c]) => (None, *l, *c),
        _ => panic!("bad expect line `{s}`"),
    };
    let num = |x: &str| {
        x.parse::<u32>()
            .unwrap_or_else(|e| panic!("bad number in `{s}`: {e}"))
    };
    (path, num(l), num(c), fragment.trim().to_string())
}

fn cases() -> Vec<Case> {
    let dir = corpus_dir();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let (header, with_path, prefix) = if p.is_dir() {
            let f = p.join("expected.txt");
            let t = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (t, true, "")
        } else {
            let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (t, false, "# ")
        };
        let mut expect = None;
        let mut help = None;
        let mut verbs = vec!["validate".to_string(), "plan".into(), "apply".into()];
        for line in header.lines() {
            let Some(l) = line.strip_prefix(prefix) else {
                continue;
            };
            if let Some(e) = l.strip_prefix("expect: ") {
                expect = Some(parse_expect(e, with_path));
            } else if let Some(h) = l.strip_prefix("help: ") {
                help = Some(h.trim().to_string());
            } else if let Some(v) = l.strip_prefix("verbs: ") {
                verbs = v.split_whitespace().map(str::to_string).collect();
            }
        }
        let Some((rel, line, column, fragment)) = expect else {
            panic!("case {name} has no `expect:` line");
        };
        let file = match rel {
            Some(r) => p.join(r),
            None => p.clone(),
        };
        out.push(Case {
            name,
            arg: p,
            file,
            line,
            column,
            fragment,
            help,
            verbs,
        });
    }
    out
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
    let cases = cases();
    assert!(
        cases.len() >= 35,
        "the corpus has {} cases, expected at least 35",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let before = snapshot(&s);
        let location = format!("{}:{}:{}", case.file.display(), case.line, case.column);
        let fragment = expand(&case.fragment);
        for verb in &case.verbs {
            let arg = case.arg.to_string_lossy().to_string();
            let args: Vec<&str> = match verb.as_str() {
                "apply" => vec!["apply", "--auto-approve", &arg],
                v => vec![v, &arg],
            };
            let o = grant(&args, &env);
            runs += 1;
            let t = text(&o);
            let mut problems = Vec::new();
            if o.status.code() != Some(1) {
                problems.push(format!("exit code {:?}, expected 1", o.status.code()));
            }
            if t.contains("panicked") || o.status.code() == Some(101) {
                problems.push("panicked".to_string());
            }
            if !t.contains(&location) {
                problems.push(format!("no `{location}`"));
            }
            if !t.contains(&fragment) {
                problems.push(format!("no message `{fragment}`"));
            }
            if let Some(h) = &case.help {
                let h = expand(h);
                if !t.contains(&h) {
                    problems.push(format!("no help `{h}`"));
                }
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({verb}): {}\n{t}",
                    case.name,
                    problems.join("; ")
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
