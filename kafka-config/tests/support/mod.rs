//! Shared helpers of the integration tests: the real Apache Kafka cluster of
//! scripts/services.sh (or KAFKA_BOOTSTRAP), the real binary, unique topic
//! prefixes per test, and INDEPENDENT clients to set up out-of-band state and
//! verify outcomes: kafka-python (support/kadmin.py) and Kafka's own
//! command-line tools from the cluster's jars. Never kafka-config's client.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// The broker address the tests use (node 1's PLAINTEXT listener).
pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Where scripts/services.sh keeps the cluster: jars (lib/), TLS material
/// (tls/), logs. KAFKA_TEST_HOME overrides it, as for services.sh; else the
/// directory of the running node 1 (`kafka.Kafka <home>/node1.properties`,
/// so a cluster started from another checkout is found with its own TLS
/// material); else this checkout's `.services/kafka`.
pub fn kafka_home() -> PathBuf {
    if let Some(h) = std::env::var_os("KAFKA_TEST_HOME") {
        return PathBuf::from(h);
    }
    running_node1_home().unwrap_or_else(|| repo_root().join(".services/kafka"))
}

fn running_node1_home() -> Option<PathBuf> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.iter().any(|a| a == "kafka.Kafka") {
            continue;
        }
        if let Some(props) = args.iter().find(|a| a.ends_with("/node1.properties")) {
            return Path::new(props).parent().map(Path::to_path_buf);
        }
    }
    None
}

/// A file of the cluster's TLS material (ca.pem, client.pem, client.key, other-ca.pem).
pub fn tls_file(name: &str) -> String {
    let p = kafka_home().join("tls").join(name);
    assert!(
        p.is_file(),
        "{} is missing: run scripts/services.sh up (or set KAFKA_TEST_HOME to the checkout that started the cluster)",
        p.display()
    );
    p.to_str().expect("utf-8 path").to_string()
}

/// Fails the test with the reason when the cluster or the independent
/// clients are missing. Never skips.
pub fn require_broker() {
    testkit::require_service("the Kafka broker (KAFKA_BOOTSTRAP)", &bootstrap());
    let py = Command::new("python3")
        .args(["-c", "import kafka"])
        .output();
    assert!(
        py.map(|o| o.status.success()).unwrap_or(false),
        "kafka-python (the tests' independent client) is not installed: run scripts/services.sh up"
    );
}

/// The long-lived kafka-python helper of this test process (one admin
/// connection reused by every call; a process per call costs ~0.5 s).
struct Helper {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: std::io::BufReader<std::process::ChildStdout>,
}

static HELPER: std::sync::Mutex<Option<Helper>> = std::sync::Mutex::new(None);

fn kadmin_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/kadmin.py")
}

/// Runs `op` with JSON `args` in the kafka-python helper (support/kadmin.py)
/// and returns its answer; panics with the helper's error.
pub fn kadmin(op: &str, args: Value) -> Value {
    match kadmin_try(op, args) {
        Ok(v) => v,
        Err(e) => panic!("kafka-python `{op}` failed: {e}"),
    }
}

/// Like [`kadmin`], but returns the helper's error instead of panicking.
pub fn kadmin_try(op: &str, args: Value) -> Result<Value, String> {
    use std::io::{BufRead, Write};
    let mut guard = HELPER.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        let mut child = Command::new("python3")
            .arg(kadmin_script())
            .arg("--serve")
            .env("KAFKA_BOOTSTRAP", bootstrap())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start python3 (kafka-python helper)");
        let input = child.stdin.take().expect("stdin");
        let output = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        *guard = Some(Helper {
            child,
            input,
            output,
        });
    }
    let h = guard.as_mut().expect("helper");
    let req = json!({ "op": op, "args": args }).to_string();
    let mut line = String::new();
    let io = writeln!(h.input, "{req}")
        .and_then(|_| h.input.flush())
        .and_then(|_| h.output.read_line(&mut line));
    if io.is_err() || line.is_empty() {
        let _ = h.child.kill();
        *guard = None;
        return Err(format!("the kafka-python helper died ({io:?})"));
    }
    let ans: Value = serde_json::from_str(&line).map_err(|e| format!("bad JSON ({e}): {line}"))?;
    match ans.get("error") {
        Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
        None => Ok(ans["ok"].clone()),
    }
}

/// Like [`kadmin`], but returns the raw output (for expected failures).
pub fn kadmin_output(op: &str, args: Value) -> Output {
    Command::new("python3")
        .arg(kadmin_script())
        .arg(op)
        .arg(args.to_string())
        .env("KAFKA_BOOTSTRAP", bootstrap())
        .output()
        .expect("run python3 (kafka-python helper)")
}

