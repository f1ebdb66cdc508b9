//! Config parsing: YAML text → `SourceFile` (with `${VAR}` expansion) →
//! the real document types and validation of kafka-config and athena.
//! Any panic is a finding; errors (diagnostics) are expected.
#![no_main]

use common::config::{expand_env, EnvMode, SourceFile, Sources};
use libfuzzer_sys::fuzz_target;

fn env(name: &str) -> Option<String> {
    match name {
        "SET" => Some("value".into()),
        "EMPTY" => Some(String::new()),
        "NESTED" => Some("${SET}".into()),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    for mode in [EnvMode::Lenient, EnvMode::Require] {
        if let Ok(out) = expand_env(text, &env, mode) {
            // `$${` is the only way to write a literal `${`; nothing else
            // grows except through variables and defaults.
            let _ = out;
        }
    }

    let Ok(file) = SourceFile::parse("fuzz.yaml", text, &env, EnvMode::Lenient) else {
        return;
    };
    let _ = file.deserialize::<kafka_config::config::Document>();
    let _ = file.deserialize::<athena::config::File>();
    let sources = Sources { files: vec![file] };
    for opts in [
        kafka_config::resolve::LoadOptions {
            env: None,
            all_envs: true,
        },
        kafka_config::resolve::LoadOptions {
            env: None,
            all_envs: false,
        },
    ] {
        let _ = kafka_config::resolve::load(&sources, &opts);
    }
    let _ = athena::model::load(&sources);
});
