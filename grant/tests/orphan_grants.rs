//! Grants whose grantor holds no grant option of its own any more (its
//! option revoked out of band while it held one through a group, and
//! maybe the membership since): `SET ROLE grantor; REVOKE` would act as the
//! group (nothing revoked) or be refused, so the plan gives the grantor the
//! option for the revoke and takes it back. On PostgreSQL 15 and 17, ACLs
//! checked with psql.

mod support;

use support::*;

/// `grantee`'s entries on `public.t` (psql).
fn on(s: &Scratch, grantee: &str) -> String {
    s.grants_to("public.t", grantee)
}

/// Sets up `m`'s grants to `b` and `c` on `public.t`, then revokes `m`'s
/// own grant option while `m` holds one through `r`: PostgreSQL keeps both
/// grants. With `leave`, `m` then also leaves `r`.
fn orphans(s: &Scratch, leave: bool) -> (String, String, String, String) {
    let (r, m, b, c) = (s.role("r"), s.role("m"), s.role("b"), s.role("c"));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{b}\"; CREATE ROLE \"{c}\"; \
         GRANT \"{r}\" TO \"{m}\"; GRANT SELECT ON public.t TO \"{r}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{b}\", \"{c}\"; RESET ROLE"
    ));
    s.psql(&format!(
        "REVOKE GRANT OPTION FOR SELECT ON public.t FROM \"{m}\" CASCADE"
    ));
    if leave {
        s.psql(&format!("REVOKE \"{r}\" FROM \"{m}\""));
    }
    assert_eq!(on(s, &m), "SELECT by postgres");
    assert_eq!(on(s, &b), format!("SELECT by {m}"));
    assert_eq!(on(s, &c), format!("SELECT by {m}"));
    (r, m, b, c)
}

fn through_a_group(s: &Scratch) {
    let (r, m, b, c) = orphans(s, false);
    // `m` keeps SELECT and its membership, `b` keeps SELECT, `c` loses it.
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
  - name: {p}m
    member_of: [{p}r]
  - name: {p}b
  - name: {p}c
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}m, {p}b], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    let t = "TABLE \"public\".\"t\"";
    let dance = format!(
        "GRANT SELECT ON {t} TO \"{m}\" WITH GRANT OPTION\n      > SET ROLE \"{m}\"\n      > REVOKE SELECT ON {t} FROM \"{c}\"\n      > RESET ROLE\n      > REVOKE GRANT OPTION FOR SELECT ON {t} FROM \"{m}\"\n"
    );
    assert!(p.contains(&dance), "{p}");
    assert!(!p.contains("# destructive"), "{p}");
    apply(&cfg, &[], &[]);
    assert_eq!(on(s, &c), "");
    assert_eq!(on(s, &b), format!("SELECT by {m}"));
    assert_eq!(on(s, &m), "SELECT by postgres");
    assert_eq!(on(s, &r), "SELECT* by postgres");
    assert_converged(&cfg, &[]);
}

fn no_option_at_all(s: &Scratch) {
    let (_r, m, b, c) = orphans(s, true);
    // `m` loses SELECT, `b` and `c` too. Revoking `m`'s SELECT takes no
    // grant option (it has none): nothing cascades.
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}m
  - name: {p}b
  - name: {p}c
databases:
  - name: {db}
    grants: []
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(!p.contains("CASCADE"), "{p}");
    assert!(
        p.contains(&format!(
            "SET ROLE \"{m}\"\n      > REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{b}\"\n      > REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{c}\"\n"
        )),
        "{p}"
    );
    apply(&cfg, &[], &[]);
    assert_eq!(on(s, &b), "");
    assert_eq!(on(s, &c), "");
    assert_eq!(on(s, &m), "");
    assert_converged(&cfg, &[]);
}

/// As above, but `b` keeps SELECT: taking the temporary option back from
/// `m` (which holds none through a group) takes `b`'s grant too, so that
/// revoke has CASCADE (destructive) and `b` is granted SELECT again as the
/// owner.
fn other_grants_kept(s: &Scratch) {
    let (_r, m, b, c) = orphans(s, true);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}m
  - name: {p}b
  - name: {p}c
databases:
  - name: {db}
    grants:
      - {to: [{p}b], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    let t = "TABLE \"public\".\"t\"";
    assert!(
        p.contains(&format!("REVOKE SELECT ON {t} FROM \"{c}\"\n      > RESET ROLE\n      > REVOKE SELECT ON {t} FROM \"{m}\" CASCADE\n")),
        "{p}"
    );
    assert!(
        p.contains(&format!("GRANT SELECT ON {t} TO \"{b}\"")),
        "{p}"
    );
    assert!(p.contains("# destructive"), "{p}");
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, &b), "SELECT by postgres");
    assert_eq!(on(s, &c), "");
    assert_eq!(on(s, &m), "");
    assert_converged(&cfg, &[]);
}

