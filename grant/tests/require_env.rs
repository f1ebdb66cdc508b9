//! `validate --require-env` covers passwords taken from the environment
//! (`password: {env: VAR}`), not only `${VAR}` references; plain `validate`
//! stays lenient for pre-commit hooks without credentials. Offline: no
//! database is contacted.

mod support;

use support::{grant, text};

const CONFIG: &str = "connection:\n  url: postgres://postgres@127.0.0.1:5432/postgres\nroles:\n  - name: reqenv_app\n    login: true\n    password: {env: GRANT_TEST_SURELY_UNSET_PW}\n";

#[test]
fn require_env_covers_password_env_variables() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("grant.yaml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let path = cfg.to_str().unwrap();

    let lenient = grant(&["validate", path], &[]);
    assert!(lenient.status.success(), "{}", text(&lenient));

    let strict = grant(&["validate", "--require-env", path], &[]);
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
    let out = text(&strict);
    assert!(out.contains("GRANT_TEST_SURELY_UNSET_PW"), "{out}");
    assert!(out.contains("grant.yaml:6:"), "{out}");

    let set = grant(
        &["validate", "--require-env", path],
        &[("GRANT_TEST_SURELY_UNSET_PW", "An0ther-S3cret-Value")],
    );
    assert!(set.status.success(), "{}", text(&set));
    assert!(!text(&set).contains("An0ther-S3cret-Value"));
}
