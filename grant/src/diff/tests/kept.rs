//! Grants the diff leaves alone: PUBLIC, owners, declared default privileges.

use super::*;

#[test]
fn public_and_owner_grants_are_not_diffs() {
    let d = desired(FULL);
    let mut l = converged();
    // Built-in PUBLIC grants and the owner's own (materialized) privileges.
    acl(
        &mut l,
        ObjRef::Database { name: "app".into() },
        "PUBLIC",
        "CONNECT",
        false,
    );
    acl(
        &mut l,
        ObjRef::Database { name: "app".into() },
        "postgres",
        "CREATE",
        true,
    );
    acl(&mut l, table("Orders"), "app_admin", "SELECT", true);
    acl(
        &mut l,
        ObjRef::Function {
            schema: "Sales Dept".into(),
            signature: "refresh()".into(),
        },
        "PUBLIC",
        "EXECUTE",
        false,
    );
    crate::live::push_default(
        &mut l.databases.get_mut("app").unwrap().default_acl,
        "app_admin".into(),
        None,
        DefaultKind::Sequences,
        AclRow {
            grantee: "app_admin".into(),
            privilege: "USAGE".into(),
            grantable: false,
            grantor: String::new(),
        },
    );
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{}", render(&out));
}

#[test]
fn grants_made_by_declared_default_privileges_are_kept() {
    let d = desired(FULL);
    let mut l = converged();
    let db = l.databases.get_mut("app").unwrap();
    db.relations.get_mut("Sales Dept").unwrap().insert(
        "later_seq".into(),
        Relation {
            kind: RelKind::Sequence,
            owner: "app_admin".into(),
            linked: false,
        },
    );
    let seq = ObjRef::Sequence {
        schema: "Sales Dept".into(),
        name: "later_seq".into(),
    };
    acl(&mut l, seq.clone(), "App \"Writer\"", "USAGE", true);
    acl(&mut l, seq.clone(), "App \"Writer\"", "SELECT", true);
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{}", render(&out));
    // Not a default privilege: revoked.
    acl(&mut l, seq, "App \"Writer\"", "UPDATE", false);
    let out = render(&diff(&d, &l));
    assert!(
        out.contains("REVOKE UPDATE ON SEQUENCE \"Sales Dept\".\"later_seq\""),
        "{out}"
    );
}
