//! A real broker of the cluster killed in the middle of an apply (persistent
//! log dirs), restarted with scripts/services.sh, and the re-run converges;
//! the whole cluster hung (SIGSTOP) mid-apply, resumed, and the re-run
//! converges. Outcomes verified with kafka-python. The two tests take the
//! cluster down in turn (a lock), and no other test binary runs meanwhile.

mod support;

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::*;

static CLUSTER: Mutex<()> = Mutex::new(());

/// Restarts whatever node is down and resumes stopped nodes when a test
/// ends, even when it fails, so the cluster stays usable.
struct Restore(Vec<String>);

impl Drop for Restore {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = Command::new("kill").args(["-CONT", p]).status();
        }
        let up = services(&["kafka-start"]);
        if !up.status.success() && !std::thread::panicking() {
            panic!("restarting the cluster failed:\n{}", text(&up));
        }
    }
}

/// The pid of cluster node `n`, recorded by scripts/services.sh.
fn node_pid(n: u32) -> String {
    let f = repo_root().join(format!(".services/kafka-node{n}.pid"));
    let pid = std::fs::read_to_string(&f).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: these tests stop and restart a node, so the cluster must have been started by scripts/services.sh up in this checkout",
            f.display()
        )
    });
    pid.trim().to_string()
}

fn signal(sig: &str, pid: &str) {
    let ok = Command::new("kill")
        .args([sig, pid])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {sig} {pid} failed");
}

/// Number of addresses under a "Applied (n):" or "Not applied (n):" header.
fn count_after(report: &str, header: &str) -> usize {
    report
        .lines()
        .find_map(|l| {
            l.strip_prefix(header)
                .and_then(|r| r.strip_suffix("):"))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or_else(|| panic!("no `{header}n):` in\n{report}"))
}

fn many_topics(ctx: &Ctx, n: usize, bootstrap: &str, timeout: &str) {
    let mut yaml = format!(
        "clusters:\n  test:\n    bootstrap_servers: [\"{bootstrap}\"]\n    request_timeout: {timeout}\nsettings:\n  scope: ['^{}']\n  batch_size: 1\ntopics:\n",
        ctx.scope()
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "  - name: {}{i:04}\n    partitions: 1\n    replication_factor: 1\n    configs: {{retention.ms: 1d}}\n",
            ctx.prefix
        ));
    }
    std::fs::write(ctx.path().join("cluster.yaml"), yaml).expect("write");
}

/// Starts `apply` in the background, waits until it created `at_least`
/// topics (seen by kafka-python); returns the child and the count seen.
fn apply_until(ctx: &Ctx, at_least: usize) -> (std::process::Child, usize) {
    let err_path = ctx.path().join("apply.err");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-config"))
        .args(["apply", "--auto-approve", "--no-color"])
        .arg(ctx.path().join("cluster.yaml"))
        .env_remove("KAFKA_CONFIG_ENV")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("create"))
        .spawn()
        .expect("run apply");
    let start = Instant::now();
    loop {
        let n = live_topics(&ctx.prefix).len();
        if n >= at_least {
            return (child, n);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the apply ended ({status}) before the fault:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the apply created no topics within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Re-runs apply, then plan: no changes; every topic exists with its config.
fn rerun_converges(ctx: &Ctx, n: usize) {
    let rerun = ctx.run(&["apply", "--auto-approve", "--no-color"]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    ctx.assert_no_changes();
    let live = live_topics(&ctx.prefix);
    assert_eq!(live.len(), n, "{:?}", live.keys().collect::<Vec<_>>());
    for (name, t) in &live {
        assert_eq!(
            t.configs.get("retention.ms"),
            Some(&("86400000".to_string(), "DYNAMIC_TOPIC_CONFIG".to_string())),
            "{name}"
        );
    }
}

#[test]
fn broker_killed_mid_apply_restarts_with_its_data_and_the_rerun_converges() {
    let _lock = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    const TOPICS: usize = 300;
    let ctx = Ctx::new("killed");
    // The tool talks to node 3 only: killing it breaks the apply.
    many_topics(&ctx, TOPICS, "127.0.0.1:9292", "5s");
    let pid = node_pid(3);
    let _restore = Restore(vec![]);
    let (mut child, seen) = apply_until(&ctx, 30);
    assert!(seen < TOPICS, "the apply finished before the kill");
    signal("-KILL", &pid);
    let killed_at = Instant::now();
    let status = child.wait().expect("wait apply");
    let gave_up = killed_at.elapsed();
    // Topics created before the kill, with a replica on node 3.
    let before: Vec<String> = live_topics(&ctx.prefix)
        .into_iter()
        .filter(|(_, t)| t.replicas.iter().any(|r| r.contains(&3)))
        .map(|(n, _)| n)
        .collect();
    let err = std::fs::read_to_string(ctx.path().join("apply.err")).expect("read");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        gave_up < Duration::from_secs(30),
        "apply took {gave_up:?} to end after the kill"
    );
    // Either the tool failed over to the live brokers and finished (exit 0),
    // or it stopped with a report of what was and was not applied.
    let outcome = match status.code() {
        Some(0) => "failed over to the live brokers, exit 0".to_string(),
        Some(1) => {
            assert!(err.contains("error: apply failed"), "{err}");
            assert!(err.contains("127.0.0.1:9292"), "names the broker:\n{err}");
            let applied = count_after(&err, "Applied (");
            let not_applied = count_after(&err, "Not applied (");
            assert_eq!(applied + not_applied, TOPICS, "{err}");
            assert!(not_applied >= 1, "{err}");
            format!("exit 1, report {applied} applied / {not_applied} not")
        }
        other => panic!("exit {other:?}:\n{err}"),
    };

    // Restart node 3 (scripts/services.sh starts only what is down) on its
    // persistent log dir: the topics it held are still there.
    let up = services(&["kafka-start"]);
    assert!(up.status.success(), "{}", text(&up));
    let after = live_topics(&ctx.prefix);
    for t in &before {
        assert!(after.contains_key(t), "{t} lost across the restart");
    }
    eprintln!(
        "killed node 3 after {seen} topics: {outcome} after {gave_up:?}; {} topics on node 3 survived the restart",
        before.len()
    );
    rerun_converges(&ctx, TOPICS);
}

#[test]
fn cluster_hung_mid_apply_times_out_and_the_rerun_converges_after_resume() {
    let _lock = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    const TOPICS: usize = 300;
    let ctx = Ctx::new("hung");
    many_topics(&ctx, TOPICS, &bootstrap(), "2s");
    let pids: Vec<String> = (1..=3).map(node_pid).collect();
    let _restore = Restore(pids.clone());
    let (mut child, _) = apply_until(&ctx, 30);
    for p in &pids {
        signal("-STOP", p);
    }
    let stopped_at = Instant::now();
    let status = child.wait();
    let gave_up = stopped_at.elapsed();
    for p in &pids {
        signal("-CONT", p);
    }
    let status = status.expect("wait apply");
    let err = std::fs::read_to_string(ctx.path().join("apply.err")).expect("read");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert!(
        err.contains("is unknown (it may have been carried out"),
        "the in-flight change is flagged:\n{err}"
    );
    let applied = count_after(&err, "Applied (");
    let not_applied = count_after(&err, "Not applied (");
    assert_eq!(applied + not_applied, TOPICS, "{err}");
    assert!(applied >= 29 && not_applied >= 1, "{err}");
    assert!(
        gave_up < Duration::from_secs(8),
        "apply took {gave_up:?} to give up on a hung cluster"
    );
    rerun_converges(&ctx, TOPICS);
}
