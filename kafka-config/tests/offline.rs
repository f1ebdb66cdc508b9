//! CLI tests that need no broker: the example validates, the JSON Schema
//! is printed, bad input fails with a location and exit code 1.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kafka-config"));
    c.env_remove("KAFKA_CONFIG_ENV").env("NO_COLOR", "1");
    c
}

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/kafka-config")
}

#[test]
fn example_validates_in_every_environment() {
    let out = bin().arg("validate").arg(example()).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for env in ["local", "staging"] {
        let out = bin()
            .args(["validate", "--env", env])
            .arg(example())
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = bin()
        .args(["validate", "--env", "prd"])
        .arg(example())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown environment `prd` (--env)"));
}

#[test]
fn schema_is_printed() {
    let out = bin().arg("schema").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let configs = &v["$defs"]["RawTopic"]["properties"]["configs"]["properties"];
    assert!(configs["retention.ms"].is_object(), "{v}");
}

#[test]
fn invalid_yaml_is_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("t.yaml");
    std::fs::write(&p, "topics:\n  - name: a\n    partitions: [1\n").expect("write");
    let out = bin().arg("validate").arg(&p).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("t.yaml:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn published_schema_is_current() {
    let out = bin().arg("schema").output().expect("run");
    let published =
        std::fs::read_to_string(example().join("../../schemas/kafka-config.schema.json"))
            .expect("read schema");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        published,
        "schemas/kafka-config.schema.json is stale: regenerate it with `kafka-config schema > schemas/kafka-config.schema.json`"
    );
}
