//! A grantor that loses its own grant option but still holds it through a
//! role membership keeps its grants (PostgreSQL's `REVOKE … CASCADE` checks
//! the grant options a role has through the roles it inherits from): the
//! plan neither grants again what stays nor leaves behind a grant it cannot
//! revoke any more once the grantor holds the option only through the
//! membership (a `SET ROLE grantor; REVOKE` then acts as the group). On
//! PostgreSQL 15 and 17; ACLs checked with psql.

mod support;

use support::*;

/// `grantee`'s entries on `public.<table>` (psql).
fn on(s: &Scratch, table: &str, grantee: &str) -> String {
    s.grants_to(&format!("public.{table}"), grantee)
}

/// Asserts the plan revokes `grantee`'s SELECT on `public.t` as `grantor`,
/// right before `grantor`'s own revoke (without CASCADE).
fn assert_revoked_as_grantor_first(plan: &str, grantor: &str, grantee: &str) {
    let t = "TABLE \"public\".\"t\"";
    let first = format!(
        "SET ROLE \"{grantor}\"\n      > REVOKE SELECT ON {t} FROM \"{grantee}\"\n      > RESET ROLE\n      > REVOKE SELECT ON {t} FROM \"{grantor}\"\n"
    );
    assert!(plan.contains(&first), "{plan}");
}

