//! libpq key=value connection strings with spaces around `=` and quoted
//! values: the TLS mode is honoured (it used to fall back to `prefer`).

mod support;

use support::*;

#[test]
fn spaced_conninfo_sslmode_is_honoured() {
    let s = Scratch::new("conninfo");
    let (h, p) = server();
    let cfg = |mode: &str| {
        s.config(
            &format!("{}.yaml", mode.len()),
            &format!(
                "connection:\n  url: \"host={h} port = {p} user = postgres dbname = '{{db}}' {mode}\"\nroles:\n  - name: {{p}}a\n"
            ),
        )
    };
    // The server has TLS (Debian's default): `require` connects over it.
    let ok = cfg("sslmode = require");
    plan(&ok, &[]);
    // verify-full with a CA file that does not exist must fail on that file:
    // proof that the spaced `sslmode =` and quoted `sslrootcert` are read.
    let bad = cfg("sslmode = verify-full sslrootcert = '/nonexistent dir/ca.pem'");
    let o = grant(&["plan", &bad.to_string_lossy()], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("/nonexistent dir/ca.pem"), "{}", text(&o));
}
