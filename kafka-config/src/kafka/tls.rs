//! TLS for SSL and SASL_SSL listeners (rustls, ring provider): a CA bundle
//! or the system roots, and an optional client certificate for mutual TLS.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::model::Tls;

fn config(tls: Option<&Tls>) -> Result<rustls::ClientConfig> {
    let provider = common::tls::provider();
    let ca = tls.and_then(|t| t.ca.as_deref()).map(std::path::Path::new);
    let roots = common::tls::root_store(ca, "security.tls.ca")?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("TLS set-up failed: {e}"))?
        .with_root_certificates(roots);
    let cfg = match tls.and_then(|t| t.cert.as_deref().zip(t.key.as_deref())) {
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .with_context(|| format!("cannot read client certificate {cert}"))?
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("invalid PEM in {cert}"))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("cannot read client key {key}"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| anyhow!("invalid client certificate or key: {e}"))?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(cfg)
}

/// Wraps a TCP stream in TLS, verifying the broker as `host` (or the
/// configured `server_name`).
pub async fn wrap(
    tcp: TcpStream,
    host: &str,
    tls: Option<&Tls>,
    timeout: Duration,
) -> Result<TlsStream<TcpStream>> {
    let cfg = config(tls)?;
    let name = tls
        .and_then(|t| t.server_name.clone())
        .unwrap_or_else(|| host.to_string());
    let server = ServerName::try_from(name.clone())
        .map_err(|_| anyhow!("invalid TLS server name `{name}`"))?;
    let connector = TlsConnector::from(Arc::new(cfg));
    tokio::time::timeout(timeout, connector.connect(server, tcp))
        .await
        .map_err(|_| anyhow!("TLS handshake with {host} timed out"))?
        .with_context(|| format!("TLS handshake with {host} failed"))
}
