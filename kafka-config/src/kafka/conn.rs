//! One connection to one broker: framing, correlation ids, ApiVersions
//! negotiation, SASL authentication, TLS and per-request timeouts.
//!
//! Messages are encoded and decoded by the `kafka-protocol` crate; this
//! module only moves bytes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
    SaslAuthenticateRequest, SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use kafka_protocol::ResponseError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::model::{Cluster, Mechanism, Protocol};

/// Largest response accepted (a Metadata answer for 100k topics fits).
const MAX_FRAME: usize = 512 * 1024 * 1024;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The broker does not support an API (or no version both sides know).
#[derive(Debug, thiserror::Error)]
#[error("the broker does not support {api} (API key {key}{range})")]
pub struct Unsupported {
    /// API name, e.g. `CreatePartitions`.
    pub api: String,
    /// API key.
    pub key: i16,
    /// The broker's version range, when it lists the API.
    pub range: String,
}

/// A Kafka error code in a response, with its name and message.
pub fn error_text(code: i16, message: Option<&StrBytes>) -> String {
    let name = match ResponseError::try_from_code(code) {
        Some(ResponseError::Unknown(c)) => format!("error code {c}"),
        Some(e) => format!("{e:?} ({code}): {e}"),
        None => "no error".into(),
    };
    match message
        .map(|m| m.as_str())
        .filter(|m| !m.is_empty() && *m != "NONE")
    {
        Some(m) => format!("{name} — {m}"),
        None => name,
    }
}

/// True when an error code is worth retrying.
pub fn is_retriable(code: i16) -> bool {
    ResponseError::try_from_code(code).is_some_and(|e| e.is_retriable())
}

/// The `throttle_time_ms` of a response: how long the broker asks the
/// client to wait before its next request (KIP-219; the broker mutes the
/// connection meanwhile). Implemented for every response this tool reads.
pub trait Throttled {
    /// Milliseconds to wait; 0 when not throttled (or the API has no field).
    fn throttle_ms(&self) -> i32;
}

macro_rules! throttled {
    ($($t:ident),* $(,)?) => {
        $(impl Throttled for kafka_protocol::messages::$t {
            fn throttle_ms(&self) -> i32 {
                self.throttle_time_ms
            }
        })*
    };
}

throttled!(
    ApiVersionsResponse,
    MetadataResponse,
    DescribeConfigsResponse,
    DescribeAclsResponse,
    CreateTopicsResponse,
    DeleteTopicsResponse,
    CreatePartitionsResponse,
    IncrementalAlterConfigsResponse,
    AlterPartitionReassignmentsResponse,
    ListPartitionReassignmentsResponse,
    CreateAclsResponse,
    DeleteAclsResponse,
    DescribeLogDirsResponse,
);

impl Throttled for kafka_protocol::messages::SaslHandshakeResponse {
    fn throttle_ms(&self) -> i32 {
        0
    }
}

impl Throttled for kafka_protocol::messages::SaslAuthenticateResponse {
    fn throttle_ms(&self) -> i32 {
        0
    }
}

/// API version ranges a broker supports, by API key.
pub type Versions = BTreeMap<i16, (i16, i16)>;

/// An open, authenticated connection.
pub struct Conn {
    stream: Box<dyn Stream>,
    addr: String,
    correlation: i32,
    versions: Versions,
    client_id: StrBytes,
    timeout: Duration,
    /// No request before this instant: the broker throttled us.
    throttled_until: Option<Instant>,
}

/// The highest version of `R` we use (the newest versions we have tested).
pub fn version_cap(key: ApiKey) -> i16 {
    match key {
        ApiKey::ApiVersions => 3,
        ApiKey::Metadata => 12,
        ApiKey::DescribeConfigs => 4,
        ApiKey::CreateTopics => 7,
        ApiKey::DeleteTopics => 6,
        ApiKey::IncrementalAlterConfigs => 1,
        ApiKey::CreatePartitions => 3,
        ApiKey::DescribeAcls | ApiKey::CreateAcls | ApiKey::DeleteAcls => 3,
        ApiKey::AlterPartitionReassignments | ApiKey::ListPartitionReassignments => 0,
        ApiKey::DescribeLogDirs => 4,
        ApiKey::SaslHandshake => 1,
        ApiKey::SaslAuthenticate => 2,
        _ => 0,
    }
}

