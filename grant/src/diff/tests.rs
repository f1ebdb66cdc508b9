use super::*;
use crate::live::{push_acl, AclRow, Function, Relation};
use crate::live::{LiveRole, ObjRef, RelKind};
use crate::model::{Dialect, MemberOpts, RoleAttrs};
use crate::privs::DefaultKind;
use common::{EnvMode, Secret, SourceFile, Sources};
use std::collections::BTreeMap;

fn desired(yaml: &str) -> Desired {
    let f = SourceFile::parse("t.yaml", yaml, &|_| None, EnvMode::Require).unwrap();
    crate::validate::load_with_env(&Sources { files: vec![f] }, &|k| {
        (k == "PW").then(|| "hunter2".to_string())
    })
    .unwrap()
}

fn live() -> Live {
    let mut roles = BTreeMap::new();
    roles.insert(
        "postgres".to_string(),
        LiveRole {
            attrs: RoleAttrs {
                superuser: true,
                login: true,
                ..RoleAttrs::default()
            },
            comment: None,
            settings: BTreeMap::new(),
            verifier: None,
        },
    );
    let mut db = LiveDb {
        owner: "postgres".into(),
        ..LiveDb::default()
    };
    db.schemas
        .insert("public".into(), "pg_database_owner".into());
    db.schemas.insert("Sales Dept".into(), "postgres".into());
    let rels = db.relations.entry("Sales Dept".into()).or_default();
    for (n, k, linked) in [
        ("Orders", RelKind::Table, false),
        ("secret\"s", RelKind::Table, false),
        ("v.orders", RelKind::View, false),
        ("mv", RelKind::MaterializedView, false),
        ("Orders_id_seq", RelKind::Sequence, true),
        ("counter", RelKind::Sequence, false),
    ] {
        rels.insert(
            n.into(),
            Relation {
                kind: k,
                owner: "postgres".into(),
                linked,
            },
        );
    }
    let f = db.functions.entry("Sales Dept".into()).or_default();
    f.insert(
        "total(integer)".into(),
        Function {
            name: "total".into(),
            args: "integer".into(),
            procedure: false,
            owner: "postgres".into(),
        },
    );
    f.insert(
        "total(integer, text)".into(),
        Function {
            name: "total".into(),
            args: "integer, text".into(),
            procedure: false,
            owner: "postgres".into(),
        },
    );
    f.insert(
        "refresh()".into(),
        Function {
            name: "refresh".into(),
            args: String::new(),
            procedure: true,
            owner: "postgres".into(),
        },
    );
    let mut databases = BTreeMap::new();
    databases.insert("app".to_string(), db);
    Live {
        dialect: Dialect::Postgres,
        current_user: "postgres".into(),
        connection_db: "app".into(),
        passwords_readable: true,
        server_version: 150000,
        rbac_roles: Default::default(),
        roles,
        memberships: BTreeMap::new(),
        membership_grantors: Default::default(),
        owned: BTreeMap::new(),
        dependent_dbs: Default::default(),
        database_owners: Default::default(),
        other_db_grants: Default::default(),
        databases,
    }
}

fn role<'a>(live: &'a mut Live, name: &str) -> &'a mut LiveRole {
    live.roles.entry(name.into()).or_insert(LiveRole {
        attrs: RoleAttrs::default(),
        comment: None,
        settings: BTreeMap::new(),
        verifier: None,
    })
}

fn acl(live: &mut Live, object: ObjRef, grantee: &str, privilege: &str, grantable: bool) {
    let db = live.databases.get_mut("app").unwrap();
    let owner = db.owner_of(&object).unwrap_or("postgres").to_string();
    push_acl(
        &mut db.acl,
        object,
        &owner,
        Some(AclRow {
            grantee: grantee.into(),
            privilege: privilege.into(),
            grantable,
            grantor: String::new(),
        }),
    );
}

fn table(name: &str) -> ObjRef {
    ObjRef::Table {
        schema: "Sales Dept".into(),
        name: name.into(),
    }
}

