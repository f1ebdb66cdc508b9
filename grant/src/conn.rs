//! Connecting: the configuration's URL, or the libpq environment.

use std::str::FromStr;

use anyhow::{anyhow, Context};
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::{Client, Config, NoTls};

use crate::model::{Connection, SslMode};
use crate::tls::{self, RustlsConnect, Verify};

/// A resolved connection target.
#[derive(Clone)]
pub struct Target {
    config: Config,
    /// TLS connector; `None` = plain TCP.
    tls: Option<RustlsConnect>,
    /// The database the URL / environment names (roles' statements run here).
    pub dbname: String,
    /// A printable description, password redacted.
    pub display: String,
}

/// Redacts the password of a URL, or of a libpq `key=value` string.
pub fn redact(conn: &str) -> String {
    if conn.contains("://") {
        return common::secret::redact_url(conn);
    }
    redact_key_values(conn).unwrap_or_else(|| {
        // Not parsable: keep only what precedes a `password` keyword.
        match conn.to_ascii_lowercase().find("password") {
            Some(i) => format!("{}password={}", &conn[..i], common::secret::REDACTED),
            None => conn.to_string(),
        }
    })
}

/// `key = value` pairs as libpq / tokio-postgres read them (spaces around
/// `=`, `'quoted values'` with spaces, backslash escapes), rewritten as
/// `key=value` with the password value redacted; `None` when malformed.
fn redact_key_values(conn: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut it = conn.char_indices().peekable();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::CharIndices>| {
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_ws(&mut it);
        let Some(&(start, _)) = it.peek() else {
            break;
        };
        while it
            .next_if(|(_, c)| !c.is_whitespace() && *c != '=')
            .is_some()
        {}
        let key_end = it.peek().map_or(conn.len(), |&(i, _)| i);
        let key = &conn[start..key_end];
        skip_ws(&mut it);
        it.next_if(|(_, c)| *c == '=')?;
        skip_ws(&mut it);
        let value_start = it.peek().map_or(conn.len(), |&(i, _)| i);
        if it.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match it.next()?.1 {
                    '\\' => {
                        it.next()?;
                    }
                    '\'' => break,
                    _ => {}
                }
            }
        } else {
            while let Some((_, c)) = it.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    it.next();
                }
            }
        }
        let value_end = it.peek().map_or(conn.len(), |&(i, _)| i);
        if key.is_empty() {
            return None;
        }
        out.push(if key.eq_ignore_ascii_case("password") {
            format!("{key}={}", common::secret::REDACTED)
        } else {
            format!("{key}={}", &conn[value_start..value_end])
        });
    }
    Some(out.join(" "))
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// The `key = value` pairs of a libpq conninfo string, values unquoted
/// (`'…'` with `\'` and `\\` escapes); spaces around `=` are allowed, as in
/// libpq. Hand-written because tokio_postgres::Config does not expose the
/// pairs and rejects libpq's `verify-ca` / `verify-full`, which are taken
/// out before it parses the rest.
fn conninfo_pairs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    loop {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.peek().is_none() {
            return Some(out);
        }
        let mut key = String::new();
        while let Some(&c) = it.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            it.next();
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        if it.next() != Some('=') || key.is_empty() {
            return None;
        }
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
        let mut value = String::new();
        if it.peek() == Some(&'\'') {
            it.next();
            loop {
                match it.next()? {
                    '\\' => value.push(it.next()?),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = it.peek() {
                if c.is_whitespace() {
                    break;
                }
                it.next();
                if c == '\\' {
                    value.push(it.next()?);
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
}

/// A conninfo string from pairs, values quoted where they need it.
fn conninfo_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            if !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\') {
                format!("{k}={v}")
            } else {
                format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Removes the libpq TLS options tokio-postgres does not parse
/// (`sslmode=verify-*`, `sslrootcert`; `sslmode` is taken out in every form)
/// from a URL or key=value string, returning them.
pub fn strip_tls_params(url: &str) -> (String, Option<SslMode>, Option<String>) {
    let mut mode = None;
    let mut rootcert = None;
    let mut take = |k: &str, v: &str| -> bool {
        match k {
            "sslmode" => {
                mode = SslMode::parse(v);
                true
            }
            "sslrootcert" => {
                rootcert = Some(v.to_string());
                true
            }
            _ => false,
        }
    };
    if url.contains("://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None, None);
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| match kv.split_once('=') {
                Some((k, v)) => !take(k, v),
                None => true,
            })
            .collect();
        let out = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (out, mode, rootcert)
    } else if let Some(pairs) = conninfo_pairs(url) {
        let kept: Vec<(String, String)> = pairs.into_iter().filter(|(k, v)| !take(k, v)).collect();
        (conninfo_string(&kept), mode, rootcert)
    } else {
        // Not valid conninfo: left for tokio-postgres to report.
        (url.to_string(), None, None)
    }
}

/// Checks a connection URL or key=value string offline (`validate`): its
/// syntax and its `sslmode`. The message never contains the password.
pub fn check_url(raw: &str) -> Result<(), String> {
    let pairs: Vec<(String, String)> = if raw.contains("://") {
        raw.split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        conninfo_pairs(raw).unwrap_or_default()
    };
    let bad_mode = pairs
        .iter()
        .find(|(k, v)| k == "sslmode" && SslMode::parse(v).is_none());
    if let Some((_, v)) = bad_mode {
        return Err(format!(
            "invalid sslmode `{v}` in the connection URL: disable, allow, prefer, require, verify-ca or verify-full"
        ));
    }
    let (url, _, _) = strip_tls_params(raw);
    Config::from_str(&url)
        .map(|_| ())
        .map_err(|e| format!("invalid connection URL {}: {e}", redact(raw)))
}

/// Builds the target from `connection.url`, else `DATABASE_URL`, else the
/// libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
pub fn target(c: &Connection) -> anyhow::Result<Target> {
    let mut url_mode = None;
    let mut url_rootcert = None;
    let (mut config, display) = match c
        .url
        .as_ref()
        .map(|u| u.expose().to_string())
        .or_else(|| env("DATABASE_URL"))
    {
        Some(raw) => {
            check_url(&raw).map_err(|m| anyhow!(m))?;
            let (url, m, r) = strip_tls_params(&raw);
            url_mode = m;
            url_rootcert = r;
            let cfg = Config::from_str(&url)
                .map_err(|e| anyhow!("invalid connection URL {}: {e}", redact(&raw)))?;
            (cfg, redact(&raw))
        }
        None => {
            let mut cfg = Config::new();
            let host = env("PGHOST").unwrap_or_else(|| "localhost".into());
            for h in host.split(',') {
                cfg.host(h);
            }
            let port = env("PGPORT").unwrap_or_else(|| "5432".into());
            cfg.port(
                port.parse()
                    .map_err(|_| anyhow!("PGPORT `{port}` is not a port number"))?,
            );
            let display = format!("host={host} port={port}");
            (cfg, display)
        }
    };
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(p) = env("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_dbname().is_none() {
        let db = env("PGDATABASE")
            .unwrap_or_else(|| config.get_user().unwrap_or("postgres").to_string());
        config.dbname(&db);
    }
    // libpq's default is `prefer`.
    let mode = c
        .sslmode
        .or(url_mode)
        .or_else(|| env("PGSSLMODE").and_then(|m| SslMode::parse(&m)))
        .unwrap_or(SslMode::Prefer);
    let rootcert = c
        .sslrootcert
        .clone()
        .or(url_rootcert)
        .or_else(|| env("PGSSLROOTCERT"));
    let tls = match mode {
        SslMode::Disable => None,
        SslMode::Prefer | SslMode::Require => Some(tls::connector(Verify::None, None)?),
        SslMode::VerifyCa => Some(tls::connector(Verify::Ca, rootcert.as_deref())?),
        SslMode::VerifyFull => Some(tls::connector(Verify::Full, rootcert.as_deref())?),
    };
    config.ssl_mode(match mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        _ => PgSslMode::Require,
    });
    config.application_name("grant");
    config.connect_timeout(std::time::Duration::from_secs(10));
    let dbname = config.get_dbname().unwrap_or("postgres").to_string();
    let user = config.get_user().unwrap_or("").to_string();
    // A key=value conninfo gains the user and database it left to defaults.
    let display = if display.contains("://") {
        display
    } else {
        let has = |k: &str| {
            display
                .split_whitespace()
                .any(|w| w.split('=').next().is_some_and(|x| x.trim() == k))
        };
        let mut d = display.clone();
        if !has("user") {
            d.push_str(&format!(" user={user}"));
        }
        if !has("dbname") {
            d.push_str(&format!(" dbname={dbname}"));
        }
        d
    };
    Ok(Target {
        config,
        tls,
        dbname,
        display,
    })
}

impl Target {
    /// Connects to `db` (or the target's own database).
    pub async fn connect(&self, db: Option<&str>) -> anyhow::Result<Client> {
        let mut cfg = self.config.clone();
        let dbname = db.unwrap_or(&self.dbname);
        cfg.dbname(dbname);
        let what = || format!("cannot connect to {} (database `{dbname}`)", self.display);
        match &self.tls {
            None => {
                let (client, connection) = cfg.connect(NoTls).await.with_context(what)?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("connection closed: {e}");
                    }
                });
                Ok(client)
            }
            Some(tls) => {
                let (client, connection) = cfg.connect(tls.clone()).await.with_context(what)?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("connection closed: {e}");
                    }
                });
                Ok(client)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_offline_without_printing_passwords() {
        assert!(check_url("postgres://u:pw@h:5432/db?sslmode=verify-full&sslrootcert=/ca").is_ok());
        assert!(check_url("host=h port=5432 sslmode='require' password=pw").is_ok());
        let e = check_url("postgres://u:hunter2@h:99999/db").unwrap_err();
        assert!(
            e.contains("invalid connection URL") && !e.contains("hunter2"),
            "{e}"
        );
        let e = check_url("host=h port=abc password=hunter2").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = check_url("postgres://h/db?sslmode=sometimes").unwrap_err();
        assert!(e.contains("invalid sslmode `sometimes`"), "{e}");
        let e = check_url("host=h sslmode=bogus").unwrap_err();
        assert!(e.contains("invalid sslmode `bogus`"), "{e}");
        assert!(check_url("notaurl://x").is_err());
    }

    #[test]
    fn tls_params_are_taken_out() {
        let (u, m, r) = strip_tls_params(
            "postgres://a:b@h/db?sslmode=verify-full&application_name=x&sslrootcert=/ca.pem",
        );
        assert_eq!(u, "postgres://a:b@h/db?application_name=x");
        assert_eq!(m, Some(SslMode::VerifyFull));
        assert_eq!(r.as_deref(), Some("/ca.pem"));
        let (u, m, _) = strip_tls_params("host=h sslmode=require user=u");
        assert_eq!(u, "host=h user=u");
        assert_eq!(m, Some(SslMode::Require));
        assert_eq!(strip_tls_params("postgres://h/db").0, "postgres://h/db");
        // libpq allows spaces around `=`, and quoted values.
        let (u, m, r) = strip_tls_params(
            "host=h sslmode = verify-full  sslrootcert= '/my ca.pem' password='it\\'s x'",
        );
        assert_eq!(u, "host=h password='it\\'s x'");
        assert_eq!(m, Some(SslMode::VerifyFull));
        assert_eq!(r.as_deref(), Some("/my ca.pem"));
        assert!(check_url("host=h sslmode = require").is_ok());
        assert!(check_url("host=h sslmode = sometimes").is_err());
    }

    #[test]
    fn key_value_passwords_are_redacted() {
        assert_eq!(
            redact("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=<redacted> dbname=x"
        );
        // Spaces around `=` and quoted values with spaces (libpq syntax).
        for kv in [
            "host=db password = hunter2 dbname=x",
            "host=db password='hunter2 and more' dbname=x",
            "host=db password='it\\'s hunter2' dbname=x",
        ] {
            assert_eq!(redact(kv), "host=db password=<redacted> dbname=x", "{kv}");
        }
        assert_eq!(
            redact("host=db password='hunter2"),
            "host=db password=<redacted>"
        );
        assert_eq!(
            redact("postgres://a:s3cret@h/db"),
            "postgres://a:<redacted>@h/db"
        );
    }
}