/// The version to use for request `R` given a broker's ranges.
pub fn pick_version<R: Request>(versions: &Versions) -> std::result::Result<i16, Unsupported> {
    pick_range::<R>(versions.get(&R::KEY).copied())
}

/// The version to use for request `R` given the broker's range for it
/// (`None`: the broker does not list the API): the highest version both
/// sides speak, or why there is none.
pub fn pick_range<R: Request>(range: Option<(i16, i16)>) -> std::result::Result<i16, Unsupported> {
    let key = ApiKey::try_from(R::KEY).unwrap_or(ApiKey::ApiVersions);
    let name = format!("{key:?}");
    let Some((bmin, bmax)) = range else {
        return Err(Unsupported {
            api: name,
            key: R::KEY,
            range: String::new(),
        });
    };
    let lo = bmin.max(R::VERSIONS.min);
    let hi = bmax.min(R::VERSIONS.max).min(version_cap(key));
    if lo > hi {
        return Err(Unsupported {
            api: name,
            key: R::KEY,
            range: format!(
                "; the broker speaks versions {bmin}..{bmax}, this tool {}..{}",
                R::VERSIONS.min,
                R::VERSIONS.max.min(version_cap(key))
            ),
        });
    }
    Ok(hi)
}

/// [`pick_range`] by API key, for the APIs the plan's operations use:
/// what `plan` notes and `apply`'s pre-flight refuse, before anything is
/// sent.
pub fn usable(key: ApiKey, range: Option<(i16, i16)>) -> std::result::Result<i16, Unsupported> {
    use kafka_protocol::messages as m;
    match key {
        ApiKey::CreateTopics => pick_range::<m::CreateTopicsRequest>(range),
        ApiKey::DeleteTopics => pick_range::<m::DeleteTopicsRequest>(range),
        ApiKey::CreatePartitions => pick_range::<m::CreatePartitionsRequest>(range),
        ApiKey::IncrementalAlterConfigs => pick_range::<m::IncrementalAlterConfigsRequest>(range),
        ApiKey::AlterPartitionReassignments => {
            pick_range::<m::AlterPartitionReassignmentsRequest>(range)
        }
        ApiKey::ListPartitionReassignments => {
            pick_range::<m::ListPartitionReassignmentsRequest>(range)
        }
        ApiKey::CreateAcls => pick_range::<m::CreateAclsRequest>(range),
        ApiKey::DeleteAcls => pick_range::<m::DeleteAclsRequest>(range),
        ApiKey::DescribeAcls => pick_range::<m::DescribeAclsRequest>(range),
        ApiKey::DescribeConfigs => pick_range::<m::DescribeConfigsRequest>(range),
        ApiKey::Metadata => pick_range::<m::MetadataRequest>(range),
        other => range.map(|(_, hi)| hi).ok_or(Unsupported {
            api: format!("{other:?}"),
            key: other as i16,
            range: String::new(),
        }),
    }
}

