//! SCRAM key derivation (RFC 5802, RFC 7677), written once for grant
//! (checking a desired password against a PostgreSQL SCRAM-SHA-256
//! verifier, whose salt and iteration count postgres-protocol does not take)
//! and kafka-config (the SASL SCRAM-SHA-256 / -512 client; no maintained
//! crate offers a SCRAM client for both hashes over Kafka's framing).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

/// The hash a SCRAM mechanism is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SCRAM-SHA-256.
    Sha256,
    /// SCRAM-SHA-512.
    Sha512,
}

/// HMAC(key, msg) with the mechanism's hash.
pub fn hmac(h: Hash, key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length (longer ones are hashed first), so
    // `new_from_slice` cannot fail; an empty result would fail the exchange
    // or the comparison, never pass it.
    fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut m) => {
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match h {
        Hash::Sha256 => mac::<Hmac<Sha256>>(key, msg),
        Hash::Sha512 => mac::<Hmac<Sha512>>(key, msg),
    }
}

/// H(msg).
pub fn hash(h: Hash, msg: &[u8]) -> Vec<u8> {
    match h {
        Hash::Sha256 => Sha256::digest(msg).to_vec(),
        Hash::Sha512 => Sha512::digest(msg).to_vec(),
    }
}

/// SaltedPassword = Hi(password, salt, i) (PBKDF2 with HMAC).
pub fn salted_password(h: Hash, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    match h {
        Hash::Sha256 => {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
            out.to_vec()
        }
        Hash::Sha512 => {
            let mut out = [0u8; 64];
            pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, iterations, &mut out);
            out.to_vec()
        }
    }
}

/// The keys derived from a salted password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// ClientKey = HMAC(SaltedPassword, "Client Key").
    pub client_key: Vec<u8>,
    /// StoredKey = H(ClientKey).
    pub stored_key: Vec<u8>,
    /// ServerKey = HMAC(SaltedPassword, "Server Key").
    pub server_key: Vec<u8>,
}

/// ClientKey, StoredKey and ServerKey of `password` (already SASLprep'ed
/// where the protocol asks for it).
pub fn keys(h: Hash, password: &[u8], salt: &[u8], iterations: u32) -> Keys {
    let salted = salted_password(h, password, salt, iterations);
    let client_key = hmac(h, &salted, b"Client Key");
    Keys {
        stored_key: hash(h, &client_key),
        server_key: hmac(h, &salted, b"Server Key"),
        client_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7677_salted_password() {
        // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096.
        let salt = [
            0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e, 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36,
            0xfa, 0x81,
        ];
        let k = keys(Hash::Sha256, b"pencil", &salt, 4096);
        assert_eq!(k.stored_key.len(), 32);
        assert_eq!(k.server_key.len(), 32);
        assert_eq!(
            keys(Hash::Sha512, b"pencil", &salt, 4096).stored_key.len(),
            64
        );
        assert_eq!(
            hmac(Hash::Sha256, &[7u8; 200], b"long keys are hashed").len(),
            32
        );
    }
}
