//! Shared helpers of the reliability tests (`bad_configs`, `faults`,
//! `stale_and_secrets`): the real binary, moto through `AWS_ENDPOINT_URL`,
//! a Glue client for checking moto's state, and a fault-injecting proxy.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:5000";

/// moto's URL (`ATHENA_TEST_ENDPOINT` overrides the default).
pub fn endpoint() -> String {
    std::env::var("ATHENA_TEST_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_string())
}

/// Fails (never skips) when moto is not reachable.
pub fn require_moto() {
    let url = endpoint();
    let hostport = url.trim_start_matches("http://").trim_end_matches('/');
    let addr: std::net::SocketAddr = hostport
        .parse()
        .unwrap_or_else(|e| panic!("bad ATHENA_TEST_ENDPOINT {url}: {e}"));
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_err() {
        panic!("moto server not reachable at {url}: run scripts/services.sh up (or `moto_server -H 127.0.0.1 -p 5000`)");
    }
}

/// The result of one run of the binary.
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// A command for the binary with the test credentials and `endpoint` as
/// `AWS_ENDPOINT_URL`; nothing from the caller's AWS environment leaks in.
pub fn command(endpoint: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_athena"));
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_MAX_ATTEMPTS")
        .env_remove("AWS_RETRY_MODE")
        .env_remove("AWS_WORKGROUP")
        .env_remove("AWS_OUTPUT_LOCATION")
        .env_remove("RUST_LOG");
    cmd
}

/// Runs a prepared command to completion.
pub fn run(mut cmd: Command) -> Run {
    let started = Instant::now();
    let out = cmd.output().expect("run athena");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs the binary against moto.
pub fn athena(args: &[&str]) -> Run {
    require_moto();
    let mut cmd = command(&endpoint());
    cmd.args(args);
    run(cmd)
}

/// Runs the binary (off the async runtime's thread).
pub async fn athena_async(cmd: Command) -> Run {
    tokio::task::spawn_blocking(move || run(cmd))
        .await
        .expect("join")
}

/// A unique name for a test (letters, digits, `_`).
pub fn unique(test: &str) -> String {
    format!("r_{test}_{}", std::process::id())
}

/// Writes a file, creating its directory.
pub fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// A path as `&str`.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A Glue client on moto (for setting up and checking state).
pub fn glue() -> aws_sdk_glue::Client {
    require_moto();
    let conf = aws_sdk_glue::Config::builder()
        .behavior_version(aws_sdk_glue::config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_sdk_glue::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_glue::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_glue::Client::from_conf(conf)
}

/// moto's Glue databases whose name starts with `prefix`, each with its
/// description, location, parameters and tables (name -> full debug text
/// of the table, which includes version, columns, storage and parameters).
pub async fn catalog(prefix: &str) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let g = glue();
    let mut out = BTreeMap::new();
    let dbs = g
        .get_databases()
        .send()
        .await
        .expect("GetDatabases on moto");
    for db in dbs.database_list {
        if !db.name.starts_with(prefix) {
            continue;
        }
        let mut tables = BTreeMap::new();
        let r = g
            .get_tables()
            .database_name(&db.name)
            .send()
            .await
            .expect("GetTables on moto");
        for t in r.table_list.unwrap_or_default() {
            tables.insert(t.name.clone(), format!("{t:?}"));
        }
        let head = format!(
            "{:?} {:?} {:?}",
            db.description, db.location_uri, db.parameters
        );
        out.insert(db.name.clone(), (head, tables));
    }
    out
}

/// Deletes every table and the database.
pub async fn cleanup(db: &str) {
    let g = glue();
    if let Ok(r) = g.get_tables().database_name(db).send().await {
        for t in r.table_list.unwrap_or_default() {
            let _ = g.delete_table().database_name(db).name(t.name).send().await;
        }
    }
    let _ = g.delete_database().name(db).send().await;
}

/// What the fault proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward to moto.
    Forward,
    /// Answer HTTP 400 `ThrottlingException` without forwarding.
    Throttle,
    /// Close the connection without answering.
    Close,
    /// Wait this long, then forward.
    Delay(Duration),
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `X-Amz-Target`, e.g. `AWSGlue.CreateTable`.
    pub target: String,
    /// What the proxy did.
    pub fault: Fault,
    /// When it arrived, from the proxy's start.
    pub at: Duration,
    /// The request body (JSON).
    pub body: String,
}

type Policy = dyn Fn(usize, &str, usize) -> Fault + Send + Sync;

/// A fault-injecting HTTP proxy in front of moto on 127.0.0.1 (one request
/// per connection, `Connection: close`). The policy gets the request's
/// index, its `X-Amz-Target` and the number of Glue writes let through so far.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Every request, in arrival order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Targets of the requests seen, in order.
    pub fn targets(&self) -> Vec<(String, Fault)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| (s.target.clone(), s.fault))
            .collect()
    }
}

