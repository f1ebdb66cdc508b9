//! SCRAM verifiers follow SASLprep, as PostgreSQL's: a non-ASCII password
//! that PostgreSQL hashed compares equal, and the tool's verifier lets psql
//! log in. Checked with SQL and psql on separate connections.

mod support;

use support::*;

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
