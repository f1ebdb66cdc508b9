//! Hardening against the real PostgreSQL: identifier quoting with generated
//! hostile names, a connection killed mid-apply, and secrets never printed.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{apply, assert_converged, grant, plan, sql, text, url, value, Scratch};

/// A SQL identifier, double-quoted (the test's own quoting, independent of the tool's).
fn qi(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A SQL string literal.
fn ql(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn qy(s: &str) -> String {
    match serde_json::to_string(s) {
        Ok(q) => q,
        Err(e) => panic!("json: {e}"),
    }
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        panic!("write {}: {e}", path.display());
    }
}

/// Pads `base` with `fill` up to exactly 63 bytes (NAMEDATALEN - 1).
fn max_len(base: &str, fill: char) -> String {
    let mut s = base.to_string();
    while s.len() + fill.len_utf8() <= 63 {
        s.push(fill);
    }
    while s.len() < 63 {
        s.push('x');
    }
    assert_eq!(s.len(), 63);
    s
}

#[test]
fn hostile_identifiers_round_trip_through_the_tool() {
    let s = Scratch::new("quoting");
    let p = s.prefix.clone();
    // Role names: every character class that needs quoting, plus a
    // 63-byte name made of 2-byte characters.
    let role_suffixes = [
        "dq\"uote",
        "sq'uote",
        "back\\slash",
        "with space",
        "dot.ted",
        "dol$lar",
        "ünï日本",
        "MiXeD",
        "semi;colon--",
        "select",
    ];
    let mut roles: Vec<String> = role_suffixes.iter().map(|x| format!("{p}{x}")).collect();
    roles.push(max_len(&format!("{p}long"), 'é'));
    // Reserved words as whole role names (cluster-wide: cleaned up by the
    // guard even when the test fails; only this test uses them).
    // Two runs of this test on one server (two checkouts) take turns.
    let _turn = ClusterLock::take(0x6772_616e_7401);
    let reserved = ["select".to_string(), "user".to_string()];
    let _guard = ReservedRoles(s.db.clone(), reserved.to_vec());
    roles.extend(reserved.iter().cloned());
    // Schemas and tables: reserved words, the same hostile characters, max length.
    let schemas = vec![
        "select".to_string(),
        "Sch \"q\" 's\\ .$ü".to_string(),
        max_len("s", 'ß'),
    ];
    let tables = vec![
        "user".to_string(),
        "dq\"t".to_string(),
        "sp ace".to_string(),
        "dot.t".to_string(),
        "dol$t".to_string(),
        "日本表".to_string(),
        "MixedT".to_string(),
        "back\\t".to_string(),
        "q'uote".to_string(),
        max_len("t", 'x'),
    ];
    let mut setup = String::new();
    for sc in &schemas {
        setup.push_str(&format!("CREATE SCHEMA {};", qi(sc)));
        for t in &tables {
            setup.push_str(&format!(
                "CREATE TABLE {}.{} ({} int, {} text);",
                qi(sc),
                qi(t),
                qi("from"),
                qi("Col \"x\"")
            ));
        }
    }
    // Functions whose names hold parentheses, commas, quotes; argument types
    // that PostgreSQL prints quoted.
    setup.push_str(&format!(
        "CREATE TYPE {sc}.{t} AS (a int); \
         CREATE FUNCTION {sc}.{f1}(integer, \"char\") RETURNS int LANGUAGE sql AS 'SELECT 1'; \
         CREATE FUNCTION {sc}.{f2}({sc}.{t}, character varying) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        sc = qi(&schemas[1]),
        t = qi("My T"),
        f1 = qi("f(x), y"),
        f2 = qi("Fn \"q\" 'it'"),
    ));
    s.sql(&setup);

    let list = |v: &[String]| v.iter().map(|x| qy(x)).collect::<Vec<_>>().join(", ");
    // A second database with a hostile name (dropped by the guard).
    let odd_db = format!("{}_we\"ird .db$ü", s.db);
    let _odd_guard = OddDb(odd_db.clone());
    sql("postgres", &format!("CREATE DATABASE {}", qi(&odd_db)));
    let mut yaml = format!("connection: {{url: {}}}\nroles:\n", qy(&url(&s.db)));
    for (i, r) in roles.iter().enumerate() {
        yaml.push_str(&format!("  - name: {}\n", qy(r)));
        yaml.push_str(&format!(
            "    comment: {}\n",
            qy(&format!("it's \"{i}\" \\ {r}"))
        ));
        if i > 0 {
            yaml.push_str(&format!("    member_of: [{}]\n", qy(&roles[i - 1])));
        }
    }
    yaml.push_str(&format!(
        "databases:\n  - name: {}\n    grants:\n",
        qy(&s.db)
    ));
    yaml.push_str(&format!(
        "      - {{to: [{}], on: schema, objects: [{}], privileges: [USAGE]}}\n",
        list(&roles),
        list(&schemas)
    ));
    // roles[1] creates a table in schemas[1] below (default privileges).
    yaml.push_str(&format!(
        "      - {{to: [{}], on: schema, objects: [{}], privileges: [CREATE]}}\n",
        qy(&roles[1]),
        qy(&schemas[1])
    ));
    for (i, sc) in schemas.iter().enumerate() {
        for (j, t) in tables.iter().enumerate() {
            let r = &roles[(i + j) % roles.len()];
            yaml.push_str(&format!(
                "      - {{to: [{}], on: table, schema: {}, objects: [{}], privileges: [SELECT, UPDATE]}}\n",
                qy(r),
                qy(sc),
                qy(t)
            ));
        }
        yaml.push_str(&format!(
            "      - {{to: [{}], on: column, schema: {}, objects: [{}], columns: [\"from\", {}], privileges: [INSERT]}}\n",
            qy(&roles[i]),
            qy(sc),
            qy(&tables[0]),
            qy("Col \"x\"")
        ));
    }
    let functions = [
        "f(x), y(integer, \"char\")".to_string(),
        format!(
            "Fn \"q\" 'it'({}.\"My T\", character varying)",
            qi(&schemas[1])
        ),
    ];
    yaml.push_str(&format!(
        "      - {{to: [{}], on: function, schema: {}, objects: [{}], privileges: [EXECUTE]}}\n",
        qy(&roles[2]),
        qy(&schemas[1]),
        list(&functions)
    ));
    yaml.push_str("    default_privileges:\n");
    for (i, sc) in schemas.iter().enumerate() {
        yaml.push_str(&format!(
            "      - {{for_role: {}, schema: {}, on: tables, to: [{}], privileges: [SELECT]}}\n",
            qy(&roles[i]),
            qy(sc),
            qy(&roles[roles.len() - 1 - i])
        ));
    }
    yaml.push_str(&format!(
        "  - name: {}\n    grants:\n      - {{to: [{}], on: database, privileges: [CONNECT, CREATE, TEMPORARY]}}\n",
        qy(&odd_db),
        list(&roles[..4])
    ));
    let cfg = s.dir.path().join("quoting.yaml");
    write(&cfg, &yaml);

    let v = grant(&["validate", &cfg.to_string_lossy()], &[]);
    assert!(v.status.success(), "validate:\n{}\n{yaml}", text(&v));
    let out = plan(&cfg, &[]);
    assert!(
        out.contains(&format!("CREATE ROLE {}", qi(&roles[0]))),
        "{out}"
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);

    // The catalog holds exactly these names, and the grants landed on them.
    for (i, r) in roles.iter().enumerate() {
        assert_eq!(
            value(
                "postgres",
                &format!("SELECT count(*) FROM pg_roles WHERE rolname = {}", ql(r))
            )
            .as_deref(),
            Some("1"),
            "role {r:?} missing"
        );
        let comment = value(
            "postgres",
            &format!(
                "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = {}",
                ql(r)
            ),
        );
        assert_eq!(comment, Some(format!("it's \"{i}\" \\ {r}")));
        if i > 0 {
            assert_eq!(
                value(
                    "postgres",
                    &format!(
                        "SELECT count(*) FROM pg_auth_members WHERE roleid = {}::regrole AND member = {}::regrole",
                        ql(&qi(&roles[i - 1])),
                        ql(&qi(r))
                    )
                )
                .as_deref(),
                Some("1"),
                "membership of {r:?}"
            );
        }
    }
    for (i, sc) in schemas.iter().enumerate() {
        for (j, t) in tables.iter().enumerate() {
            let r = &roles[(i + j) % roles.len()];
            assert_eq!(
                support::table_privs(
                    &s.db,
                    &sc.replace('\'', "''"),
                    &t.replace('\'', "''"),
                    &r.replace('\'', "''")
                ),
                vec!["SELECT".to_string(), "UPDATE".to_string()],
                "{sc:?}.{t:?} for {r:?}"
            );
        }
    }
    assert_eq!(
        value(
            &s.db,
            &format!(
                "SELECT count(*) FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a \
                 WHERE p.pronamespace = {}::regnamespace AND a.grantee = {}::regrole AND a.privilege_type = 'EXECUTE'",
                ql(&qi(&schemas[1])),
                ql(&qi(&roles[2]))
            )
        )
        .as_deref(),
        Some("2"),
        "function grants"
    );
    assert_eq!(
        value(
            "postgres",
            &format!(
                "SELECT count(*) FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a \
                 WHERE d.datname = {} AND a.grantee NOT IN (0, d.datdba)",
                ql(&odd_db)
            )
        )
        .as_deref(),
        Some("12"),
        "database grants"
    );
    // A table created afterwards by a default-privilege owner gets its grant,
    // and the plan stays empty.
    s.sql(&format!(
        "SET ROLE {}; CREATE TABLE {}.{} (id int); RESET ROLE",
        qi(&roles[1]),
        qi(&schemas[1]),
        qi("new \"one\"")
    ));
    assert_converged(&cfg, &[]);

    // Drop everything through the tool: authoritative, pattern-managed, no roles declared.
    // The prefixed roles by pattern, then each reserved-word role by a
    // pattern that is its exact name.
    let mut patterns = vec![format!("{p}*")];
    patterns.extend(reserved.iter().cloned());
    for (k, pattern) in patterns.iter().enumerate() {
        let external: Vec<String> = reserved.iter().skip(k).cloned().collect();
        let drop_cfg = s.dir.path().join(format!("drop{k}.yaml"));
        write(
            &drop_cfg,
            &format!(
                "connection: {{url: {}}}\nmanaged_roles: {{pattern: {}}}\nexternal_roles: [{}]\nreassign_owned_to: postgres\nroles: []\ndatabases:\n  - name: {}\n",
                qy(&url(&s.db)),
                qy(pattern),
                list(&external),
                qy(&s.db)
            ),
        );
        let o = grant(
            &["apply", "--auto-approve", &drop_cfg.to_string_lossy()],
            &[],
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "drops need --allow-destructive:\n{}",
            text(&o)
        );
        let out = apply(&drop_cfg, &["--allow-destructive"], &[]);
        assert!(out.contains("DROP ROLE"), "{out}");
        assert_converged(&drop_cfg, &[]);
    }
    for r in &roles {
        assert!(
            value(
                "postgres",
                &format!("SELECT 1 FROM pg_roles WHERE rolname = {}", ql(r))
            )
            .is_none(),
            "role {r:?} not dropped"
        );
    }
}

/// Drops a database created outside `Scratch` when the test ends.
struct OddDb(String);

impl Drop for OddDb {
    fn drop(&mut self) {
        sql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", qi(&self.0)),
        );
    }
}