fn grant_option_through_membership(s: &Scratch) {
    let (r, m, b, c, n, k) = (
        s.role("r"),
        s.role("m"),
        s.role("b"),
        s.role("x"),
        s.role("n"),
        s.role("k"),
    );
    let (o, om) = (s.role("o"), s.role("om"));
    // `r` holds SELECT with the grant option; `m`, a member of `r`, holds it
    // too and passed SELECT on to `b` and `c`. `n` is a NOINHERIT member of
    // `r`: its grant to `k` depends on its own option only.
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{b}\"; CREATE ROLE \"{c}\"; \
         CREATE ROLE \"{n}\" NOINHERIT; CREATE ROLE \"{k}\"; \
         GRANT \"{r}\" TO \"{m}\"; GRANT \"{r}\" TO \"{n}\"; \
         GRANT SELECT ON public.t TO \"{r}\", \"{m}\", \"{n}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{b}\", \"{c}\"; RESET ROLE; \
         SET ROLE \"{n}\"; GRANT SELECT ON public.t TO \"{k}\"; RESET ROLE"
    ));
    // `om`, a member of the owner `o` of `w`, holds the option of its own
    // too and passed SELECT on to `b`.
    s.sql(&format!(
        "CREATE ROLE \"{o}\"; CREATE ROLE \"{om}\"; GRANT \"{o}\" TO \"{om}\"; \
         CREATE TABLE public.w (id int); ALTER TABLE public.w OWNER TO \"{o}\"; \
         SET ROLE \"{o}\"; GRANT SELECT ON public.w TO \"{om}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{om}\"; GRANT SELECT ON public.w TO \"{b}\"; RESET ROLE"
    ));
    assert_eq!(on(s, "w", &b), format!("SELECT by {om}"));
    assert_eq!(on(s, "t", &b), format!("SELECT by {m}"));
    assert_eq!(on(s, "t", &c), format!("SELECT by {m}"));
    assert_eq!(on(s, "t", &k), format!("SELECT by {n}"));
    // `m` and `n` lose SELECT; `b` and `k` keep theirs, `c` loses it.
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
  - name: {p}m
    member_of: [{p}r]
  - name: {p}n
    inherit: false
    member_of: [{p}r]
  - name: {p}b
  - name: {p}x
  - name: {p}k
  - name: {p}o
  - name: {p}om
    member_of: [{p}o]
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}b, {p}k], on: table, schema: public, objects: [t], privileges: [SELECT]}
      - {to: [{p}b], on: table, schema: public, objects: [w], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    // `m` keeps the grant option through `r`: its grant to `b` stays, no
    // grant again; its grant to `c` is revoked as `m` before `m` loses
    // its own option (afterwards `SET ROLE m` would revoke as `r`).
    let revoke_c = format!("REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{c}\"");
    let revoke_m = format!("REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{m}\"");
    let (ic, im) = (p.find(&revoke_c), p.find(&revoke_m));
    assert!(
        ic.is_some() && im.is_some() && ic < im,
        "the revoke from c must come before m's own:\n{p}"
    );
    assert!(
        !p.contains(&format!(
            "GRANT SELECT ON TABLE \"public\".\"t\" TO \"{b}\""
        )),
        "b keeps m's grant:\n{p}"
    );
    // Nothing is taken by a cascade from `m` (nor from `om`, a member of
    // the owner): no CASCADE, not destructive.
    assert!(p.contains(&format!("{revoke_m}\n")), "{p}");
    assert!(
        p.contains(&format!(
            "REVOKE SELECT ON TABLE \"public\".\"w\" FROM \"{om}\"\n"
        )),
        "{p}"
    );
    assert!(
        !p.contains(&format!(
            "GRANT SELECT ON TABLE \"public\".\"w\" TO \"{b}\""
        )),
        "b keeps om's grant:\n{p}"
    );
    assert!(
        p.contains(&format!(
            "REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{n}\" CASCADE"
        )),
        "{p}"
    );
    // `n` does not inherit `r`'s option: the cascade takes `k`'s grant and
    // `k` is granted SELECT again.
    assert!(
        p.contains(&format!(
            "GRANT SELECT ON TABLE \"public\".\"t\" TO \"{k}\""
        )),
        "{p}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, "t", &b), format!("SELECT by {m}"));
    assert_eq!(on(s, "t", &c), "");
    assert_eq!(on(s, "t", &m), "");
    assert_eq!(on(s, "t", &n), "");
    assert_eq!(on(s, "t", &k), "SELECT by postgres");
    assert_eq!(on(s, "t", &r), "SELECT* by postgres");
    assert_eq!(on(s, "w", &b), format!("SELECT by {om}"));
    assert_eq!(on(s, "w", &om), "");
    assert_converged(&cfg, &[]);
}

#[test]
fn grant_option_held_through_membership_on_postgresql_15() {
    let s = Scratch::new("gomember");
    grant_option_through_membership(&s);
}

#[test]
fn grant_option_held_through_membership_on_postgresql_17() {
    let s = Scratch::pg17("gomember17");
    grant_option_through_membership(&s);
}

/// The plan revokes the option of the grantor `m` and of the group `r` it
/// also holds it through: PostgreSQL would keep `m`'s grant to `b` if `m`'s
/// revoke ran first (with `m` then holding the option through `r` only, a
/// grant no later `SET ROLE m; REVOKE` could remove), and take it otherwise.
/// The plan makes the outcome exact: `m`'s grant is revoked as `m` first,
/// and `b` granted SELECT again as the owner, in one apply.
#[test]
fn grant_option_through_a_group_losing_it_too() {
    let s = Scratch::new("goboth");
    let (r, m, b) = (s.role("r"), s.role("m"), s.role("b"));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{b}\"; GRANT \"{r}\" TO \"{m}\"; \
         GRANT SELECT ON public.t TO \"{r}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{b}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
  - name: {p}m
    member_of: [{p}r]
  - name: {p}b
databases:
  - name: {db}
    grants:
      - {to: [{p}b], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert_revoked_as_grantor_first(&p, &m, &b);
    assert!(
        p.contains(&format!(
            "GRANT SELECT ON TABLE \"public\".\"t\" TO \"{b}\""
        )),
        "{p}"
    );
    assert!(!p.contains("# destructive"), "{p}");
    apply(&cfg, &[], &[]);
    assert_eq!(on(&s, "t", &b), "SELECT by postgres");
    assert_eq!(on(&s, "t", &m), "");
    assert_eq!(on(&s, "t", &r), "");
    assert_converged(&cfg, &[]);
}

/// `r`'s option comes from `y`, whose option the plan revokes: the cascade
/// of `y`'s revoke takes `r`'s option, and whether PostgreSQL would then
/// keep `m`'s grant to `b` depends on the order of the revokes. The plan
/// revokes it as `m` first and grants `b` SELECT again as the owner: the
/// outcome is exact, converged in one apply.
#[test]
fn grant_option_through_a_group_a_cascade_takes() {
    let s = Scratch::new("gocasc");
    let (y, r, m, b) = (s.role("y"), s.role("r"), s.role("m"), s.role("b"));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{y}\"; CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{b}\"; \
         GRANT \"{r}\" TO \"{m}\"; GRANT SELECT ON public.t TO \"{y}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{y}\"; GRANT SELECT ON public.t TO \"{r}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{b}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}y
  - name: {p}r
  - name: {p}m
    member_of: [{p}r]
  - name: {p}b
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}b], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert_revoked_as_grantor_first(&p, &m, &b);
    // `y`'s revoke takes `r`'s option (destructive); `r` gets it again.
    assert!(
        p.contains(&format!(
            "REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{y}\" CASCADE"
        )),
        "{p}"
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(&s, "t", &b), "SELECT by postgres");
    assert_eq!(on(&s, "t", &r), "SELECT* by postgres");
    assert_eq!(on(&s, "t", &m), "");
    assert_eq!(on(&s, "t", &y), "");
    assert_converged(&cfg, &[]);
}