#[test]
fn a_grant_whose_grantor_holds_the_option_only_through_a_group_is_revoked() {
    through_a_group(&Scratch::new("orphpath"));
}

#[test]
fn a_grant_whose_grantor_holds_the_option_only_through_a_group_is_revoked_on_postgresql_17() {
    through_a_group(&Scratch::pg17("orphpath17"));
}

#[test]
fn a_grant_whose_grantor_holds_no_option_at_all_is_revoked() {
    no_option_at_all(&Scratch::new("orphnone"));
}

#[test]
fn a_grant_whose_grantor_holds_no_option_at_all_is_revoked_on_postgresql_17() {
    no_option_at_all(&Scratch::pg17("orphnone17"));
}

#[test]
fn the_grantors_other_grants_are_granted_again() {
    other_grants_kept(&Scratch::new("orphkeep"));
}

#[test]
fn the_grantors_other_grants_are_granted_again_on_postgresql_17() {
    other_grants_kept(&Scratch::pg17("orphkeep17"));
}

/// `x`, in the group `g`, gave `d` and `k` SELECT with the grant option,
/// `k` passed SELECT on to `m`; then `x` lost its own option (kept through
/// `g`, so PostgreSQL kept the grants) and left `g`. Revoking `d`'s grant
/// takes the temporary option back from `x` with CASCADE, which takes
/// `k`'s grant and, with `k`'s option, `k`'s grant to `m`.
fn second_level(s: &Scratch) -> (String, String, String, String, String) {
    let (g, x, d, k, m) = (
        s.role("g"),
        s.role("x"),
        s.role("d"),
        s.role("k"),
        s.role("m"),
    );
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{g}\"; CREATE ROLE \"{x}\"; CREATE ROLE \"{d}\"; CREATE ROLE \"{k}\"; CREATE ROLE \"{m}\"; \
         GRANT \"{g}\" TO \"{x}\"; GRANT SELECT ON public.t TO \"{g}\", \"{x}\" WITH GRANT OPTION; \
         SET ROLE \"{x}\"; GRANT SELECT ON public.t TO \"{d}\", \"{k}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{k}\"; GRANT SELECT ON public.t TO \"{m}\"; RESET ROLE"
    ));
    s.psql(&format!(
        "REVOKE GRANT OPTION FOR SELECT ON public.t FROM \"{x}\" CASCADE; REVOKE \"{g}\" FROM \"{x}\""
    ));
    assert_eq!(on(s, &k), format!("SELECT* by {x}"));
    assert_eq!(on(s, &m), format!("SELECT by {k}"));
    (g, x, d, k, m)
}

/// `m` is declared: granted again as the owner, like `k`, and named in
/// the destructive reason.
fn second_level_kept(s: &Scratch) {
    let (g, x, d, k, m) = second_level(s);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}x
  - name: {p}d
  - name: {p}k
  - name: {p}m
databases:
  - name: {db}
    grants:
      - {to: [{p}g, {p}k], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}x, {p}m], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, &m), "SELECT by postgres", "{p}");
    assert_eq!(on(s, &k), "SELECT* by postgres", "{p}");
    assert_eq!(on(s, &d), "", "{p}");
    assert_eq!(on(s, &x), "SELECT by postgres", "{p}");
    assert_eq!(on(s, &g), "SELECT* by postgres", "{p}");
    assert!(
        p.contains(&format!(
            "SELECT granted by `{k}` to `{m}` (granted again as the owner)"
        )),
        "{p}"
    );
    assert_converged(&cfg, &[]);
}

/// `m` is not declared (authoritative): the CASCADE takes its grant, whose
/// own revoke (as `k`, which holds nothing by then) is left out; named in
/// the destructive reason.
fn second_level_revoked(s: &Scratch) {
    let (_g, x, d, k, m) = second_level(s);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {p}x
  - name: {p}d
  - name: {p}k
  - name: {p}m
databases:
  - name: {db}
    grants:
      - {to: [{p}g, {p}k], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}x], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    let o = grant(
        &[
            "apply",
            "--auto-approve",
            "--allow-destructive",
            &cfg.to_string_lossy(),
        ],
        &[],
    );
    assert!(o.status.success(), "{p}\n{}", text(&o));
    assert_eq!(on(s, &m), "", "{p}");
    assert_eq!(on(s, &k), "SELECT* by postgres", "{p}");
    assert_eq!(on(s, &d), "", "{p}");
    assert_eq!(on(s, &x), "SELECT by postgres", "{p}");
    assert!(
        p.contains(&format!("SELECT granted by `{k}` to `{m}`")),
        "{p}"
    );
    assert_converged(&cfg, &[]);
}

