//! PUBLIC's default privileges compared with the effective default: the
//! built-in one (`acldefault`) until a global `pg_default_acl` row replaces it.

use super::*;
use crate::live::DefaultAclEntry;

const CFG: &str = r#"
roles:
  - name: app_own
databases:
  - name: app
    default_privileges:
      - {for_role: app_own, on: functions, to: [PUBLIC], privileges: FUNCS}
      - {for_role: app_own, schema: "Sales Dept", on: functions, to: [PUBLIC], privileges: []}
"#;

fn with_row(l: &mut Live, public_execute: bool) {
    let db = l.databases.get_mut("app").unwrap();
    db.default_rows
        .insert(("app_own".into(), None, DefaultKind::Functions));
    if public_execute {
        db.public_default_acl.insert(DefaultAclEntry {
            for_role: "app_own".into(),
            schema: None,
            kind: DefaultKind::Functions,
            grantee: "PUBLIC".into(),
            privilege: crate::privs::Privilege::Execute,
            grantable: false,
        });
    }
}

#[test]
fn public_default_privileges_against_the_effective_default() {
    let mut l = live();
    role(&mut l, "app_own");
    // No row: the built-in EXECUTE is what `[EXECUTE]` declares.
    let keep = desired(&CFG.replace("FUNCS", "[EXECUTE]"));
    let out = render(&diff(&keep, &l));
    assert!(!out.contains("ALTER DEFAULT"), "{out}");
    // The schema's `[]` cannot take away the global EXECUTE: a note.
    assert!(out.contains("IN SCHEMA` cannot take away"), "{out}");
    let none = desired(&CFG.replace("FUNCS", "[]"));
    let out = render(&diff(&none, &l));
    assert!(
        out.contains(
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"app_own\" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"
        ),
        "{out}"
    );
    assert!(!out.contains("cannot take away"), "{out}");
    // A global row without PUBLIC replaces the built-in default.
    with_row(&mut l, false);
    assert_eq!(render(&diff(&none, &l)), "(no changes)\n");
    let out = render(&diff(&keep, &l));
    assert!(
        out.contains("GRANT EXECUTE ON FUNCTIONS TO PUBLIC"),
        "{out}"
    );
    with_row(&mut l, true);
    assert!(!render(&diff(&keep, &l)).contains("ALTER DEFAULT"));
}
