//! The malformed-config corpus (`tests/bad-configs/kafka-config/`, see its
//! README): every case through the real binary's `validate`, `plan` and
//! `apply --auto-approve` against the real broker. Each run must exit 1, name
//! the expected `file:line:column` and message, never panic, and leave the
//! broker's scoped topics (names, partitions, configs) unchanged.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

/// One case of the corpus, copied into a scratch directory of its own.
struct Case {
    /// The scratch directory's name.
    name: String,
    /// Files relative to the scratch directory, with their text.
    files: Vec<(PathBuf, String)>,
    /// `RELATIVE/PATH:LINE:COLUMN` as printed under the scratch directory.
    location: String,
    fragment: String,
    verbs: Vec<String>,
    /// `setup: TOPIC PARTITIONS` lines: topics created before the case.
    setup: Vec<(String, i32)>,
    /// Secrets written in the case that must never be printed.
    secrets: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad-configs/kafka-config")
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read case dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let rel = p.strip_prefix(root).expect("relative").to_path_buf();
            out.push((rel, std::fs::read_to_string(&p).expect("read case")));
        }
    }
}

/// The corpus (`testkit::corpus`), each case with the files to copy.
fn load_corpus() -> Vec<Case> {
    testkit::corpus::load(&corpus_dir())
        .into_iter()
        .map(|c| {
            let setup = c
                .setup
                .iter()
                .map(|l| {
                    let mut w = l.split_whitespace();
                    let topic = w.next().expect("setup topic").to_string();
                    let parts = w
                        .next()
                        .and_then(|p| p.parse().ok())
                        .expect("setup partitions");
                    (topic, parts)
                })
                .collect();
            let (name, files, location) = if c.path.is_dir() {
                let mut files = Vec::new();
                read_tree(&c.path, &c.path, &mut files);
                (c.name.clone(), files, c.relative_location())
            } else {
                let stem = c.name.trim_end_matches(".yaml").to_string();
                let text = std::fs::read_to_string(&c.path).expect("read case");
                let location = format!("{stem}/{}", c.relative_location());
                (stem, vec![(PathBuf::from(&c.name), text)], location)
            };
            Case {
                name,
                files,
                location,
                fragment: c.fragment,
                verbs: c.verbs,
                setup,
                secrets: c.secrets,
            }
        })
        .collect()
}

const HARNESS_CLUSTER: &str = "clusters:\n  test:\n    bootstrap_servers: [\"${KC_BAD_BOOTSTRAP}\"]\n    request_timeout: 10s\nsettings:\n  scope: ['^${KC_BAD_SCOPE}']\n";

/// Names, partition counts and topic overrides of the topics under
/// `prefix`, as kafka-python sees them.
fn scoped_state(prefix: &str) -> BTreeMap<String, (usize, BTreeMap<String, String>)> {
    live_topics(prefix)
        .into_iter()
        .map(|(n, t)| {
            let overrides = t
                .configs
                .into_iter()
                .filter(|(_, (_, src))| src == "DYNAMIC_TOPIC_CONFIG")
                .map(|(k, (v, _))| (k, v))
                .collect();
            (n, (t.replicas.len(), overrides))
        })
        .collect()
}

fn delete_scoped(prefix: &str) {
    kadmin("delete", serde_json::json!({ "prefix": prefix }));
}

#[test]
fn every_bad_config_fails_with_a_location_and_applies_nothing() {
    require_broker();
    let cases = load_corpus();
    assert!(
        cases.len() >= 35,
        "the corpus must hold at least 35 cases, found {}",
        cases.len()
    );
    let prefix = format!("kcbad-{}-", std::process::id());
    let scope: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect();
    delete_scoped(&prefix);
    let work = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let dir = work.path().join(&case.name);
        for (rel, text) in &case.files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write case");
        }
        if !case.name.starts_with("own-") {
            std::fs::write(dir.join("zz-harness-cluster.yaml"), HARNESS_CLUSTER)
                .expect("write cluster");
        }
        for (topic, parts) in &case.setup {
            create_topic(&format!("{prefix}{topic}"), *parts);
        }
        let before = scoped_state(&prefix);
        let location = case.location.replace("${KC_BAD_P}", &prefix);
        let fragment = case.fragment.replace("${KC_BAD_P}", &prefix);
        for verb in &case.verbs {
            let mut args = vec![verb.as_str()];
            match verb.as_str() {
                "validate" => {}
                "plan" => args.push("--no-color"),
                "apply" => args.extend(["--auto-approve", "--no-color"]),
                other => panic!("case {}: unknown verb `{other}`", case.name),
            }
            let out = Command::new(env!("CARGO_BIN_EXE_kafka-config"))
                .args(&args)
                .arg(&dir)
                .env_remove("KAFKA_CONFIG_ENV")
                .env_remove("KC_BAD_SURELY_UNSET_VAR")
                .env_remove("KC_BAD_SURELY_UNSET_PASSWORD")
                .env("NO_COLOR", "1")
                .env("KC_BAD_P", &prefix)
                .env("KC_BAD_SCOPE", &scope)
                .env("KC_BAD_BOOTSTRAP", bootstrap())
                .output()
                .expect("run kafka-config");
            runs += 1;
            let err = stderr(&out);
            let what = format!("{} ({verb})", case.name);
            if out.status.code() != Some(1) {
                failures.push(format!(
                    "{what}: exit code {:?}, expected 1\n{}",
                    out.status.code(),
                    text(&out)
                ));
            }
            if err.contains("panicked") {
                failures.push(format!("{what}: panicked\n{err}"));
            }
            if !err.contains(&location) {
                failures.push(format!("{what}: no `{location}` in\n{err}"));
            }
            if !err.contains(&fragment) {
                failures.push(format!("{what}: no `{fragment}` in\n{err}"));
            }
            for leak in testkit::corpus::leaked(&text(&out), &case.secrets) {
                failures.push(format!("{what}: printed the secret `{leak}`"));
            }
        }
        // One independent read per case (kafka-python): none of its runs
        // may have changed the scoped topics.
        let after = scoped_state(&prefix);
        if after != before {
            failures.push(format!(
                "{} ({}): the broker changed:\nbefore {before:?}\nafter  {after:?}",
                case.name,
                case.verbs.join(", ")
            ));
        }
        delete_scoped(&prefix);
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs over {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{} cases, {runs} runs: all exit 1 with a location, nothing applied",
        cases.len()
    );
}
