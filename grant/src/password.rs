//! Password verifiers: SCRAM-SHA-256 and md5, as PostgreSQL stores them.
//!
//! Used to tell whether a desired plaintext password already matches the
//! live verifier (so an unchanged password is not re-set), to hash a
//! password locally before sending it (the server never sees plaintext), and
//! by `grant gen-pass`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// Iterations PostgreSQL uses by default (`scram_iterations`).
pub const SCRAM_ITERATIONS: u32 = 4096;

/// The password as SCRAM hashes it: SASLprep-normalized (RFC 4013), or as
/// is when that fails (PostgreSQL's `pg_saslprep` does the same).
fn prepared(password: &str) -> std::borrow::Cow<'_, str> {
    stringprep::saslprep(password).unwrap_or(std::borrow::Cow::Borrowed(password))
}

// Verifying a stored verifier needs its own salt and iteration count, which
// postgres-protocol (which hashes new passwords here) does not take; the
// keys come from the shared derivation in `common::scram`.
fn scram_keys(password: &str, salt: &[u8], iterations: u32) -> (Vec<u8>, Vec<u8>) {
    let password = prepared(password);
    let k = common::scram::keys(
        common::scram::Hash::Sha256,
        password.as_bytes(),
        salt,
        iterations,
    );
    (k.stored_key, k.server_key)
}

/// A SCRAM-SHA-256 verifier for `password` with the given salt.
pub fn scram_with_salt(password: &str, salt: &[u8], iterations: u32) -> String {
    let (stored, server) = scram_keys(password, salt, iterations);
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored),
        B64.encode(server)
    )
}

/// Random bytes from the operating system.
pub fn random_bytes(n: usize) -> anyhow::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(buf)
}

/// A SCRAM-SHA-256 verifier with a fresh random salt, by postgres-protocol
/// (SASLprep included, 4096 iterations as PostgreSQL's default).
pub fn scram(password: &str) -> anyhow::Result<String> {
    Ok(postgres_protocol::password::scram_sha_256(
        password.as_bytes(),
    ))
}

/// The md5 verifier: `md5` + hex(md5(password || role name)).
pub fn md5(password: &str, role: &str) -> String {
    postgres_protocol::password::md5(password.as_bytes(), role)
}

/// True when `s` has the shape of a verifier PostgreSQL stores as is.
pub fn is_verifier(s: &str) -> bool {
    is_md5(s) || parse_scram(s).is_some()
}

fn is_md5(s: &str) -> bool {
    s.len() == 35
        && s.starts_with("md5")
        && s[3..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

struct Scram {
    iterations: u32,
    salt: Vec<u8>,
    stored: Vec<u8>,
    server: Vec<u8>,
}

fn parse_scram(s: &str) -> Option<Scram> {
    let rest = s.strip_prefix("SCRAM-SHA-256$")?;
    let (params, keys) = rest.split_once('$')?;
    let (iter, salt) = params.split_once(':')?;
    let (stored, server) = keys.split_once(':')?;
    let iterations: u32 = iter.parse().ok()?;
    if iterations == 0 {
        return None;
    }
    let s = Scram {
        iterations,
        salt: B64.decode(salt).ok()?,
        stored: B64.decode(stored).ok()?,
        server: B64.decode(server).ok()?,
    };
    // PostgreSQL (parse_scram_secret) takes anything else as a plaintext
    // password to hash: SHA-256 keys are 32 bytes.
    (s.stored.len() == 32 && s.server.len() == 32).then_some(s)
}

/// Whether `password` for `role` matches the stored `verifier`.
///
/// SCRAM: recomputed with the verifier's salt and iteration count. md5:
/// md5(password || role). A plaintext stored value (very old servers) is
/// compared directly. SCRAM uses the SASLprep-normalized password, as
/// PostgreSQL does.
pub fn verifies(password: &str, role: &str, verifier: &str) -> bool {
    if let Some(s) = parse_scram(verifier) {
        let (stored, server) = scram_keys(password, &s.salt, s.iterations);
        return stored == s.stored && server == s.server;
    }
    if is_md5(verifier) {
        return md5(password, role) == verifier;
    }
    password == verifier
}

/// A strong random password: 32 characters from a URL- and shell-safe set.
pub fn generate() -> anyhow::Result<String> {
    generate_from(
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_",
        32,
    )
}

/// `len` random characters drawn uniformly from `set` (ASCII).
pub fn generate_from(set: &[u8], len: usize) -> anyhow::Result<String> {
    if set.is_empty() || len == 0 {
        return Ok(String::new());
    }
    let bytes = random_bytes(64)?;
    // Rejection sampling keeps the distribution uniform.
    let limit = 256 - (256 % set.len());
    let mut out = String::new();
    let mut extra = bytes.into_iter();
    loop {
        let b = match extra.next() {
            Some(b) => b,
            None => {
                extra = random_bytes(64)?.into_iter();
                continue;
            }
        };
        if (b as usize) < limit {
            out.push(set[b as usize % set.len()] as char);
            if out.len() == len {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_postgres() {
        // SELECT 'md5' || md5('secret' || 'alice');
        assert_eq!(
            md5("secret", "alice"),
            "md54a0a68b43b6cd5cf266fa02f196e2371"
        );
        assert!(verifies("secret", "alice", &md5("secret", "alice")));
        assert!(!verifies("secret", "bob", &md5("secret", "alice")));
    }

    #[test]
    fn scram_roundtrip() {
        let v = scram_with_salt("pencil", b"0123456789abcdef", 4096);
        assert!(v.starts_with("SCRAM-SHA-256$4096:"));
        assert!(is_verifier(&v));
        assert!(verifies("pencil", "any", &v));
        assert!(!verifies("pencil2", "any", &v));
    }

    #[test]
    fn scram_verifier_made_by_postgres() {
        // CREATE ROLE x PASSWORD 'pencil' on PostgreSQL 15, read from pg_authid.
        let v = "SCRAM-SHA-256$4096:9rGOOxyFcwHjlJX1WDsWZw==$4D3CrsVE3LkMgiXUwyXvc9nXTT16OAsAkGJpRQfah3c=:d+P2Au7WMbLQhsuPOdz+yPO4Lj0hipNIV69p32CvP4s=";
        assert!(verifies("pencil", "x", v));
        assert!(!verifies("pencil ", "x", v));
        let salt = B64.decode("9rGOOxyFcwHjlJX1WDsWZw==").unwrap();
        assert_eq!(scram_with_salt("pencil", &salt, 4096), v);
    }

    #[test]
    fn generated_passwords() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(!is_verifier("plain"));
        assert!(!is_verifier("md5xyz"));
    }
}
