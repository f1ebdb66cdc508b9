//! Helpers for the integration tests: a scratch database and role prefix
//! per test on the real PostgreSQL, and running the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Host and port of the test server (`GRANT_TEST_PGHOST` / `GRANT_TEST_PGPORT`).
pub fn server() -> (String, String) {
    (
        std::env::var("GRANT_TEST_PGHOST").unwrap_or_else(|_| "127.0.0.1".into()),
        std::env::var("GRANT_TEST_PGPORT").unwrap_or_else(|_| "5432".into()),
    )
}

/// Host and port of the PostgreSQL 17 test server (`GRANT_TEST_PG17_HOST` /
/// `GRANT_TEST_PG17_PORT`, default 127.0.0.1:5417, started by scripts/pg17.sh).
pub fn server17() -> (String, String) {
    (
        std::env::var("GRANT_TEST_PG17_HOST").unwrap_or_else(|_| "127.0.0.1".into()),
        std::env::var("GRANT_TEST_PG17_PORT").unwrap_or_else(|_| "5417".into()),
    )
}

/// The URL of a database, as a user would write it.
pub fn url(db: &str) -> String {
    url_at(&server(), db)
}

/// The URL of a database on the server `(host, port)`.
pub fn url_at(server: &(String, String), db: &str) -> String {
    format!("postgres://postgres@{}:{}/{db}", server.0, server.1)
}

/// Runs SQL as the superuser on `db`; returns the rows as text.
pub fn sql(db: &str, statement: &str) -> Vec<Vec<Option<String>>> {
    sql_at(&server(), db, statement)
}

/// The text psql prints for NULL here (PostgreSQL text never holds it).
const PSQL_NULL: &str = "\u{2}";

/// [`sql`] on the server `(host, port)`, through psql (the independent
/// client): every statement of `statement` runs in one implicit
/// transaction, and the rows of all their results come back in order.
/// Each row ends with a NUL byte (`-0`), which no text value can hold, so
/// values with newlines come back whole.
pub fn sql_at(server: &(String, String), db: &str, statement: &str) -> Vec<Vec<Option<String>>> {
    let (host, port) = server;
    let o = Command::new("psql")
        .arg(format!(
            "host={host} port={port} dbname={db} user=postgres connect_timeout=5"
        ))
        .args(["-X", "-qAt", "-0", "-v", "ON_ERROR_STOP=1", "-F", "\u{1f}"])
        .args(["-P", &format!("null={PSQL_NULL}"), "-c", statement])
        .env_remove("PGSERVICE")
        .env_remove("PGOPTIONS")
        .output()
        .unwrap_or_else(|e| {
            panic!("psql is needed for the checks (apt-get install postgresql-client): {e}")
        });
    let err = String::from_utf8_lossy(&o.stderr);
    if !o.status.success() {
        if err.contains("could not connect") || err.contains("Connection refused") {
            panic!(
                "PostgreSQL is not reachable at {host}:{port}/{db}: {err}. Start it (run scripts/services.sh up; \
                 PostgreSQL 17 on port 5417 comes from scripts/pg17.sh up)."
            );
        }
        panic!("test SQL failed on {db}: {statement}: {err}");
    }
    let out = String::from_utf8_lossy(&o.stdout);
    let Some(rows) = out.strip_suffix('\0') else {
        return Vec::new();
    };
    rows.split('\0')
        .map(|row| {
            row.split('\u{1f}')
                .map(|v| (v != PSQL_NULL).then(|| v.to_string()))
                .collect()
        })
        .collect()
}

/// A single text value.
pub fn value(db: &str, statement: &str) -> Option<String> {
    sql(db, statement)
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
}

/// A scratch database and a role-name prefix, dropped at the end.
pub struct Scratch {
    /// Database name.
    pub db: String,
    /// Prefix of every role this test creates.
    pub prefix: String,
    /// Temporary directory for configs.
    pub dir: tempfile::TempDir,
    extra_dbs: Vec<String>,
    /// The server (host, port).
    pub server: (String, String),
}

impl Scratch {
    /// A new scratch database `gt_<name>_<pid>` and role prefix `gt_<name>_<pid>_`.
    pub fn new(name: &str) -> Scratch {
        Scratch::new_at(name, server())
    }