impl Conn {
    /// Connects to `addr`, negotiates versions and authenticates.
    pub async fn open(addr: &str, cluster: &Cluster) -> Result<Conn> {
        let timeout = Duration::from_millis(cluster.request_timeout_ms);
        let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| anyhow!("connecting to {addr} timed out after {timeout:?}"))?
            .with_context(|| format!("cannot connect to {addr}"))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = match cluster.protocol {
            Protocol::Plaintext | Protocol::SaslPlaintext => Box::new(tcp),
            Protocol::Ssl | Protocol::SaslSsl => {
                let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
                Box::new(crate::kafka::tls::wrap(tcp, host, cluster.tls.as_ref(), timeout).await?)
            }
        };
        let mut conn = Conn {
            stream,
            addr: addr.to_string(),
            correlation: 0,
            versions: Versions::new(),
            client_id: StrBytes::from_string(cluster.client_id.clone()),
            timeout,
            throttled_until: None,
        };
        conn.negotiate().await?;
        if let Some(sasl) = &cluster.sasl {
            if matches!(
                cluster.protocol,
                Protocol::SaslPlaintext | Protocol::SaslSsl
            ) {
                conn.authenticate(sasl.mechanism, &sasl.username, sasl.password.expose())
                    .await
                    .with_context(|| {
                        format!(
                            "SASL {} authentication as `{}` failed at {addr}",
                            sasl.mechanism.name(),
                            sasl.username
                        )
                    })?;
            }
        }
        Ok(conn)
    }

    /// The broker address.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The broker's API version ranges.
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    async fn negotiate(&mut self) -> Result<()> {
        let req = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kafka-config"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let v = version_cap(ApiKey::ApiVersions);
        let body = self.exchange_version(&req, v).await?;
        let (cid, mut resp) = decode_api_versions(body, v)
            .map_err(|e| anyhow!("the broker's ApiVersions response is malformed: {e}"))?;
        if cid != self.correlation {
            bail!(
                "correlation id mismatch: sent {}, received {cid}",
                self.correlation
            );
        }
        self.note_throttle(resp.throttle_ms());
        if resp.error_code == UNSUPPORTED_VERSION && resp.api_keys.is_empty() {
            // An error answer without its ranges: ask in v0.
            resp = self.send_version(&ApiVersionsRequest::default(), 0).await?;
        }
        if resp.error_code == UNSUPPORTED_VERSION && !resp.api_keys.is_empty() {
            // KIP-511: the v0 answer to a version the broker does not know
            // carries its ranges; they are all we need.
            resp.error_code = 0;
        }
        if resp.error_code != 0 {
            bail!("ApiVersions failed: {}", error_text(resp.error_code, None));
        }
        self.versions = resp
            .api_keys
            .iter()
            .map(|k| (k.api_key, (k.min_version, k.max_version)))
            .collect();
        if tracing::enabled!(tracing::Level::DEBUG) {
            let names: Vec<String> = self
                .versions
                .iter()
                .map(|(k, (lo, hi))| {
                    let n = ApiKey::try_from(*k)
                        .map(|a| format!("{a:?}"))
                        .unwrap_or_else(|_| k.to_string());
                    format!("{n} {lo}..{hi}")
                })
                .collect();
            tracing::debug!(broker = %self.addr, apis = %names.join(", "), "ApiVersions");
        }
        Ok(())
    }

    async fn authenticate(&mut self, mech: Mechanism, user: &str, password: &str) -> Result<()> {
        let hs =
            SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mech.name()));
        let v = pick_version::<SaslHandshakeRequest>(&self.versions)?;
        let r = self.send_version(&hs, v).await?;
        if r.error_code != 0 {
            let offered: Vec<&str> = r.mechanisms.iter().map(|m| m.as_str()).collect();
            bail!(
                "{} (the broker offers: {})",
                error_text(r.error_code, None),
                offered.join(", ")
            );
        }
        match mech {
            Mechanism::Plain => {
                let mut msg = Vec::new();
                msg.push(0);
                msg.extend_from_slice(user.as_bytes());
                msg.push(0);
                msg.extend_from_slice(password.as_bytes());
                self.sasl_step(msg).await?;
            }
            Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
                let mut scram = crate::kafka::scram::Scram::new(mech, user, password);
                let first = scram.client_first();
                let server_first = self.sasl_step(first.into_bytes()).await?;
                let fin = scram.client_final(&server_first)?;
                let server_final = self.sasl_step(fin.into_bytes()).await?;
                scram.verify_server_final(&server_final)?;
            }
        }
        Ok(())
    }

    async fn sasl_step(&mut self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let v = pick_version::<SaslAuthenticateRequest>(&self.versions)?;
        let req = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(bytes));
        let r = self.send_version(&req, v).await?;
        if r.error_code != 0 {
            bail!("{}", error_text(r.error_code, r.error_message.as_ref()));
        }
        Ok(r.auth_bytes.to_vec())
    }

    /// Sends `req` with the best version both sides know.
    pub async fn send<R: Request>(&mut self, req: &R) -> Result<R::Response>
    where
        R::Response: Throttled,
    {
        let v = pick_version::<R>(&self.versions)?;
        self.send_version(req, v).await
    }

    /// Sends `req` encoded as version `v` and waits for its response, within
    /// the request timeout. Honours the broker's throttle: no request goes
    /// out before the `throttle_time_ms` of the previous answer elapsed.
    pub async fn send_version<R: Request>(&mut self, req: &R, v: i16) -> Result<R::Response>
    where
        R::Response: Throttled,
    {
        let body = self.exchange_version(req, v).await?;
        let (cid, resp) = decode_response::<R>(body, v)
            .map_err(|e| anyhow!("the broker's response (version {v}) is malformed: {e}"))?;
        if cid != self.correlation {
            bail!(
                "correlation id mismatch: sent {}, received {cid}",
                self.correlation
            );
        }
        self.note_throttle(resp.throttle_ms());
        Ok(resp)
    }

    /// Remembers the broker's throttle: the next request waits it out.
    fn note_throttle(&mut self, ms: i32) {
        if ms > 0 {
            tracing::info!(broker = %self.addr, throttle_ms = ms, "the broker throttled this client");
            self.throttled_until =
                Some(Instant::now() + Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        }
    }

    /// Sends `req` as version `v` and returns the response body (after the
    /// length prefix), within the request timeout.
    async fn exchange_version<R: Request>(&mut self, req: &R, v: i16) -> Result<Bytes> {
        let key = ApiKey::try_from(R::KEY)
            .map(|k| format!("{k:?}"))
            .unwrap_or_default();
        if let Some(until) = self.throttled_until.take() {
            tokio::time::sleep_until(until.into()).await;
        }
        self.correlation = self.correlation.wrapping_add(1);
        let frame = encode_request(req, v, self.correlation, Some(self.client_id.clone()))?;
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.exchange(&frame))
            .await
            .map_err(|_| anyhow!("{key} request to {} timed out after {timeout:?}", self.addr))?
            .with_context(|| format!("{key} request to {}", self.addr))
    }

    async fn exchange(&mut self, frame: &[u8]) -> Result<Bytes> {
        self.stream.write_all(frame).await?;
        self.stream.flush().await?;
        let mut len = [0u8; 4];
        self.stream.read_exact(&mut len).await?;
        if &len == b"HTTP" {
            bail!(
                "the server answered HTTP, not the Kafka protocol (is this a proxy or a web port?)"
            );
        }
        if len[0] == 0x15 || len[0] == 0x16 {
            bail!("the server answered TLS: set `security.protocol: SSL` (or SASL_SSL)");
        }
        let n = i32::from_be_bytes(len);
        let n = usize::try_from(n).map_err(|_| anyhow!("invalid frame length {n}"))?;
        if n > MAX_FRAME {
            bail!("response of {n} bytes is larger than the {MAX_FRAME}-byte limit");
        }
        let mut body = vec![0u8; n];
        self.stream.read_exact(&mut body).await?;
        Ok(Bytes::from(body))
    }
}

