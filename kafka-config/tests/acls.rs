//! ACLs on the real cluster (StandardAuthorizer on): bindings declared in
//! scope are created, enforced by the broker (alice, a SASL user who is not
//! a super user, sees the topic only once granted), and deleted — only with
//! --allow-destructive — when removed from the files. Verified with
//! kafka-python, as the admin and as alice.

mod support;

use serde_json::{json, Value};
use support::*;

/// Removes this test's ACLs even when an assertion fails.
struct AclCleanup(String);

impl Drop for AclCleanup {
    fn drop(&mut self) {
        delete_acls(&self.0);
    }
}

fn has(list: &[Value], principal: &str, op: &str, name: &str, pattern: &str) -> bool {
    list.iter().any(|a| {
        a["principal"] == principal
            && a["operation"] == op
            && a["name"] == name
            && a["pattern"] == pattern
            && a["type"] == "TOPIC"
    })
}

/// The ACLs of `prefix` once there are `n` of them: ACL changes reach every
/// broker through the metadata log, a moment after the controller commits.
fn acls_n(prefix: &str, n: usize) -> Vec<Value> {
    for _ in 0..50 {
        let live = acls(prefix);
        if live.len() == n {
            return live;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let live = acls(prefix);
    assert_eq!(live.len(), n, "{live:?}");
    live
}

/// Topics of `prefix` that alice (SASL PLAIN, not a super user) may see.
fn alice_sees(prefix: &str) -> Vec<String> {
    let v = kadmin(
        "visible_topics",
        json!({
            "prefix": prefix,
            "conn": {
                "bootstrap_servers": "127.0.0.1:9094",
                "security_protocol": "SASL_PLAINTEXT",
                "sasl_mechanism": "PLAIN",
                "sasl_plain_username": "alice",
                "sasl_plain_password": "alice-secret"
            }
        }),
    );
    serde_json::from_value(v).expect("names")
}

const WITH_ACLS: &str = "topics:
  - name: {P}orders
    partitions: 1
    replication_factor: 1
  - name: {P}payments
    partitions: 1
    replication_factor: 1
acls:
  - principal: User:alice
    operation: [Read, Describe]
    resource_type: Topic
    name: {P}orders
  - principal: User:alice
    operation: Write
    resource_type: Topic
    name: {P}pay
    pattern_type: prefixed
";

#[test]
fn acls_in_scope_are_created_enforced_and_deleted_only_with_allow_destructive() {
    let ctx = Ctx::new("acls");
    let _cleanup = AclCleanup(ctx.prefix.clone());
    let orders = ctx.topic("orders");
    let pay = ctx.topic("pay");
    ctx.write_topics(WITH_ACLS);
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains(&format!(
            "+ acl.Topic:literal:{orders}.User:alice.*.Read.Allow"
        )),
        "{}",
        text(&plan)
    );
    let apply = ctx.apply_ok();
    let live = acls_n(&ctx.prefix, 3);
    assert!(
        stdout(&apply).contains("Apply complete!"),
        "{}",
        text(&apply)
    );
    assert!(has(&live, "User:alice", "READ", &orders, "LITERAL"));
    assert!(has(&live, "User:alice", "DESCRIBE", &orders, "LITERAL"));
    assert!(has(&live, "User:alice", "WRITE", &pay, "PREFIXED"));
    ctx.assert_no_changes();
    // Enforced by the broker: alice sees the topics she may describe (Read
    // and Write imply Describe; `{P}pay` prefixed covers `{P}payments`).
    let want = vec![orders.clone(), ctx.topic("payments")];
    // (Her broker may apply the new ACLs a moment after the controller.)
    for _ in 0..50 {
        if alice_sees(&ctx.prefix) == want {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(alice_sees(&ctx.prefix), want);
    // A topic no ACL covers stays invisible to her.
    create_topic(&ctx.topic("secret"), 1);
    assert!(!alice_sees(&ctx.prefix).contains(&ctx.topic("secret")));
    kadmin("delete", json!({ "prefix": ctx.topic("secret") }));

    // Removing a binding from the files: a destructive delete.
    ctx.write_topics(&WITH_ACLS.replace("[Read, Describe]", "[Read]"));
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains(&format!(
            "- acl.Topic:literal:{orders}.User:alice.*.Describe.Allow"
        )),
        "{}",
        text(&plan)
    );
    let refused = ctx.apply();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        stderr(&refused).contains("--allow-destructive"),
        "{}",
        text(&refused)
    );
    assert_eq!(acls_n(&ctx.prefix, 3).len(), 3);
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let live = acls_n(&ctx.prefix, 2);
    assert!(!has(&live, "User:alice", "DESCRIBE", &orders, "LITERAL"));
    ctx.assert_no_changes();
    // Read implies Describe for the authorizer: alice still sees it.
    assert!(alice_sees(&ctx.prefix).contains(&orders));

    // An in-scope ACL added out-of-band is diffed and removed.
    create_acls(
        json!([{"principal": "User:alice", "operation": "alter", "type": "topic", "name": orders}]),
    );
    let plan = ctx.plan();
    assert!(
        stdout(&plan).contains(&format!(
            "- acl.Topic:literal:{orders}.User:alice.*.Alter.Allow"
        )),
        "{}",
        text(&plan)
    );
    let apply = ctx.run(&[
        "apply",
        "--auto-approve",
        "--allow-destructive",
        "--no-color",
    ]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    acls_n(&ctx.prefix, 2);
    ctx.assert_no_changes();
}