fn render(d: &Diff<Op>) -> String {
    let mut s = String::new();
    for c in &d.changes {
        s.push_str(&format!(
            "{} {}",
            c.change.action.symbol(),
            c.change.address
        ));
        if let Some(r) = &c.change.destructive {
            s.push_str(&format!("  # destructive: {r}"));
        }
        s.push('\n');
        for f in &c.change.fields {
            s.push_str(&format!(
                "    {}: {:?} -> {:?}\n",
                f.name, f.before, f.after
            ));
        }
        for o in &c.ops {
            s.push_str(&format!(
                "    [{}{}] {}\n",
                o.db,
                if o.last { ", last" } else { "" },
                o.sql
            ));
        }
    }
    for n in &d.notes {
        s.push_str(&format!("note {}: {}\n", n.address, n.message));
    }
    if s.is_empty() {
        s.push_str("(no changes)\n");
    }
    s
}

const FULL: &str = r#"
connection: {url: "postgres://postgres@localhost/app"}
managed_roles: {pattern: "app_*"}
roles:
  - name: app_reader
    comment: "it's the reader"
    settings: {search_path: ["Sales Dept", public], statement_timeout: 5s}
  - name: "App \"Writer\""
    login: true
    connection_limit: 3
    valid_until: "2030-06-01T12:00:00+02:00"
    password: {env: PW}
    member_of: [app_reader, {role: app_admin, admin: true}]
  - name: app_admin
    createrole: true
    inherit: false
databases:
  - name: app
    schemas:
      - {name: "Sales Dept", owner: app_admin, tables_owner: app_admin}
    grants:
      - {to: [app_reader], on: database, privileges: [CONNECT]}
      - {to: [app_reader], on: schema, objects: ["Sales Dept"], privileges: [USAGE]}
      - {to: [app_reader], on: table, schema: "Sales Dept", objects: ["*"], except: ["secret\"s"], privileges: [SELECT]}
      - {to: ["App \"Writer\""], on: column, schema: "Sales Dept", objects: [Orders], columns: [status, "Amount"], privileges: [UPDATE, SELECT]}
      - {to: ["App \"Writer\""], on: sequence, schema: "Sales Dept", objects: [counter], privileges: [USAGE], with_grant_option: true}
      - {to: [app_reader], on: function, schema: "Sales Dept", objects: [total, "refresh()"], privileges: [EXECUTE]}
    default_privileges:
      - {for_role: app_admin, schema: "Sales Dept", on: tables, to: [app_reader], privileges: [SELECT]}
      - {for_role: app_admin, on: sequences, to: ["App \"Writer\""], privileges: [USAGE, SELECT], with_grant_option: true}
"#;

#[test]
fn fresh_database_creates_everything_in_order() {
    let d = desired(FULL);
    insta::assert_snapshot!(render(&diff(&d, &live())));
}

/// The live state `FULL` leads to.
fn converged() -> Live {
    let mut l = live();
    let r = role(&mut l, "app_reader");
    r.comment = Some("it's the reader".into());
    r.settings
        .insert("search_path".into(), "Sales Dept, public".into());
    r.settings.insert("statement_timeout".into(), "5s".into());
    let w = role(&mut l, "App \"Writer\"");
    w.attrs.login = true;
    w.attrs.connection_limit = 3;
    w.attrs.valid_until = Some("2030-06-01T10:00:00Z".into());
    w.verifier = Some(Secret::new(crate::password::scram_with_salt(
        "hunter2", b"salt", 4096,
    )));
    let a = role(&mut l, "app_admin");
    a.attrs.createrole = true;
    a.attrs.inherit = false;
    l.memberships
        .entry("app_reader".into())
        .or_default()
        .insert("App \"Writer\"".into(), MemberOpts::default());
    l.memberships.entry("app_admin".into()).or_default().insert(
        "App \"Writer\"".into(),
        MemberOpts {
            admin: true,
            ..MemberOpts::default()
        },
    );
    {
        let db = l.databases.get_mut("app").unwrap();
        db.schemas.insert("Sales Dept".into(), "app_admin".into());
        for r in db.relations.get_mut("Sales Dept").unwrap().values_mut() {
            if !r.linked {
                r.owner = "app_admin".into();
            }
        }
        for (k, p, go) in [
            ("r", "SELECT", false),
            ("S", "USAGE", true),
            ("S", "SELECT", true),
        ] {
            let (schema, grantee) = if k == "r" {
                (Some("Sales Dept".to_string()), "app_reader")
            } else {
                (None, "App \"Writer\"")
            };
            crate::live::push_default(
                &mut db.default_acl,
                "app_admin".into(),
                schema,
                DefaultKind::from_code(k).unwrap(),
                AclRow {
                    grantee: grantee.into(),
                    privilege: p.into(),
                    grantable: go,
                    grantor: String::new(),
                },
            );
        }
    }
    acl(
        &mut l,
        ObjRef::Database { name: "app".into() },
        "app_reader",
        "CONNECT",
        false,
    );
    acl(
        &mut l,
        ObjRef::Schema {
            name: "Sales Dept".into(),
        },
        "app_reader",
        "USAGE",
        false,
    );
    for t in ["Orders", "v.orders", "mv"] {
        acl(&mut l, table(t), "app_reader", "SELECT", false);
    }
    for c in ["status", "Amount"] {
        for p in ["UPDATE", "SELECT"] {
            let o = ObjRef::Column {
                schema: "Sales Dept".into(),
                table: "Orders".into(),
                column: c.into(),
            };
            acl(&mut l, o, "App \"Writer\"", p, false);
        }
    }
    acl(
        &mut l,
        ObjRef::Sequence {
            schema: "Sales Dept".into(),
            name: "counter".into(),
        },
        "App \"Writer\"",
        "USAGE",
        true,
    );
    for f in ["total(integer)", "total(integer, text)", "refresh()"] {
        acl(
            &mut l,
            ObjRef::Function {
                schema: "Sales Dept".into(),
                signature: f.into(),
            },
            "app_reader",
            "EXECUTE",
            false,
        );
    }
    l
}

