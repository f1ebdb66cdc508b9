//! Faults: an unreachable broker (bounded retries, clear error, bounded
//! time) and a broker killed in the middle of an apply (non-zero exit, a
//! report of what was and was not applied, convergence on a new broker).

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use kafka_config::kafka::Client;
use kafka_config::model::{Cluster, Protocol};
use support::{block_on, stderr, stdout, text};

/// A local port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args(args)
        .arg(dir)
        .env_remove("KAFKA_CONFIG_ENV")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kafka-config")
}

#[test]
fn unreachable_broker_is_retried_a_bounded_number_of_times() {
    // Port 1: privileged, nothing listens there (a port freed by a bind could
    // be handed to the private broker of the other test running in parallel).
    let port = 1;
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("c.yaml"),
        format!(
            "clusters:\n  x:\n    bootstrap_servers: [\"{addr}\"]\n    request_timeout: 2s\ntopics:\n  - name: kc-unreachable\n    partitions: 1\n    replication_factor: 1\n"
        ),
    )
    .expect("write");
    let import_out = dir.path().join("imported.yaml");
    let import_out = import_out.to_str().expect("utf-8");
    for args in [
        vec!["plan"],
        vec!["apply", "--auto-approve"],
        vec!["import", "-o", import_out],
    ] {
        let start = Instant::now();
        let out = run_in(dir.path(), &args);
        let took = start.elapsed();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "Kafka is not reachable at {addr} after 3 attempts"
            )),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("Connection refused") || err.contains("refused"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // 3 attempts with 200 ms + 400 ms of backoff: well under 5 s.
        assert!(
            took < Duration::from_secs(5),
            "{args:?} took {took:?}: retries must be bounded"
        );
        assert!(
            took >= Duration::from_millis(600),
            "{args:?} took {took:?}: no backoff?"
        );
    }
    assert!(!Path::new(import_out).exists(), "import wrote a file");
}

/// The tansu binary: on PATH or in ~/.cargo/bin.
fn tansu_bin() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let candidates = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| Path::new(d).join("tansu"))
        .chain([Path::new(&home).join(".cargo/bin/tansu")])
        .collect::<Vec<_>>();
    candidates.into_iter().find(|p| p.is_file()).expect(
        "tansu is not installed (needed to start a private broker): run scripts/services.sh up, or cargo install tansu --version 0.6.0 --locked --features dynostore",
    )
}

/// A private tansu broker, killed on drop.
struct Broker {
    child: Child,
}

