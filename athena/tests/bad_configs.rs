//! The malformed-config corpus (`tests/bad-configs/athena/`, see its
//! README): every case through the real binary's `validate`, `plan` and
//! `apply --auto-approve` against moto. Each run must exit 1 with the
//! expected `file:line:column` and message, never panic, and change nothing
//! in moto's Glue catalog (a pre-existing database of the case's name and
//! every database of the run's prefix are compared before and after).

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-configs/athena")
}

#[tokio::test]
async fn corpus_fails_located_without_panic_and_applies_nothing() {
    require_moto();
    let cases = testkit::corpus::load(&corpus_dir());
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
            let want = format!("{}: error: ", case.relative_location());
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