#[test]
fn converged_state_has_no_changes() {
    let d = desired(FULL);
    let l = converged();
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{}", render(&out));
}

fn out_of_band(l: &mut Live) {
    acl(l, table("secret\"s"), "app_reader", "SELECT", false);
    acl(l, table("Orders"), "app_reader", "DELETE", false);
    acl(l, table("Orders"), "someone_else", "DELETE", false);
    acl(
        l,
        ObjRef::Sequence {
            schema: "Sales Dept".into(),
            name: "counter".into(),
        },
        "App \"Writer\"",
        "UPDATE",
        true,
    );
    role(l, "someone_else");
    l.memberships
        .entry("pg_read_all_data".into())
        .or_default()
        .insert("app_reader".into(), MemberOpts::default());
    l.roles
        .get_mut("app_reader")
        .unwrap()
        .settings
        .insert("work_mem".into(), "4MB".into());
}

#[test]
fn authoritative_revokes_out_of_band_grants_on_managed_roles_only() {
    let d = desired(FULL);
    let mut l = converged();
    out_of_band(&mut l);
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn additive_mode_keeps_out_of_band_grants() {
    let d = desired(&format!("mode: additive\n{FULL}"));
    let mut l = converged();
    out_of_band(&mut l);
    let out = diff(&d, &l);
    assert!(out.changes.is_empty(), "{}", render(&out));
}

#[test]
fn grant_option_changes() {
    let d = desired(FULL);
    let mut l = converged();
    let db = l.databases.get_mut("app").unwrap();
    db.acl
        .retain(|e| !matches!(&e.object, ObjRef::Sequence { .. }));
    acl(
        &mut l,
        ObjRef::Sequence {
            schema: "Sales Dept".into(),
            name: "counter".into(),
        },
        "App \"Writer\"",
        "USAGE",
        false,
    );
    acl(
        &mut l,
        ObjRef::Schema {
            name: "Sales Dept".into(),
        },
        "app_reader",
        "USAGE",
        true,
    );
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn drops_undeclared_managed_roles() {
    let mut l = converged();
    role(&mut l, "app_gone");
    role(&mut l, "app_owner_of_things");
    role(&mut l, "pg_signal_backend");
    role(&mut l, "rdsadmin");
    role(&mut l, "unmanaged");
    l.owned.insert("app_owner_of_things".into(), 3);
    let d = desired(FULL);
    let refused = diff(&d, &l);
    insta::assert_snapshot!("drop_refused", render(&refused));
    let d = desired(&format!("reassign_owned_to: app_admin\n{FULL}"));
    insta::assert_snapshot!("drop_reassigned", render(&diff(&d, &l)));
    let d = desired(&format!("mode: additive\n{FULL}"));
    assert!(diff(&d, &l).changes.is_empty());
}

#[test]
fn ownership_changes() {
    let d = desired(FULL);
    let mut l = converged();
    let db = l.databases.get_mut("app").unwrap();
    db.schemas.insert("Sales Dept".into(), "postgres".into());
    db.relations
        .get_mut("Sales Dept")
        .unwrap()
        .get_mut("mv")
        .unwrap()
        .owner = "postgres".into();
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn redshift_dialect_sql() {
    use crate::redshift::catalog::{
        database, roles as rs_roles, GroupRow, NspRow, RelRow, UserRow,
    };
    let d = desired(
        r#"
connection: {dialect: redshift}
managed_roles: {pattern: "rs_*"}
reassign_owned_to: etl
external_roles: [etl]
roles:
  - name: rs_analysts
  - name: "rs_Bob Smith"
    login: true
    createdb: true
    connection_limit: 5
    valid_until: "2030-01-01"
    password: {env: PW}
    syslog_access: unrestricted
    session_timeout: 3600
    member_of: [rs_analysts, rs_etl_role]
  - name: rs_carol
    login: true
    connection_limit: 2
  - name: rs_etl_role
    kind: role
    member_of: [rs_parent_role]
  - name: rs_parent_role
    kind: role
databases:
  - name: dev
    grants:
      - {to: [rs_etl_role], on: table, schema: sales, objects: [orders], privileges: [INSERT, DELETE]}
      - {to: [rs_analysts], on: schema, objects: [sales], privileges: [USAGE]}
      - {to: [rs_analysts], on: table, schema: sales, objects: ["*"], privileges: [SELECT, DROP]}
      - {to: ["rs_Bob Smith"], on: table, schema: sales, objects: [orders], privileges: [INSERT]}
    default_privileges:
      - {for_role: etl, schema: sales, on: tables, to: [rs_analysts], privileges: [SELECT]}
"#,
    );
    let mut l = Live {
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
    let user = |name: &str, id| UserRow {
        name: name.into(),
        id,
        superuser: false,
        createdb: false,
        valid_until: None,
        connection_limit: None,
    };
    rs_roles(
        &mut l,
        &[user("admin", 1), user("etl", 2), user("rs_gone", 3)],
        &[GroupRow {
            name: "rs_old_group".into(),
            members: vec![3],
        }],
    );
    let nsps = [NspRow {
        name: "sales".into(),
        owner: "etl".into(),
        acl: Some("{etl=UC/etl,rs_gone=U/etl}".into()),
    }];
    let rels = [
        RelRow {
            schema: "sales".into(),
            name: "orders".into(),
            kind: "r".into(),
            owner: "etl".into(),
            acl: Some("{etl=arwdRxtDA/etl,\"group rs_old_group=r/etl\"}".into()),
        },
        RelRow {
            schema: "sales".into(),
            name: "mine".into(),
            kind: "r".into(),
            owner: "rs_gone".into(),
            acl: None,
        },
    ];
    l.databases
        .insert("dev".into(), database("admin", &nsps, &rels, &[]));
    rs_roles(&mut l, &[user("rs_carol", 9)], &[]);
    crate::redshift::catalog::user_info(
        &mut l,
        &[("rs_carol".into(), "UNRESTRICTED".into(), Some("600".into()))],
    );
    crate::redshift::catalog::rbac_roles(
        &mut l,
        &["rs_old_role".to_string()],
        &[("rs_gone".to_string(), "rs_old_role".to_string())],
        &[],
    );
    insta::assert_snapshot!(render(&diff(&d, &l)));
}

#[test]
fn pg16_membership_options() {
    let yaml = "roles:\n  - name: app_g\n  - name: app_m\n    member_of: [{role: app_g, inherit: false, set: true}]\n  - name: app_n\n    member_of: [{role: app_g, admin: true, set: false}]\n";
    let d = desired(yaml);
    let mut l = live();
    l.server_version = 160004;
    for r in ["app_g", "app_m", "app_n"] {
        role(&mut l, r);
    }
    l.memberships.entry("app_g".into()).or_default().insert(
        "app_m".into(),
        MemberOpts {
            admin: false,
            inherit: Some(true),
            set: Some(true),
        },
    );
    let pg16 = render(&diff(&d, &l));
    l.server_version = 150020;
    l.memberships.clear();
    let pg15 = render(&diff(&d, &l));
    insta::assert_snapshot!(format!("PostgreSQL 16:\n{pg16}\nPostgreSQL 15:\n{pg15}"));
}

mod cascade;
mod kept;
mod maintain;
mod passwords_settings;
mod public_defaults;
