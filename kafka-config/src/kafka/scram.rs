//! SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), as Kafka
//! speaks it inside SaslAuthenticate.

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

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

fn hmac(mech: Mechanism, key: &[u8], msg: &[u8]) -> Vec<u8> {
    match mech {
        Mechanism::ScramSha512 => {
            let mut m =
                <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        _ => {
            let mut m =
                <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_hmac());
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// HMAC accepts keys of any length; this is never reached.
fn unreachable_hmac<T>() -> T {
    unreachable!("HMAC accepts keys of any length")
}

fn hash(mech: Mechanism, msg: &[u8]) -> Vec<u8> {
    match mech {
        Mechanism::ScramSha512 => Sha512::digest(msg).to_vec(),
        _ => Sha256::digest(msg).to_vec(),
    }
}

fn salted_password(mech: Mechanism, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    match mech {
        Mechanism::ScramSha512 => {
            let mut out = [0u8; 64];
            pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
            out.to_vec()
        }
        _ => {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
            out.to_vec()
        }
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
        let salted = salted_password(self.mech, self.password.as_bytes(), &salt, iterations);
        let client_key = hmac(self.mech, &salted, b"Client Key");
        let stored_key = hash(self.mech, &client_key);
        let without_proof = format!("c=biws,r={r}");
        let auth_message = format!("{},{},{}", self.client_first_bare, sf, without_proof);
        let client_signature = hmac(self.mech, &stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac(self.mech, &salted, b"Server Key");
        self.server_signature = hmac(self.mech, &server_key, auth_message.as_bytes());
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
