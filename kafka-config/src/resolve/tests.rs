use super::*;
use crate::model::{is_internal, Acl, Operation, PatternType, Permission, Protocol, ResourceType};
use common::{EnvMode, SourceFile};

fn sources(files: &[(&str, &str)]) -> Sources {
    Sources {
        files: files
            .iter()
            .map(|(p, t)| SourceFile::parse(*p, *t, &|_| None, EnvMode::Lenient).unwrap())
            .collect(),
    }
}

fn load_env(files: &[(&str, &str)], env: Option<&str>) -> Result<Desired, Diagnostics> {
    load(
        &sources(files),
        &LoadOptions {
            env: env.map(String::from),
            all_envs: env.is_none(),
        },
    )
}

fn errors(files: &[(&str, &str)], env: Option<&str>) -> String {
    match load_env(files, env) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d.to_string(),
    }
}

const CLUSTERS: &str = r#"
clusters:
  dev:
    bootstrap_servers: [127.0.0.1:9092]
  prod:
    bootstrap_servers: "b1:9092,b2:9092"
    request_timeout: 10s
    security:
      protocol: SASL_SSL
      sasl: {mechanism: SCRAM-SHA-512, username: admin, password: s3cret}
      tls: {ca: /etc/ca.pem}
"#;

#[test]
fn resolves_defaults_profiles_and_overlays() {
    let topics = r#"
defaults:
  partitions: 3
  replication_factor: 1
  configs:
    retention.ms: 7d
profiles:
  compacted:
    configs:
      cleanup.policy: [compact]
      retention.ms: null
topics:
  - name: orders
    configs:
      max.message.bytes: 1MiB
    environments:
      prod:
        partitions: 12
        replication_factor: 3
        configs: {retention.ms: 30d, min.insync.replicas: 2}
  - name: customers
    extends: compacted
"#;
    let dev = load_env(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev")).unwrap();
    let o = &dev.topics["orders"];
    assert_eq!((o.partitions, o.replication_factor), (3, 1));
    assert_eq!(o.configs["retention.ms"], "604800000");
    assert_eq!(o.configs["max.message.bytes"], "1048576");
    let c = &dev.topics["customers"];
    assert_eq!(c.configs.get("retention.ms"), None);
    assert_eq!(c.configs["cleanup.policy"], "compact");

    let prod = load_env(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("prod")).unwrap();
    let o = &prod.topics["orders"];
    assert_eq!((o.partitions, o.replication_factor), (12, 3));
    assert_eq!(o.configs["retention.ms"], "2592000000");
    assert_eq!(o.configs["min.insync.replicas"], "2");
    let cl = prod.cluster.unwrap();
    assert_eq!(cl.bootstrap, vec!["b1:9092", "b2:9092"]);
    assert_eq!(cl.request_timeout_ms, 10_000);
    assert_eq!(cl.protocol, Protocol::SaslSsl);
    // Secrets never serialize.
    let json = serde_json::to_string(&cl).unwrap();
    assert!(!json.contains("s3cret"), "{json}");
}

#[test]
fn unknown_config_key_suggests_and_locates() {
    let topics = "topics:\n  - name: orders\n    partitions: 1\n    replication_factor: 1\n    configs:\n      retention.msx: 1d\n";
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev"));
    assert!(
        e.contains("t.yaml:6:7: error: unknown topic config `retention.msx`"),
        "{e}"
    );
    assert!(e.contains("did you mean `retention.ms`?"), "{e}");
}

#[test]
fn bad_values_are_located() {
    let topics = "topics:\n  - name: orders\n    partitions: 1\n    replication_factor: 1\n    configs:\n      retention.ms: 7 days\n      compression.type: brotli\n";
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev"));
    assert!(
        e.contains("t.yaml:6:21: error: `7 days` is not a duration"),
        "{e}"
    );
    assert!(
        e.contains("t.yaml:7:25: error: `compression.type` must be one of"),
        "{e}"
    );
}

#[test]
fn policies() {
    let topics = r#"
policies:
  name_patterns: ['^[a-z]+\.[a-z]+$']
  min_partitions: 2
  max_partitions: 10
  replication_factors: [1, 3]
  required_configs: [min.insync.replicas]
topics:
  - name: Bad_Name
    partitions: 20
    replication_factor: 2
    configs: {min.insync.replicas: 1}
  - name: team.orders
    partitions: 3
    replication_factor: 1
"#;
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev"));
    assert!(
        e.contains("t.yaml:9:11: error: topic name `Bad_Name` does not match the naming policy"),
        "{e}"
    );
    assert!(e.contains("t.yaml:10:17: error: topic `Bad_Name` has 20 partitions in environment `dev`; the policy maximum is 10"), "{e}");
    assert!(
        e.contains("t.yaml:11:25: error: topic `Bad_Name` has replication_factor 2"),
        "{e}"
    );
    assert!(
        e.contains("t.yaml:13:11: error: topic `team.orders` does not set `min.insync.replicas`"),
        "{e}"
    );
}

#[test]
fn policies_are_checked_per_environment() {
    let topics = r#"
policies:
  max_partitions: 10
topics:
  - name: orders
    partitions: 3
    replication_factor: 1
    environments:
      prod: {partitions: 50}
"#;
    // validate without --env checks every environment.
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], None);
    assert!(e.contains("50 partitions in environment `prod`"), "{e}");
    assert!(load_env(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev")).is_ok());
}

#[test]
fn unknown_environment_and_profile() {
    let topics = "topics:\n  - name: orders\n    extends: compacte\n    partitions: 1\n    replication_factor: 1\n    environments:\n      prd: {partitions: 2}\nprofiles:\n  compacted: {configs: {cleanup.policy: compact}}\n";
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", topics)], Some("dev"));
    assert!(
        e.contains("t.yaml:3:14: error: unknown profile `compacte`"),
        "{e}"
    );
    assert!(e.contains("did you mean `compacted`?"), "{e}");
    assert!(
        e.contains("t.yaml:7:7: error: unknown environment `prd`"),
        "{e}"
    );
    assert!(e.contains("did you mean `prod`?"), "{e}");
    let e = errors(&[("c.yaml", CLUSTERS)], Some("prdo"));
    assert!(e.contains("unknown environment `prdo` (--env)"), "{e}");
}

#[test]
fn several_clusters_need_env_for_plan() {
    let r = load(&sources(&[("c.yaml", CLUSTERS)]), &LoadOptions::default());
    assert!(r.unwrap_err().to_string().contains("choose one with --env"));
}

#[test]
fn duplicates_across_files() {
    let a = "topics:\n  - name: orders\n    partitions: 1\n    replication_factor: 1\n";
    let e = errors(
        &[("c.yaml", CLUSTERS), ("a.yaml", a), ("b.yaml", a)],
        Some("dev"),
    );
    assert!(
        e.contains("b.yaml:2:11: error: topic `orders` is declared more than once"),
        "{e}"
    );
    assert!(e.contains("a.yaml:2:11"), "{e}");
}

#[test]
fn unknown_top_level_key() {
    let e = errors(
        &[("c.yaml", CLUSTERS), ("t.yaml", "topis: []\n")],
        Some("dev"),
    );
    assert!(e.contains("t.yaml:1:1: error: unknown key `topis`"), "{e}");
    assert!(e.contains("did you mean `topics`?"), "{e}");
}

#[test]
fn security_rules() {
    let c = "clusters:\n  x:\n    bootstrap_servers: [nohost]\n    security:\n      protocol: SASL_PLAINTEXT\n";
    let e = errors(&[("c.yaml", c)], Some("x"));
    assert!(
        e.contains("c.yaml:3:25: error: bootstrap server `nohost` must be written host:port"),
        "{e}"
    );
    assert!(e.contains("SASL protocols need a `sasl` section"), "{e}");
    let c = "clusters:\n  x:\n    bootstrap_servers: [h:1]\n    security:\n      sasl: {mechanism: SCRAM-SHA-1, username: a, password: b}\n";
    let e = errors(&[("c.yaml", c)], Some("x"));
    assert!(e.contains("unknown variant `SCRAM-SHA-1`"), "{e}");
}

#[test]
fn acls() {
    let a = r#"
acls:
  - principal: User:alice
    operation: [read, Describe]
    resource_type: topic
    name: orders
  - principal: User:bob
    operation: Wrte
    resource_type: Topic
    name: orders
    pattern_type: prefixed
"#;
    let e = errors(&[("c.yaml", CLUSTERS), ("a.yaml", a)], Some("dev"));
    assert!(
        e.contains("a.yaml:8:16: error: unknown ACL operation `Wrte`"),
        "{e}"
    );
    assert!(e.contains("did you mean `Write`?"), "{e}");
    let ok = a.replace("Wrte", "Write");
    let d = load_env(&[("c.yaml", CLUSTERS), ("a.yaml", &ok)], Some("dev")).unwrap();
    let acls = d.acls.unwrap();
    assert_eq!(acls.len(), 3);
    assert_eq!(acls[0].operation.name(), "Describe");
    assert_eq!(acls[1].operation.name(), "Read");
    assert_eq!(acls[0].permission.name(), "Allow");
    assert_eq!(acls[0].host, "*");
    assert_eq!(acls[2].pattern_type.name(), "prefixed");
}

#[test]
fn partitions_are_required() {
    let t = "topics:\n  - name: orders\n";
    let e = errors(&[("c.yaml", CLUSTERS), ("t.yaml", t)], Some("dev"));
    assert!(
        e.contains("t.yaml:2:11: error: topic `orders` has no `partitions`"),
        "{e}"
    );
}

#[test]
fn internal_names() {
    assert!(is_internal("__consumer_offsets"));
    assert!(is_internal("_schemas"));
    assert!(!is_internal("orders"));
}

#[test]
fn protected_topics_count_in_every_environment() {
    let t = "topics:\n  - name: ledger\n    partitions: 1\n    replication_factor: 1\n    only: [prod]\n    protected: true\n";
    let d = load_env(&[("c.yaml", CLUSTERS), ("t.yaml", t)], Some("dev")).unwrap();
    assert!(!d.topics.contains_key("ledger"));
    assert!(d.is_protected("ledger"));
    assert!(!d.is_protected("other"));
}

#[test]
fn acl_scope_and_ignore_configs_are_checked_with_locations() {
    let s = r#"
settings:
  scope: ['^team-a\.']
  ignore_configs: [segment.bytes]
  acl_scope:
    principals: ['^User:team-a-', '(']
    resources:
      - {resource_type: Group, name: '^team-a\.'}
      - {resource_type: Grop, name: x}
"#;
    let e = errors(&[("c.yaml", CLUSTERS), ("s.yaml", s)], Some("dev"));
    assert!(
        e.contains("s.yaml:6:35: error: invalid regular expression `(`"),
        "{e}"
    );
    assert!(
        e.contains("s.yaml:9:25: error: unknown ACL resource type `Grop`"),
        "{e}"
    );
    assert!(e.contains("did you mean `Group`?"), "{e}");
    let ok = s
        .replace(", '('", "")
        .replace("      - {resource_type: Grop, name: x}\n", "");
    let d = load_env(&[("c.yaml", CLUSTERS), ("s.yaml", &ok)], Some("dev")).unwrap();
    assert_eq!(d.acl_scope.principals, vec!["^User:team-a-".to_string()]);
    assert_eq!(
        d.acl_scope.resources,
        vec![(ResourceType::Group, "^team-a\\.".to_string())]
    );
    assert!(d.ignores_config("segment.bytes"));
    assert!(d.ignores_config("leader.replication.throttled.replicas"));
    assert!(!d.ignores_config("retention.ms"));
    let acl = |rt: ResourceType, name: &str, principal: &str| Acl {
        resource_type: rt,
        name: name.into(),
        pattern_type: PatternType::Literal,
        principal: principal.into(),
        host: "*".into(),
        operation: Operation::Read,
        permission: Permission::Allow,
    };
    assert!(d.acl_in_scope(&acl(ResourceType::Topic, "team-a.orders", "User:x")));
    assert!(!d.acl_in_scope(&acl(ResourceType::Topic, "team-b.orders", "User:x")));
    assert!(!d.acl_in_scope(&acl(ResourceType::Topic, "*", "User:x")));
    assert!(d.acl_in_scope(&acl(ResourceType::Group, "team-a.app", "User:x")));
    assert!(!d.acl_in_scope(&acl(ResourceType::Group, "team-b.app", "User:x")));
    assert!(d.acl_in_scope(&acl(
        ResourceType::Cluster,
        "kafka-cluster",
        "User:team-a-ci"
    )));
    assert!(!d.acl_in_scope(&acl(ResourceType::Cluster, "kafka-cluster", "User:admin")));
}
