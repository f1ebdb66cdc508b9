//! Topic config keys, their value types, and normalization of values written
//! by people (`7d`, `1GiB`, `true`, `[compact, delete]`) into the strings
//! Kafka stores (`604800000`, `1073741824`, `true`, `compact,delete`).
//!
//! Normalization happens once, at load time, so that equal values written
//! differently never produce a diff; [`values_equal`] compares a normalized
//! declared value with a live value by type (numbers numerically, lists as
//! sets), so that the broker's own spelling never produces one either.

use serde_yaml::Value;

/// The type of a topic config value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Milliseconds; accepts durations such as `7d`, `12h`, `500ms`.
    Duration,
    /// Bytes; accepts sizes such as `1GiB`, `512KiB`, `10MB`.
    Size,
    /// A plain integer.
    Int,
    /// A floating-point number (ratios).
    Double,
    /// `true` or `false`.
    Bool,
    /// A comma-separated list whose order does not matter.
    List,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    /// Free text.
    Str,
}

/// Every topic-level config key Kafka (3.x / 4.x) knows, with its type.
pub const KNOWN: &[(&str, Kind)] = &[
    ("cleanup.policy", Kind::List),
    (
        "compression.type",
        Kind::Enum(&["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"]),
    ),
    ("compression.gzip.level", Kind::Int),
    ("compression.lz4.level", Kind::Int),
    ("compression.zstd.level", Kind::Int),
    ("delete.retention.ms", Kind::Duration),
    ("file.delete.delay.ms", Kind::Duration),
    ("flush.messages", Kind::Int),
    ("flush.ms", Kind::Duration),
    ("follower.replication.throttled.replicas", Kind::List),
    ("index.interval.bytes", Kind::Size),
    ("leader.replication.throttled.replicas", Kind::List),
    ("local.retention.bytes", Kind::Size),
    ("local.retention.ms", Kind::Duration),
    ("max.compaction.lag.ms", Kind::Duration),
    ("max.message.bytes", Kind::Size),
    ("message.downconversion.enable", Kind::Bool),
    ("message.format.version", Kind::Str),
    ("message.timestamp.after.max.ms", Kind::Duration),
    ("message.timestamp.before.max.ms", Kind::Duration),
    ("message.timestamp.difference.max.ms", Kind::Duration),
    (
        "message.timestamp.type",
        Kind::Enum(&["CreateTime", "LogAppendTime"]),
    ),
    ("min.cleanable.dirty.ratio", Kind::Double),
    ("min.compaction.lag.ms", Kind::Duration),
    ("min.insync.replicas", Kind::Int),
    ("preallocate", Kind::Bool),
    ("remote.log.copy.disable", Kind::Bool),
    ("remote.log.delete.on.disable", Kind::Bool),
    ("remote.storage.enable", Kind::Bool),
    ("retention.bytes", Kind::Size),
    ("retention.ms", Kind::Duration),
    ("segment.bytes", Kind::Size),
    ("segment.index.bytes", Kind::Size),
    ("segment.jitter.ms", Kind::Duration),
    ("segment.ms", Kind::Duration),
    ("unclean.leader.election.enable", Kind::Bool),
];

/// The type of a known key; `None` for an unknown key.
pub fn kind_of(key: &str) -> Option<Kind> {
    KNOWN.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The type used to normalize and compare `key`: unknown keys (allowed by
/// policy) are free text.
pub fn kind_or_str(key: &str) -> Kind {
    kind_of(key).unwrap_or(Kind::Str)
}

/// Parses a duration (`7d`, `12h`, `30m`, `45s`, `500ms`, `1w`, a bare
/// number of milliseconds, or `-1` for "unlimited") into milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let (num, unit) = split_unit(s);
    let mult: i64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => {
            return Err(format!(
                "`{s}` is not a duration: use a number of milliseconds or a number followed by ms, s, m, h, d or w (e.g. `7d`, `500ms`)"
            ))
        }
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: `{num}` is not a whole number"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// Parses a size (`1GiB`, `512KiB`, `10MB`, `100B`, a bare number of bytes,
/// or `-1` for "unlimited") into bytes. `KiB`/`MiB`/`GiB`/`TiB` are powers of
/// 1024, `KB`/`MB`/`GB`/`TB` powers of 1000.
pub fn parse_size_bytes(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    let (num, unit) = split_unit(s);
    let mult: i64 = match unit {
        "B" | "b" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "`{s}` is not a size: use a number of bytes or a number followed by B, KiB, MiB, GiB, TiB, KB, MB, GB or TB (e.g. `1GiB`)"
            ))
        }
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size: `{num}` is not a whole number"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn split_unit(s: &str) -> (&str, &str) {
    let i = s
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(s.len());
    (s[..i].trim(), s[i..].trim())
}

