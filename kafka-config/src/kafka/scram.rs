//! SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), as Kafka
//! speaks it inside SaslAuthenticate.

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::scram;

use crate::model::Mechanism;

/// The client side of one SCRAM exchange.
pub struct Scram {
    mech: Mechanism,
    user: String,
    password: String,
    nonce: String,
    client_first_bare: String,
    server_signature: Vec<u8>,
}

fn escape_user(u: &str) -> String {
    u.replace('=', "=3D").replace(',', "=2C")
}

/// The hash of a SCRAM mechanism (the derivation is `common::scram`).
fn hash_of(mech: Mechanism) -> scram::Hash {
    match mech {
        Mechanism::ScramSha512 => scram::Hash::Sha512,
        _ => scram::Hash::Sha256,
    }
}

impl Scram {
    /// A new exchange with a random nonce.
    pub fn new(mech: Mechanism, user: &str, password: &str) -> Scram {
        let mut raw = [0u8; 24];
        if getrandom::fill(&mut raw).is_err() {
            // Fall back to time-derived bytes; the nonce only needs uniqueness.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            raw[..16].copy_from_slice(&t.to_le_bytes());
        }
        Scram::with_nonce(mech, user, password, &B64.encode(raw))
    }

    /// A new exchange with a given nonce (tests).
    pub fn with_nonce(mech: Mechanism, user: &str, password: &str, nonce: &str) -> Scram {
        Scram {
            mech,
            user: user.to_string(),
            password: password.to_string(),
            nonce: nonce.to_string(),
            client_first_bare: String::new(),
            server_signature: Vec::new(),
        }
    }

    /// `n,,n=user,r=nonce`
    pub fn client_first(&mut self) -> String {
        self.client_first_bare = format!("n={},r={}", escape_user(&self.user), self.nonce);
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message for the server-first message.
    pub fn client_final(&mut self, server_first: &[u8]) -> Result<String> {
        let sf = std::str::from_utf8(server_first)
            .map_err(|_| anyhow!("server-first message is not UTF-8"))?;
        let mut r = None;
        let mut s = None;
        let mut i = None;
        for part in sf.split(',') {
            if let Some(v) = part.strip_prefix("r=") {
                r = Some(v);
            } else if let Some(v) = part.strip_prefix("s=") {
                s = Some(v);
            } else if let Some(v) = part.strip_prefix("i=") {
                i = Some(v);
            } else if let Some(v) = part.strip_prefix("e=") {
                bail!("the server refused: {v}");
            }
        }
        let (Some(r), Some(s), Some(i)) = (r, s, i) else {
            bail!("malformed server-first message");
        };
        if !r.starts_with(&self.nonce) {
            bail!("the server nonce does not extend the client nonce");
        }
        let salt = B64.decode(s).map_err(|_| anyhow!("invalid salt"))?;
        let iterations: u32 = i.parse().map_err(|_| anyhow!("invalid iteration count"))?;
        if iterations == 0 {
            bail!("invalid iteration count 0");
        }
        let h = hash_of(self.mech);
        let keys = scram::keys(h, self.password.as_bytes(), &salt, iterations);
        let without_proof = format!("c=biws,r={r}");
        let auth_message = format!("{},{},{}", self.client_first_bare, sf, without_proof);
        let client_signature = scram::hmac(h, &keys.stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = keys
            .client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        self.server_signature = scram::hmac(h, &keys.server_key, auth_message.as_bytes());
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server's signature.
    pub fn verify_server_final(&self, server_final: &[u8]) -> Result<()> {
        let s = std::str::from_utf8(server_final)
            .map_err(|_| anyhow!("server-final message is not UTF-8"))?;
        if let Some(e) = s.strip_prefix("e=") {
            bail!("the server refused: {e}");
        }
        let v = s
            .strip_prefix("v=")
            .ok_or_else(|| anyhow!("malformed server-final message"))?;
        let sig = B64
            .decode(v.split(',').next().unwrap_or(""))
            .map_err(|_| anyhow!("invalid server signature"))?;
        if sig != self.server_signature {
            bail!("the server signature does not match: the broker may not know this password");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3 test vector (SCRAM-SHA-256).
    #[test]
    fn rfc7677_vector() {
        let mut s = Scram::with_nonce(
            Mechanism::ScramSha256,
            "user",
            "pencil",
            "rOprNGfwEbeRWgbNEkqO",
        );
        assert_eq!(s.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let fin = s.client_final(server_first).unwrap();
        assert_eq!(
            fin,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        s.verify_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(s.verify_server_final(b"v=AAAA").is_err());
    }
}
