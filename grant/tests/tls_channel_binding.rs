//! TLS through tokio-postgres-rustls: SCRAM over TLS binds the channel
//! (SCRAM-SHA-256-PLUS, tls-server-end-point), so a connection string with
//! `channel_binding=require` — libpq's way of refusing a man in the middle —
//! works. Logs in with a password on the test-only database `gt_pwauth`,
//! where pg_hba.conf asks for one (scripts/services.sh); a wrong password is
//! refused, so the login is real.

mod support;

use support::{grant, server, sql, text, value, Scratch};

#[test]
fn scram_over_tls_binds_the_channel() {
    assert_eq!(
        value("postgres", "SHOW ssl").as_deref(),
        Some("on"),
        "this test needs PostgreSQL with ssl = on (Debian's default snakeoil certificate)"
    );
    let s = Scratch::new("cbind");
    let login = s.role("login");
    sql(
        "postgres",
        &format!(
            "SET password_encryption = 'scram-sha-256'; \
             CREATE ROLE \"{login}\" LOGIN PASSWORD 'Cb-Pass-1'"
        ),
    );
    let (h, p) = server();
    let cfg_ssl = |password: &str, sslmode: &str| {
        s.config(
            "cb.yaml",
            &format!(
                "connection:\n  url: \"postgres://{login}:{password}@{h}:{p}/gt_pwauth?sslmode={sslmode}&channel_binding=require\"\nroles:\n  - name: {{p}}other\n"
            ),
        )
    };
    let cfg = |password: &str| cfg_ssl(password, "require");
    let o = grant(&["plan", &cfg("Cb-Pass-1").to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("CREATE ROLE"), "{}", text(&o));
    assert!(!text(&o).contains("Cb-Pass-1"), "{}", text(&o));

    let o = grant(&["plan", &cfg("wrong-password").to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("password"), "{}", text(&o));

    // Without TLS there is no channel to bind: `channel_binding=require`
    // refuses to log in, even with the right password.
    let o = grant(
        &["plan", &cfg_ssl("Cb-Pass-1", "disable").to_string_lossy()],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("channel binding"), "{}", text(&o));
}
