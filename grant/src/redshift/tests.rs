use super::acl::*;
use super::catalog::*;
use crate::live::Live;
use crate::model::Dialect;
use std::collections::BTreeMap;

#[test]
fn acl_items() {
    let items = parse_acl(
        Some(
            r#"{admin=arwdRxtDA/admin,"group analysts=r/admin",bob=r*w/admin,"\"odd name\"=a/admin",=r/admin}"#,
        ),
        Dialect::Redshift,
    );
    insta::assert_debug_snapshot!(items);
    let pg = parse_item("app=arwdDxt/owner", Dialect::Postgres).unwrap();
    assert!(pg.privileges.iter().any(|(p, _)| p == "TRUNCATE"));
}

#[test]
fn catalog_rows_to_live_state() {
    let fixture = include_str!("../../tests/fixtures/redshift_catalog.txt");
    let mut live = Live {
        dialect: Dialect::Redshift,
        current_user: "admin".into(),
        connection_db: "dev".into(),
        passwords_readable: false,
        server_version: 0,
        rbac_roles: Default::default(),
        roles: BTreeMap::new(),
        memberships: BTreeMap::new(),
        membership_grantors: Default::default(),
        owned: BTreeMap::new(),
        dependent_dbs: Default::default(),
        database_owners: Default::default(),
        other_db_grants: Default::default(),
        databases: BTreeMap::new(),
    };
    let (mut users, mut groups, mut nsps, mut rels, mut defs) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut rbac: Vec<String> = Vec::new();
    let mut user_grants: Vec<(String, String)> = Vec::new();
    let mut role_grants: Vec<(String, String)> = Vec::new();
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('|').collect();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        match f[0] {
            "user" => users.push(UserRow {
                name: f[1].into(),
                id: f[2].parse().unwrap(),
                superuser: f[3] == "t",
                createdb: f[4] == "t",
                valid_until: opt(f[5]),
                connection_limit: opt(f[6]),
            }),
            "group" => groups.push(GroupRow {
                name: f[1].into(),
                members: split_array(f[2])
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect(),
            }),
            "namespace" => nsps.push(NspRow {
                name: f[1].into(),
                owner: f[2].into(),
                acl: opt(f[3]),
            }),
            "relation" => rels.push(RelRow {
                schema: f[1].into(),
                name: f[2].into(),
                kind: f[3].into(),
                owner: f[4].into(),
                acl: opt(f[5]),
            }),
            "default_acl" => defs.push(DefaultAclRow {
                for_role: f[1].into(),
                schema: opt(f[2]),
                objtype: f[3].into(),
                acl: f[4].into(),
            }),
            "rbac_role" => rbac.push(f[1].to_string()),
            "user_grant" => user_grants.push((f[1].to_string(), f[2].to_string())),
            "role_grant" => role_grants.push((f[1].to_string(), f[2].to_string())),
            other => panic!("unknown fixture row {other}"),
        }
    }
    roles(&mut live, &users, &groups);
    rbac_roles(&mut live, &rbac, &user_grants, &role_grants);
    live.databases
        .insert("dev".into(), database("admin", &nsps, &rels, &defs));
    insta::assert_json_snapshot!(live);
}