/// Drops the given (unprefixed) roles when the test ends, if they still exist.
/// A PostgreSQL session-level advisory lock, held by a psql session kept
/// open for as long as this value lives; released when the session ends,
/// also when the test process dies.
struct ClusterLock(std::process::Child);

impl ClusterLock {
    fn take(key: i64) -> ClusterLock {
        use std::io::{BufRead, BufReader, Write};
        let mut child = Command::new("psql")
            .args(["-X", "-q", "-At", &url("postgres")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("psql is needed for the lock: {e}"));
        let mut stdin = child.stdin.take().expect("psql stdin");
        writeln!(stdin, "SELECT pg_advisory_lock({key});\\echo locked").expect("psql stdin");
        child.stdin = Some(stdin);
        let stdout = child.stdout.take().expect("psql stdout");
        let locked = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l == "locked");
        assert!(locked, "psql could not take the advisory lock");
        ClusterLock(child)
    }
}

impl Drop for ClusterLock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct ReservedRoles(String, Vec<String>);

impl Drop for ReservedRoles {
    fn drop(&mut self) {
        for r in &self.1 {
            let exists = value(
                "postgres",
                &format!("SELECT 1 FROM pg_roles WHERE rolname = {}", ql(r)),
            );
            if exists.is_some() {
                for db in [self.0.as_str(), "postgres"] {
                    sql(db, &format!("DROP OWNED BY {}", qi(r)));
                }
                sql("postgres", &format!("DROP ROLE IF EXISTS {}", qi(r)));
            }
        }
    }
}

