//! Password and setting comparisons.

use super::*;

#[test]
fn passwords() {
    let d = desired(FULL);
    let mut l = converged();
    let w = l.roles.get_mut("App \"Writer\"").unwrap();
    w.verifier = Some(Secret::new(crate::password::md5(
        "hunter2",
        "App \"Writer\"",
    )));
    assert!(
        diff(&d, &l).changes.is_empty(),
        "md5 verifier of the same password"
    );
    l.roles.get_mut("App \"Writer\"").unwrap().verifier =
        Some(Secret::new(crate::password::md5("other", "App \"Writer\"")));
    let changed = render(&diff(&d, &l));
    assert!(
        changed.contains("ALTER ROLE \"App \"\"Writer\"\"\" WITH PASSWORD '<redacted>'"),
        "{changed}"
    );
    assert!(!changed.contains("hunter2"));
    l.passwords_readable = false;
    let unknown = diff(&d, &l);
    assert!(unknown.changes.is_empty());
    assert!(render(&unknown).contains("cannot be read"));
}

#[test]
fn verifier_in_git() {
    let v = crate::password::scram_with_salt("pw", b"0123456789abcdef", 4096);
    let yaml = format!("roles:\n  - name: app_x\n    password: {{verifier: \"{v}\"}}\n");
    let d = desired(&yaml);
    let mut l = live();
    role(&mut l, "app_x").verifier = Some(Secret::new(v.clone()));
    assert!(diff(&d, &l).changes.is_empty());
    role(&mut l, "app_x").verifier = Some(Secret::new(crate::password::scram_with_salt(
        "pw",
        b"other-salt",
        4096,
    )));
    assert_eq!(diff(&d, &l).changes.len(), 1);
}

#[test]
fn list_settings_compare_unquoted() {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(super::setting_matches("a, b", &v(&["a", "b"])));
    assert!(super::setting_matches(
        "\"$user\", public, \"Sales\"",
        &v(&["$user", "public", "Sales"])
    ));
    assert!(super::setting_matches(
        "\"a \"\"q\"\", b\", c",
        &v(&["a \"q\", b", "c"])
    ));
    assert!(super::setting_matches(
        "it's \\ a \"q\"",
        &v(&["it's \\ a \"q\""])
    ));
    assert!(super::setting_matches("30s", &v(&["30s"])));
    assert!(!super::setting_matches(
        "\"$user\", public",
        &v(&["public", "$user"])
    ));
    assert!(!super::setting_matches("a, b", &v(&["a"])));
    assert!(!super::setting_matches(
        "\"unterminated",
        &v(&["unterminated"])
    ));
}
