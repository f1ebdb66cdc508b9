//! SASL and TLS against the real cluster's listeners (scripts/kafka/cluster.sh):
//! SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (127.0.0.1:9094),
//! TLS (9095), mutual TLS (9096, client certificate required); a wrong
//! password, an untrusted CA and a missing client certificate fail clearly
//! with exit 1. Outcomes verified with kafka-python.

mod support;

use serde_json::json;
use support::*;

/// Writes cluster.yaml with a `security:` block for `addr`.
fn secure_cluster(ctx: &Ctx, addr: &str, security: &str) {
    let text = format!(
        "clusters:\n  test:\n    bootstrap_servers: [\"{addr}\"]\n    request_timeout: 10s\n    security:\n{security}settings:\n  scope: ['^{}']\n",
        ctx.scope()
    );
    std::fs::write(ctx.path().join("cluster.yaml"), text).expect("write cluster.yaml");
}

const ONE_TOPIC: &str = "topics:\n  - name: {P}orders\n    partitions: 2\n    replication_factor: 3\n    configs: {retention.ms: 2d}\n";

/// Creates a topic through the secured listener, then plans no changes.
fn create_through(ctx: &Ctx) {
    ctx.write_topics(ONE_TOPIC);
    ctx.apply_ok();
    let live = live_topic(&ctx.topic("orders"));
    assert_eq!(live.replicas.len(), 2);
    assert_eq!(
        live.configs.get("retention.ms").map(|(v, _)| v.as_str()),
        Some("172800000")
    );
    ctx.assert_no_changes();
}

fn sasl(mechanism: &str, user: &str, password: &str) -> String {
    format!(
        "      protocol: SASL_PLAINTEXT\n      sasl: {{mechanism: {mechanism}, username: {user}, password: \"{password}\"}}\n"
    )
}

#[test]
fn sasl_plain_creates_topics() {
    let ctx = Ctx::new("sasl_plain");
    secure_cluster(
        &ctx,
        "127.0.0.1:9094",
        &sasl("PLAIN", "admin", "admin-secret"),
    );
    create_through(&ctx);
}

#[test]
fn sasl_scram_sha_256_creates_topics() {
    let ctx = Ctx::new("scram256");
    secure_cluster(
        &ctx,
        "127.0.0.1:9094",
        &sasl("SCRAM-SHA-256", "admin", "admin-secret"),
    );
    create_through(&ctx);
}

#[test]
fn sasl_scram_sha_512_creates_topics() {
    let ctx = Ctx::new("scram512");
    secure_cluster(
        &ctx,
        "127.0.0.1:9094",
        &sasl("SCRAM-SHA-512", "admin", "admin-secret"),
    );
    create_through(&ctx);
}

#[test]
fn tls_creates_topics() {
    let ctx = Ctx::new("tls");
    secure_cluster(
        &ctx,
        "127.0.0.1:9095",
        &format!(
            "      protocol: SSL\n      tls: {{ca: \"{}\"}}\n",
            tls_file("ca.pem")
        ),
    );
    create_through(&ctx);
}

#[test]
fn mutual_tls_authenticates_the_certificate_and_acls_apply_to_it() {
    let ctx = Ctx::new("mtls");
    let principal = "User:CN=kafka-test-client";
    secure_cluster(
        &ctx,
        "127.0.0.1:9096",
        &format!(
            "      protocol: SSL\n      tls: {{ca: \"{}\", cert: \"{}\", key: \"{}\"}}\n",
            tls_file("ca.pem"),
            tls_file("client.pem"),
            tls_file("client.key")
        ),
    );
    ctx.write_topics(ONE_TOPIC);
    // The certificate's principal is not a super user: without an ACL the
    // broker refuses the creation (StandardAuthorizer enforces ACLs).
    let refused = ctx.apply();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        stderr(&refused).to_lowercase().contains("authoriz"),
        "{}",
        text(&refused)
    );
    assert!(live_topics(&ctx.prefix).is_empty());
    // Granted (by kafka-python) on this test's topics: the same apply works.
    let grants = json!([
        {"principal": principal, "operation": "all", "type": "topic", "name": ctx.prefix, "pattern": "prefixed"},
        {"principal": principal, "operation": "describe", "type": "cluster", "name": "kafka-cluster"},
    ]);
    create_acls(grants);
    struct Revoke(String);
    impl Drop for Revoke {
        fn drop(&mut self) {
            delete_acls(&self.0);
        }
    }
    let _revoke = Revoke(ctx.prefix.clone());
    create_through(&ctx);
}

#[test]
fn wrong_password_fails_clearly_with_exit_1() {
    for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let ctx = Ctx::new(&format!("wrongpw_{}", mechanism.to_lowercase()));
        let password = format!("Wrong-{}-pw", std::process::id());
        secure_cluster(&ctx, "127.0.0.1:9094", &sasl(mechanism, "admin", &password));
        ctx.write_topics(ONE_TOPIC);
        for args in [
            &["plan", "--no-color"][..],
            &["apply", "--auto-approve", "--no-color"][..],
        ] {
            let out = ctx.run(args);
            assert_eq!(out.status.code(), Some(1), "{mechanism}: {}", text(&out));
            let err = stderr(&out);
            assert!(
                err.to_lowercase().contains("authentication"),
                "{mechanism}: {err}"
            );
            assert!(err.contains("127.0.0.1:9094"), "{mechanism}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(!text(&out).contains(&password), "password leaked: {err}");
        }
        assert!(live_topics(&ctx.prefix).is_empty());
    }
}

#[test]
fn untrusted_ca_and_missing_client_certificate_fail_clearly_with_exit_1() {
    let ctx = Ctx::new("badtls");
    ctx.write_topics(ONE_TOPIC);
    // The broker's certificate is signed by a CA the client does not trust.
    secure_cluster(
        &ctx,
        "127.0.0.1:9095",
        &format!(
            "      protocol: SSL\n      tls: {{ca: \"{}\"}}\n",
            tls_file("other-ca.pem")
        ),
    );
    let out = ctx.plan();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out).to_lowercase();
    assert!(err.contains("certificate"), "{}", text(&out));
    assert!(err.contains("127.0.0.1:9095"), "{}", text(&out));
    assert!(!err.contains("panicked"), "{err}");
    // The mutual-TLS listener requires a client certificate.
    secure_cluster(
        &ctx,
        "127.0.0.1:9096",
        &format!(
            "      protocol: SSL\n      tls: {{ca: \"{}\"}}\n",
            tls_file("ca.pem")
        ),
    );
    let out = ctx.run(&["apply", "--auto-approve", "--no-color"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("127.0.0.1:9096"), "{}", text(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", text(&out));
    assert!(live_topics(&ctx.prefix).is_empty());
}
