//! TLS trust roots shared by every tool that connects over TLS (grant to
//! PostgreSQL, kafka-config to brokers): one behaviour for a CA bundle and
//! for the system roots.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

/// The crypto provider of every TLS connection: ring (no cmake / aws-lc build).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificates a server is verified against: those of the PEM bundle
/// `ca_file` when given (`setting` names where it was configured, for the
/// error), else the system's roots. Either way an empty store is an error:
/// it could verify nothing, and a connection would fail later with a less
/// helpful message.
pub fn root_store(ca_file: Option<&Path>, setting: &str) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let shown = path.display();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read the CA bundle {shown} ({setting})"))?
                .collect::<Result<_, _>>()
                .with_context(|| format!("invalid PEM in the CA bundle {shown} ({setting})"))?;
            for c in certs {
                store
                    .add(c)
                    .with_context(|| format!("invalid certificate in {shown} ({setting})"))?;
            }
            if store.is_empty() {
                return Err(anyhow!(
                    "the CA bundle {shown} ({setting}) holds no certificate"
                ));
            }
        }
        None => {
            // Unparsable system certificates are skipped, as every TLS client does.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(c);
            }
            if store.is_empty() {
                return Err(anyhow!(
                    "no system CA certificates found; set {setting} to a CA bundle"
                ));
            }
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_certificates_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = root_store(Some(&empty), "sslrootcert").unwrap_err();
        assert!(format!("{e:#}").contains("holds no certificate"), "{e:#}");
        let missing = dir.path().join("missing.pem");
        let e = root_store(Some(&missing), "security.tls.ca").unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read the CA bundle"),
            "{e:#}"
        );
        assert!(format!("{e:#}").contains("security.tls.ca"), "{e:#}");
    }
}
