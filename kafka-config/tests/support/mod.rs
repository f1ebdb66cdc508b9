//! Shared helpers of the integration tests: a real broker (tansu from
//! scripts/services.sh, or KAFKA_BOOTSTRAP), the real binary, unique topic
//! prefixes per test, and an independent client for out-of-band changes.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kafka_config::kafka::{Client, ConfigEntry, NewTopic};
use kafka_config::model::{Cluster, Protocol};

/// The broker address the tests use.
pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into())
}

/// Fails the test clearly when the broker is not reachable.
pub fn require_broker() {
    let addr = bootstrap();
    let ok = addr
        .parse::<std::net::SocketAddr>()
        .ok()
        .and_then(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(3)).ok()
        })
        .is_some();
    assert!(
        ok,
        "Kafka broker not reachable at {addr}: run scripts/services.sh up (or set KAFKA_BOOTSTRAP)"
    );
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
        let prefix = format!("kc-{}-{}-", test.replace('_', "-"), std::process::id());
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

    /// Writes cluster.yaml; `extra` is appended (settings overrides, deletion...).
    pub fn write_cluster(&self, extra: &str) {
        self.write_cluster_mode("authoritative", extra)
    }

    /// Writes cluster.yaml with a management mode.
    pub fn write_cluster_mode(&self, mode: &str, extra: &str) {
        let scope = regex_escape(&self.prefix);
        let text = format!(
            "clusters:\n  test:\n    bootstrap_servers: [\"{}\"]\n    request_timeout: 10s\nsettings:\n  scope: ['^{scope}']\n  mode: {mode}\n{extra}",
            bootstrap(),
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
        let names: Vec<String> = block_on(async {
            let mut c = client().await;
            c.metadata()
                .await
                .expect("metadata")
                .topics
                .into_keys()
                .collect::<Vec<_>>()
        })
        .into_iter()
        .filter(|n| n.starts_with(&self.prefix) || n.starts_with(&format!("__{}", self.prefix)))
        .collect();
        if !names.is_empty() {
            block_on(async { client().await.delete_topics(&names).await.expect("delete") });
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.cleanup();
        }
    }
}

fn regex_escape(s: &str) -> String {
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

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// An independent admin connection ("another client").
pub async fn client() -> Client {
    let cluster = Cluster {
        name: "test".into(),
        bootstrap: vec![bootstrap()],
        protocol: Protocol::Plaintext,
        sasl: None,
        tls: None,
        request_timeout_ms: 10_000,
        client_id: "kafka-config-tests".into(),
    };
    Client::connect(&cluster)
        .await
        .expect("connect to the broker")
}

/// Live configs of a topic as name → value.
pub fn configs(topic: &str) -> BTreeMap<String, String> {
    block_on(async {
        let mut c = client().await;
        let all = c
            .describe_topic_configs(&[topic.to_string()], 10)
            .await
            .expect("describe");
        all.get(topic)
            .map(|v: &Vec<ConfigEntry>| {
                v.iter()
                    .filter_map(|e| e.value.clone().map(|x| (e.name.clone(), x)))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Topic names on the broker.
pub fn topics() -> Vec<String> {
    block_on(async {
        client()
            .await
            .metadata()
            .await
            .expect("metadata")
            .topics
            .into_keys()
            .collect()
    })
}

/// Partition count of a topic.
pub fn partitions(topic: &str) -> Option<usize> {
    block_on(async {
        client()
            .await
            .metadata()
            .await
            .expect("metadata")
            .topics
            .get(topic)
            .map(|t| t.partitions.len())
    })
}

/// Sets a config with IncrementalAlterConfigs, outside the tool.
pub fn set_config(topic: &str, key: &str, value: &str) {
    block_on(async {
        let mut set = BTreeMap::new();
        set.insert(key.to_string(), value.to_string());
        let out = client()
            .await
            .alter_topic_configs(&[(topic.to_string(), set, vec![])])
            .await
            .expect("alter");
        assert!(out.iter().all(|(_, e)| e.is_none()), "{out:?}");
    })
}

/// Creates a topic outside the tool.
pub fn create_topic(name: &str, partitions: i32) {
    block_on(async {
        let t = NewTopic {
            name: name.into(),
            partitions,
            replication_factor: 1,
            configs: BTreeMap::new(),
        };
        let out = client()
            .await
            .create_topics(&[t], 10)
            .await
            .expect("create");
        assert!(out.iter().all(|(_, e)| e.is_none()), "{out:?}");
    })
}
