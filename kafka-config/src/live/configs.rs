//! Topic configs as read: which entries are overrides (the detection
//! rule) and what an override falls back to when deleted (config synonyms,
//! else the broker's own config).

use std::collections::BTreeMap;

use super::types::{Fallback, LiveConfig};
use crate::kafka::{self, ConfigEntry};
use crate::model::OverrideDetection;

/// The fallback of an override: the first synonym not set on the topic.
fn fallback(e: &ConfigEntry) -> Option<Fallback> {
    let (name, value, source) = e
        .synonyms
        .iter()
        .find(|(_, _, src)| *src != kafka::SOURCE_DYNAMIC_TOPIC)?;
    let factor = if name.ends_with(".hours") {
        3_600_000
    } else if name.ends_with(".minutes") {
        60_000
    } else {
        1
    };
    let value = value.as_ref().map(|v| match v.trim().parse::<i64>() {
        Ok(n) if factor > 1 && n > 0 => n.saturating_mul(factor).to_string(),
        _ => v.clone(),
    });
    Some(Fallback {
        value,
        from: format!("{} {name}", kafka::source_name(*source)),
    })
}

/// Broker configs a topic key falls back to, in precedence order, with
/// the factor converting their unit to the topic key's. Read only when the
/// synonyms do not tell: Kafka reports a topic's broker synonyms only from
/// the first broker name on (`log.retention.ms`), so the usual default,
/// `log.retention.hours=168`, is missing from them.
pub const BROKER_FALLBACKS: &[(&str, &[(&str, i64)])] = &[
    (
        "retention.ms",
        &[
            ("log.retention.ms", 1),
            ("log.retention.minutes", 60_000),
            ("log.retention.hours", 3_600_000),
        ],
    ),
    ("retention.bytes", &[("log.retention.bytes", 1)]),
    ("cleanup.policy", &[("log.cleanup.policy", 1)]),
];

/// True when an override of a key of [`BROKER_FALLBACKS`] has no fallback.
pub fn needs_broker_fallback(configs: &BTreeMap<String, LiveConfig>) -> bool {
    configs.iter().any(|(k, c)| {
        c.is_override && c.fallback.is_none() && BROKER_FALLBACKS.iter().any(|(x, _)| x == k)
    })
}

/// The broker config names to read for [`fill_from_broker`].
pub fn broker_keys() -> Vec<&'static str> {
    BROKER_FALLBACKS
        .iter()
        .flat_map(|(_, list)| list.iter().map(|(k, _)| *k))
        .collect()
}

/// Fills the missing fallbacks of overrides from broker `id`'s configs.
pub fn fill_from_broker(
    configs: &mut BTreeMap<String, LiveConfig>,
    broker: &[ConfigEntry],
    id: i32,
) {
    for (key, list) in BROKER_FALLBACKS {
        let Some(c) = configs.get_mut(*key) else {
            continue;
        };
        if !c.is_override || c.fallback.is_some() {
            continue;
        }
        let found = list.iter().find_map(|(name, factor)| {
            let e = broker.iter().find(|e| e.name == *name)?;
            let v = e.value.as_ref()?;
            Some((e, v, *factor))
        });
        if let Some((e, v, factor)) = found {
            let value = match v.trim().parse::<i64>() {
                Ok(n) if factor > 1 && n > 0 => n.saturating_mul(factor).to_string(),
                _ => v.clone(),
            };
            c.fallback = Some(Fallback {
                value: Some(value),
                from: format!("{} {} of broker {id}", kafka::source_name(e.source), e.name),
            });
        }
    }
}

/// Keys Apache Kafka always lists for a topic; a broker whose answer lacks
/// any of them lists only the configs set on the topic.
const ALWAYS_LISTED: &[&str] = &[
    "cleanup.policy",
    "compression.type",
    "max.message.bytes",
    "min.insync.replicas",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.ms",
];