/// Whether an `X-Amz-Target` is a Glue or Athena call that changes state.
pub fn is_write(target: &str) -> bool {
    let op = target.rsplit('.').next().unwrap_or("");
    [
        "Create",
        "Update",
        "Delete",
        "BatchCreate",
        "BatchDelete",
        "StartQuery",
    ]
    .iter()
    .any(|p| op.starts_with(p))
}

/// Whether an `X-Amz-Target` is a Glue call that changes state.
pub fn is_glue_write(target: &str) -> bool {
    target.starts_with("AWSGlue.") && is_write(target)
}

/// Starts a proxy on a free port (needs a multi-threaded or current tokio
/// runtime that keeps running while the binary runs: use `athena_async`).
pub async fn fault_proxy(
    policy: impl Fn(usize, &str, usize) -> Fault + Send + Sync + 'static,
) -> FaultProxy {
    require_moto();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let policy: Arc<Policy> = Arc::new(policy);
    let counter = Arc::new(AtomicUsize::new(0));
    let writes = Arc::new(AtomicUsize::new(0));
    let upstream = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let started = Instant::now();
    let task = tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let (log, policy, counter, writes, upstream) = (
                log.clone(),
                policy.clone(),
                counter.clone(),
                writes.clone(),
                upstream.clone(),
            );
            tokio::spawn(async move {
                let _ = handle(
                    client, &log, &*policy, &counter, &writes, &upstream, started,
                )
                .await;
            });
        }
    });
    FaultProxy { url, seen, task }
}

async fn handle(
    mut client: tokio::net::TcpStream,
    log: &Mutex<Vec<Seen>>,
    policy: &Policy,
    counter: &AtomicUsize,
    writes: &AtomicUsize,
    upstream: &str,
    started: Instant,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find(|l| l.to_lowercase().starts_with(&format!("{name}:")))
            .map(|l| l[name.len() + 1..].trim().to_string())
    };
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let target = header("x-amz-target").unwrap_or_default();
    let index = counter.fetch_add(1, Ordering::SeqCst);
    // Writes are counted when they are let through (not when moto answers),
    // so concurrent requests see a consistent count.
    let fault = {
        let mut seen = log.lock().unwrap();
        let fault = policy(index, &target, writes.load(Ordering::SeqCst));
        if fault != Fault::Close && fault != Fault::Throttle && is_glue_write(&target) {
            writes.fetch_add(1, Ordering::SeqCst);
        }
        seen.push(Seen {
            target: target.clone(),
            fault,
            at: started.elapsed(),
            body: String::from_utf8_lossy(&buf[header_end..]).into_owned(),
        });
        fault
    };
    match fault {
        Fault::Close => return Ok(()),
        Fault::Throttle => {
            let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded (injected by the test proxy)"}"#;
            let resp = format!(
                "HTTP/1.1 400 Bad Request\r\nx-amzn-ErrorType: ThrottlingException\r\nx-amzn-RequestId: proxy-{index}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(resp.as_bytes()).await?;
            return client.shutdown().await;
        }
        Fault::Delay(d) => tokio::time::sleep(d).await,
        Fault::Forward => {}
    }
    let head_close: String = head
        .split("\r\n")
        .filter(|l| !l.to_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let head_close = head_close.trim_end().to_string() + "\r\nConnection: close\r\n\r\n";
    let mut up = tokio::net::TcpStream::connect(upstream).await?;
    up.write_all(head_close.as_bytes()).await?;
    up.write_all(&buf[header_end..]).await?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).await?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(resp.len());
    let rhead: String = String::from_utf8_lossy(&resp[..split])
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    client
        .write_all(format!("{rhead}\r\nConnection: close\r\n\r\n").as_bytes())
        .await?;
    client.write_all(&resp[split..]).await?;
    client.shutdown().await
}
