//! Helpers shared by the integration suites of `grant`, `kafka-config` and
//! `athena` (a dev-dependency only): running a tool's binary, checking that
//! a local service answers (failing with the reason and the fix, never
//! skipping), and the malformed-configuration corpus driver.

pub mod corpus;

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::{Command, Output};
use std::time::Duration;

/// Panics unless something accepts TCP connections at `addr` (`host:port`):
/// a test that needs a service fails saying which one and how to start it.
pub fn require_service(name: &str, addr: &str) {
    let resolved: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => panic!("{name}: cannot resolve `{addr}`: {e}"),
    };
    let up = resolved
        .iter()
        .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(3)).is_ok());
    assert!(
        up,
        "{name} is not reachable at {addr}: start the local services with \
         `scripts/services.sh up` (make test does it)"
    );
}

/// Runs `cmd` to completion, panicking with the program's name when it
/// cannot be started at all.
pub fn output(cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {:?}: {e}", cmd.get_program()),
    }
}

/// A run's stdout followed by its stderr, as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A process-unique name with `prefix`, for roles, databases, topics and
/// tables on services that other tests (and other runs) share.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
