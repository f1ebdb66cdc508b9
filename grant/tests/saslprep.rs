//! SCRAM verifiers follow SASLprep, as PostgreSQL's: a non-ASCII password
//! that PostgreSQL hashed compares equal, and the tool's verifier lets psql
//! log in. Checked with SQL and psql on separate connections.

mod support;

use std::process::Command;

use support::*;

fn psql_login(user: &str, password: &str) -> bool {
    let (h, p) = server();
    let o = Command::new("psql")
        .arg(format!(
            "host={h} port={p} dbname=gt_pwauth user={user} connect_timeout=5"
        ))
        .args(["-Atqc", "SELECT 1"])
        .env("PGPASSWORD", password)
        .output()
        .unwrap_or_else(|e| panic!("psql is needed for the login checks: {e}"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() || err.contains("password authentication failed"),
        "psql login as {user}: {err} (run scripts/services.sh up for the gt_pwauth pg_hba.conf line)"
    );
    o.status.success()
}

#[test]
fn non_ascii_passwords_compare_as_postgresql_hashes_them() {
    let s = Scratch::new("saslprep");
    // U+00AD (soft hyphen) is mapped to nothing and U+2168 (roman numeral
    // nine) to "IX" by SASLprep.
    let pw = "p\u{00AD}w\u{2168}-é";
    let (a, b) = (s.role("a"), s.role("b"));
    s.sql(&format!("CREATE ROLE \"{a}\" LOGIN PASSWORD '{pw}'"));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}a
    login: true
    password: {env: GT_SASL_PW}
  - name: {p}b
    login: true
    password: {env: GT_SASL_PW}
"#,
    );
    let env = [("GT_SASL_PW", pw)];
    let p = plan(&cfg, &env);
    assert!(
        !p.contains(&format!("role.{a}")),
        "the same password shows as changed:\n{p}"
    );
    apply(&cfg, &[], &env);
    assert_converged(&cfg, &env);
    assert!(
        !psql_login(&b, "wrong"),
        "password authentication is not enforced"
    );
    assert!(
        psql_login(&b, pw),
        "{b} cannot log in with the non-ASCII password"
    );
    assert!(psql_login(&a, pw));
}
