//! PostgreSQL 17's MAINTAIN: part of `ALL` where the server has it, read and
//! revoked like any privilege.

use super::*;

const CFG: &str = r#"
roles:
  - name: app_rw
databases:
  - name: app
    grants:
      - {to: [app_rw], on: table, schema: "Sales Dept", objects: [Orders], privileges: [ALL]}
"#;

#[test]
fn all_includes_maintain_from_postgresql_17() {
    let d = desired(CFG);
    let mut l = live();
    role(&mut l, "app_rw");
    l.server_version = 170002;
    let out = render(&diff(&d, &l));
    assert!(out.contains("MAINTAIN"), "{out}");
    l.server_version = 150020;
    let out = render(&diff(&d, &l));
    assert!(
        !out.contains("MAINTAIN") && out.contains("TRIGGER"),
        "{out}"
    );
}

#[test]
fn live_maintain_is_read_and_revoked() {
    let d = desired(&CFG.replace("[ALL]", "[SELECT]"));
    let mut l = live();
    role(&mut l, "app_rw");
    l.server_version = 170002;
    acl(&mut l, table("Orders"), "app_rw", "SELECT", false);
    acl(&mut l, table("Orders"), "app_rw", "MAINTAIN", false);
    let out = render(&diff(&d, &l));
    assert!(out.contains("REVOKE MAINTAIN ON TABLE"), "{out}");
}