/// A YAML scalar as text; `None` for mappings, sequences and null.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Normalizes a declared value for `key` into the string Kafka stores.
pub fn normalize(key: &str, v: &Value) -> Result<String, String> {
    let kind = kind_or_str(key);
    if let Value::Sequence(items) = v {
        if kind != Kind::List {
            return Err(format!("`{key}` takes a single value, not a list"));
        }
        let mut parts = Vec::new();
        for item in items {
            let t = scalar_text(item)
                .ok_or_else(|| format!("`{key}`: list items must be plain values"))?;
            parts.push(t.trim().to_string());
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        return list_items(key, &parts);
    }
    let text = scalar_text(v).ok_or_else(|| {
        format!("`{key}` must be a string, a number or a boolean (use null to unset an inherited value)")
    })?;
    match kind {
        Kind::Duration => parse_duration_ms(&text).and_then(|n| not_below(key, &text, n)),
        Kind::Size => parse_size_bytes(&text).and_then(|n| not_below(key, &text, n)),
        Kind::Int => {
            if let Value::Number(n) = v {
                if n.as_i64().is_none() {
                    return Err(format!("`{key}` must be a whole number, not `{n}`"));
                }
            }
            text.trim()
                .parse::<i64>()
                .map(|n| n.to_string())
                .map_err(|_| format!("`{key}` must be a whole number, not `{text}`"))
        }
        Kind::Double => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f.to_string())
            .ok_or_else(|| format!("`{key}` must be a number, not `{text}`")),
        Kind::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok("true".into()),
            "false" => Ok("false".into()),
            _ => Err(format!("`{key}` must be true or false, not `{text}`")),
        },
        Kind::List => {
            let parts: Vec<&str> = text
                .split(',')
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect();
            list_items(key, &parts)
        }
        Kind::Enum(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(text.trim()))
            .map(|w| w.to_string())
            .ok_or_else(|| format!("`{key}` must be one of {}, not `{text}`", words.join(", "))),
        Kind::Str => Ok(text),
    }
}

/// Rejects durations and sizes below Kafka's sentinels: `-1` ("unlimited")
/// everywhere, and `-2` ("use the local value") for `local.retention.*`.
fn not_below(key: &str, text: &str, n: i64) -> Result<String, String> {
    let min = if key.starts_with("local.retention.") {
        -2
    } else {
        -1
    };
    if n < min {
        let sentinels = if min == -2 {
            "-1 (unlimited), -2 (same as the total retention)"
        } else {
            "-1 (unlimited)"
        };
        return Err(format!(
            "`{key}` cannot be negative (`{}`): use {sentinels} or a value of at least 0",
            text.trim()
        ));
    }
    Ok(n.to_string())
}

/// Joins list items, checking the words of lists with a fixed vocabulary
/// (`cleanup.policy`: `compact`, `delete`).
fn list_items(key: &str, parts: &[&str]) -> Result<String, String> {
    if key == "cleanup.policy" {
        let mut out = Vec::new();
        for p in parts {
            let w = p.to_ascii_lowercase();
            if w != "compact" && w != "delete" {
                return Err(format!(
                    "`cleanup.policy` accepts `compact` and `delete`, not `{p}`"
                ));
            }
            out.push(w);
        }
        return Ok(out.join(","));
    }
    Ok(parts.join(","))
}

