//! The malformed-config corpus (`tests/bad-configs/athena/`, see its
//! README): every case through the real binary's `validate`, `plan` and
//! `apply --auto-approve` against moto. Each run must exit 1 with the
//! expected `file:line:column` and message, never panic, and change nothing
//! in moto's Glue catalog (a pre-existing database of the case's name and
//! every database of the run's prefix are compared before and after).

mod support;

use std::path::{Path, PathBuf};

use support::*;

/// One case of the corpus.
struct Case {
    /// File or directory name under the corpus directory.
    name: String,
    /// `PATH:LINE:COLUMN` as the binary prints it (relative to the corpus dir).
    location: String,
    /// A fragment of the message.
    fragment: String,
    /// Extra arguments of `validate` (e.g. `--require-env`).
    validate_args: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-configs/athena")
}

fn parse(name: &str, header: &str, file_prefix: &str) -> Case {
    let mut expect = None;
    let mut validate_args = Vec::new();
    for l in header.lines() {
        let l = l.trim_start_matches('#').trim();
        if let Some(rest) = l.strip_prefix("expect:") {
            let rest = rest.trim();
            let (loc, frag) = rest.split_once(' ').unwrap_or((rest, ""));
            expect = Some((format!("{file_prefix}{loc}"), frag.trim().to_string()));
        } else if let Some(rest) = l.strip_prefix("validate:") {
            validate_args = rest.split_whitespace().map(String::from).collect();
        }
    }
    let (location, fragment) =
        expect.unwrap_or_else(|| panic!("case {name} has no `expect:` line"));
    Case {
        name: name.to_string(),
        location,
        fragment,
        validate_args,
    }
}

fn cases() -> Vec<Case> {
    let mut names: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("read the corpus directory")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let p = corpus_dir().join(n);
            if p.is_dir() {
                let text = std::fs::read_to_string(p.join("expected.txt"))
                    .unwrap_or_else(|e| panic!("case {n} needs expected.txt: {e}"));
                parse(n, &text, &format!("{n}/"))
            } else {
                let text = std::fs::read_to_string(&p).expect("read case");
                let header: String = text
                    .lines()
                    .take_while(|l| l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join("\n");
                parse(n, &header, "")
            }
        })
        .collect()
}

#[tokio::test]
async fn corpus_fails_located_without_panic_and_applies_nothing() {
    require_moto();
    let cases = cases();
    assert!(cases.len() >= 35, "only {} cases", cases.len());
    let prefix = format!("bad_{}_", std::process::id());
    let g = glue();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let db = format!("{prefix}{i}");
        // A database of the case's name exists with a table: a case that
        // slipped through would change it (description, tables).
        g.create_database()
            .database_input(
                aws_sdk_glue::types::DatabaseInput::builder()
                    .name(&db)
                    .description("pre-existing")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("create the pre-existing database");
        g.create_table()
            .database_name(&db)
            .table_input(
                aws_sdk_glue::types::TableInput::builder()
                    .name("keep")
                    .table_type("EXTERNAL_TABLE")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("create the pre-existing table");
        let before = catalog(&prefix).await;
        let verbs: [Vec<String>; 3] = [
            std::iter::once("validate".to_string())
                .chain(case.validate_args.iter().cloned())
                .collect(),
            vec!["plan".into()],
            vec!["apply".into(), "--auto-approve".into()],
        ];
        for verb in &verbs {
            let mut cmd = command(&endpoint());
            cmd.current_dir(corpus_dir())
                .args(verb)
                .arg(&case.name)
                .env("ATHENA_BAD_DB", &db);
            for (k, _) in std::env::vars() {
                if k.starts_with("ATHENA_BAD_SURELY_UNSET_") {
                    cmd.env_remove(k);
                }
            }
            let r = athena_async(cmd).await;
            let want = format!("{}: error: ", case.location);
            let problems = [
                (r.code != 1, "exit code is not 1"),
                (r.code == 101 || r.stderr.contains("panicked"), "panic"),
                (!r.stderr.contains(&want), "location missing"),
                (!r.stderr.contains(&case.fragment), "message missing"),
                (r.stdout.contains("Apply complete"), "apply ran"),
            ];
            for (bad, what) in problems {
                if bad {
                    failures.push(format!(
                        "{} ({}): {what}; expected `{want}` … `{}`\n{r}",
                        case.name, verb[0], case.fragment
                    ));
                }
            }
        }
        let after = catalog(&prefix).await;
        if before != after {
            failures.push(format!(
                "{}: moto's catalog changed\nbefore: {before:#?}\nafter: {after:#?}",
                case.name
            ));
        }
        cleanup(&db).await;
    }
    for db in catalog(&prefix).await.keys() {
        cleanup(db).await;
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