    /// [`Scratch::new`] on the PostgreSQL 17 test server ([`server17`]);
    /// fails (never skips) when the server is missing or older.
    pub fn pg17(name: &str) -> Scratch {
        let s = Scratch::new_at(name, server17());
        let v = s.psql("SHOW server_version_num");
        assert!(
            v.as_str() >= "170000",
            "this test needs PostgreSQL 17 at {}:{} (scripts/pg17.sh up), found server_version_num {v}",
            s.server.0,
            s.server.1
        );
        s
    }

    /// [`Scratch::new`] on the server `(host, port)`.
    pub fn new_at(name: &str, server: (String, String)) -> Scratch {
        // Fails here, not in `Drop` while unwinding, when the server is down.
        sql_at(&server, "postgres", "SELECT 1");
        let base = format!("gt_{name}_{}", std::process::id());
        let s = Scratch {
            server,
            db: base.clone(),
            prefix: format!("{base}_"),
            dir: match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => panic!("tempdir: {e}"),
            },
            extra_dbs: Vec::new(),
        };
        s.cleanup();
        sql_at(
            &s.server,
            "postgres",
            &format!("CREATE DATABASE \"{}\"", s.db),
        );
        s
    }

    /// Creates another database owned by this test.
    pub fn extra_db(&mut self, suffix: &str) -> String {
        let db = format!("{}_{suffix}", self.db);
        sql_at(
            &self.server,
            "postgres",
            &format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"),
        );
        sql_at(
            &self.server,
            "postgres",
            &format!("CREATE DATABASE \"{db}\""),
        );
        self.extra_dbs.push(db.clone());
        db
    }

    /// A role name with this test's prefix.
    pub fn role(&self, n: &str) -> String {
        format!("{}{n}", self.prefix)
    }

    /// Runs SQL in the scratch database.
    pub fn sql(&self, statement: &str) -> Vec<Vec<Option<String>>> {
        sql_at(&self.server, &self.db, statement)
    }

    /// Runs SQL in the scratch database with psql (the independent client).
    pub fn psql(&self, statement: &str) -> String {
        psql_at(&self.server.0, &self.server.1, &self.db, statement)
    }

    /// `grantee`'s entries on `relation` as `privilege[*] by grantor`,
    /// comma-separated and sorted, read with psql (`*`: grantable).
    pub fn grants_to(&self, relation: &str, grantee: &str) -> String {
        self.psql(&format!(
            "SELECT coalesce(string_agg(a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END \
             || ' by ' || pg_get_userbyid(a.grantor), ',' \
             ORDER BY a.privilege_type, pg_get_userbyid(a.grantor)), '') \
             FROM pg_class c, aclexplode(c.relacl) a \
             WHERE c.oid = '{relation}'::regclass AND a.grantee = '{grantee}'::regrole"
        ))
    }

    /// Writes a config file; `{db}`, `{url}` and `{p}` (the role prefix) are replaced.
    pub fn config(&self, file: &str, yaml: &str) -> PathBuf {
        let text = yaml
            .replace("{url}", &url_at(&self.server, &self.db))
            .replace("{db}", &self.db)
            .replace("{p}", &self.prefix);
        let path = self.dir.path().join(file);
        if let Err(e) = std::fs::write(&path, text) {
            panic!("write {}: {e}", path.display());
        }
        path
    }

    fn cleanup(&self) {
        for db in std::iter::once(&self.db).chain(self.extra_dbs.iter()) {
            sql_at(
                &self.server,
                "postgres",
                &format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"),
            );
        }
        let roles = sql_at(
            &self.server,
            "postgres",
            &format!(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, '{}')",
                self.prefix
            ),
        );
        for r in roles {
            if let Some(Some(name)) = r.into_iter().next() {
                let q = name.replace('"', "\"\"");
                sql_at(
                    &self.server,
                    "postgres",
                    &format!("DROP OWNED BY \"{q}\"; DROP ROLE IF EXISTS \"{q}\""),
                );
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Runs `grant` with arguments and extra environment variables.
pub fn grant(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_grant"));
    c.args(args).env_remove("DATABASE_URL").env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    match c.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run grant: {e}"),
    }
}

/// Output as text (stdout + stderr).
pub use testkit::text;

/// `grant plan`, asserting success; returns the output.
pub fn plan(config: &Path, env: &[(&str, &str)]) -> String {
    let o = grant(&["plan", &config.to_string_lossy()], env);
    assert!(o.status.success(), "plan failed:\n{}", text(&o));
    text(&o)
}

/// `grant apply --auto-approve [extra]`, asserting success.
pub fn apply(config: &Path, extra: &[&str], env: &[(&str, &str)]) -> String {
    let p = config.to_string_lossy();
    let mut args = vec!["apply", "--auto-approve", &p];
    args.extend_from_slice(extra);
    let o = grant(&args, env);
    assert!(o.status.success(), "apply failed:\n{}", text(&o));
    text(&o)
}

/// Asserts plan shows no changes (and `--detailed-exitcode` exits 0).
pub fn assert_converged(config: &Path, env: &[(&str, &str)]) {
    let o = grant(
        &["plan", "--detailed-exitcode", &config.to_string_lossy()],
        env,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "expected no changes:\n{}",
        text(&o)
    );
    assert!(text(&o).contains("No changes"), "{}", text(&o));
}

/// Grants of a role on a relation, as `has_table_privilege` would not: the
/// explicit ACL entries, e.g. `SELECT`.
pub fn table_privs(db: &str, schema: &str, table: &str, role: &str) -> Vec<String> {
    let rows = sql(
        db,
        &format!(
            "SELECT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) a \
             WHERE n.nspname = '{schema}' AND c.relname = '{table}' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '{role}') ORDER BY 1"
        ),
    );
    rows.into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

/// The test-only database behind password authentication (scripts/services.sh).
pub const PWAUTH_DB: &str = "gt_pwauth";

/// Logs in as `user` with `password` through psql over password
/// authentication; true when the login succeeds.
/// Logs in as `user` with `password` with psql over password authentication;
/// panics when the login fails for another reason than the password.
pub fn psql_login(user: &str, password: &str) -> bool {
    let (h, p) = server();
    let o = Command::new("psql")
        .arg(format!(
            "host={h} port={p} dbname={PWAUTH_DB} user={user} connect_timeout=5"
        ))
        .args(["-Atqc", "SELECT current_user"])
        .env("PGPASSWORD", password)
        .env_remove("PGSERVICE")
        .output()
        .unwrap_or_else(|e| panic!("psql is needed for the login checks: {e}"));
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() || err.contains("password authentication failed"),
        "psql login as {user} failed for another reason than the password (is the gt_pwauth \
         pg_hba.conf line in place? run scripts/services.sh up): {err}"
    );
    o.status.success() && out.trim() == user
}

/// Proves that the login check can fail: a wrong password is refused.
pub fn assert_password_auth_enforced(user: &str) {
    assert!(
        !psql_login(user, "certainly-not-the-password"),
        "database {PWAUTH_DB} accepts a wrong password: password authentication is not enforced \
         (run scripts/services.sh up)"
    );
}

/// Runs `statement` with psql (the independent client) as postgres on `db`
/// of the server at `host:port`; returns the unaligned output, `|`-separated.
pub fn psql_at(host: &str, port: &str, db: &str, statement: &str) -> String {
    let o = Command::new("psql")
        .arg(format!(
            "host={host} port={port} dbname={db} user=postgres connect_timeout=5"
        ))
        .args(["-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", statement])
        .env_remove("PGSERVICE")
        .output()
        .unwrap_or_else(|e| {
            panic!("psql is needed for the checks (apt-get install postgresql-client): {e}")
        });
    assert!(
        o.status.success(),
        "psql on {host}:{port}/{db} failed: {statement}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim_end().to_string()
}

/// [`psql_at`] on the test server.
pub fn psql(db: &str, statement: &str) -> String {
    let (h, p) = server();
    psql_at(&h, &p, db, statement)
}

/// The explicit ACL entries of a relation but the owner's as `grantee
/// privilege[*] by grantor` lines (aclexplode, through psql; `PUBLIC`), sorted.
pub fn acl_lines(host: &str, port: &str, db: &str, relation: &str) -> Vec<String> {
    let out = psql_at(
        host,
        port,
        db,
        &format!(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END \
             || ' ' || a.privilege_type \
             || CASE WHEN a.is_grantable THEN '*' ELSE '' END || ' by ' || pg_get_userbyid(a.grantor) \
             FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a \
             WHERE c.oid = '{relation}'::regclass AND a.grantee <> c.relowner ORDER BY 1"
        ),
    );
    let mut v: Vec<String> = out.lines().map(str::to_string).collect();
    v.sort();
    v
}
