//! Shared helpers of the integration tests (`moto`, `bad_configs`, `faults`,
//! `stale_and_secrets`): the real binary, moto through `AWS_ENDPOINT_URL`,
//! Glue and Athena clients for checking moto's state, private moto servers,
//! and a fault-injecting (or plain recording) proxy.

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
    testkit::require_service("moto (the AWS emulator, ATHENA_TEST_ENDPOINT)", hostport);
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
        .env_remove("AWS_GLUE_CATALOG_ID")
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
    /// Forward to moto, read its whole answer, then close the connection
    /// without passing the answer on: moto applied the request, the client
    /// never learns it.
    Lose,
    /// Forward to moto at once, but pass its answer on only after this long
    /// (past the client's attempt timeout: applied, answer too late).
    LateAnswer(Duration),
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

/// A proxy policy that applies `f` to the n-th request (0-based) of each
/// target (`X-Amz-Target`).
pub fn per_target(
    f: impl Fn(&str, usize) -> Fault + Send + Sync + 'static,
) -> impl Fn(usize, &str, usize) -> Fault + Send + Sync + 'static {
    let seen: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
    move |_, target, _| {
        let mut seen = seen.lock().unwrap();
        let n = seen.entry(target.to_string()).or_insert(0);
        let fault = f(target, *n);
        *n += 1;
        fault
    }
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
        Fault::Forward | Fault::Lose | Fault::LateAnswer(_) => {}
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
    match fault {
        Fault::Lose => return Ok(()),
        Fault::LateAnswer(d) => tokio::time::sleep(d).await,
        _ => {}
    }
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

/// Runs the binary against moto in a working directory.
pub fn athena_in(args: &[&str], cwd: &Path) -> Run {
    require_moto();
    let mut cmd = command(&endpoint());
    cmd.args(args).current_dir(cwd);
    run(cmd)
}

/// Starts the binary against `url` in `cwd` with piped output (for tests
/// that act on the endpoint while it runs).
pub fn spawn(url: &str, args: &[&str], cwd: &Path) -> std::process::Child {
    let mut cmd = command(url);
    cmd.args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.spawn().expect("start athena")
}

/// `plan --detailed-exitcode` shows no changes.
pub fn assert_no_changes(cfg: &Path) {
    let r = athena(&["plan", "--detailed-exitcode", s(cfg)]);
    assert_eq!(r.code, 0, "expected no changes:\n{r}");
    assert!(r.stdout.contains("No changes"), "{r}");
}

/// `apply --auto-approve [extra] cfg` succeeds.
pub fn apply_ok(cfg: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["apply", "--auto-approve"];
    args.extend_from_slice(extra);
    args.push(s(cfg));
    let r = athena(&args);
    assert_eq!(r.code, 0, "apply failed:\n{r}");
    r
}

/// An Athena client on `url` (moto).
pub fn athena_client_at(url: &str) -> aws_sdk_athena::Client {
    let conf = aws_sdk_athena::Config::builder()
        .behavior_version(aws_sdk_athena::config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_sdk_athena::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_athena::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_athena::Client::from_conf(conf)
}

/// Statements moto's Athena recorded with `db` as their context database,
/// in the order moto lists them.
pub async fn recorded_queries(db: &str) -> Vec<String> {
    require_moto();
    let a = athena_client_at(&endpoint());
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = a
            .list_query_executions()
            .set_next_token(token)
            .send()
            .await
            .expect("ListQueryExecutions on moto");
        for id in r.query_execution_ids.unwrap_or_default() {
            let q = a
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .expect("GetQueryExecution on moto");
            if let Some(q) = q.query_execution {
                if q.query_execution_context
                    .and_then(|c| c.database)
                    .as_deref()
                    == Some(db)
                {
                    out.push(q.query.unwrap_or_default());
                }
            }
        }
        token = r.next_token;
        if token.is_none() {
            return out;
        }
    }
}

/// moto's Glue table.
pub async fn table(db: &str, name: &str) -> aws_sdk_glue::types::Table {
    glue()
        .get_table()
        .database_name(db)
        .name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetTable {db}.{name} on moto: {e:?}"))
        .table
        .expect("a table")
}

/// Column names of a Glue table.
pub fn col_names(t: &aws_sdk_glue::types::Table) -> Vec<String> {
    t.storage_descriptor
        .as_ref()
        .and_then(|s| s.columns.as_ref())
        .map(|c| c.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default()
}

/// Registered partition values of a table (`a/b`), sorted.
pub async fn partition_values(db: &str, t: &str) -> Vec<String> {
    let g = glue();
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = g
            .get_partitions()
            .database_name(db)
            .table_name(t)
            .set_next_token(token)
            .send()
            .await
            .expect("GetPartitions on moto");
        for p in r.partitions.unwrap_or_default() {
            out.push(p.values.unwrap_or_default().join("/"));
        }
        token = r.next_token;
        if token.is_none() {
            break;
        }
    }
    out.sort();
    out
}

/// A private moto server (for tests that reconfigure its Athena state
/// machine, which would disturb the tests sharing the main one). Killed on
/// drop.
pub struct PrivateMoto {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a private moto server on a free port.
pub fn private_moto() -> PrivateMoto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto_server (pip install 'moto[server]'; scripts/services.sh needs it too): {e}"));
    let m = PrivateMoto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..150 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return m;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not start on port {port}");
}

/// POSTs JSON to a moto control endpoint (e.g. its state manager); panics
/// unless the answer is 2xx.
pub fn http_post(url: &str, path: &str, body: &str) {
    use std::io::{Read, Write};
    let hostport = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(hostport).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 2") || resp.starts_with("HTTP/1.0 2"),
        "{resp}"
    );
}

/// Every query execution moto's Athena at `url` recorded, read with boto3
/// (`support/moto_queries.py`): `query`, `database`, `workgroup`,
/// `output_location`, `state`, in moto's order. Fails when python3/boto3 is
/// missing.
pub fn boto3_queries(url: &str, region: &str) -> Vec<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/moto_queries.py");
    let out = Command::new("python3")
        .args([script, url, region])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed (with boto3) to read moto's queries: {e}"));
    assert!(
        out.status.success(),
        "moto_queries.py failed (pip install boto3):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from moto_queries.py")
}

/// `(query, database)` of each recorded query.
pub fn statements_and_databases(q: &[serde_json::Value]) -> Vec<(String, Option<String>)> {
    q.iter()
        .map(|v| {
            (
                v["query"].as_str().unwrap_or_default().to_string(),
                v["database"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Runs Python `code` with `glue` and `athena` boto3 clients on moto
/// (independent of the tool's SDK) and returns its stdout, trimmed.
pub fn boto3(code: &str) -> String {
    require_moto();
    let preamble = format!(
        "import boto3, json\nkw = dict(endpoint_url={:?}, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\nglue = boto3.client('glue', **kw)\nathena = boto3.client('athena', **kw)\n",
        endpoint()
    );
    let out = Command::new("python3")
        .args(["-c", &format!("{preamble}{code}")])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed (with boto3): {e}"));
    assert!(
        out.status.success(),
        "boto3 script failed:\n{code}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
