//! `import`: YAML for the topics (with their overrides only, never
//! defaults) and ACLs of a live cluster, such that import then plan shows
//! no changes. And `schema`: the JSON Schema of the format.

use std::collections::BTreeMap;
use std::path::Path;

use common::{EnvMode, Tool};
use regex::Regex;
use serde::Serialize;

use crate::live::{self, Live};
use crate::model::{Acl, Desired, Operation, PatternType, Permission, ResourceType};
use crate::tool::KafkaConfig;

#[derive(Serialize)]
struct OutTopic {
    name: String,
    partitions: i32,
    replication_factor: i16,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    configs: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct OutAcl {
    principal: String,
    host: String,
    operation: Operation,
    permission: Permission,
    resource_type: ResourceType,
    name: String,
    pattern_type: PatternType,
}

#[derive(Serialize)]
struct OutDoc {
    topics: Vec<OutTopic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acls: Option<Vec<OutAcl>>,
}

/// Renders the live state as configuration YAML.
pub fn render(desired: &Desired, live: &Live, include: Option<&Regex>) -> String {
    let keep = |name: &str| include.is_none_or(|r| r.is_match(name));
    let topics = live
        .topics
        .iter()
        .filter(|(n, t)| !t.internal && keep(n))
        .map(|(n, t)| OutTopic {
            name: n.clone(),
            partitions: t.partitions,
            replication_factor: t.replication_factor,
            configs: t
                .configs
                .iter()
                .filter(|(k, c)| c.is_override && !desired.ignores_config(k))
                .filter_map(|(k, c)| c.value.clone().map(|v| (k.clone(), v)))
                .collect(),
        })
        .collect();
    let acls = live.acls.as_ref().map(|list| {
        list.iter()
            .filter(|a: &&Acl| a.resource_type != ResourceType::Topic || keep(&a.name))
            .map(|a| OutAcl {
                principal: a.principal.clone(),
                host: a.host.clone(),
                operation: a.operation,
                permission: a.permission,
                resource_type: a.resource_type,
                name: a.name.clone(),
                pattern_type: a.pattern_type,
            })
            .collect()
    });
    let doc = OutDoc { topics, acls };
    let body = serde_yaml::to_string(&doc).unwrap_or_default();
    let target = match &desired.cluster {
        Some(c) => format!("cluster `{}` ({})", c.name, c.bootstrap.join(",")),
        None => "a cluster".into(),
    };
    let mut header = format!(
        "# Imported from {target} by `kafka-config import`: topics with their\n# overrides only (broker defaults are left out)"
    );
    if live.acls.is_none() {
        header.push_str(";\n# ACLs were not imported: the broker does not support DescribeAcls");
    } else {
        header.push_str(" and ACLs");
    }
    header.push_str(".\n");
    format!("{header}{body}")
}

/// Runs `import`; returns the exit code.
pub async fn run(
    tool: &KafkaConfig,
    path: &Path,
    environment: Option<&str>,
    out: Option<&Path>,
    include: Option<&str>,
) -> u8 {
    let include = match include.map(Regex::new).transpose() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: invalid --include regular expression: {e}");
            return common::exit::ERROR;
        }
    };
    let sources = match common::Sources::load(path, EnvMode::Require) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return common::exit::ERROR;
        }
    };
    let ctx = common::LoadContext::new(common::Verb::Other).with_environment(environment);
    let desired = match tool.load(&sources, &ctx) {
        Ok(d) => d,
        Err(d) => {
            eprintln!("{d}");
            return common::exit::ERROR;
        }
    };
    let live = match live::read(live::ReadOptions {
        all_configs: true,
        acls: true,
        desired: &desired,
    })
    .await
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e:#}");
            return common::exit::ERROR;
        }
    };
    let text = render(&desired, &live, include.as_ref());
    match common::run::write_output(&text, out) {
        Ok(()) => common::exit::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            common::exit::ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveConfig, LiveTopic};
    use crate::model::OverrideDetection;
    use crate::resolve::LoadOptions;
    use common::{SourceFile, Sources};

    fn live() -> Live {
        let cfg = |v: &str, o: bool| LiveConfig {
            value: Some(v.into()),
            source: if o {
                "DYNAMIC_TOPIC_CONFIG"
            } else {
                "DEFAULT_CONFIG"
            }
            .into(),
            is_override: o,
            fallback: None,
        };
        let mut topics = BTreeMap::new();
        topics.insert(
            "orders".to_string(),
            LiveTopic {
                internal: false,
                partitions: 6,
                replication_factor: 3,
                assignment: BTreeMap::new(),
                configs: [
                    ("retention.ms".to_string(), cfg("86400000", true)),
                    ("cleanup.policy".to_string(), cfg("compact,delete", true)),
                    ("segment.bytes".to_string(), cfg("1073741824", false)),
                    // Set by a reassignment tool: never imported.
                    (
                        "leader.replication.throttled.replicas".to_string(),
                        cfg("0:1", true),
                    ),
                ]
                .into_iter()
                .collect(),
                moving: BTreeMap::new(),
                bytes: None,
            },
        );
        topics.insert(
            "__consumer_offsets".to_string(),
            LiveTopic {
                internal: true,
                partitions: 50,
                replication_factor: 3,
                assignment: BTreeMap::new(),
                configs: BTreeMap::new(),
                moving: BTreeMap::new(),
                bytes: None,
            },
        );
        Live {
            brokers: vec![1],
            apis: BTreeMap::new(),
            topics,
            acls: Some(vec![Acl {
                resource_type: ResourceType::Topic,
                name: "orders".into(),
                pattern_type: PatternType::Literal,
                principal: "User:app".into(),
                host: "*".into(),
                operation: Operation::Read,
                permission: Permission::Allow,
            }]),
            warnings: Vec::new(),
        }
    }

    fn desired() -> Desired {
        Desired {
            cluster: None,
            mode: crate::model::Mode::Authoritative,
            scope: vec![],
            override_detection: OverrideDetection::Auto,
            batch_size: 500,
            unmanaged: crate::model::Unmanaged::Report,
            protected: vec![],
            protected_topics: Default::default(),
            topics: BTreeMap::new(),
            acls: None,
            acl_scope: Default::default(),
            ignore_configs: Default::default(),
            origins: Default::default(),
            scope_re: vec![],
            protected_re: vec![],
        }
    }

    #[test]
    fn renders_overrides_only_and_loads_back() {
        let l = live();
        let yaml = render(&desired(), &l, None);
        insta::assert_snapshot!(yaml);
        let file =
            SourceFile::parse("imported.yaml", yaml, &|_| None, common::EnvMode::Require).unwrap();
        let d =
            crate::resolve::load(&Sources { files: vec![file] }, &LoadOptions::default()).unwrap();
        // Import then diff = no changes.
        let diff = crate::diff::diff(&d, &l);
        assert!(diff.changes.is_empty(), "{:?}", diff.changes);
    }

    #[test]
    fn schema_is_json() {
        let v: serde_json::Value = serde_json::from_str(&crate::config::schema()).unwrap();
        assert!(v["properties"]["topics"].is_object());
    }
}
