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

/// `member` in `group`, inheriting (PostgreSQL 15: the member's attribute).
fn member_of(l: &mut Live, member: &str, group: &str) {
    role(l, member).attrs.inherit = true;
    l.memberships
        .entry(group.into())
        .or_default()
        .insert(member.into(), MemberOpts::default());
}

#[test]
fn a_grantor_keeping_the_option_through_a_group_keeps_its_grants() {
    let d = desired(
        r#"
roles: [{name: app_r}, {name: app_m}, {name: app_b}, {name: app_c}]
databases:
  - name: app
    grants:
      - {to: [app_r], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT], with_grant_option: true}
      - {to: [app_b], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT]}
"#,
    );
    let mut l = live();
    for r in ["app_r", "app_b", "app_c"] {
        role(&mut l, r);
    }
    member_of(&mut l, "app_m", "app_r");
    granted(&mut l, "app_r", "postgres", true);
    granted(&mut l, "app_m", "postgres", true);
    granted(&mut l, "app_b", "app_m", false);
    granted(&mut l, "app_c", "app_m", false);
    let out = render(&diff(&d, &l));
    // app_c's grant is revoked as app_m before app_m's own revoke; app_b
    // keeps its grant: no CASCADE, nothing granted again.
    let revoke_c = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_c\"");
    let revoke_m = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_m\"");
    assert!(revoke_c.is_some() && revoke_c < revoke_m, "{out}");
    assert!(
        !out.contains("CASCADE") && !out.contains("destructive"),
        "{out}"
    );
    assert!(!out.contains("TO \"app_b\""), "{out}");
    // Without INHERIT, app_m holds no option through app_r: the cascade
    // takes app_b's grant, which is granted again.
    role(&mut l, "app_m").attrs.inherit = false;
    let out = render(&diff(&d, &l));
    assert!(out.contains("FROM \"app_m\" CASCADE"), "{out}");
    assert!(
        out.contains("GRANT SELECT ON TABLE \"Sales Dept\".\"Orders\" TO \"app_b\""),
        "{out}"
    );
    // PostgreSQL 16+: the membership's INHERIT option counts, not the attribute.
    l.server_version = 160004;
    l.memberships
        .get_mut("app_r")
        .and_then(|m| m.get_mut("app_m"))
        .unwrap()
        .inherit = Some(true);
    let out = render(&diff(&d, &l));
    assert!(!out.contains("CASCADE"), "{out}");
}

#[test]
fn a_group_losing_its_option_too_is_revoked_as_the_grantor_first() {
    let d = desired(
        r#"
roles: [{name: app_r}, {name: app_m}, {name: app_b}]
databases:
  - name: app
    grants:
      - {to: [app_b], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT]}
"#,
    );
    let mut l = live();
    for r in ["app_r", "app_b"] {
        role(&mut l, r);
    }
    member_of(&mut l, "app_m", "app_r");
    granted(&mut l, "app_r", "postgres", true);
    granted(&mut l, "app_m", "postgres", true);
    granted(&mut l, "app_b", "app_m", false);
    let diff = diff(&d, &l);
    let out = render(&diff);
    // Whatever the order of app_m's and app_r's revokes: app_b's grant is
    // revoked as app_m first and granted again as the owner.
    let first = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_b\"");
    let own = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_m\"\n");
    assert!(first.is_some() && first < own, "{out}");
    assert!(
        !out.contains("CASCADE") && !out.contains("destructive"),
        "{out}"
    );
    assert!(
        out.contains("GRANT SELECT ON TABLE \"Sales Dept\".\"Orders\" TO \"app_b\""),
        "{out}"
    );
    assert!(
        out.contains("revoked as the grantor before it loses its grant option"),
        "{out}"
    );
    assert!(diff.notes.is_empty(), "{:?}", diff.notes);
}

#[test]
fn a_group_option_a_cascade_takes_is_revoked_as_the_grantor_first() {
    let d = desired(
        r#"
roles: [{name: app_y}, {name: app_r}, {name: app_m}, {name: app_b}]
databases:
  - name: app
    grants:
      - {to: [app_b], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT]}
      - {to: [app_r], on: table, schema: "Sales Dept", objects: [Orders], privileges: [SELECT], with_grant_option: true}
"#,
    );
    let mut l = live();
    for r in ["app_y", "app_r", "app_b"] {
        role(&mut l, r);
    }
    member_of(&mut l, "app_m", "app_r");
    // app_r holds the option from app_y, whose option the plan revokes:
    // app_y's CASCADE takes it.
    granted(&mut l, "app_y", "postgres", true);
    granted(&mut l, "app_r", "app_y", true);
    granted(&mut l, "app_m", "postgres", true);
    granted(&mut l, "app_b", "app_m", false);
    let out = render(&diff(&d, &l));
    let first = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_b\"");
    let own = out.find("REVOKE SELECT ON TABLE \"Sales Dept\".\"Orders\" FROM \"app_m\"\n");
    assert!(first.is_some() && first < own, "{out}");
    assert!(out.contains("FROM \"app_y\" CASCADE"), "{out}");
    assert!(
        out.contains("GRANT SELECT ON TABLE \"Sales Dept\".\"Orders\" TO \"app_b\""),
        "{out}"
    );
    assert!(
        out.contains(
            "GRANT SELECT ON TABLE \"Sales Dept\".\"Orders\" TO \"app_r\" WITH GRANT OPTION"
        ),
        "{out}"
    );
}