/// `m` holds the option through `g`, a group the configuration does not
/// mention, which is a member of `r`: the plan reads the memberships of
/// the groups managed roles belong to, up the chain, so `m`'s grant to `c`
/// is revoked as `m` first (and `m`'s undeclared membership in `g` is
/// revoked after the privileges).
#[test]
fn grant_option_through_an_undeclared_intermediate_group() {
    let s = Scratch::new("gochain");
    let (r, g, m, b, c) = (
        s.role("r"),
        s.role("g"),
        s.role("m"),
        s.role("b"),
        s.role("c"),
    );
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{g}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{b}\"; CREATE ROLE \"{c}\"; \
         GRANT \"{r}\" TO \"{g}\"; GRANT \"{g}\" TO \"{m}\"; \
         GRANT SELECT ON public.t TO \"{r}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{b}\", \"{c}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        r#"
connection: {url: "{url}"}
roles:
  - name: {p}r
  - name: {p}m
  - name: {p}b
  - name: {p}c
databases:
  - name: {db}
    grants:
      - {to: [{p}r], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{p}b], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert_revoked_as_grantor_first(&p, &m, &c);
    apply(&cfg, &[], &[]);
    assert_eq!(on(&s, "t", &b), format!("SELECT by {m}"));
    assert_eq!(on(&s, "t", &c), "");
    assert_eq!(on(&s, "t", &m), "");
    assert_eq!(
        s.psql(&format!(
            "SELECT count(*) FROM pg_auth_members WHERE member = '{m}'::regrole"
        )),
        "0"
    );
    assert_converged(&cfg, &[]);
}

/// `m` keeps the option through `r`; `c`, whose grant from `m` the plan
/// revokes, passed SELECT on to `e`, which keeps it: `c`'s grant is revoked
/// as `m` first with CASCADE (destructive) and `e` granted SELECT again.
#[test]
fn a_grant_revoked_as_the_grantor_first_cascades_to_its_dependents() {
    let s = Scratch::new("gofirstdep");
    let (r, m, c, e) = (s.role("r"), s.role("m"), s.role("c"), s.role("e"));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{r}\"; CREATE ROLE \"{m}\"; CREATE ROLE \"{c}\"; CREATE ROLE \"{e}\"; \
         GRANT \"{r}\" TO \"{m}\"; GRANT SELECT ON public.t TO \"{r}\", \"{m}\" WITH GRANT OPTION; \
         SET ROLE \"{m}\"; GRANT SELECT ON public.t TO \"{c}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{c}\"; GRANT SELECT ON public.t TO \"{e}\"; RESET ROLE"
    ));
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
      - {to: [{p}e], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#,
    );
    let p = plan(&cfg, &[]);
    assert!(
        p.contains(&format!(
            "SET ROLE \"{m}\"\n      > REVOKE SELECT ON TABLE \"public\".\"t\" FROM \"{c}\" CASCADE\n"
        )),
        "{p}"
    );
    assert!(p.contains("# destructive"), "{p}");
    let o = grant(&["apply", "--auto-approve", &cfg.to_string_lossy()], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(on(&s, "t", &c), format!("SELECT* by {m}"));
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(&s, "t", &e), "SELECT by postgres");
    assert_eq!(on(&s, "t", &c), "");
    assert_eq!(on(&s, "t", &m), "");
    assert_converged(&cfg, &[]);
}

