//! Trino for the view tests (`views_trino`): a client of Trino's HTTP API
//! (`POST /v1/statement`, then follow `nextUri`), and an "Athena on Trino"
//! proxy in front of moto.
//!
//! moto records Athena queries but runs none, so a view the tool creates
//! through Athena never reaches moto's Glue. The proxy closes that gap the
//! way Athena works: the tool is pointed at it through `AWS_ENDPOINT_URL`
//! (its normal configuration); every request goes on to moto unchanged,
//! except that the SQL of each Athena `StartQueryExecution` is first run on
//! the local Trino (scripts/trino.sh), in the catalog and database of the
//! request's `QueryExecutionContext`. Trino's Hive connector has its Glue
//! metastore on the same moto, so a `CREATE OR REPLACE VIEW` lands in moto's
//! Glue in the `/* Presto View: … */` encoding Athena's engine (Trino)
//! writes. When Trino rejects a statement, moto's `GetQueryExecution`
//! answer for that query is turned into `FAILED` with Trino's message, as
//! Athena reports a failed query.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{endpoint, require_moto};

const DEFAULT_TRINO: &str = "127.0.0.1:8085";

/// Trino's `host:port` (`ATHENA_TEST_TRINO` overrides the default).
pub fn trino_addr() -> String {
    std::env::var("ATHENA_TEST_TRINO").unwrap_or_else(|_| DEFAULT_TRINO.to_string())
}

/// Fails (never skips) when Trino is not reachable.
pub fn require_trino() {
    testkit::require_service(
        "Trino (scripts/trino.sh up; ATHENA_TEST_TRINO)",
        &trino_addr(),
    );
}

/// One HTTP/1.0 exchange with Trino (no chunked answers, the connection
/// closes after it); returns the JSON body.
fn http(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> serde_json::Value {
    let addr = trino_addr();
    let mut s =
        TcpStream::connect(&addr).unwrap_or_else(|e| panic!("connect to Trino {addr}: {e}"));
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write to Trino");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("read from Trino");
    let text = String::from_utf8_lossy(&resp);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("Trino answered {path} with non-JSON ({e}):\n{head}\n{body}"))
}

/// Runs one statement on Trino in `catalog`.`schema` as user `user` and
/// returns its rows, or Trino's error message.
pub fn trino(sql: &str, catalog: &str, schema: &str) -> Result<Vec<serde_json::Value>, String> {
    require_trino();
    let user = [
        ("X-Trino-User", "athena-tests"),
        ("X-Trino-Catalog", catalog),
        ("X-Trino-Schema", schema),
    ];
    let mut r = http("POST", "/v1/statement", &user, sql);
    let mut rows = Vec::new();
    loop {
        if let Some(d) = r["data"].as_array() {
            rows.extend(d.iter().cloned());
        }
        if let Some(e) = r.get("error") {
            return Err(e["message"].as_str().unwrap_or("unknown error").to_string());
        }
        let Some(next) = r["nextUri"].as_str() else {
            return Ok(rows);
        };
        let path = next
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| next.to_string());
        r = http("GET", &path, &user[..1], "");
    }
}

/// One statement the proxy ran on Trino.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The query text, as the tool sent it.
    pub sql: String,
    /// `QueryExecutionContext.Database`.
    pub database: String,
    /// Trino's error message, when it failed.
    pub error: Option<String>,
}

/// The Athena-on-Trino proxy (see the module documentation).
pub struct TrinoProxy {
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub url: String,
    /// The statements run on Trino, in order.
    pub ran: Arc<Mutex<Vec<Ran>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TrinoProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TrinoProxy {
    /// The statements run on Trino so far.
    pub fn ran(&self) -> Vec<Ran> {
        self.ran.lock().unwrap().clone()
    }
}

type Failed = Arc<Mutex<Vec<(String, String)>>>;

/// Starts the proxy on a free port (keep the tokio runtime running while
/// the binary runs: use `athena_async`).
pub async fn trino_proxy() -> TrinoProxy {
    require_moto();
    require_trino();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ran = Arc::new(Mutex::new(Vec::new()));
    let failed: Failed = Arc::new(Mutex::new(Vec::new()));
    let upstream = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let log = ran.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                continue;
            };
            let (log, failed, upstream) = (log.clone(), failed.clone(), upstream.clone());
            tokio::spawn(async move {
                let _ = handle(client, &log, &failed, &upstream).await;
            });
        }
    });
    TrinoProxy { url, ran, task }
}