#[test]
fn a_second_level_grant_the_cascade_takes_is_granted_again() {
    second_level_kept(&Scratch::new("orph2keep"));
}

#[test]
fn a_second_level_grant_the_cascade_takes_is_granted_again_on_postgresql_17() {
    second_level_kept(&Scratch::pg17("orph2keep17"));
}

#[test]
fn a_second_level_grant_the_cascade_takes_is_not_revoked_twice() {
    second_level_revoked(&Scratch::new("orph2rev"));
}

/// `m`, in `r`, gave `c` SELECT with the grant option and `c` passed SELECT
/// on to `e`; then `m` lost its own option (kept through `r`, so
/// PostgreSQL kept the grants). With `leave`, `m` then left `r`.
fn option_of_orphan(s: &Scratch, leave: bool) -> (String, String, String, String) {
    let (r, m, c, e) = (s.role("r"), s.role("m"), s.role("c"), s.role("e"));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{c}\"; CREATE ROLE \"{e}\"; \
         GRANT \"{r}\" TO \"{m}\"; GRANT SELECT ON public.t TO \"{r}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{c}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{c}\"; GRANT SELECT ON public.t TO \"{e}\"; RESET ROLE"
    ));
    s.psql(&format!(
        "REVOKE GRANT OPTION FOR SELECT ON public.t FROM \"{m}\" CASCADE"
    ));
    if leave {
        s.psql(&format!("REVOKE \"{r}\" FROM \"{m}\""));
    }
    assert_eq!(on(s, &c), format!("SELECT* by {m}"));
    assert_eq!(on(s, &e), format!("SELECT by {c}"));
    (r, m, c, e)
}

/// `c` keeps SELECT but loses the grant option (and `e` its grant): the
/// option is revoked as `m`, lent the option for it. `m` still holds one
/// through `r`, so taking it back takes nothing.
fn option_revoke_through_a_group(s: &Scratch) {
    let (r, m, c, e) = option_of_orphan(s, false);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
  - name: {p}m
    member_of: [{p}r]
  - name: {p}c
  - name: {p}e
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}m, {p}c], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, &c), format!("SELECT by {m}"), "{p}");
    assert_eq!(on(s, &e), "", "{p}");
    assert_eq!(on(s, &m), "SELECT by postgres", "{p}");
    assert_eq!(on(s, &r), "SELECT* by postgres", "{p}");
    let t = "TABLE \"public\".\"t\"";
    let dance = format!(
        "GRANT SELECT ON {t} TO \"{m}\" WITH GRANT OPTION\n      > SET ROLE \"{m}\"\n      > REVOKE GRANT OPTION FOR SELECT ON {t} FROM \"{c}\" CASCADE\n      > RESET ROLE\n      > REVOKE GRANT OPTION FOR SELECT ON {t} FROM \"{m}\"\n"
    );
    assert!(p.contains(&dance), "{p}");
    assert_converged(&cfg, &[]);
}

/// As above, `m` having left `r`: taking the lent option back takes `c`'s
/// grant (CASCADE), and `c` is granted SELECT again as the owner.
fn option_revoke_no_group(s: &Scratch) {
    let (_r, m, c, e) = option_of_orphan(s, true);
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}m
  - name: {p}c
  - name: {p}e
databases:
  - name: {db}
    grants:
      - {to: [{p}m, {p}c], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, &c), "SELECT by postgres", "{p}");
    assert_eq!(on(s, &e), "", "{p}");
    assert_eq!(on(s, &m), "SELECT by postgres", "{p}");
    assert!(
        p.contains(&format!(
            "SELECT granted by `{m}` to `{c}` (granted again as the owner)"
        )),
        "{p}"
    );
    assert_converged(&cfg, &[]);
}

#[test]
fn a_grant_option_whose_grantor_holds_it_only_through_a_group_is_revoked() {
    option_revoke_through_a_group(&Scratch::new("orphgo"));
}

#[test]
fn a_grant_option_whose_grantor_holds_it_only_through_a_group_is_revoked_on_postgresql_17() {
    option_revoke_through_a_group(&Scratch::pg17("orphgo17"));
}

#[test]
fn a_grant_option_whose_grantor_holds_none_is_revoked() {
    option_revoke_no_group(&Scratch::new("orphgonone"));
}
