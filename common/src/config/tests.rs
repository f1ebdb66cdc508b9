use std::collections::BTreeMap;

use serde::Deserialize;

use super::*;
use crate::secret::Secret;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    #[serde(default)]
    topics: Vec<Topic>,
    #[serde(default)]
    password: Option<Secret>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // fields exist to be deserialized and rejected
struct Topic {
    name: String,
    partitions: u32,
    #[serde(default)]
    configs: BTreeMap<String, String>,
}

fn env(k: &str) -> Option<String> {
    match k {
        "USER" => Some("alice".into()),
        "PASSWORD" => Some("s3cret".into()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<SourceFile, Diagnostics> {
    SourceFile::parse("cfg/topics.yaml", text, &env, EnvMode::Require)
}

#[test]
fn env_substitution() {
    assert_eq!(
        expand_env("a-${USER}-b", &env, EnvMode::Require).unwrap(),
        "a-alice-b"
    );
    assert_eq!(
        expand_env("${NOPE:-x}", &env, EnvMode::Require).unwrap(),
        "x"
    );
    assert_eq!(expand_env("${NOPE:-}", &env, EnvMode::Require).unwrap(), "");
    assert_eq!(
        expand_env("${NOPE:grant-rs}", &env, EnvMode::Require).unwrap(),
        "grant-rs"
    );
    assert_eq!(
        expand_env("${USER:x}", &env, EnvMode::Require).unwrap(),
        "alice"
    );
    assert_eq!(
        expand_env("$${USER} $5", &env, EnvMode::Require).unwrap(),
        "${USER} $5"
    );
    assert_eq!(
        expand_env("${NOPE}", &env, EnvMode::Require).unwrap_err(),
        "environment variable `NOPE` is not set"
    );
    assert_eq!(
        expand_env("${NOPE}", &env, EnvMode::Lenient).unwrap(),
        "${NOPE}"
    );
    assert!(expand_env("${US", &env, EnvMode::Require).is_err());
    assert!(expand_env("${1X}", &env, EnvMode::Require).is_err());
}

#[test]
fn missing_variable_is_located() {
    let err = parse(
        "topics:\n  - name: orders\n    partitions: 3\n    configs:\n      owner: \"${OWNER}\"\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"
    cfg/topics.yaml:5:15: error: environment variable `OWNER` is not set
     --> cfg/topics.yaml:5:15
      |
    5 |       owner: "${OWNER}"
      |               ^

    1 error
    "#);
}

#[test]
fn missing_variable_points_inside_the_value() {
    let err =
        parse("topics:\n  - name: a\n    partitions: 1\n    configs: {loc: s3://${BUCKET}/x}\n")
            .unwrap_err();
    let loc = err.0[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (4, 26));
}

#[test]
fn unknown_key_suggests() {
    let f = parse("topics:\n  - name: orders\n    partitons: 3\n").unwrap();
    let err = f.deserialize::<Doc>().unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r"
    cfg/topics.yaml:3:5: error: unknown key `partitons`
     --> cfg/topics.yaml:3:5
      |
    3 |     partitons: 3
      |     ^
    help: did you mean `partitions`?
    ");
}

#[test]
fn type_error_is_located() {
    let f = parse("topics:\n  - name: orders\n    partitions: many\n").unwrap();
    let err = f.deserialize::<Doc>().unwrap_err();
    let loc = err.location.clone().unwrap();
    assert_eq!((loc.line, loc.column), (3, 17));
    assert!(
        err.message.contains("topics[0].partitions"),
        "{}",
        err.message
    );
}

#[test]
fn missing_field_points_at_the_object() {
    let f = parse("topics:\n  - name: orders\n").unwrap();
    let err = f.deserialize::<Doc>().unwrap_err();
    assert_eq!(err.location.unwrap().line, 2);
    assert!(err.message.contains("missing field `partitions`"));
}

#[test]
fn yaml_syntax_error_is_located() {
    let err = parse("topics:\n  - name: [orders\n").unwrap_err();
    let d = &err.0[0];
    assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
    assert!(d.location.as_ref().unwrap().line >= 2);
}

#[test]
fn locate_keys_and_values() {
    let f = parse(
        "topics:\n  - name: orders\n    partitions: 3\n    configs:\n      retention.ms: 7d\n",
    )
    .unwrap();
    let p = YPath::root()
        .key("topics")
        .index(0)
        .key("configs")
        .key("retention.ms");
    let v = f.locate(&p).unwrap();
    assert_eq!((v.line, v.column), (5, 21));
    let k = f.locate_key(&p).unwrap();
    assert_eq!((k.line, k.column), (5, 7));
    assert_eq!(p.to_string(), "topics[0].configs.retention.ms");
    // A path that is not in the file falls back to its nearest ancestor.
    let missing = YPath::root().key("topics").index(0).key("nothing");
    assert_eq!(f.locate(&missing).unwrap().line, 2);
}

#[test]
fn secrets_are_substituted_and_redacted() {
    let f = parse("password: ${PASSWORD}\n").unwrap();
    let d: Doc = f.deserialize().unwrap();
    let pw = d.password.unwrap();
    assert_eq!(pw.expose(), "s3cret");
    assert!(!format!("{d:?}", d = pw).contains("s3cret"));
}

#[test]
fn a_wrongly_typed_secret_is_reported_without_its_value() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Source {
        #[serde(rename = "env")]
        Env(String),
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Role {
        password: Source,
    }
    let f = parse("password: An0ther-S3cret-Value\n").unwrap();
    let err = f.deserialize::<Role>().unwrap_err();
    let shown = err.to_string();
    assert!(!shown.contains("S3cret"), "{shown}");
    assert!(shown.contains("cfg/topics.yaml:1:11"), "{shown}");
    assert!(shown.contains("value hidden"), "{shown}");
    assert!(shown.contains("password: <redacted>"), "{shown}");
    // A number where a secret string is expected, inside a list.
    let f = parse("topics: []\npassword: [1, 2]\n").unwrap();
    let err = f.deserialize::<Doc>().unwrap_err().to_string();
    assert!(!err.contains("[1, 2]"), "{err}");
}

#[test]
fn directory_merge_and_duplicates_across_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "topics:\n  - name: orders\n    partitions: 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("more/b.yml"),
        "topics:\n  - name: payments\n    partitions: 1\n  - name: orders\n    partitions: 6\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let sources = Sources::load(dir.path(), EnvMode::Require).unwrap();
    assert_eq!(sources.files.len(), 2);
    let docs = sources.deserialize_all::<Doc>().unwrap();
    let mut unique = Unique::new();
    let mut errors = Vec::new();
    let mut names = Vec::new();
    for (file, doc) in &docs {
        for (i, t) in doc.topics.iter().enumerate() {
            let loc = file.locate(&YPath::root().key("topics").index(i));
            match unique.insert("topic", t.name.clone(), loc) {
                Ok(()) => names.push(t.name.clone()),
                Err(e) => errors.push(e),
            }
        }
    }
    assert_eq!(names, ["orders", "payments"]);
    assert_eq!(errors.len(), 1);
    let text = errors[0]
        .to_string()
        .replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!(text, @r"
    DIR/more/b.yml:4:5: error: topic `orders` is declared more than once
     --> DIR/more/b.yml:4:5
      |
    4 |   - name: orders
      |     ^
    note: `orders` is first declared here
     --> DIR/a.yaml:2:5
      |
    2 |   - name: orders
      |     ^
    ");
}

#[test]
fn empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Sources::load(dir.path(), EnvMode::Require).unwrap_err();
    assert!(err.to_string().contains("no *.yaml or *.yml files"));
}

#[test]
fn empty_file_is_an_empty_document() {
    let f = parse("").unwrap();
    let d: Doc = f.deserialize().unwrap();
    assert!(d.topics.is_empty());
}

#[test]
fn duplicate_keys_are_rejected_at_the_second_key() {
    let err = parse("topics: []\nx:\n  a: 1\n  b: 2\n  a: 3\n").unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    let loc = err.0[0].location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (5, 3));
}

#[test]
fn several_documents_are_rejected_at_the_second() {
    let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
    let d = &err.0[0];
    assert!(d.message.contains("one YAML document"), "{}", d.message);
    assert_eq!(d.location.as_ref().unwrap().line, 2);
}

#[test]
fn no_panic_on_odd_input() {
    for text in [
        "- a\n- b\n",
        "!!binary x",
        "? [a]\n: b\n",
        "a: &x [1]\nb: *x\n",
        "\t",
        "{{",
        "a: b: c",
        "---\na: 1\n---\nb: 2\n",
    ] {
        if let Ok(f) = parse(text) {
            let _ = f.deserialize::<Doc>();
        }
    }
}

#[test]
fn alias_bomb_is_located() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let err = match parse(&text) {
        Err(e) => e,
        Ok(f) => f.deserialize::<Doc>().map(|_| ()).unwrap_err().into(),
    };
    let loc = err.0[0].location.as_ref().expect("located");
    assert!(loc.line >= 1, "{err}");
}

#[test]
fn raw_scalars_are_read_as_written_and_unredacted() {
    let f = parse("password: 1.50\nusers: [{name: a, password: 0x1F}]\n").unwrap();
    assert_eq!(f.raw_scalar(&YPath::root().key("password")), Some("1.50"));
    let p = YPath::root().key("users").index(0).key("password");
    assert_eq!(f.raw_scalar(&p), Some("0x1F"));
    assert_eq!(f.raw_scalar(&YPath::root().key("nothing")), None);
}