/// Error code UNSUPPORTED_VERSION.
const UNSUPPORTED_VERSION: i16 = 35;

/// Decodes an ApiVersions response sent as version `v`. A broker that does
/// not know `v` answers in v0 (KIP-511: error UNSUPPORTED_VERSION, with its
/// ranges), which does not decode as a flexible version: then the body is
/// read again as v0. The response header is v0 in every version.
pub fn decode_api_versions(body: Bytes, v: i16) -> Result<(i32, ApiVersionsResponse)> {
    let mut b = body.clone();
    let header = ResponseHeader::decode(&mut b, 0)?;
    if let Ok(resp) = ApiVersionsResponse::decode(&mut b.clone(), v) {
        if resp.error_code != UNSUPPORTED_VERSION {
            return Ok((header.correlation_id, resp));
        }
    }
    let resp = ApiVersionsResponse::decode(&mut b, 0)?;
    Ok((header.correlation_id, resp))
}

/// Encodes a request frame (length prefix, header, body).
pub fn encode_request<R: Request>(
    req: &R,
    v: i16,
    correlation: i32,
    client_id: Option<StrBytes>,
) -> Result<BytesMut> {
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(v)
        .with_correlation_id(correlation)
        .with_client_id(client_id);
    let mut buf = BytesMut::new();
    buf.put_i32(0);
    header.encode(&mut buf, R::header_version(v))?;
    req.encode(&mut buf, v)?;
    let len = i32::try_from(buf.len() - 4).map_err(|_| anyhow!("request too large"))?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf)
}

/// Decodes a response body (after the length prefix): correlation id and message.
pub fn decode_response<R: Request>(mut body: Bytes, v: i16) -> Result<(i32, R::Response)> {
    let header =
        ResponseHeader::decode(&mut body, <R::Response as HeaderVersion>::header_version(v))?;
    let resp = <R::Response as Decodable>::decode(&mut body, v)?;
    if body.has_remaining() {
        tracing::debug!(
            left = body.remaining(),
            "bytes left after decoding a response"
        );
    }
    Ok((header.correlation_id, resp))
}
