//! Which topic config changes delete data: a lower `retention.ms` or
//! `retention.bytes` (also when an override is deleted and the broker value
//! it falls back to is lower), and a `cleanup.policy` that starts deleting
//! by age (`compact` → `delete`) or starts compacting (`delete` → `compact`:
//! the log cleaner keeps only the latest record per key and drops every
//! record without a key). Such changes are destructive: apply needs
//! `--allow-destructive`, and the plan says why.

/// Keys whose change can delete messages.
pub const LOSSY_KEYS: &[&str] = &["retention.ms", "retention.bytes", "cleanup.policy"];

/// A retention limit; negative values mean unlimited.
fn limit(v: &str) -> Option<i64> {
    v.trim()
        .parse::<i64>()
        .ok()
        .map(|n| if n < 0 { i64::MAX } else { n })
}

fn shown(v: &str) -> String {
    match v.trim().parse::<i64>() {
        Ok(n) if n < 0 => format!("{v} (unlimited)"),
        _ => v.to_string(),
    }
}

fn has_policy(v: &str, policy: &str) -> bool {
    v.split(',').any(|w| w.trim().eq_ignore_ascii_case(policy))
}

/// Why changing `key` from the effective value `from` to `to` can delete
/// messages; `None` when it cannot. An unknown value (`None`: the broker did
/// not report it) of a lossy key counts as a loss: the plan cannot prove
/// otherwise.
pub fn data_loss(key: &str, from: Option<&str>, to: Option<&str>) -> Option<String> {
    if !LOSSY_KEYS.contains(&key) {
        return None;
    }
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (None, _) => {
            return Some(format!(
                "{key}: the current value is not reported by the broker, so the change may delete messages"
            ))
        }
        (Some(f), None) => {
            return Some(format!(
                "{key}: the value after the change ({key} was {}) is not reported by the broker (no config synonyms), so it may delete messages",
                shown(f)
            ))
        }
    };
    match key {
        "cleanup.policy" => {
            let starts = |p| has_policy(to, p) && !has_policy(from, p);
            match (starts("delete"), starts("compact")) {
                (true, _) => Some(format!(
                    "cleanup.policy from {from} to {to}: records older than retention.ms are deleted, not only superseded ones"
                )),
                (false, true) => Some(format!(
                    "cleanup.policy from {from} to {to}: compaction keeps only the latest record of each key and deletes every record without a key"
                )),
                (false, false) => None,
            }
        }
        _ => match (limit(from), limit(to)) {
            (Some(a), Some(b)) if b < a => Some(format!(
                "lowers {key} from {} to {}: {}",
                shown(from),
                shown(to),
                if key == "retention.ms" {
                    format!("messages older than {to} ms are deleted")
                } else {
                    format!("each partition's oldest segments beyond {to} bytes are deleted")
                }
            )),
            (Some(_), Some(_)) => None,
            _ => Some(format!(
                "{key} from {from} to {to}: not a number, so the change may delete messages"
            )),
        },
    }
}

/// A size for plans: `1.5 MiB (1572864 bytes)`.
pub fn bytes_text(n: u64) -> String {
    const UNITS: &[&str] = &["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit} ({n} bytes)")
}

/// What is on disk, appended to a destructive reason.
pub fn at_stake_text(bytes: Option<u64>) -> String {
    match bytes {
        Some(n) => format!(" (the topic holds {} on disk, one replica)", bytes_text(n)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowering_retention_and_starting_to_delete_lose_data() {
        assert!(
            data_loss("retention.ms", Some("604800000"), Some("3600000"))
                .unwrap()
                .starts_with("lowers retention.ms from 604800000 to 3600000")
        );
        assert!(data_loss("retention.ms", Some("3600000"), Some("604800000")).is_none());
        assert!(data_loss("retention.ms", Some("-1"), Some("86400000"))
            .unwrap()
            .contains("-1 (unlimited)"));
        assert!(data_loss("retention.bytes", Some("1000"), Some("-1")).is_none());
        assert!(data_loss("retention.bytes", Some("1000"), Some("10")).is_some());
        assert!(data_loss("cleanup.policy", Some("compact"), Some("delete")).is_some());
        assert!(data_loss("cleanup.policy", Some("compact"), Some("compact,delete")).is_some());
        // Starting to compact drops superseded and keyless records.
        assert!(data_loss("cleanup.policy", Some("delete"), Some("compact"))
            .unwrap()
            .contains("without a key"));
        assert!(data_loss("cleanup.policy", Some("delete"), Some("compact,delete")).is_some());
        assert!(data_loss("cleanup.policy", Some("compact,delete"), Some("delete")).is_none());
        assert!(data_loss("cleanup.policy", Some("compact,delete"), Some("compact")).is_none());
        assert!(data_loss("segment.ms", Some("100"), Some("1")).is_none());
        // Unknown values of lossy keys are losses.
        assert!(data_loss("retention.ms", Some("100"), None).is_some());
        assert!(data_loss("retention.ms", None, Some("100")).is_some());
        assert!(data_loss("segment.ms", None, None).is_none());
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes_text(10), "10 bytes");
        assert_eq!(bytes_text(1536), "1.5 KiB (1536 bytes)");
        assert_eq!(bytes_text(3 << 30), "3.0 GiB (3221225472 bytes)");
        assert_eq!(at_stake_text(None), "");
    }
}
