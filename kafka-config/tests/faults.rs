//! Faults without a cluster: an unreachable broker (bounded retries, clear
//! error, bounded time) and servers that are not Kafka. A real broker
//! stopped or hung in the middle of an apply: tests/broker_restart.rs.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{stderr, text};

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
    // Port 1: privileged, nothing listens there.
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