/// `a` loses its own grant option but keeps it through the group `g`; `z`,
/// to whom `a` gave SELECT with the grant option, loses only the option
/// (and with it `zz`, to whom `z` passed SELECT). `z`'s option is revoked as
/// `a` in `a`'s change, before `a`'s own: made later (the changes run in
/// grantee order, and `a` sorts first), `SET ROLE a` would act as `g` and
/// revoke nothing. `names` (grantor, grantee, its grantee) set the order.
fn option_only_revoke_through_a_group(s: &Scratch, names: [&str; 3]) {
    let g = s.role("g");
    let [a, z, zz] = names.map(|n| s.role(n));
    s.sql(&format!(
        "CREATE TABLE public.t (id int); \
         CREATE ROLE \"{g}\"; CREATE ROLE \"{a}\"; CREATE ROLE \"{z}\"; CREATE ROLE \"{zz}\"; \
         GRANT \"{g}\" TO \"{a}\"; GRANT SELECT ON public.t TO \"{g}\", \"{a}\" WITH GRANT OPTION; \
         SET ROLE \"{a}\"; GRANT SELECT ON public.t TO \"{z}\" WITH GRANT OPTION; RESET ROLE; \
         SET ROLE \"{z}\"; GRANT SELECT ON public.t TO \"{zz}\"; RESET ROLE"
    ));
    let cfg = s.config(
        "c.yaml",
        &r#"
connection: {url: "{url}"}
roles:
  - name: {p}g
  - name: {a}
    member_of: [{p}g]
  - name: {z}
  - name: {zz}
databases:
  - name: {db}
    grants:
      - {to: [{p}g], on: table, schema: public, objects: [t], privileges: [SELECT], with_grant_option: true}
      - {to: [{a}, {z}], on: table, schema: public, objects: [t], privileges: [SELECT]}
"#
        .replace("{a}", &a)
        .replace("{zz}", &zz)
        .replace("{z}", &z),
    );
    let p = plan(&cfg, &[]);
    let t = "TABLE \"public\".\"t\"";
    let first = format!(
        "SET ROLE \"{a}\"\n      > REVOKE GRANT OPTION FOR SELECT ON {t} FROM \"{z}\" CASCADE\n      > RESET ROLE\n      > REVOKE GRANT OPTION FOR SELECT ON {t} FROM \"{a}\""
    );
    apply(&cfg, &["--allow-destructive"], &[]);
    assert_eq!(on(s, "t", &z), format!("SELECT by {a}"), "{p}");
    assert_eq!(on(s, "t", &zz), "", "{p}");
    assert_eq!(on(s, "t", &a), "SELECT by postgres");
    assert_eq!(on(s, "t", &g), "SELECT* by postgres");
    assert!(p.contains(&first), "{p}");
    assert!(p.contains("# destructive"), "{p}");
    assert_converged(&cfg, &[]);
}

#[test]
fn option_only_revoke_through_a_group_on_postgresql_15() {
    let s = Scratch::new("goonly");
    option_only_revoke_through_a_group(&s, ["a", "z", "zz"]);
}

#[test]
fn option_only_revoke_through_a_group_whose_grantor_sorts_last() {
    let s = Scratch::new("goonlyl");
    option_only_revoke_through_a_group(&s, ["za", "b", "bb"]);
}

#[test]
fn option_only_revoke_through_a_group_on_postgresql_17() {
    let s = Scratch::pg17("goonly17");
    option_only_revoke_through_a_group(&s, ["a", "z", "zz"]);
}
