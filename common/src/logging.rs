//! `tracing` set-up: logs go to stderr, results to stdout.

/// Installs the stderr subscriber. `verbose` counts `-v` flags; `RUST_LOG`
/// wins when set. Also restores the default SIGPIPE action, so that
/// `tool plan | head` ends quietly like other Unix tools instead of failing
/// on a closed pipe.
pub fn init(verbose: u8) {
    restore_sigpipe();
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_target(false)
        .try_init();
}

#[cfg(unix)]
#[allow(unsafe_code)] // the one unsafe block of the suite: see SAFETY below
fn restore_sigpipe() {
    // SAFETY: signal(2) with SIG_DFL only changes the process-wide disposition
    // of SIGPIPE; it touches no Rust-owned memory and has no precondition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
#[allow(unsafe_code)] // the one unsafe block of the suite: see SAFETY below
fn restore_sigpipe() {}