/// Runs one of Kafka's own command-line tools (`class`, e.g.
/// `org.apache.kafka.tools.TopicCommand`) from the cluster's jars.
pub fn kafka_tool(class: &str, args: &[&str]) -> Output {
    let lib = kafka_home().join("lib");
    assert!(
        lib.is_dir(),
        "{} is missing: run scripts/services.sh up",
        lib.display()
    );
    let log4j = repo_root().join("scripts/kafka/tools-log4j2.properties");
    Command::new("java")
        .args(["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"])
        .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
        .arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg(class)
        .args(args)
        .output()
        .expect("run java (Kafka command-line tool)")
}

/// [`kafka_tool`] that must succeed; returns its stdout.
pub fn kafka_tool_ok(class: &str, args: &[&str]) -> String {
    let out = kafka_tool(class, args);
    assert!(out.status.success(), "{class} {args:?}:\n{}", text(&out));
    stdout(&out)
}

/// Runs scripts/services.sh with `args` (kafka-stop N / kafka-start).
pub fn services(args: &[&str]) -> Output {
    Command::new(repo_root().join("scripts/services.sh"))
        .args(args)
        .output()
        .expect("run scripts/services.sh")
}

/// A name unique to this test run: `kc-<test>-<pid>-`.
pub fn unique_prefix(test: &str) -> String {
    format!("kc-{}-{}-", test.replace('_', "-"), std::process::id())
}

/// One test's sandbox: a unique topic prefix, a temp dir with a cluster file
/// scoped to that prefix.
pub struct Ctx {
    pub prefix: String,
    pub dir: tempfile::TempDir,
}

impl Ctx {
    pub fn new(test: &str) -> Ctx {
        require_broker();
        let prefix = unique_prefix(test);
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = Ctx { prefix, dir };
        ctx.write_cluster("");
        ctx.cleanup();
        ctx
    }

    /// A topic name inside this test's scope.
    pub fn topic(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    /// The scope regex of this test (the escaped prefix).
    pub fn scope(&self) -> String {
        regex_escape(&self.prefix)
    }

    /// Writes cluster.yaml; `extra` is appended (settings overrides, deletion...).
    pub fn write_cluster(&self, extra: &str) {
        self.write_cluster_mode("authoritative", extra)
    }

    /// Writes cluster.yaml with a management mode.
    pub fn write_cluster_mode(&self, mode: &str, extra: &str) {
        let text = format!(
            "clusters:\n  test:\n    bootstrap_servers: [\"{}\"]\n    request_timeout: 10s\nsettings:\n  scope: ['^{}']\n  mode: {mode}\n{extra}",
            bootstrap(),
            self.scope(),
        );
        std::fs::write(self.dir.path().join("cluster.yaml"), text).expect("write cluster.yaml");
    }

    /// Writes topics.yaml with `{P}` replaced by the prefix.
    pub fn write_topics(&self, yaml: &str) -> PathBuf {
        let p = self.dir.path().join("topics.yaml");
        std::fs::write(&p, yaml.replace("{P}", &self.prefix)).expect("write topics.yaml");
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the binary with `args` and the config dir as last argument.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut full: Vec<&str> = args.to_vec();
        let dir = self.dir.path().to_str().expect("utf-8 path");
        full.push(dir);
        run(&full)
    }

    pub fn plan(&self) -> Output {
        self.run(&["plan", "--no-color"])
    }

    pub fn apply(&self) -> Output {
        self.run(&["apply", "--auto-approve", "--no-color"])
    }

    /// Applies and asserts success.
    pub fn apply_ok(&self) -> Output {
        let out = self.apply();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        out
    }

    /// Asserts that plan shows no changes (exit 0 with --detailed-exitcode).
    pub fn assert_no_changes(&self) {
        let out = self.run(&["plan", "--detailed-exitcode", "--no-color"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "expected no changes:\n{}",
            text(&out)
        );
        assert!(stdout(&out).contains("No changes."), "{}", text(&out));
    }

    /// Deletes every topic of this test.
    pub fn cleanup(&self) {
        kadmin("delete", json!({ "prefix": self.prefix }));
        kadmin("delete", json!({ "prefix": format!("__{}", self.prefix) }));
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.cleanup();
        }
    }
}

/// Escapes a literal for a scope regex.
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args(args)
        .env_remove("KAFKA_CONFIG_ENV")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kafka-config")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn text(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// A topic as kafka-python sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveTopic {
    /// Replica broker ids, per partition in partition order.
    pub replicas: Vec<Vec<i64>>,
    /// Every config: name → (value, source), e.g. `DYNAMIC_TOPIC_CONFIG`.
    pub configs: BTreeMap<String, (String, String)>,
}