/// True when a declared (normalized) value and a live value mean the same
/// thing for `key`: numbers compare numerically, lists as sets, booleans
/// and enum words case-insensitively.
pub fn values_equal(key: &str, declared: &str, live: Option<&str>) -> bool {
    let Some(live) = live else {
        return false;
    };
    if declared == live {
        return true;
    }
    match kind_or_str(key) {
        Kind::Duration | Kind::Size | Kind::Int => {
            match (declared.trim().parse::<i64>(), live.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        Kind::Double => match (declared.trim().parse::<f64>(), live.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        Kind::Bool | Kind::Enum(_) => declared.trim().eq_ignore_ascii_case(live.trim()),
        Kind::List => {
            let set = |s: &str| {
                s.split(',')
                    .map(|p| p.trim().to_ascii_lowercase())
                    .filter(|p| !p.is_empty())
                    .collect::<std::collections::BTreeSet<_>>()
            };
            set(declared) == set(live)
        }
        Kind::Str => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(key: &str, yaml: &str) -> Result<String, String> {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        normalize(key, &v)
    }

    #[test]
    fn durations() {
        assert_eq!(n("retention.ms", "7d").unwrap(), "604800000");
        assert_eq!(n("retention.ms", "12h").unwrap(), "43200000");
        assert_eq!(n("retention.ms", "500ms").unwrap(), "500");
        assert_eq!(n("retention.ms", "604800000").unwrap(), "604800000");
        assert_eq!(n("retention.ms", "\"604800000\"").unwrap(), "604800000");
        assert_eq!(n("retention.ms", "-1").unwrap(), "-1");
        assert_eq!(n("segment.ms", "1w").unwrap(), "604800000");
        assert!(n("retention.ms", "7 days").is_err());
        assert!(n("retention.ms", "1.5d").is_err());
    }

    #[test]
    fn negative_values_and_list_words_are_checked() {
        assert!(n("retention.ms", "-5")
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(n("retention.ms", "-1d").is_err());
        assert!(n("segment.bytes", "-2").is_err());
        assert_eq!(n("local.retention.ms", "-2").unwrap(), "-2");
        assert!(n("local.retention.bytes", "-3").is_err());
        assert_eq!(
            n("cleanup.policy", "Compact, delete").unwrap(),
            "compact,delete"
        );
        let shred = Value::Sequence(vec![Value::from("compact"), Value::from("shred")]);
        assert!(normalize("cleanup.policy", &shred)
            .unwrap_err()
            .contains("not `shred`"));
    }

    #[test]
    fn sizes() {
        assert_eq!(n("retention.bytes", "1GiB").unwrap(), "1073741824");
        assert_eq!(n("max.message.bytes", "512KiB").unwrap(), "524288");
        assert_eq!(n("segment.bytes", "10MB").unwrap(), "10000000");
        assert_eq!(n("retention.bytes", "-1").unwrap(), "-1");
        assert!(n("retention.bytes", "1GX").is_err());
    }

    #[test]
    fn other_kinds() {
        assert_eq!(n("min.insync.replicas", "2").unwrap(), "2");
        assert!(n("min.insync.replicas", "2.5").is_err());
        assert_eq!(n("min.cleanable.dirty.ratio", "0.50").unwrap(), "0.5");
        assert_eq!(n("preallocate", "True").unwrap(), "true");
        assert_eq!(
            n("cleanup.policy", "[compact, delete]").unwrap(),
            "compact,delete"
        );
        assert_eq!(
            n("cleanup.policy", "compact, delete").unwrap(),
            "compact,delete"
        );
        assert_eq!(n("compression.type", "ZSTD").unwrap(), "zstd");
        assert!(n("compression.type", "brotli").is_err());
        assert!(n("retention.ms", "{a: 1}").is_err());
    }

    #[test]
    fn equality() {
        assert!(values_equal("retention.ms", "604800000", Some("604800000")));
        assert!(values_equal(
            "min.cleanable.dirty.ratio",
            "0.5",
            Some("0.50")
        ));
        assert!(values_equal(
            "cleanup.policy",
            "compact,delete",
            Some("delete,compact")
        ));
        assert!(values_equal("preallocate", "true", Some("TRUE")));
        assert!(!values_equal("retention.ms", "1", Some("2")));
        assert!(!values_equal("retention.ms", "1", None));
    }
}