/// Classifies DescribeConfigs entries into [`LiveConfig`]s with the
/// override rule (see docs/kafka-config.md, "Override detection").
pub fn classify(entries: &[ConfigEntry], rule: OverrideDetection) -> BTreeMap<String, LiveConfig> {
    let listed_only = match rule {
        OverrideDetection::Source => false,
        OverrideDetection::Listed => true,
        OverrideDetection::Auto => !ALWAYS_LISTED
            .iter()
            .all(|k| entries.iter().any(|e| e.name == *k)),
    };
    entries
        .iter()
        .map(|e| {
            let is_override = if listed_only {
                !e.read_only
                    && matches!(
                        e.source,
                        kafka::SOURCE_DYNAMIC_TOPIC | kafka::SOURCE_DEFAULT | -1 | 0
                    )
            } else {
                e.source == kafka::SOURCE_DYNAMIC_TOPIC
            };
            (
                e.name.clone(),
                LiveConfig {
                    value: e.value.clone(),
                    source: kafka::source_name(e.source).to_string(),
                    is_override,
                    fallback: if is_override { fallback(e) } else { None },
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, source: i8) -> ConfigEntry {
        ConfigEntry {
            name: name.into(),
            value: Some("1".into()),
            source,
            read_only: false,
            sensitive: false,
            synonyms: vec![],
        }
    }

    #[test]
    fn kafka_full_listing_uses_the_source() {
        let mut entries: Vec<ConfigEntry> = ALWAYS_LISTED
            .iter()
            .map(|k| e(k, kafka::SOURCE_DEFAULT))
            .collect();
        entries.push(e("segment.jitter.ms", kafka::SOURCE_DYNAMIC_TOPIC));
        entries.push(e("flush.ms", 4)); // STATIC_BROKER_CONFIG
        let c = classify(&entries, OverrideDetection::Auto);
        assert!(c["segment.jitter.ms"].is_override);
        assert!(!c["retention.ms"].is_override);
        assert!(!c["flush.ms"].is_override);
        assert_eq!(c["flush.ms"].source, "STATIC_BROKER_CONFIG");
    }

    #[test]
    fn sparse_listing_means_every_entry_is_set() {
        // tansu: only the configs set on the topic, flagged DEFAULT_CONFIG.
        let entries = vec![
            e("retention.ms", kafka::SOURCE_DEFAULT),
            e("segment.ms", kafka::SOURCE_DEFAULT),
        ];
        let c = classify(&entries, OverrideDetection::Auto);
        assert!(c["retention.ms"].is_override && c["segment.ms"].is_override);
        let c = classify(&entries, OverrideDetection::Source);
        assert!(!c["retention.ms"].is_override);
    }

    #[test]
    fn an_override_falls_back_to_the_first_broker_synonym() {
        let mut entries: Vec<ConfigEntry> = ALWAYS_LISTED
            .iter()
            .map(|k| e(k, kafka::SOURCE_DEFAULT))
            .collect();
        let retention = entries
            .iter_mut()
            .find(|x| x.name == "retention.ms")
            .unwrap();
        retention.source = kafka::SOURCE_DYNAMIC_TOPIC;
        retention.synonyms = vec![
            (
                "retention.ms".into(),
                Some("1".into()),
                kafka::SOURCE_DYNAMIC_TOPIC,
            ),
            (
                "log.retention.hours".into(),
                Some("168".into()),
                kafka::SOURCE_DEFAULT,
            ),
        ];
        let cleanup = entries
            .iter_mut()
            .find(|x| x.name == "cleanup.policy")
            .unwrap();
        cleanup.source = kafka::SOURCE_DYNAMIC_TOPIC;
        cleanup.synonyms = vec![
            (
                "cleanup.policy".into(),
                Some("compact".into()),
                kafka::SOURCE_DYNAMIC_TOPIC,
            ),
            ("log.cleanup.policy".into(), Some("delete".into()), 3),
        ];
        let c = classify(&entries, OverrideDetection::Auto);
        let f = c["retention.ms"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("604800000"));
        assert_eq!(f.from, "DEFAULT_CONFIG log.retention.hours");
        let f = c["cleanup.policy"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("delete"));
        assert_eq!(f.from, "DYNAMIC_DEFAULT_BROKER_CONFIG log.cleanup.policy");
        assert_eq!(c["segment.ms"].fallback, None);
    }

    #[test]
    fn without_synonyms_the_broker_config_is_the_fallback() {
        let mut entries: Vec<ConfigEntry> = ALWAYS_LISTED
            .iter()
            .map(|k| e(k, kafka::SOURCE_DEFAULT))
            .collect();
        for x in entries
            .iter_mut()
            .filter(|x| x.name.starts_with("retention."))
        {
            x.source = kafka::SOURCE_DYNAMIC_TOPIC;
        }
        let mut c = classify(&entries, OverrideDetection::Auto);
        assert!(needs_broker_fallback(&c));
        let broker = vec![
            ConfigEntry {
                value: None,
                ..e("log.retention.ms", kafka::SOURCE_DEFAULT)
            },
            ConfigEntry {
                value: None,
                ..e("log.retention.minutes", kafka::SOURCE_DEFAULT)
            },
            ConfigEntry {
                value: Some("168".into()),
                ..e("log.retention.hours", kafka::SOURCE_DEFAULT)
            },
            ConfigEntry {
                value: Some("-1".into()),
                ..e("log.retention.bytes", kafka::SOURCE_DEFAULT)
            },
        ];
        fill_from_broker(&mut c, &broker, 1);
        let f = c["retention.ms"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("604800000"));
        assert_eq!(f.from, "DEFAULT_CONFIG log.retention.hours of broker 1");
        let f = c["retention.bytes"].fallback.clone().unwrap();
        assert_eq!(f.value.as_deref(), Some("-1"));
        assert!(!needs_broker_fallback(&c));
        assert!(broker_keys().contains(&"log.cleanup.policy"));
    }
}