/// An open transaction in another session that has updated `table`'s
/// catalog row: the tool's GRANT on it then waits. Dropped = rolled back.
struct Blocker {
    release: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Blocker {
    fn new(db: &str, statement: &str) -> Blocker {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let u = url(db);
        let st = statement.to_string();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                let (client, conn) = match tokio_postgres::connect(&u, tokio_postgres::NoTls).await
                {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!(
                            "PostgreSQL is not reachable at {u}: {e}. Start it (run scripts/services.sh up)."
                        )));
                        return;
                    }
                };
                tokio::spawn(conn);
                if let Err(e) = client.batch_execute(&format!("BEGIN; {st}")).await {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
                let _ = ready_tx.send(Ok(()));
                let _ = tokio::task::spawn_blocking(move || release_rx.recv()).await;
                let _ = client.batch_execute("ROLLBACK").await;
            });
        });
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("blocker: {e}"),
            Err(e) => panic!("blocker did not start: {e}"),
        }
        Blocker {
            release: Some(release_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Blocker {
    fn drop(&mut self) {
        self.release.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Waits for the tool's backend (application_name `grant`) on `db` to be
/// waiting on a lock; returns its pid.
fn waiting_grant_backend(db: &str, child: &mut std::process::Child) -> String {
    let start = Instant::now();
    loop {
        if let Some(pid) = value(
            "postgres",
            &format!(
                "SELECT pid::text FROM pg_stat_activity WHERE datname = {} AND application_name = 'grant' \
                 AND wait_event_type = 'Lock' AND state = 'active'",
                ql(db)
            ),
        ) {
            return pid;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("apply ended ({status}) before it blocked");
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the apply never blocked on the held lock");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn prefix_roles(prefix: &str) -> String {
    value(
        "postgres",
        &format!(
            "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, {})",
            ql(prefix)
        ),
    )
    .unwrap_or_default()
}

fn acl_entries_of_prefix(db: &str, prefix: &str) -> String {
    value(
        db,
        &format!(
            "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
             JOIN pg_roles r ON r.oid = a.grantee WHERE starts_with(r.rolname, {})",
            ql(prefix)
        ),
    )
    .unwrap_or_default()
}

#[test]
fn connection_killed_mid_apply_rolls_back_and_rerun_converges() {
    let s = Scratch::new("killed");
    let mut setup = String::from("CREATE SCHEMA sales;");
    for i in 0..30 {
        setup.push_str(&format!("CREATE TABLE sales.t{i:02} (id int);"));
    }
    setup.push_str("CREATE TABLE sales.zz_block (id int);");
    s.sql(&setup);
    let mut roles = String::new();
    for i in 0..8 {
        roles.push_str(&format!(
            "  - name: {{p}}r{i}\n    member_of: [{{p}}group]\n"
        ));
    }
    let cfg = s.config(
        "c.yaml",
        &format!(
            "connection: {{url: \"{{url}}\"}}\nroles:\n  - name: {{p}}group\n{roles}databases:\n  - name: {{db}}\n    grants:\n      - {{to: [{{p}}group], on: schema, objects: [sales], privileges: [USAGE]}}\n      - {{to: [{{p}}group, {{p}}r0, {{p}}r1, {{p}}r2, {{p}}r3, {{p}}r4, {{p}}r5, {{p}}r6, {{p}}r7], on: table, schema: sales, objects: [\"*\"], privileges: [SELECT, INSERT]}}\n"
        ),
    );
    let pl = plan(&cfg, &[]);
    // The GRANT on zz_block comes after the role creations and the other grants.
    let (before_block, _) = pl
        .split_once("sales\".\"zz_block\"")
        .unwrap_or_else(|| panic!("no zz_block grant in the plan:\n{pl}"));
    assert!(before_block.contains("CREATE ROLE"), "{pl}");
    assert!(before_block.contains("\"sales\".\"t29\""), "{pl}");

    // Another session updates zz_block's catalog row and keeps its transaction open.
    let blocker = Blocker::new(&s.db, "GRANT SELECT ON sales.zz_block TO PUBLIC");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grant"))
        .args(["apply", "--auto-approve", &cfg.to_string_lossy()])
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn grant: {e}"));
    let pid = waiting_grant_backend(&s.db, &mut child);
    // Mid-transaction: roles created and tables granted, but nothing visible.
    assert_eq!(prefix_roles(&s.prefix), "0", "uncommitted work is visible");
    let killed = value(
        "postgres",
        &format!("SELECT pg_terminate_backend({pid})::text"),
    );
    assert_eq!(killed.as_deref(), Some("true"));
    let o = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    drop(blocker);
    let t = text(&o);
    eprintln!("the killed apply said:\n{t}");
    assert!(
        !o.status.success() && o.status.code() != Some(101),
        "exit {:?}:\n{t}",
        o.status.code()
    );
    assert!(!t.contains("panicked"), "{t}");
    assert!(
        t.contains("terminating connection due to administrator command")
            || t.contains("connection closed"),
        "the cause must be named:\n{t}"
    );
    assert!(
        t.contains("zz_block"),
        "the failed statement must be named:\n{t}"
    );
    // Rolled back: no role, no membership, no grant of this apply survived.
    assert_eq!(prefix_roles(&s.prefix), "0", "partial roles:\n{t}");
    assert_eq!(
        acl_entries_of_prefix(&s.db, &s.prefix),
        "0",
        "partial grants"
    );
    assert!(value(
        &s.db,
        "SELECT 1 FROM pg_namespace WHERE nspname = 'sales' AND nspacl IS NOT NULL AND array_length(nspacl, 1) > 1"
    )
    .is_none());
    // A re-run converges.
    let out = apply(&cfg, &[], &[]);
    assert!(out.contains("Apply complete!"), "{out}");
    assert_eq!(prefix_roles(&s.prefix), "9");
    assert_converged(&cfg, &[]);
    assert_eq!(
        acl_entries_of_prefix(&s.db, &s.prefix),
        (9 * 31 * 2).to_string()
    );
}

#[test]
fn killed_second_database_keeps_the_first_and_rerun_converges() {
    let mut s = Scratch::new("killed2");
    let other = s.extra_db("b");
    sql(
        &other,
        "CREATE SCHEMA sales; CREATE TABLE sales.zz_block (id int)",
    );
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let cfg = s.config(
        "c.yaml",
        &format!(
            "connection: {{url: \"{{url}}\"}}\nroles:\n  - name: {{p}}r\ndatabases:\n  - name: {{db}}\n    grants:\n      - {{to: [{{p}}r], on: table, schema: sales, objects: [orders], privileges: [SELECT]}}\n  - name: {other}\n    grants:\n      - {{to: [{{p}}r], on: table, schema: sales, objects: [zz_block], privileges: [SELECT]}}\n"
        ),
    );
    let blocker = Blocker::new(&other, "GRANT SELECT ON sales.zz_block TO PUBLIC");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grant"))
        .args(["apply", "--auto-approve", &cfg.to_string_lossy()])
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn grant: {e}"));
    let pid = waiting_grant_backend(&other, &mut child);
    sql("postgres", &format!("SELECT pg_terminate_backend({pid})"));
    let o = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    drop(blocker);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains(&format!("database `{other}`")), "{t}");
    // The connection database committed (role + its grant), the other did not.
    assert_eq!(prefix_roles(&s.prefix), "1", "{t}");
    assert_eq!(acl_entries_of_prefix(&s.db, &s.prefix), "1");
    assert_eq!(acl_entries_of_prefix(&other, &s.prefix), "0");
    // The report says what was applied and what was not.
    assert!(t.contains(&format!("role.{}", s.role("r"))), "{t}");
    let out = apply(&cfg, &[], &[]);
    assert!(
        out.contains("1 created") || out.contains("1 updated"),
        "{out}"
    );
    assert_converged(&cfg, &[]);
    assert_eq!(acl_entries_of_prefix(&other, &s.prefix), "1");
}

#[test]
fn secrets_never_appear_in_any_output() {
    let s = Scratch::new("secrets");
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let pid = std::process::id();
    let url_pw = format!("UrlPw-{pid}-Zq9");
    let pw1 = format!("RolePwOne-{pid}-Xk7");
    let pw2 = format!("RolePwTwo-{pid}-Wm3");
    let pw1b = format!("RolePwOneChanged-{pid}-Vb5");
    let (h, port) = support::server();
    // The server trusts local connections, so any URL password is accepted.
    let secret_url = format!("postgres://postgres:{url_pw}@{h}:{port}/{}", s.db);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "postgres://postgres:${GT_SECRET_URL_PW}@HOST:PORT/{db}"}
roles:
  - name: {p}app
    login: true
    password: {env: GT_SECRET_PW1}
  - name: {p}svc
    login: true
    password: {env: GT_SECRET_PW2}
    update_password: always
databases:
  - name: {db}
    grants:
      - {to: [{p}app], on: table, schema: sales, objects: [orders], privileges: [SELECT]}
"#
        .replace("HOST", &h)
        .replace("PORT", &port)
        .as_str(),
    );
    let c = cfg.to_string_lossy().to_string();
    let saved = s.dir.path().join("saved.plan");
    let saved_s = saved.to_string_lossy().to_string();
    let env1 = [
        ("GT_SECRET_URL_PW", url_pw.as_str()),
        ("GT_SECRET_PW1", pw1.as_str()),
        ("GT_SECRET_PW2", pw2.as_str()),
        ("RUST_LOG", "trace"),
    ];
    let env2 = [
        ("GT_SECRET_URL_PW", url_pw.as_str()),
        ("GT_SECRET_PW1", pw1b.as_str()),
        ("GT_SECRET_PW2", pw2.as_str()),
        ("RUST_LOG", "trace"),
    ];
    let secrets = [&url_pw, &pw1, &pw2, &pw1b];
    let mut scanned = Vec::new();
    let mut check = |what: &str, body: &str| {
        for sec in secrets {
            assert!(
                !body.contains(sec.as_str()),
                "{what} leaks a secret:\n{body}"
            );
        }
        scanned.push((what.to_string(), body.to_string()));
    };
    // The stored verifiers (salt, stored key, server key) must not show either.
    let mut verifiers: Vec<String> = Vec::new();
    let read_verifiers = |out: &mut Vec<String>| {
        for r in ["app", "svc"] {
            let v = value(
                "postgres",
                &format!(
                    "SELECT rolpassword FROM pg_authid WHERE rolname = {}",
                    ql(&s.role(r))
                ),
            )
            .unwrap_or_else(|| panic!("no verifier for {r}"));
            // SCRAM-SHA-256$4096:<salt>$<storedkey>:<serverkey>
            out.extend(
                v.split(['$', ':'])
                    .filter(|part| part.len() >= 16)
                    .map(str::to_string),
            );
        }
    };
    let run = |args: &[&str], env: &[(&str, &str)], ok: bool| -> String {
        let mut full = vec!["-vv"];
        full.extend_from_slice(args);
        let o = grant(&full, env);
        let t = text(&o);
        if ok {
            assert!(o.status.success(), "grant {args:?}:\n{t}");
        }
        t
    };
    // Before any apply, and after (a changed password is a sensitive change).
    for (round, env) in [(1, &env1), (2, &env2)] {
        check("validate", &run(&["validate", &c], env.as_slice(), true));
        for fmt in ["text", "json", "markdown"] {
            let out = run(&["plan", "--format", fmt, &c], env.as_slice(), true);
            assert!(
                out.contains("redacted") || out.contains("sensitive"),
                "{fmt}:\n{out}"
            );
            check(&format!("plan {fmt} (round {round})"), &out);
        }
        check(
            "plan --out",
            &run(&["plan", "--out", &saved_s, &c], env.as_slice(), true),
        );
        let file = std::fs::read_to_string(&saved).unwrap_or_else(|e| panic!("saved plan: {e}"));
        check("the saved plan file", &file);
        check(
            "apply --plan",
            &run(
                &["apply", "--auto-approve", "--plan", &saved_s, &c],
                env.as_slice(),
                true,
            ),
        );
        check(
            "apply",
            &run(&["apply", "--auto-approve", &c], env.as_slice(), true),
        );
        read_verifiers(&mut verifiers);
    }
    // Errors carry the URL too: an unreachable port, with the password in it.
    let bad = s.config(
        "bad.yaml",
        &format!(
            "connection: {{url: \"postgres://postgres:{url_pw}@127.0.0.1:1/x\"}}\nroles: []\n"
        ),
    );
    check(
        "plan error",
        &run(&["plan", &bad.to_string_lossy()], &env1, false),
    );
    check("validate error", &{
        let b = s.config(
                "bad2.yaml",
                "connection: {url: \"postgres://postgres:${GT_SECRET_URL_PW}@127.0.0.1:99999/x\"}\nroles: []\n",
            );
        let t = run(&["validate", &b.to_string_lossy()], &env1, false);
        assert!(t.contains("bad2.yaml:1:"), "{t}");
        t
    });
    check(
        "import",
        &run(
            &[
                "import",
                "--url",
                &secret_url,
                "--pattern",
                &format!("{}*", s.prefix),
            ],
            &env1,
            true,
        ),
    );
    let imported = s.dir.path().join("imported.yaml");
    check(
        "import -o",
        &run(
            &["import", "--config", &c, "-o", &imported.to_string_lossy()],
            &env1,
            true,
        ),
    );
    check(
        "the imported file",
        &std::fs::read_to_string(&imported).unwrap_or_else(|e| panic!("{e}")),
    );
    for fmt in ["text", "matrix", "json"] {
        check(
            &format!("inspect {fmt}"),
            &run(&["inspect", "--config", &c, "--format", fmt], &env1, true),
        );
    }
    check(
        "inspect --url",
        &run(&["inspect", "--url", &secret_url], &env1, true),
    );
    assert_converged(&cfg, &env2);
    assert!(verifiers.len() >= 6, "{verifiers:?}");
    for (what, body) in &scanned {
        for v in &verifiers {
            assert!(
                !body.contains(v.as_str()),
                "{what} shows a stored verifier part {v}:\n{body}"
            );
        }
    }
    assert!(scanned.len() >= 20, "{} outputs scanned", scanned.len());
    eprintln!(
        "{} outputs scanned for 4 secrets and {} verifier parts",
        scanned.len(),
        verifiers.len()
    );
}

#[test]
fn connection_killed_while_waiting_for_the_apply_lock_applies_nothing() {
    let s = Scratch::new("killedlock");
    s.sql("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int)");
    let cfg = s.config(
        "c.yaml",
        "connection: {url: \"{url}\"}\nroles:\n  - name: {p}r\ndatabases:\n  - name: {db}\n    grants:\n      - {to: [{p}r], on: table, schema: sales, objects: [orders], privileges: [SELECT]}\n",
    );
    // Another apply (as far as the lock is concerned) holds the session lock
    // `grant` takes on the connection database ("grant" + 0x01).
    let holder = Blocker::new(&s.db, "SELECT pg_advisory_lock(113740958561281)");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grant"))
        .args(["apply", "--auto-approve", &cfg.to_string_lossy()])
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn grant: {e}"));
    let pid = waiting_grant_backend(&s.db, &mut child);
    sql("postgres", &format!("SELECT pg_terminate_backend({pid})"));
    let o = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    drop(holder);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    eprintln!("the apply killed while waiting said:\n{t}");
    assert!(t.contains("taking the apply lock"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert_eq!(prefix_roles(&s.prefix), "0", "{t}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(acl_entries_of_prefix(&s.db, &s.prefix), "1");
}

#[test]
fn quoted_setting_values_and_empty_comments_converge() {
    let s = Scratch::new("setquote");
    s.sql(r#"CREATE SCHEMA "Sales"; CREATE SCHEMA "with space""#);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: "{p}a"
    comment: ""
    settings:
      search_path: ["$user", public, "Sales", "with space", "q\"uote"]
      application_name: "it's \\ a \"q\" ü, x"
      statement_timeout: 0
  - name: "{p}b"
    comment: "was set"
"#,
    );
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
    assert_eq!(
        value(
            "postgres",
            &format!(
                "SELECT array_to_string(setconfig, '|') FROM pg_db_role_setting WHERE setrole = {}::regrole",
                ql(&qi(&s.role("a")))
            )
        )
        .as_deref(),
        Some(r#"application_name=it's \ a "q" ü, x|search_path="$user", public, "Sales", "with space", "q""uote"|statement_timeout=0"#)
    );
    // import writes list settings as lists (unquoted) and other values as
    // one string; applying the import restores the same stored values.
    let stored = |r: &str| {
        value(
            "postgres",
            &format!(
                "SELECT array_to_string(setconfig, '|') FROM pg_db_role_setting WHERE setrole = {}::regrole",
                ql(&qi(r))
            ),
        )
    };
    let before = stored(&s.role("a"));
    let imported = s.dir.path().join("imported.yaml");
    let o = grant(
        &[
            "import",
            "--url",
            &url(&s.db),
            "--pattern",
            &format!("{}*", s.prefix),
            "-o",
            &imported.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let yaml = std::fs::read_to_string(&imported).unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let settings = doc["roles"]
        .as_sequence()
        .and_then(|rs| {
            rs.iter()
                .find(|r| r["name"].as_str() == Some(s.role("a").as_str()))
        })
        .map(|r| r["settings"].clone())
        .unwrap_or_else(|| panic!("no role a in\n{yaml}"));
    let list: Vec<&str> = settings["search_path"]
        .as_sequence()
        .unwrap_or_else(|| panic!("search_path not a list:\n{yaml}"))
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        list,
        ["$user", "public", "Sales", "with space", "q\"uote"],
        "{yaml}"
    );
    assert_eq!(
        settings["application_name"].as_str(),
        Some("it's \\ a \"q\" ü, x"),
        "{yaml}"
    );
    assert_converged(&imported, &[]);
    s.sql(&format!("ALTER ROLE {} RESET ALL", qi(&s.role("a"))));
    apply(&imported, &[], &[]);
    assert_eq!(stored(&s.role("a")), before);
    assert_converged(&imported, &[]);
    // Clearing a comment with "" converges too.
    let cfg = s.config(
        "c.yaml",
        "connection: {url: \"{url}\"}\nroles:\n  - name: \"{p}a\"\n  - name: \"{p}b\"\n    comment: \"\"\nmode: additive\n",
    );
    let out = plan(&cfg, &[]);
    assert!(out.contains("IS NULL"), "{out}");
    apply(&cfg, &[], &[]);
    assert_converged(&cfg, &[]);
}
