//! grant-rs's command line (`apply -f`, `-d`, `-a`, `validate [-f]`,
//! `gen-pass`, `inspect -f`, `gen -t`) against the real PostgreSQL, checked
//! with SQL on a separate connection.

mod support;

use std::process::Command;

use support::*;

const CFG: &str = r#"
connection:
  type: postgres
  url: "{url}"
roles:
  - name: reader
    type: table
    grants: [SELECT]
    schemas: [public]
    tables: [ALL]
users:
  - name: {p}USER
    password: pw-USER
    roles: [reader]
"#;

fn role_exists(name: &str) -> bool {
    value(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{name}'"),
    )
    .is_some()
}

#[test]
fn apply_dryrun_all_and_directory() {
    let s = Scratch::new("rscli");
    s.sql("CREATE TABLE public.t (id int)");
    let one = s.config("one.yaml", &CFG.replace("USER", "one"));
    let dry = grant(&["apply", "-f", &one.to_string_lossy(), "-d"], &[]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert!(text(&dry).contains(&s.role("one")), "{}", text(&dry));
    assert!(!role_exists(&s.role("one")), "--dryrun applied something");

    let o = grant(&["apply", "--file", &one.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("pw-one"), "{}", text(&o));
    assert_eq!(
        table_privs(&s.db, "public", "t", &s.role("one")),
        vec!["SELECT"]
    );

    // A folder needs --all; with it each file is applied on its own.
    let dir = s.dir.path().join("cluster");
    std::fs::create_dir(&dir).unwrap();
    for u in ["two", "three"] {
        std::fs::write(
            dir.join(format!("{u}.yml")),
            CFG.replace("USER", u)
                .replace("{url}", &url(&s.db))
                .replace("{p}", &s.prefix),
        )
        .unwrap();
    }
    let o = grant(&["apply", "-f", &dir.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!role_exists(&s.role("two")));
    let o = grant(&["apply", "-a", "-f", &dir.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for u in ["two", "three"] {
        assert_eq!(
            table_privs(&s.db, "public", "t", &s.role(u)),
            vec!["SELECT"]
        );
    }
    // Usage errors exit 1, as structopt does.
    let o = grant(&["apply", "-f"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn validate_file_and_directory() {
    let s = Scratch::new("rsval");
    let good = s.config("good.yaml", &CFG.replace("USER", "a"));
    let o = grant(&["validate", "-f", &good.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("... ok"), "{}", text(&o));
    std::fs::create_dir(s.dir.path().join("sub")).unwrap();
    let bad = s.config(
        "sub/bad.yaml",
        "connection: {type: postgres, url: x}\nroles: [{name: r, type: table, grants: [FLY], schemas: [a], tables: [b]}]\nusers: []\n",
    );
    // A single invalid file: grant-rs's `Error: "FILE" ... invalid - …` on
    // stderr, nothing on stdout, exit 1.
    let o = grant(&["validate", "-f", &bad.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(o.stdout.is_empty(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with(&format!("Error: {bad:?} ... invalid - ")),
        "{err}"
    );
    let o = grant(&["validate", "-f", "/surely/not/here.yaml"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "Error: \"/surely/not/here.yaml\" ... Failed - file/directory does not exist\n"
    );
    std::fs::write(s.dir.path().join("ci.yml"), "jobs: {build: {runs-on: x}}\n").unwrap();
    // Without -f: the current directory, recursively.
    let run = |dir: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_grant"))
            .arg("validate")
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let o = run(s.dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("good.yaml\" ... ok"), "{t}");
    // In a directory, grant-rs prints an invalid file on stdout.
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("bad.yaml\" ... invalid"),
        "{t}"
    );
    assert!(t.contains("unknown privilege `FLY`"), "{t}");
    assert!(t.contains("ci.yml\" ... skipped"), "{t}");
    std::fs::remove_file(s.dir.path().join("sub/bad.yaml")).unwrap();
    let o = run(s.dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn gen_pass_gen_and_inspect() {
    let o = grant(&["gen-pass", "-l", "20", "-n", "-u", "duyet"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    let pw = t
        .lines()
        .find_map(|l| l.strip_prefix("Generated password: "))
        .unwrap_or_else(|| panic!("{t}"))
        .to_string();
    assert_eq!(pw.len(), 20, "{t}");
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
    let md5 = value("postgres", &format!("SELECT 'md5' || md5('{pw}duyet')")).unwrap();
    assert!(
        t.contains(&format!("Generated MD5 (user: duyet): {md5}")),
        "{t}"
    );
    let o = grant(&["gen-pass", "-p", "1234567890", "-u", "duyet"], &[]);
    let md5 = value("postgres", "SELECT 'md5' || md5('1234567890duyet')").unwrap();
    // grant-rs 0.0.1-beta.3's lines, in its order (src/gen.rs).
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "Generated password: 1234567890\nGenerated MD5 (user: duyet): {md5}\n\n\
             Hint: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html\n"
        )
    );
    // The README's bare `grant gen-pass`: 16 characters of grant-rs's
    // alphabet, and its hint.
    let o = grant(&["gen-pass"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let pw = lines[0]
        .strip_prefix("Generated password: ")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(pw.len(), 16, "{out}");
    assert!(
        pw.chars()
            .all(|c| c.is_ascii_alphanumeric() || ")(*&^%$#@!~".contains(c)),
        "{out}"
    );
    assert_eq!(
        &lines[1..],
        ["", "Hint: Please provide --username to generate MD5"],
        "{out}"
    );

    let s = Scratch::new("rsgen");
    let target = s.dir.path().join("cluster");
    let o = grant(&["gen", "-t", &target.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let cfg = target.join("config.yml");
    let o = grant(&["validate", "-f", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = grant(&["gen", "-t", &target.to_string_lossy()], &[]);
    assert!(text(&o).contains("Target already exists"), "{}", text(&o));

    s.sql("CREATE TABLE public.t (id int)");
    let cfg = s.config("c.yaml", &CFG.replace("USER", "i"));
    apply(&cfg, &[], &[]);
    for args in [
        &["inspect", "-f", "/surely/not/here.yaml"][..],
        &["inspect", "--config", "/surely/not/here.yaml"][..],
    ] {
        let o = grant(args, &[]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("error: cannot read"), "{args:?}: {err}");
    }
    let o = grant(&["inspect", "-f", &cfg.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(&s.role("i")), "{}", text(&o));
}