/// Every topic whose name starts with `prefix`, with replicas and configs.
pub fn live_topics(prefix: &str) -> BTreeMap<String, LiveTopic> {
    let v = kadmin("topics", json!({ "prefix": prefix }));
    let obj = v.as_object().expect("topics answer is an object");
    obj.iter()
        .map(|(name, t)| {
            let replicas = t["partitions"]
                .as_array()
                .expect("partitions")
                .iter()
                .map(|r| {
                    r.as_array()
                        .expect("replicas")
                        .iter()
                        .map(|b| b.as_i64().expect("broker id"))
                        .collect()
                })
                .collect();
            let configs = t["configs"]
                .as_object()
                .expect("configs")
                .iter()
                .map(|(k, e)| {
                    (
                        k.clone(),
                        (
                            e[0].as_str().unwrap_or_default().to_string(),
                            e[1].as_str().unwrap_or_default().to_string(),
                        ),
                    )
                })
                .collect();
            (name.clone(), LiveTopic { replicas, configs })
        })
        .collect()
}

/// One topic; waits up to 10 s for it to appear (a broker learns of a new
/// topic through the metadata log a moment after the controller commits),
/// then panics.
pub fn live_topic(topic: &str) -> LiveTopic {
    for _ in 0..100 {
        if let Some(t) = live_topics(topic).remove(topic) {
            return t;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("topic {topic} does not exist (waited 10 s)")
}

/// The topic-level overrides (source DYNAMIC_TOPIC_CONFIG) as name → value.
pub fn configs(topic: &str) -> BTreeMap<String, String> {
    live_topic(topic)
        .configs
        .into_iter()
        .filter(|(_, (_, src))| src == "DYNAMIC_TOPIC_CONFIG")
        .map(|(k, (v, _))| (k, v))
        .collect()
}

/// Asserts that `topic`'s override `key` becomes `expected` (`None`: no
/// override) within 10 s. After a write, a broker that has not yet replayed
/// it from the KRaft metadata log answers the old value for a moment; a
/// value that never arrives still fails, with the last one read.
pub fn assert_config_becomes(topic: &str, key: &str, expected: Option<&str>) {
    let mut last = None;
    for _ in 0..100 {
        last = configs(topic).get(key).cloned();
        if last.as_deref() == expected {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{topic}: {key} is {last:?} after 10 s, expected {expected:?}");
}

/// Topic names on the cluster (all of them).
pub fn topics() -> Vec<String> {
    live_topics("").into_keys().collect()
}

/// Partition count of a topic.
pub fn partitions(topic: &str) -> Option<usize> {
    live_topics(topic).get(topic).map(|t| t.replicas.len())
}

/// Sets a topic config with IncrementalAlterConfigs (kafka-python), outside the tool.
pub fn set_config(topic: &str, key: &str, value: &str) {
    kadmin("alter", json!({ "name": topic, "set": { key: value } }));
}

/// Deletes a topic override (kafka-python), outside the tool.
pub fn delete_config(topic: &str, key: &str) {
    kadmin("alter", json!({ "name": topic, "delete": [key] }));
}

/// Creates a topic outside the tool (kafka-python).
pub fn create_topic(name: &str, partitions: i32) {
    create_topic_rf(name, partitions, 1);
}

/// Creates a topic with a replication factor outside the tool.
pub fn create_topic_rf(name: &str, partitions: i32, rf: i32) {
    kadmin(
        "create",
        json!({ "name": name, "partitions": partitions, "rf": rf }),
    );
    // Visible to the next reader before returning.
    live_topic(name);
}

/// ACLs whose principal or resource name contains `needle`, as JSON objects
/// {principal, host, operation, permission, type, name, pattern} (upper case).
pub fn acls(needle: &str) -> Vec<Value> {
    kadmin("acls", json!({ "contains": needle }))
        .as_array()
        .expect("acls answer")
        .clone()
}

/// Creates ACLs outside the tool: [{principal, operation, type, name, pattern?, permission?}].
pub fn create_acls(list: Value) {
    kadmin("create_acls", json!({ "acls": list }));
}

/// Deletes every ACL whose principal or resource name contains `needle`.
pub fn delete_acls(needle: &str) {
    kadmin("delete_acls", json!({ "contains": needle }));
}

/// Sets (`Some`) or deletes (`None`) a cluster-wide dynamic broker default
/// with Kafka's own `kafka-configs` (ConfigCommand --entity-default).
pub fn broker_default(key: &str, value: Option<&str>) {
    let bs = bootstrap();
    let kv = value.map(|v| format!("{key}={v}"));
    let mut args = vec![
        "--bootstrap-server",
        bs.as_str(),
        "--alter",
        "--entity-type",
        "brokers",
        "--entity-default",
    ];
    match &kv {
        Some(kv) => args.extend(["--add-config", kv.as_str()]),
        None => args.extend(["--delete-config", key]),
    }
    kafka_tool_ok("kafka.admin.ConfigCommand", &args);
}
