//! [`Secret`]: a string that never shows itself.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text every secret is shown as.
pub const REDACTED: &str = "<redacted>";

/// A password, token or SASL credential.
///
/// `Debug`, `Display` and `Serialize` all print [`REDACTED`]; the value is
/// reachable only through [`Secret::expose`], which callers use at the last
/// moment (building a connection, a statement that is executed but not shown).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Never log or render it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A secret value; use ${VAR} substitution to keep it out of Git."
        })
    }
}

/// Replaces the password of a `scheme://user:password@host/...` URL, and
/// the value of a `password=` query parameter, with [`REDACTED`]; other
/// text is returned unchanged.
///
/// The user info ends at the last `@` of the authority or, when the
/// authority has none, at the first `@` of the rest: tokio-postgres reads
/// everything up to the first `@` as credentials, so an unencoded `/`, `?`
/// or `#` in a password must not end the redaction early.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@').or_else(|| rest.find('@'));
    let (userinfo, tail) = match at {
        Some(at) => {
            let (user, tail) = rest.split_at(at);
            let user = match user.find(':') {
                Some(colon) => format!("{}:{REDACTED}", &user[..colon]),
                None => user.to_string(),
            };
            (user, tail)
        }
        None => (String::new(), rest),
    };
    let tail = match tail.split_once('?') {
        Some((base, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => {
                        format!("{k}={REDACTED}")
                    }
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{head}{userinfo}{tail}")
}

/// A serde message about a secret field, without the value serde quotes in
/// it: `invalid type: string "hunter2", expected a map` becomes
/// `invalid type: string (value hidden: it is a secret), expected a map`.
pub fn hide_secret_value(msg: &str) -> String {
    let kinds = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
    ];
    let Some(kind) = kinds.iter().find(|k| msg.starts_with(**k)) else {
        return msg.to_string();
    };
    let known = [
        "string",
        "integer",
        "floating",
        "boolean",
        "character",
        "sequence",
        "map",
        "unit",
    ];
    let what = msg[kind.len()..]
        .split_whitespace()
        .next()
        .filter(|w| known.contains(w))
        .unwrap_or("value");
    let expected = msg
        .split_once(", expected ")
        .map(|(_, e)| format!(", expected {e}"))
        .unwrap_or_default();
    format!("{kind}{what} (value hidden: it is a secret){expected}")
}

/// A YAML parse error quotes the value it could not read (an integer past
/// 64 bits: ``users[4].password: invalid type: integer `1234…` as u128``);
/// under a secret key the value is hidden, as for typed errors.
pub fn hide_secret_in_parse_error(msg: &str) -> String {
    let Some((path, rest)) = msg.split_once(": ") else {
        return msg.to_string();
    };
    let secret = path.split(['.', '[']).any(is_secret_key);
    if secret {
        format!("{path}: {}", hide_secret_value(rest))
    } else {
        msg.to_string()
    }
}

/// Whether a configuration key names a secret: its value is never echoed in
/// an error message or a snippet (`password`, `sasl_password`, `secret`,
/// `token`, `verifier`, `private_key`, ...). A heuristic on the key's name,
/// because a diagnostic is built from the YAML text, before any field is typed.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // Keys that name a secret but hold a setting about it.
    if ["update_password", "password_encryption"].contains(&k.as_str()) {
        return false;
    }
    [
        "password",
        "passwd",
        "secret",
        "token",
        "verifier",
        "credential",
        "private_key",
        "api_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// A line of a configuration file as a snippet may show it: the value of a
/// secret key ([`is_secret_key`]) is replaced by [`REDACTED`], and so is the
/// password of any URL or libpq `password=` on the line.
pub fn redact_source_line(line: &str) -> String {
    let line = redact_inline_urls(line);
    let trimmed = line.trim_start();
    let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    let Some(colon) = body.find(':') else {
        return line;
    };
    let key = body[..colon].trim().trim_matches(['"', '\'']);
    let rest = &body[colon + 1..];
    if !is_secret_key(key) || rest.trim().is_empty() || !rest.starts_with([' ', '\t']) {
        return line;
    }
    let value = rest.trim().trim_matches(['"', '\'']);
    let names_a_variable =
        (value.starts_with("${") && value.ends_with('}') && value.matches('$').count() == 1)
            || value.replace(' ', "").starts_with("{env:");
    if names_a_variable {
        // `${VAR}` or `{env: VAR}` names where the secret is, not the secret.
        return line;
    }
    let value_start = line.len() - rest.len();
    let comment = rest.find(" #").map(|i| &rest[i..]).unwrap_or("");
    format!(
        "{}: {REDACTED}{comment}",
        line[..value_start - 1].trim_end()
    )
}

/// Redacts every `scheme://user:password@` URL and every libpq
/// `password=value` inside a line of text.
fn redact_inline_urls(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.contains("://") {
            // The URL may sit inside quotes or YAML flow punctuation.
            let start = word.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
            out.push_str(&word[..start]);
            out.push_str(&redact_url(&word[start..]));
        } else {
            out.push_str(word);
        }
    }
    redact_key_value_passwords(&out)
}

/// Redacts the value of every libpq `password = value` (spaces around `=`
/// allowed, a single-quoted value may hold spaces and `\'`).
fn redact_key_value_passwords(line: &str) -> String {
    static PASSWORD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = PASSWORD.get_or_init(|| {
        regex::Regex::new(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'\\]+)")
            .expect("a valid regular expression")
    });
    re.replace_all(line, format!("${{1}}{REDACTED}"))
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"<redacted>\"");
        assert_eq!(s.expose(), "hunter2");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            password: Secret,
        }
        let h = Holder { password: s };
        assert!(!format!("{h:?}").contains("hunter2"));
    }

    #[test]
    fn parse_errors_hide_values_under_secret_keys() {
        assert_eq!(
            hide_secret_in_parse_error(
                "users[4].password: invalid type: integer `123456789012345678901` as u128"
            ),
            "users[4].password: invalid type: integer (value hidden: it is a secret)"
        );
        let plain = "topics[0].partitions: invalid type: integer `123456789012345678901` as u128";
        assert_eq!(hide_secret_in_parse_error(plain), plain);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db.example:5432/app?sslmode=require"),
            "postgres://app:<redacted>@db.example:5432/app?sslmode=require"
        );
        assert_eq!(redact_url("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(redact_url("host=db user=x"), "host=db user=x");
        assert_eq!(
            redact_url("postgres://a:b:c@h/d"),
            "postgres://a:<redacted>@h/d"
        );
        // Unencoded `/`, `?`, `#` in the password (tokio-postgres reads up
        // to the first `@`) and a `password` query parameter.
        for url in [
            "postgres://app:pa/ss@db/app",
            "postgres://app:pa?ss@db/app",
            "postgres://app:pa#ss@db/app",
        ] {
            let r = redact_url(url);
            assert_eq!(r, "postgres://app:<redacted>@db/app", "{url}");
        }
        assert_eq!(
            redact_url("postgres://app@db/app?sslmode=require&password=hunter2"),
            "postgres://app@db/app?sslmode=require&password=<redacted>"
        );
        assert_eq!(
            redact_url("https://glue.local:5000"),
            "https://glue.local:5000"
        );
    }

    #[test]
    fn secret_keys_and_lines() {
        assert!(is_secret_key("password"));
        assert!(is_secret_key("sasl_password"));
        assert!(is_secret_key("SECRET_ACCESS_KEY"));
        assert!(!is_secret_key("name"));
        assert!(!is_secret_key("update_password"));
        assert_eq!(
            redact_source_line("    password: An0ther-S3cret-Value"),
            "    password: <redacted>"
        );
        assert_eq!(
            redact_source_line("  - password: 'x y z' # from vault"),
            "  - password: <redacted> # from vault"
        );
        assert_eq!(
            redact_source_line("    password: {env: PW}"),
            "    password: {env: PW}"
        );
        assert_eq!(
            redact_source_line("    password: \"${PW}\""),
            "    password: \"${PW}\""
        );
        assert_eq!(
            redact_source_line("    password: a${PW}b"),
            "    password: <redacted>"
        );
        assert_eq!(redact_source_line("    password:"), "    password:");
        assert_eq!(redact_source_line("  name: alice"), "  name: alice");
        assert_eq!(
            redact_source_line("  url: \"postgres://u:hunter2@h/db\""),
            "  url: \"postgres://u:<redacted>@h/db\""
        );
        assert_eq!(
            redact_source_line("  url: host=h password=hunter2 dbname=x"),
            "  url: host=h password=<redacted> dbname=x"
        );
        assert_eq!(
            redact_source_line("  url: host=h password = hunter2 port=abc"),
            "  url: host=h password = <redacted> port=abc"
        );
        assert_eq!(
            redact_source_line("  url: \"host=h password='correct horse \\' battery' port=x\""),
            "  url: \"host=h password=<redacted> port=x\""
        );
    }
}
