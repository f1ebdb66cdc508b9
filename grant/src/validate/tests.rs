use super::*;
use crate::model::{glob_match, split_signature, Mode};
use common::EnvMode;

fn sources(files: &[(&str, &str)]) -> Sources {
    Sources {
        files: files
            .iter()
            .map(|(p, t)| SourceFile::parse(*p, *t, &|_| None, EnvMode::Lenient).unwrap())
            .collect(),
    }
}

fn errors(files: &[(&str, &str)]) -> String {
    match load(&sources(files)) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn full_example_loads() {
    let d = load(&sources(&[(
        "a.yaml",
        r#"
mode: additive
managed_roles: {pattern: "app_*"}
external_roles: [etl]
roles:
  - name: app_reader
    valid_until: "2030-01-01"
    settings: {statement_timeout: 5s, search_path: [a, b], jit: false}
  - name: app_writer
    member_of: [app_reader, {role: etl, admin: true}]
    password: {verifier: "md54a0a68b43b6cd5cf266fa02f196e2371"}
databases:
  - name: app
    schemas: [{name: s, owner: etl, tables_owner: etl}]
    grants:
      - {to: [app_reader], on: table, schema: s, objects: ["*"], except: [x], privileges: [all]}
      - {to: [app_reader], on: database, privileges: [connect, temp]}
    default_privileges:
      - {for_role: etl, on: tables, to: [app_reader], privileges: [SELECT]}
"#,
    )]))
    .unwrap();
    assert_eq!(d.mode, Mode::Additive);
    assert_eq!(
        d.roles["app_reader"].attrs.valid_until.as_deref(),
        Some("2030-01-01T00:00:00Z")
    );
    assert_eq!(
        d.roles["app_reader"].settings["search_path"],
        vec!["a", "b"]
    );
    assert_eq!(d.roles["app_reader"].settings["jit"], vec!["off"]);
    assert!(d.memberships["etl"]["app_writer"].admin);
    assert_eq!(d.databases["app"].grants[0].privileges.len(), 7);
    assert!(d.is_managed("app_other", "postgres"));
    assert!(!d.is_managed("etl", "postgres"));
    assert!(!d.is_managed("pg_monitor", "postgres"));
}

#[test]
fn execute_on_table_is_rejected_with_location() {
    let e = errors(&[(
        "g.yaml",
        "roles:\n  - name: r\ndatabases:\n  - name: d\n    grants:\n      - to: [r]\n        on: table\n        schema: s\n        objects: [t]\n        privileges: [SELECT, EXECUTE]\n",
    )]);
    assert!(e.contains("g.yaml:10:"), "{e}");
    assert!(
        e.contains("privilege EXECUTE does not apply to a table"),
        "{e}"
    );
}

#[test]
fn membership_cycle() {
    let e = errors(&[(
        "c.yaml",
        "roles:\n  - name: a\n    member_of: [b]\n  - name: b\n    member_of: [c]\n  - name: c\n    member_of: [a]\n",
    )]);
    assert!(e.contains("membership cycle"), "{e}");
    assert!(e.contains("c.yaml:"), "{e}");
    assert_eq!(e.matches("membership cycle").count(), 1, "{e}");
}

#[test]
fn undeclared_role_reference() {
    let e = errors(&[(
        "r.yaml",
        "roles:\n  - name: reader\ndatabases:\n  - name: d\n    grants:\n      - {to: [raeder], on: schema, objects: [s], privileges: [USAGE]}\n",
    )]);
    assert!(e.contains("r.yaml:6:"), "{e}");
    assert!(e.contains("role `raeder` is neither declared"), "{e}");
    assert!(e.contains("did you mean `reader`?"), "{e}");
}

#[test]
fn external_and_system_roles_are_known() {
    load(
        &sources(&[(
            "x.yaml",
            "external_roles: [etl]\nroles:\n  - name: r\n    member_of: [etl, pg_read_all_data]\ndatabases:\n  - name: d\n    default_privileges:\n      - {for_role: postgres, on: tables, to: [r], privileges: [SELECT]}\n",
        )]),
    )
    .unwrap();
}

#[test]
fn duplicate_roles_across_files() {
    let e = errors(&[
        ("a.yaml", "roles:\n  - name: dup\n"),
        ("b.yaml", "roles:\n  - name: other\n  - name: dup\n"),
    ]);
    assert!(e.contains("b.yaml:3:"), "{e}");
    assert!(e.contains("role `dup` is declared more than once"), "{e}");
    assert!(e.contains("a.yaml:2:"), "{e}");
}

#[test]
fn invalid_valid_until() {
    let e = errors(&[(
        "v.yaml",
        "roles:\n  - name: r\n    valid_until: \"2030-02-30\"\n",
    )]);
    assert!(e.contains("v.yaml:3:18"), "{e}");
    assert!(e.contains("invalid valid_until"), "{e}");
}

#[test]
fn unknown_key_suggestion() {
    let e = errors(&[("k.yaml", "roles:\n  - name: r\n    logn: true\n")]);
    assert!(e.contains("k.yaml:3:5"), "{e}");
    assert!(e.contains("did you mean `login`?"), "{e}");
}

#[test]
fn misc_rules() {
    let e = errors(&[(
        "m.yaml",
        r#"roles:
  - name: r
    password: {env: A, verifier: "md5x"}
  - name: pg_mine
databases:
  - name: d
    grants:
      - {to: [r], on: table, objects: [t], privileges: [SELECT]}
      - {to: [r], on: table, schema: s, objects: [t], except: [u], privileges: [SELECT]}
      - {to: [r], on: column, schema: s, objects: [t], privileges: [SELECT]}
      - {to: [r], on: schema, objects: ["a*"], privileges: [USAGE]}
      - {to: [r], on: sequence, schema: s, objects: ["*"], privileges: [SELEKT]}
"#,
    )]);
    for want in [
        "set exactly one of `env` or `verifier`",
        "is a system role",
        "`on: table` needs `schema`",
        "`except` only applies",
        "`on: column` needs `columns`",
        "`*` stands alone",
        "unknown privilege `SELEKT`",
        "did you mean `SELECT`?",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
}

#[test]
fn glob() {
    assert!(glob_match("app_*", "app_x"));
    assert!(glob_match("a?c*", "abcdef"));
    assert!(!glob_match("app_*", "xapp_"));
    assert!(glob_match("*", ""));
}

#[test]
fn signatures() {
    assert_eq!(
        split_signature("f( integer ,text )"),
        ("f".into(), Some("integer, text".into()))
    );
    assert_eq!(split_signature("f()"), ("f".into(), Some(String::new())));
    assert_eq!(split_signature("f"), ("f".into(), None));
    // A name with parentheses: the arguments are what the final `)` closes.
    assert_eq!(
        split_signature("f(x), y(integer, \"char\")"),
        ("f(x), y".into(), Some("integer, \"char\"".into()))
    );
    assert_eq!(
        split_signature("g(numeric(10,2))"),
        ("g".into(), Some("numeric(10, 2)".into()))
    );
    assert_eq!(split_signature("f(int"), ("f(int".into(), None));
    assert_eq!(split_signature("f)"), ("f)".into(), None));
}

#[test]
fn redshift_rules() {
    let e = errors(&[(
        "rs.yaml",
        r#"connection: {dialect: redshift}
roles:
  - name: u
    login: true
    createrole: true
    member_of: [{role: g, admin: true}]
  - name: g
databases:
  - name: dev
    grants:
      - {to: [g], on: sequence, schema: s, objects: ["*"], privileges: [USAGE]}
      - {to: [g], on: table, schema: s, objects: ["*"], privileges: [SELECT, DROP]}
    default_privileges:
      - {for_role: u, on: types, to: [g], privileges: [USAGE]}
"#,
    )]);
    for want in [
        "rs.yaml:5:17: error: `createrole` does not exist on Redshift",
        "no admin/inherit/set options",
        "Redshift has no sequences",
        "Redshift has no default privileges on types",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
    assert!(!e.contains("DROP does not apply"), "{e}");
    // DROP is a Redshift privilege only.
    let e = errors(&[(
        "pg.yaml",
        "roles:\n  - name: g\ndatabases:\n  - name: d\n    grants:\n      - {to: [g], on: table, schema: s, objects: [t], privileges: [DROP]}\n",
    )]);
    assert!(
        e.contains("privilege DROP does not apply to a table"),
        "{e}"
    );
}

#[test]
fn documented_example_and_demo_configuration_are_valid() {
    let doc = include_str!("../../../docs/grant.md");
    let start = doc
        .find("```yaml\nconnection:")
        .expect("docs/grant.md has the reference example")
        + 8;
    let end = start + doc[start..].find("```").expect("closed code block");
    load(&sources(&[("docs/grant.md", &doc[start..end])])).unwrap_or_else(|e| panic!("{e}"));
    load(&sources(&[
        (
            "examples/grant/grant.yaml",
            include_str!("../../../examples/grant/grant.yaml"),
        ),
        (
            "examples/grant/demo_grant.yaml",
            include_str!("../../../examples/grant/demo_grant.yaml"),
        ),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn public_none_and_double_management_are_rejected() {
    let e = errors(&[(
        "a.yaml",
        "external_roles: [b]\nroles:\n  - name: a\n    member_of: [public]\n  - name: b\n  - name: none\ndatabases:\n  - name: d\n    grants:\n      - {to: [a, PUBLIC], on: database, privileges: [CONNECT]}\n",
    )]);
    assert!(
        e.contains("a.yaml:4:17: error: `public` cannot be referenced here"),
        "{e}"
    );
    // PUBLIC is a grantee of `grants` (managed where declared).
    assert!(!e.contains("a.yaml:10:18"), "{e}");
    assert!(
        e.contains("a.yaml:5:11: error: role `b` is both declared"),
        "{e}"
    );
    assert!(
        e.contains("a.yaml:6:11: error: `none` is a reserved role name"),
        "{e}"
    );
}

#[test]
fn public_is_a_default_privileges_grantee_on_postgres_only() {
    let yaml = "roles:\n  - name: o\ndatabases:\n  - name: d\n    default_privileges:\n      - {for_role: o, on: functions, to: [public], privileges: []}\n      - {for_role: o, on: tables, to: [PUBLIC, o], privileges: []}\n";
    let e = errors(&[("a.yaml", yaml)]);
    // `[]` is PUBLIC's "none" only when PUBLIC is the only grantee.
    assert!(!e.contains("a.yaml:6:"), "{e}");
    assert!(e.contains("a.yaml:7:"), "{e}");
    let rs = format!("connection: {{dialect: redshift}}\n{yaml}");
    let e = errors(&[("a.yaml", &rs)]);
    assert!(
        e.contains(
            "a.yaml:7:43: error: PUBLIC's default privileges are managed on PostgreSQL only"
        ),
        "{e}"
    );
}

#[test]
fn unset_password_variables_are_located_when_required() {
    let s = sources(&[(
        "a.yaml",
        "roles:\n  - name: a\n    login: true\n    password: {env: NOPE_UNSET}\n",
    )]);
    assert!(load_opts(&s, &|_| None, false).is_ok());
    let e = match load_opts(&s, &|_| None, true) {
        Ok(_) => panic!("expected an error"),
        Err(d) => d.to_string(),
    };
    assert!(
        e.contains("a.yaml:4:21: error: environment variable `NOPE_UNSET` (password of role `a`) is not set"),
        "{e}"
    );
    assert!(load_opts(&s, &|_| Some("x".into()), true).is_ok());
}

#[test]
fn connection_urls_are_checked_offline() {
    let e = errors(&[(
        "a.yaml",
        "connection:\n  url: \"postgres://u:pw@h:99999/d\"\n",
    )]);
    assert!(
        e.contains("a.yaml:2:8: error: invalid connection URL"),
        "{e}"
    );
    // The message redacts the password (the snippet shows the file as written).
    assert!(!e.lines().next().unwrap_or("").contains("u:pw@"), "{e}");
    // An unset variable (validate) is left for plan / apply to report.
    assert!(load(&sources(&[(
        "a.yaml",
        "connection:\n  url: \"${NOPE_URL}\"\n"
    )]))
    .is_ok());
}