/// Reads one HTTP request: (head, body).
async fn read_request(c: &mut tokio::net::TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        let n = c.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let len: usize = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        let n = c.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some((head, buf[end..].to_vec())))
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines()
        .find(|l| l.to_lowercase().starts_with(&format!("{name}:")))
        .map(|l| l[name.len() + 1..].trim().to_string())
}

/// Sends the request to moto (`Connection: close`); returns the answer's
/// head lines (without `Connection` and `Content-Length`) and body.
async fn forward(
    upstream: &str,
    head: &str,
    body: &[u8],
) -> std::io::Result<(Vec<String>, Vec<u8>)> {
    let head: String = head
        .split("\r\n")
        .filter(|l| !l.to_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    let head = head.trim_end().to_string() + "\r\nConnection: close\r\n\r\n";
    let mut up = tokio::net::TcpStream::connect(upstream).await?;
    up.write_all(head.as_bytes()).await?;
    up.write_all(body).await?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp).await?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(resp.len());
    let lines = String::from_utf8_lossy(&resp[..split])
        .split("\r\n")
        .filter(|l| {
            let l = l.to_lowercase();
            !l.is_empty() && !l.starts_with("connection:") && !l.starts_with("content-length:")
        })
        .map(str::to_string)
        .collect();
    Ok((lines, resp[split..].to_vec()))
}

async fn handle(
    mut client: tokio::net::TcpStream,
    log: &Mutex<Vec<Ran>>,
    failed: &Failed,
    upstream: &str,
) -> std::io::Result<()> {
    let Some((head, body)) = read_request(&mut client).await? else {
        return Ok(());
    };
    let target = header(&head, "x-amz-target").unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut error = None;
    if target == "AmazonAthena.StartQueryExecution" {
        let sql = json["QueryString"].as_str().unwrap_or_default().to_string();
        let ctx = &json["QueryExecutionContext"];
        let database = ctx["Database"].as_str().unwrap_or("default").to_string();
        // Athena's catalog names are case-insensitive; Trino's is lower case.
        let catalog = ctx["Catalog"]
            .as_str()
            .unwrap_or("awsdatacatalog")
            .to_lowercase();
        let (s, d) = (sql.clone(), database.clone());
        error = tokio::task::spawn_blocking(move || trino(&s, &catalog, &d).err())
            .await
            .expect("join");
        log.lock().unwrap().push(Ran {
            sql,
            database,
            error: error.clone(),
        });
    }
    let (lines, mut resp) = forward(upstream, &head, &body).await?;
    let answer: serde_json::Value = serde_json::from_slice(&resp).unwrap_or_default();
    if let (Some(e), Some(id)) = (error, answer["QueryExecutionId"].as_str()) {
        failed.lock().unwrap().push((id.to_string(), e));
    }
    if target == "AmazonAthena.GetQueryExecution" {
        let id = json["QueryExecutionId"].as_str().unwrap_or_default();
        let reason = failed
            .lock()
            .unwrap()
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, e)| e.clone());
        if let Some(reason) = reason {
            let mut a = answer;
            a["QueryExecution"]["Status"]["State"] = "FAILED".into();
            a["QueryExecution"]["Status"]["StateChangeReason"] = reason.into();
            resp = serde_json::to_vec(&a).unwrap();
        }
    }
    let mut out = lines.join("\r\n");
    out.push_str(&format!(
        "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        resp.len()
    ));
    client.write_all(out.as_bytes()).await?;
    client.write_all(&resp).await?;
    client.shutdown().await
}
