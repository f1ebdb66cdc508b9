//! `REVOKE … CASCADE` and what it takes: declared and kept dependent grants
//! are granted again after the revokes; grants the cascade takes anyway are
//! not revoked as their (by then powerless) grantor; a table-level REVOKE
//! takes the column privileges too, the declared ones are granted again.

use super::*;

const CFG: &str = r#"
roles:
  - name: app_x
  - name: app_y
  - name: app_z
external_roles: [ext_w]
databases:
  - name: app
    grants:
      - {to: [app_x, app_z], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT]}
      - {to: [app_y], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT], with_grant_option: true}
"#;

fn granted(l: &mut Live, grantee: &str, grantor: &str, grantable: bool) {
    let db = l.databases.get_mut("app").unwrap();
    push_acl(
        &mut db.acl,
        table("Orders"),
        "postgres",
        Some(AclRow {
            grantee: grantee.into(),
            privilege: "SELECT".into(),
            grantable,
            grantor: grantor.into(),
        }),
    );
}

#[test]
fn cascade_regrants_declared_and_kept_dependents() {
    let d = desired(CFG);
    let mut l = live();
    for r in ["app_x", "app_y", "app_z", "ext_w"] {
        role(&mut l, r);
    }
    granted(&mut l, "app_x", "postgres", true);
    granted(&mut l, "app_y", "app_x", true);
    granted(&mut l, "ext_w", "app_x", false);
    granted(&mut l, "app_z", "app_y", false);
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn grants_a_cascade_takes_are_not_revoked_as_their_grantor() {
    let d = desired(
        r#"
roles: [{name: app_a}, {name: app_b}]
databases: [{name: app, grants: []}]
"#,
    );
    let mut l = live();
    role(&mut l, "app_a");
    role(&mut l, "app_b");
    granted(&mut l, "app_a", "postgres", true);
    granted(&mut l, "app_b", "app_a", false);
    let out = render(&diff(&d, &l));
    assert!(out.contains("CASCADE"), "{out}");
    assert!(!out.contains("SET ROLE"), "{out}");
}

#[test]
fn table_revoke_regrants_declared_columns() {
    let d = desired(
        r#"
roles: [{name: app_x}]
databases:
  - name: app
    grants:
      - {to: [app_x], on: column, schema: "Sales Dept", objects: [Orders], columns: [id], privileges: [SELECT]}
"#,
    );
    let mut l = live();
    role(&mut l, "app_x");
    acl(&mut l, table("Orders"), "app_x", "SELECT", false);
    acl(&mut l, table("Orders"), "app_x", "UPDATE", false);
    insta::assert_snapshot!(render(&diff(&d, &l)));
}
