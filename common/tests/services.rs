//! Proves the test harness reaches each local service started by
//! `scripts/services.sh up`, speaking each service's own protocol. These tests
//! fail (never skip) when a service is missing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn connect(name: &str, addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap_or_else(|e| {
        panic!("{name} is not reachable at {addr} ({e}): run `scripts/services.sh up` (`make test` does)")
    });
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

#[test]
fn postgres_answers_a_startup_message() {
    let mut s = connect("PostgreSQL", "127.0.0.1:5432");
    let mut body = Vec::new();
    body.extend_from_slice(&196608i32.to_be_bytes()); // protocol 3.0
    for kv in ["user", "postgres", "database", "postgres", ""] {
        body.extend_from_slice(kv.as_bytes());
        body.push(0);
    }
    let mut msg = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    s.write_all(&msg).unwrap();
    let mut head = [0u8; 9];
    s.read_exact(&mut head).unwrap();
    assert_eq!(
        head[0], b'R',
        "expected an Authentication message, got {head:?}"
    );
    let code = i32::from_be_bytes([head[5], head[6], head[7], head[8]]);
    assert_eq!(
        code, 0,
        "expected AuthenticationOk (trust auth for postgres on 127.0.0.1)"
    );
}

#[test]
fn kafka_broker_answers_api_versions() {
    let mut s = connect("The Kafka broker (Apache Kafka)", "127.0.0.1:9092");
    let client = b"harness";
    let mut req = Vec::new();
    req.extend_from_slice(&18i16.to_be_bytes()); // ApiVersions
    req.extend_from_slice(&0i16.to_be_bytes()); // version 0
    req.extend_from_slice(&4242i32.to_be_bytes()); // correlation id
    req.extend_from_slice(&(client.len() as i16).to_be_bytes());
    req.extend_from_slice(client);
    let mut frame = (req.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&req);
    s.write_all(&frame).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut resp = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut resp).unwrap();
    assert_eq!(
        i32::from_be_bytes([resp[0], resp[1], resp[2], resp[3]]),
        4242
    );
    assert_eq!(
        i16::from_be_bytes([resp[4], resp[5]]),
        0,
        "ApiVersions error code"
    );
    let n = i32::from_be_bytes([resp[6], resp[7], resp[8], resp[9]]);
    assert!(n > 5, "the broker lists {n} APIs");
}

#[test]
fn moto_answers_glue_get_databases() {
    let mut s = connect("moto (AWS emulator)", "127.0.0.1:5000");
    let body = "{}";
    let req = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:5000\r\nX-Amz-Target: AWSGlue.GetDatabases\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "moto answered: {resp}");
    assert!(resp.contains("DatabaseList"), "moto answered: {resp}");
}