impl Broker {
    /// Starts tansu on `port`; `None` when it exits instead of listening
    /// (the port was taken meanwhile, e.g. by the other test's broker).
    fn try_start(port: u16) -> Option<Broker> {
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_bin())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
                "--storage-engine",
                "memory://tansu/",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let mut broker = Broker { child };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = broker.child.try_wait() {
                return None;
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                // Listening, and still ours (not another process on the port).
                std::thread::sleep(Duration::from_millis(100));
                return match broker.child.try_wait() {
                    Ok(None) => Some(broker),
                    _ => None,
                };
            }
            assert!(
                Instant::now() < deadline,
                "the private tansu broker did not listen on {addr} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts tansu on `port`, failing the test clearly if it cannot.
    fn start(port: u16) -> Broker {
        Broker::try_start(port)
            .unwrap_or_else(|| panic!("the private tansu broker exited: port {port} is taken?"))
    }

    /// Starts tansu on a free port: (broker, port).
    fn start_free() -> (Broker, u16) {
        for _ in 0..5 {
            let port = closed_port();
            if let Some(b) = Broker::try_start(port) {
                return (b, port);
            }
        }
        panic!("could not start a private tansu broker on a free port (5 tries)");
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn topic_count(port: u16, prefix: &str) -> Option<usize> {
    block_on(async {
        let cluster = Cluster {
            name: "private".into(),
            bootstrap: vec![format!("127.0.0.1:{port}")],
            protocol: Protocol::Plaintext,
            sasl: None,
            tls: None,
            request_timeout_ms: 2_000,
            client_id: "kafka-config-tests".into(),
        };
        let mut c = Client::connect(&cluster).await.ok()?;
        let meta = c.metadata().await.ok()?;
        Some(meta.topics.keys().filter(|t| t.starts_with(prefix)).count())
    })
}

/// Number of addresses under a "Applied (n):" or "Not applied (n):" header.
fn count_after(report: &str, header: &str) -> usize {
    report
        .lines()
        .find_map(|l| {
            l.strip_prefix(header)
                .and_then(|r| r.strip_suffix("):"))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no `{header}n):` in\n{report}"))
}

#[test]
fn broker_killed_mid_apply_reports_and_converges_on_rerun() {
    const TOPICS: usize = 2000;
    let prefix = "kc-killed-";
    let (mut broker, port) = Broker::start_free();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut yaml = format!(
        "clusters:\n  private:\n    bootstrap_servers: [\"127.0.0.1:{port}\"]\n    request_timeout: 5s\nsettings:\n  scope: ['^kc\\-killed\\-']\n  batch_size: 1\ntopics:\n"
    );
    for i in 0..TOPICS {
        yaml.push_str(&format!(
            "  - name: {prefix}{i:04}\n    partitions: 1\n    replication_factor: 1\n    configs: {{retention.ms: 1d}}\n"
        ));
    }
    std::fs::write(dir.path().join("topics.yaml"), yaml).expect("write");

    // Output goes to files: a pipe nobody reads would block the plan output.
    let out_path = dir.path().join("apply.out");
    let err_path = dir.path().join("apply.err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args(["apply", "--auto-approve", "--no-color"])
        .arg(dir.path().join("topics.yaml"))
        .env_remove("KAFKA_CONFIG_ENV")
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(&out_path).expect("create"))
        .stderr(std::fs::File::create(&err_path).expect("create"))
        .spawn()
        .expect("run apply");
    // Kill the broker once the apply has created some topics, not all.
    let start = Instant::now();
    let seen = loop {
        let n = topic_count(port, prefix).unwrap_or(0);
        if n >= 50 {
            break n;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the apply ended ({status}) before the broker was killed:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the apply created no topics within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        seen < TOPICS,
        "the apply finished before the broker was killed"
    );
    broker.kill();
    let killed_at = Instant::now();
    let status = child.wait().expect("wait apply");
    let after_kill = killed_at.elapsed();
    let err = std::fs::read_to_string(&err_path).expect("read stderr");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("error: apply failed"), "{err}");
    assert!(
        err.contains(&format!("the outcome of topic.{prefix}")),
        "the in-flight change is flagged:\n{err}"
    );
    assert!(
        err.contains(&format!("127.0.0.1:{port}")),
        "the error names the broker:\n{err}"
    );
    let applied = count_after(&err, "Applied (");
    let not_applied = count_after(&err, "Not applied (");
    assert_eq!(applied + not_applied, TOPICS, "{err}");
    assert!(
        applied >= seen.saturating_sub(1),
        "seen {seen} topics, report says {applied} applied:\n{err}"
    );
    assert!(not_applied >= 1, "{err}");
    assert!(err.contains(&format!("+ topic.{prefix}0000")), "{err}");
    assert!(
        after_kill < Duration::from_secs(30),
        "apply took {after_kill:?} to give up after the broker died"
    );
    eprintln!(
        "killed after {seen} topics seen; report: {applied} applied, {not_applied} not applied; apply gave up {after_kill:?} after the kill\n{}",
        err.lines().next().unwrap_or_default()
    );

    // A new broker on the same port (memory storage: it starts empty). The
    // re-run creates everything and then plans no changes.
    let _broker2 = Broker::start(port);
    let rerun = run_in(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert!(
        stdout(&rerun).contains("Apply complete!"),
        "{}",
        text(&rerun)
    );
    let plan = run_in(dir.path(), &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(stdout(&plan).contains("No changes."), "{}", text(&plan));
    assert_eq!(topic_count(port, prefix), Some(TOPICS));
}

#[test]
fn hung_broker_times_out_reports_and_converges_after_it_resumes() {
    // A broker that stops answering (SIGSTOP) instead of dying: the apply
    // gives up after `request_timeout`, reports what was done, and a re-run
    // against the same broker, resumed with its state, converges.
    const TOPICS: usize = 2000;
    let prefix = "kc-hung-";
    let (broker, port) = Broker::start_free();
    let pid = broker.child.id().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut yaml = format!(
        "clusters:\n  private:\n    bootstrap_servers: [\"127.0.0.1:{port}\"]\n    request_timeout: 2s\nsettings:\n  scope: ['^kc\\-hung\\-']\n  batch_size: 1\ntopics:\n"
    );
    for i in 0..TOPICS {
        yaml.push_str(&format!(
            "  - name: {prefix}{i:04}\n    partitions: 1\n    replication_factor: 1\n"
        ));
    }
    std::fs::write(dir.path().join("topics.yaml"), yaml).expect("write");
    let err_path = dir.path().join("apply.err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args(["apply", "--auto-approve", "--no-color"])
        .arg(dir.path().join("topics.yaml"))
        .env_remove("KAFKA_CONFIG_ENV")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("create"))
        .spawn()
        .expect("run apply");
    let start = Instant::now();
    loop {
        if topic_count(port, prefix).unwrap_or(0) >= 50 {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the apply ended ({status}) before the broker was stopped:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the apply created no topics within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stop = Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .expect("kill -STOP");
    assert!(stop.success());
    let stopped_at = Instant::now();
    let status = child.wait().expect("wait apply");
    let gave_up = stopped_at.elapsed();
    let resume = Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .expect("kill -CONT");
    assert!(resume.success());
    let err = std::fs::read_to_string(&err_path).expect("read stderr");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert!(
        err.contains("is unknown (it may have been carried out"),
        "the in-flight change is flagged:\n{err}"
    );
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    let applied = count_after(&err, "Applied (");
    let not_applied = count_after(&err, "Not applied (");
    assert_eq!(applied + not_applied, TOPICS, "{err}");
    assert!(applied >= 49 && not_applied >= 1, "{err}");
    // request_timeout is 2 s; a write is never re-sent blindly.
    assert!(
        gave_up < Duration::from_secs(8),
        "apply took {gave_up:?} to give up on a hung broker"
    );
    eprintln!(
        "hung broker: apply gave up {gave_up:?} after SIGSTOP; report: {applied} applied, {not_applied} not applied\n{}",
        err.lines().next().unwrap_or_default()
    );

    // Same broker, same state: the re-run applies the rest, then no changes.
    let rerun = run_in(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    let created: usize = stdout(&rerun)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Apply complete! ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no summary:\n{}", text(&rerun)));
    assert!(
        created <= not_applied && created + applied >= TOPICS - 1,
        "the re-run created {created}; the report said {applied} applied / {not_applied} not"
    );
    let plan = run_in(dir.path(), &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(stdout(&plan).contains("No changes."), "{}", text(&plan));
    assert_eq!(topic_count(port, prefix), Some(TOPICS));
}

/// A local server that answers every connection with `reply`, then closes.
fn fake_server(reply: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
        }
    });
    port
}

#[test]
fn a_server_that_is_not_kafka_is_named_as_such() {
    for (reply, expected) in [
        (
            &b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"[..],
            "the server answered HTTP, not the Kafka protocol",
        ),
        (
            &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46][..],
            "the server answered TLS: set `security.protocol: SSL`",
        ),
    ] {
        let port = fake_server(reply);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("c.yaml"),
            format!("clusters:\n  x:\n    bootstrap_servers: [\"127.0.0.1:{port}\"]\n    request_timeout: 2s\ntopics: []\n"),
        )
        .expect("write");
        let start = Instant::now();
        let out = run_in(dir.path(), &["plan"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = stderr(&out);
        assert!(err.contains(expected), "{err}");
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
}
