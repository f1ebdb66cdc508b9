//! The pure difference between the desired and the live state, as ordered
//! changes with their exact SQL: create roles → alter roles → memberships →
//! ownership → grants → revokes → membership revokes → drops.

use std::collections::{BTreeMap, BTreeSet};

use common::{Change, Diff, FieldChange, Note, Planned};

use crate::live::{AclEntry, Live, LiveDb, LiveRole, ObjRef, RelKind};
use crate::model::{
    split_signature, Database, Desired, DesiredPassword, Mode, Role, RoleAttrs, UpdatePassword,
};
use crate::privs::{self, DefaultKind, ObjectKind, Privilege};
use crate::sql::{qualified, quote_ident, quote_literal};

/// What apply executes for a password: `prefix || literal(verifier) || suffix`.
#[derive(Debug, Clone)]
pub struct PasswordExec {
    /// Role name (md5 salt).
    pub role: String,
    /// SQL before the literal.
    pub prefix: String,
    /// SQL after the literal.
    pub suffix: String,
    /// Where the password comes from.
    pub source: DesiredPassword,
    /// Send an md5 verifier (Redshift) instead of SCRAM.
    pub md5: bool,
}

/// One SQL statement to run in one database.
#[derive(Debug, Clone)]
pub struct Op {
    /// Database whose transaction runs it.
    pub db: String,
    /// Runs in the final transaction (after every database's own), for DROP ROLE.
    pub last: bool,
    /// The statement as shown (passwords redacted); executed as is when
    /// `password` is `None`.
    pub sql: String,
    /// Password statements are completed at execution time (SCRAM
    /// verifier on PostgreSQL, md5 on Redshift).
    pub password: Option<PasswordExec>,
    /// When set, apply refuses the whole plan with this reason.
    pub refuse: Option<String>,
}

impl Op {
    fn new(db: &str, sql: String) -> Op {
        Op {
            db: db.to_string(),
            last: false,
            sql,
            password: None,
            refuse: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    CreateRole,
    AlterRole,
    Membership,
    Owner,
    Grant,
    Revoke,
    RevokeMembership,
    DropRole,
}

struct Builder {
    items: Vec<(Phase, Planned<Op>)>,
    notes: Vec<Note>,
    /// Redshift dialect.
    rs: bool,
    /// Redshift groups (NOLOGIN roles): granted to as `GROUP "g"`.
    groups: BTreeSet<String>,
    /// Redshift RBAC roles: granted to as `ROLE "r"`.
    rbac: BTreeSet<String>,
}

impl Builder {
    /// A grantee in GRANT/REVOKE: `"r"`, or `GROUP "g"` on Redshift.
    fn grantee(&self, name: &str) -> String {
        if self.rs && self.groups.contains(name) {
            format!("GROUP {}", quote_ident(name))
        } else if self.rs && self.rbac.contains(name) {
            format!("ROLE {}", quote_ident(name))
        } else {
            quote_ident(name)
        }
    }

    fn push(&mut self, phase: Phase, change: Change, ops: Vec<Op>) {
        self.items.push((phase, Planned::new(change, ops)));
    }
}

fn attr_kw(on: bool, yes: &'static str, no: &'static str) -> &'static str {
    if on {
        yes
    } else {
        no
    }
}

/// Attribute clauses that differ between `from` and `to`, with field changes.
fn attr_clauses(from: &RoleAttrs, to: &RoleAttrs) -> (Vec<String>, Vec<FieldChange>) {
    let mut clauses = Vec::new();
    let mut fields = Vec::new();
    let bools: [(&str, bool, bool, &'static str, &'static str); 7] = [
        ("login", from.login, to.login, "LOGIN", "NOLOGIN"),
        (
            "superuser",
            from.superuser,
            to.superuser,
            "SUPERUSER",
            "NOSUPERUSER",
        ),
        (
            "createdb",
            from.createdb,
            to.createdb,
            "CREATEDB",
            "NOCREATEDB",
        ),
        (
            "createrole",
            from.createrole,
            to.createrole,
            "CREATEROLE",
            "NOCREATEROLE",
        ),
        ("inherit", from.inherit, to.inherit, "INHERIT", "NOINHERIT"),
        (
            "replication",
            from.replication,
            to.replication,
            "REPLICATION",
            "NOREPLICATION",
        ),
        (
            "bypassrls",
            from.bypassrls,
            to.bypassrls,
            "BYPASSRLS",
            "NOBYPASSRLS",
        ),
    ];
    for (name, a, b, yes, no) in bools {
        if a != b {
            clauses.push(attr_kw(b, yes, no).to_string());
            fields.push(FieldChange::new(
                name,
                Some(a.to_string()),
                Some(b.to_string()),
            ));
        }
    }
    if from.connection_limit != to.connection_limit {
        clauses.push(format!("CONNECTION LIMIT {}", to.connection_limit));
        fields.push(FieldChange::new(
            "connection_limit",
            Some(from.connection_limit.to_string()),
            Some(to.connection_limit.to_string()),
        ));
    }
    if from.valid_until != to.valid_until {
        let v = to.valid_until.clone().unwrap_or_else(|| "infinity".into());
        clauses.push(format!("VALID UNTIL {}", quote_literal(&v)));
        fields.push(FieldChange::new(
            "valid_until",
            from.valid_until.clone(),
            Some(v),
        ));
    }
    (clauses, fields)
}

fn setting_sql(role: &str, key: &str, value: &[String]) -> String {
    let name = key
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".");
    let vals = value
        .iter()
        .map(|v| quote_literal(v))
        .collect::<Vec<_>>()
        .join(", ");
    format!("ALTER ROLE {} SET {name} TO {vals}", quote_ident(role))
}

fn reset_sql(role: &str, key: &str) -> String {
    let name = key
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".");
    format!("ALTER ROLE {} RESET {name}", quote_ident(role))
}

/// Whether the desired password must be (re)set; a note when unknowable.
fn password_needs_set(
    name: &str,
    role: &Role,
    live: &Live,
    lrole: &LiveRole,
) -> (bool, Option<String>) {
    let Some(pw) = &role.password else {
        return (false, None);
    };
    if !live.passwords_readable {
        return match role.update_password {
            UpdatePassword::Always => (true, None),
            UpdatePassword::OnCreate => (
                false,
                Some("the stored password cannot be read (no access to pg_authid); it is set only when the role is created (set `update_password: always` to set it on every apply)".into()),
            ),
        };
    }
    let Some(stored) = &lrole.verifier else {
        return (true, None);
    };
    match pw {
        DesiredPassword::Verifier(v) => (v.expose() != stored.expose(), None),
        DesiredPassword::Env { value: Some(p), .. } => (
            !crate::password::verifies(p.expose(), name, stored.expose()),
            None,
        ),
        DesiredPassword::Env { var, value: None } => (
            false,
            Some(format!(
                "environment variable `{var}` is not set; the password is left unchanged"
            )),
        ),
    }
}

fn password_op(
    db: &str,
    name: &str,
    prefix: String,
    suffix: String,
    source: &DesiredPassword,
    md5: bool,
) -> Op {
    let mut op = Op::new(db, format!("{prefix}'<redacted>'{suffix}"));
    op.password = Some(PasswordExec {
        role: name.to_string(),
        prefix,
        suffix,
        source: source.clone(),
        md5,
    });
    op
}

/// Redshift user attribute clauses that differ.
fn redshift_clauses(from: &RoleAttrs, to: &RoleAttrs) -> (Vec<String>, Vec<FieldChange>) {
    let mut clauses = Vec::new();
    let mut fields = Vec::new();
    if from.createdb != to.createdb {
        clauses.push(attr_kw(to.createdb, "CREATEDB", "NOCREATEDB").to_string());
        fields.push(FieldChange::new(
            "createdb",
            Some(from.createdb.to_string()),
            Some(to.createdb.to_string()),
        ));
    }
    if from.superuser != to.superuser {
        clauses.push(attr_kw(to.superuser, "CREATEUSER", "NOCREATEUSER").to_string());
        fields.push(FieldChange::new(
            "superuser",
            Some(from.superuser.to_string()),
            Some(to.superuser.to_string()),
        ));
    }
    if from.connection_limit != to.connection_limit {
        clauses.push(if to.connection_limit < 0 {
            "CONNECTION LIMIT UNLIMITED".to_string()
        } else {
            format!("CONNECTION LIMIT {}", to.connection_limit)
        });
        fields.push(FieldChange::new(
            "connection_limit",
            Some(from.connection_limit.to_string()),
            Some(to.connection_limit.to_string()),
        ));
    }
    if from.valid_until != to.valid_until {
        let v = to.valid_until.clone().unwrap_or_else(|| "infinity".into());
        clauses.push(format!("VALID UNTIL {}", quote_literal(&v)));
        fields.push(FieldChange::new(
            "valid_until",
            from.valid_until.clone(),
            Some(v),
        ));
    }
    if from.syslog_unrestricted != to.syslog_unrestricted {
        clauses.push(if to.syslog_unrestricted {
            "SYSLOG ACCESS UNRESTRICTED".to_string()
        } else {
            "SYSLOG ACCESS RESTRICTED".to_string()
        });
        fields.push(FieldChange::new(
            "syslog_access",
            Some(if from.syslog_unrestricted {
                "unrestricted"
            } else {
                "restricted"
            }),
            Some(if to.syslog_unrestricted {
                "unrestricted"
            } else {
                "restricted"
            }),
        ));
    }
    if from.session_timeout != to.session_timeout {
        clauses.push(match to.session_timeout {
            Some(t) => format!("SESSION TIMEOUT {t}"),
            None => "RESET SESSION TIMEOUT".to_string(),
        });
        fields.push(FieldChange::new(
            "session_timeout",
            from.session_timeout.map(|t| t.to_string()),
            to.session_timeout.map(|t| t.to_string()),
        ));
    }
    (clauses, fields)
}

/// Redshift: CREATE USER (LOGIN roles) / CREATE GROUP (the others).
fn redshift_create(b: &mut Builder, cdb: &str, name: &str, role: &Role) {
    let q = quote_ident(name);
    let address = format!("role.{name}");
    let mut ops = Vec::new();
    let mut fields = Vec::new();
    if b.rbac.contains(name) {
        ops.push(Op::new(cdb, format!("CREATE ROLE {q}")));
    } else if b.groups.contains(name) {
        ops.push(Op::new(cdb, format!("CREATE GROUP {q}")));
    } else {
        let (clauses, f) = redshift_clauses(
            &RoleAttrs {
                login: true,
                ..RoleAttrs::default()
            },
            &role.attrs,
        );
        fields = f;
        let tail = if clauses.is_empty() {
            String::new()
        } else {
            format!(" {}", clauses.join(" "))
        };
        match &role.password {
            Some(src) => {
                fields.push(FieldChange::sensitive("password", false));
                ops.push(password_op(
                    cdb,
                    name,
                    format!("CREATE USER {q} PASSWORD "),
                    tail,
                    src,
                    true,
                ));
            }
            None => ops.push(Op::new(
                cdb,
                format!("CREATE USER {q} PASSWORD DISABLE{tail}"),
            )),
        }
    }
    for (k, v) in &role.settings {
        fields.push(FieldChange::new(
            format!("settings.{k}"),
            None::<String>,
            Some(v.join(", ")),
        ));
        ops.push(Op::new(
            cdb,
            setting_sql(name, k, v).replacen("ALTER ROLE", "ALTER USER", 1),
        ));
    }
    if role.comment.is_some() {
        b.notes.push(Note {
            address: address.clone(),
            message: "Redshift has no role comments; `comment` is ignored".into(),
        });
    }
    let mut change = Change::new(&address, common::Action::Create);
    change.fields = fields;
    change.statements = ops.iter().map(|o| o.sql.clone()).collect();
    b.push(Phase::CreateRole, change, ops);
}

fn roles(b: &mut Builder, d: &Desired, live: &Live) {
    let cdb = live.connection_db.as_str();
    for (name, role) in &d.roles {
        let q = quote_ident(name);
        let address = format!("role.{name}");
        match live.roles.get(name) {
            None if b.rs => redshift_create(b, cdb, name, role),
            None => {
                let (clauses, mut fields) = attr_clauses(&RoleAttrs::default(), &role.attrs);
                let mut change = Change::new(&address, common::Action::Create);
                let mut ops = Vec::new();
                let base = if clauses.is_empty() {
                    format!("CREATE ROLE {q}")
                } else {
                    format!("CREATE ROLE {q} WITH {}", clauses.join(" "))
                };
                match &role.password {
                    Some(src) => {
                        fields.push(FieldChange::sensitive("password", false));
                        let prefix = if clauses.is_empty() {
                            format!("{base} WITH PASSWORD ")
                        } else {
                            format!("{base} PASSWORD ")
                        };
                        ops.push(password_op(cdb, name, prefix, String::new(), src, false));
                    }
                    None => ops.push(Op::new(cdb, base)),
                }
                // PostgreSQL stores an empty comment as no comment.
                if let Some(c) = role.comment.as_ref().filter(|c| !c.is_empty()) {
                    fields.push(FieldChange::new("comment", None::<String>, Some(c.clone())));
                    ops.push(Op::new(
                        cdb,
                        format!("COMMENT ON ROLE {q} IS {}", quote_literal(c)),
                    ));
                }
                for (k, v) in &role.settings {
                    fields.push(FieldChange::new(
                        format!("settings.{k}"),
                        None::<String>,
                        Some(v.join(", ")),
                    ));
                    ops.push(Op::new(cdb, setting_sql(name, k, v)));
                }
                change.fields = fields;
                change.statements = ops.iter().map(|o| o.sql.clone()).collect();
                b.push(Phase::CreateRole, change, ops);
            }
            Some(l) => {
                let (clauses, mut fields) = if b.rs {
                    if role.attrs.login {
                        redshift_clauses(&l.attrs, &role.attrs)
                    } else {
                        (Vec::new(), Vec::new())
                    }
                } else {
                    attr_clauses(&l.attrs, &role.attrs)
                };
                let kw = if b.rs { "USER" } else { "ROLE" };
                let with = if b.rs { "" } else { "WITH " };
                let mut ops = Vec::new();
                if b.rs {
                    // One option per ALTER USER: Redshift's documented form.
                    for c in &clauses {
                        ops.push(Op::new(cdb, format!("ALTER USER {q} {c}")));
                    }
                } else if !clauses.is_empty() {
                    ops.push(Op::new(
                        cdb,
                        format!("ALTER {kw} {q} {with}{}", clauses.join(" ")),
                    ));
                }
                let (set_pw, note) = password_needs_set(name, role, live, l);
                if let Some(n) = note {
                    b.notes.push(Note {
                        address: address.clone(),
                        message: n,
                    });
                }
                if let (true, Some(src)) = (set_pw, &role.password) {
                    fields.push(FieldChange::sensitive(
                        "password",
                        l.verifier.is_some() || !live.passwords_readable,
                    ));
                    ops.push(password_op(
                        cdb,
                        name,
                        format!("ALTER {kw} {q} {with}PASSWORD "),
                        String::new(),
                        src,
                        b.rs,
                    ));
                }
                // `comment: ""` means no comment (PostgreSQL stores it so).
                let want_comment = role.comment.clone().filter(|c| !c.is_empty());
                if !b.rs
                    && want_comment != l.comment
                    && !(role.comment.is_none() && d.mode == Mode::Additive)
                {
                    fields.push(FieldChange::new(
                        "comment",
                        l.comment.clone(),
                        want_comment.clone(),
                    ));
                    let v = want_comment
                        .as_deref()
                        .map(quote_literal)
                        .unwrap_or_else(|| "NULL".into());
                    ops.push(Op::new(cdb, format!("COMMENT ON ROLE {q} IS {v}")));
                }
                for (k, v) in &role.settings {
                    let want = v.join(", ");
                    if !l
                        .settings
                        .get(k)
                        .is_some_and(|live| setting_matches(live, v))
                    {
                        fields.push(FieldChange::new(
                            format!("settings.{k}"),
                            l.settings.get(k).cloned(),
                            Some(want),
                        ));
                        ops.push(Op::new(
                            cdb,
                            setting_sql(name, k, v).replacen(
                                "ALTER ROLE",
                                &format!("ALTER {kw}"),
                                1,
                            ),
                        ));
                    }
                }
                if d.mode == Mode::Authoritative {
                    for (k, v) in &l.settings {
                        if !role.settings.contains_key(k) {
                            fields.push(FieldChange::new(
                                format!("settings.{k}"),
                                Some(v.clone()),
                                None::<String>,
                            ));
                            ops.push(Op::new(
                                cdb,
                                reset_sql(name, k).replacen(
                                    "ALTER ROLE",
                                    &format!("ALTER {kw}"),
                                    1,
                                ),
                            ));
                        }
                    }
                }
                if !ops.is_empty() {
                    let mut change = Change::new(&address, common::Action::Update);
                    change.fields = fields;
                    change.statements = ops.iter().map(|o| o.sql.clone()).collect();
                    b.push(Phase::AlterRole, change, ops);
                }
            }
        }
    }
    for e in &d.external {
        if !live.roles.contains_key(e) {
            b.notes.push(Note {
                address: format!("role.{e}"),
                message: "external role does not exist on the server".into(),
            });
        }
    }
}

fn memberships(b: &mut Builder, d: &Desired, live: &Live) {
    let cdb = live.connection_db.as_str();
    let empty = BTreeMap::new();
    for (group, members) in &d.memberships {
        let live_members = live.memberships.get(group).unwrap_or(&empty);
        for (member, opts) in members {
            let address = format!("membership.{group}.{member}");
            let base = format!("GRANT {} TO {}", quote_ident(group), quote_ident(member));
            if b.rs {
                if !live_members.contains_key(member) {
                    let sql = if b.rbac.contains(group) {
                        format!("GRANT ROLE {} TO {}", quote_ident(group), b.grantee(member))
                    } else {
                        format!(
                            "ALTER GROUP {} ADD USER {}",
                            quote_ident(group),
                            quote_ident(member)
                        )
                    };
                    let c = Change::new(&address, common::Action::Create).statement(&sql);
                    b.push(Phase::Membership, c, vec![Op::new(cdb, sql)]);
                }
                continue;
            }
            let pg16 = live.server_version >= 160000;
            if !pg16 && (opts.inherit.is_some() || opts.set.is_some()) {
                b.notes.push(Note {
                    address: address.clone(),
                    message: "`inherit`/`set` membership options need PostgreSQL 16; ignored"
                        .into(),
                });
            }
            let with = |admin: bool, inherit: Option<bool>, set: Option<bool>| -> Vec<String> {
                let mut w = Vec::new();
                if admin {
                    w.push(if pg16 {
                        "ADMIN TRUE".to_string()
                    } else {
                        "ADMIN OPTION".to_string()
                    });
                }
                if pg16 {
                    if let Some(i) = inherit {
                        w.push(format!("INHERIT {}", if i { "TRUE" } else { "FALSE" }));
                    }
                    if let Some(s) = set {
                        w.push(format!("SET {}", if s { "TRUE" } else { "FALSE" }));
                    }
                }
                w
            };
            let sql_with = |w: Vec<String>| {
                if w.is_empty() {
                    base.clone()
                } else {
                    format!("{base} WITH {}", w.join(", "))
                }
            };
            match live_members.get(member) {
                None => {
                    let sql = sql_with(with(opts.admin, opts.inherit, opts.set));
                    let mut c = Change::new(&address, common::Action::Create);
                    if opts.admin {
                        c = c.field(FieldChange::new("admin", None::<String>, Some("true")));
                    }
                    b.push(
                        Phase::Membership,
                        c.statement(&sql),
                        vec![Op::new(cdb, sql)],
                    );
                }
                Some(l) => {
                    let mut c = Change::new(&address, common::Action::Update);
                    let mut grant_admin = false;
                    let (mut inherit, mut set) = (None, None);
                    if opts.admin && !l.admin {
                        grant_admin = true;
                        c = c.field(FieldChange::new("admin", Some("false"), Some("true")));
                    }
                    if pg16 && opts.inherit.is_some() && opts.inherit != l.inherit {
                        inherit = opts.inherit;
                        c = c.field(FieldChange::new(
                            "inherit",
                            l.inherit.map(|v| v.to_string()),
                            opts.inherit.map(|v| v.to_string()),
                        ));
                    }
                    if pg16 && opts.set.is_some() && opts.set != l.set {
                        set = opts.set;
                        c = c.field(FieldChange::new(
                            "set",
                            l.set.map(|v| v.to_string()),
                            opts.set.map(|v| v.to_string()),
                        ));
                    }
                    let w = with(grant_admin, inherit, set);
                    if !w.is_empty() {
                        let sql = sql_with(w);
                        b.push(
                            Phase::Membership,
                            c.statement(&sql),
                            vec![Op::new(cdb, sql)],
                        );
                    } else if !opts.admin && l.admin && d.mode == Mode::Authoritative {
                        let sql = format!(
                            "REVOKE ADMIN OPTION FOR {} FROM {}",
                            quote_ident(group),
                            quote_ident(member)
                        );
                        let c = Change::new(&address, common::Action::Update)
                            .field(FieldChange::new("admin", Some("true"), Some("false")));
                        b.push(
                            Phase::RevokeMembership,
                            c.statement(&sql),
                            vec![Op::new(cdb, sql)],
                        );
                    }
                }
            }
        }
    }
    if d.mode == Mode::Authoritative {
        for (group, members) in &live.memberships {
            for member in members.keys() {
                if !d.is_managed(member, &live.current_user) {
                    continue;
                }
                if d.memberships
                    .get(group)
                    .is_some_and(|m| m.contains_key(member))
                {
                    continue;
                }
                let sql = if b.rs && b.rbac.contains(group) {
                    format!(
                        "REVOKE ROLE {} FROM {}",
                        quote_ident(group),
                        b.grantee(member)
                    )
                } else if b.rs {
                    format!(
                        "ALTER GROUP {} DROP USER {}",
                        quote_ident(group),
                        quote_ident(member)
                    )
                } else {
                    format!("REVOKE {} FROM {}", quote_ident(group), quote_ident(member))
                };
                let c = Change::new(
                    format!("membership.{group}.{member}"),
                    common::Action::Delete,
                )
                .statement(&sql);
                b.push(Phase::RevokeMembership, c, vec![Op::new(cdb, sql)]);
            }
        }
    }
}

/// The owner an object will have after the ownership changes of the plan.
fn effective_owner<'a>(desired: &'a Database, live: &'a LiveDb, o: &ObjRef) -> Option<&'a str> {
    match o {
        ObjRef::Schema { name } => desired
            .schema_owners
            .get(name)
            .map(String::as_str)
            .or_else(|| live.owner_of(o)),
        ObjRef::Table { schema, name }
        | ObjRef::Sequence { schema, name }
        | ObjRef::Column {
            schema,
            table: name,
            ..
        } => {
            let linked = live
                .relations
                .get(schema)
                .and_then(|t| t.get(name))
                .is_some_and(|r| r.linked);
            match desired.tables_owners.get(schema) {
                Some(o) if !linked => Some(o.as_str()),
                _ => live.owner_of(o),
            }
        }
        _ => live.owner_of(o),
    }
}

fn ownership(b: &mut Builder, dbname: &str, desired: &Database, live: &LiveDb) {
    for (schema, owner) in &desired.schema_owners {
        let current = live.schemas.get(schema);
        if current.map(String::as_str) != Some(owner.as_str()) {
            let address = format!("owner.{dbname}.schema.{schema}");
            if current.is_none() {
                b.notes.push(Note {
                    address: address.clone(),
                    message: format!("schema `{schema}` does not exist in database `{dbname}`"),
                });
            }
            let sql = format!(
                "ALTER SCHEMA {} OWNER TO {}",
                quote_ident(schema),
                quote_ident(owner)
            );
            let c = Change::new(address, common::Action::Update)
                .field(FieldChange::new(
                    "owner",
                    current.cloned(),
                    Some(owner.clone()),
                ))
                .statement(&sql);
            b.push(Phase::Owner, c, vec![Op::new(dbname, sql)]);
        }
    }
    for (schema, owner) in &desired.tables_owners {
        let Some(rels) = live.relations.get(schema) else {
            b.notes.push(Note {
                address: format!("owner.{dbname}.schema.{schema}"),
                message: format!("schema `{schema}` has no tables in database `{dbname}`"),
            });
            continue;
        };
        for (name, rel) in rels {
            if rel.linked || rel.owner == *owner {
                continue;
            }
            let kw = rel.kind.alter_keyword();
            let sql = format!(
                "ALTER {kw} {} OWNER TO {}",
                qualified(schema, name),
                quote_ident(owner)
            );
            let c = Change::new(
                format!(
                    "owner.{dbname}.{}.{schema}.{name}",
                    kw.to_ascii_lowercase().replace(' ', "_")
                ),
                common::Action::Update,
            )
            .field(FieldChange::new(
                "owner",
                Some(rel.owner.clone()),
                Some(owner.clone()),
            ))
            .statement(&sql);
            b.push(Phase::Owner, c, vec![Op::new(dbname, sql)]);
        }
    }
}

/// Expands a grant's object list against the live inventory.
fn expand(
    g: &crate::model::Grant,
    dbname: &str,
    live: &LiveDb,
    notes: &mut Vec<Note>,
) -> Vec<ObjRef> {
    let mut out = Vec::new();
    let schema = g.schema.clone().unwrap_or_default();
    let excluded = |n: &str| g.except.iter().any(|e| e == n);
    let star = g.objects.iter().any(|o| o == "*");
    let named = g.objects.iter().filter(|o| *o != "*");
    let missing_schema = |notes: &mut Vec<Note>| {
        notes.push(Note {
            address: format!("privileges.{dbname}.schema.{schema}"),
            message: format!(
                "schema `{schema}` does not exist in database `{dbname}` (or has no {}s)",
                g.kind.name()
            ),
        })
    };
    match g.kind {
        ObjectKind::Database => out.push(ObjRef::Database {
            name: dbname.to_string(),
        }),
        ObjectKind::Schema => {
            if star {
                for s in live.schemas.keys().filter(|s| !excluded(s)) {
                    out.push(ObjRef::Schema { name: s.clone() });
                }
            }
            for n in named {
                out.push(ObjRef::Schema { name: n.clone() });
            }
        }
        ObjectKind::Table | ObjectKind::Sequence | ObjectKind::Column => {
            let want_seq = g.kind == ObjectKind::Sequence;
            let mk = |name: String| {
                if want_seq {
                    ObjRef::Sequence {
                        schema: schema.clone(),
                        name,
                    }
                } else {
                    ObjRef::Table {
                        schema: schema.clone(),
                        name,
                    }
                }
            };
            let mut tables = Vec::new();
            if star {
                match live.relations.get(&schema) {
                    Some(rels) => {
                        for (n, r) in rels {
                            if (r.kind == RelKind::Sequence) == want_seq && !excluded(n) {
                                tables.push(mk(n.clone()));
                            }
                        }
                    }
                    None => missing_schema(notes),
                }
            }
            for n in named {
                if live.relations.get(&schema).and_then(|r| r.get(n)).is_none() {
                    notes.push(Note {
                        address: format!("privileges.{dbname}.{}.{schema}.{n}", g.kind.name()),
                        message: format!(
                            "{} `{schema}.{n}` does not exist (yet) in database `{dbname}`",
                            if want_seq { "sequence" } else { "table" }
                        ),
                    });
                }
                tables.push(mk(n.clone()));
            }
            if g.kind == ObjectKind::Column {
                for t in tables {
                    if let ObjRef::Table { schema, name } = t {
                        for c in &g.columns {
                            out.push(ObjRef::Column {
                                schema: schema.clone(),
                                table: name.clone(),
                                column: c.clone(),
                            });
                        }
                    }
                }
            } else {
                out = tables;
            }
        }
        ObjectKind::Function => {
            let funcs = live.functions.get(&schema);
            if star {
                match funcs {
                    Some(f) => {
                        for (sig, func) in f {
                            if !excluded(&func.name) && !excluded(sig) {
                                out.push(ObjRef::Function {
                                    schema: schema.clone(),
                                    signature: sig.clone(),
                                });
                            }
                        }
                    }
                    None => missing_schema(notes),
                }
            }
            for n in named {
                let (name, args) = split_signature(n);
                let matches: Vec<&String> = funcs
                    .map(|f| {
                        f.iter()
                            .filter(|(_, func)| {
                                func.name == name
                                    && args.as_ref().is_none_or(|a| {
                                        crate::model::normalize_args(&func.args) == *a
                                    })
                            })
                            .map(|(sig, _)| sig)
                            .collect()
                    })
                    .unwrap_or_default();
                if matches.is_empty() {
                    notes.push(Note {
                        address: format!("privileges.{dbname}.function.{schema}.{n}"),
                        message: format!(
                            "function `{schema}.{n}` does not exist (yet) in database `{dbname}`"
                        ),
                    });
                    if let Some(a) = args {
                        out.push(ObjRef::Function {
                            schema: schema.clone(),
                            signature: format!("{name}({a})"),
                        });
                    }
                }
                for sig in matches {
                    out.push(ObjRef::Function {
                        schema: schema.clone(),
                        signature: sig.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The SQL for an object in `GRANT … ON <object>`; columns give their table.
fn object_sql(o: &ObjRef, live: &LiveDb) -> String {
    match o {
        ObjRef::Database { name } => format!("DATABASE {}", quote_ident(name)),
        ObjRef::Schema { name } => format!("SCHEMA {}", quote_ident(name)),
        ObjRef::Table { schema, name }
        | ObjRef::Column {
            schema,
            table: name,
            ..
        } => format!("TABLE {}", qualified(schema, name)),
        ObjRef::Sequence { schema, name } => format!("SEQUENCE {}", qualified(schema, name)),
        ObjRef::Function { schema, signature } => {
            let (kw, name, args) = match live.functions.get(schema).and_then(|f| f.get(signature)) {
                Some(f) => (
                    if f.procedure { "PROCEDURE" } else { "FUNCTION" },
                    f.name.clone(),
                    f.args.clone(),
                ),
                None => {
                    let (n, a) = split_signature(signature);
                    ("FUNCTION", n, a.unwrap_or_default())
                }
            };
            format!("{kw} {}({args})", qualified(schema, &name))
        }
    }
}

/// Address part of an object: `table.sales.orders`.
fn object_address(o: &ObjRef) -> String {
    match o {
        ObjRef::Database { name } => format!("database.{name}"),
        ObjRef::Schema { name } => format!("schema.{name}"),
        ObjRef::Table { schema, name } => format!("table.{schema}.{name}"),
        ObjRef::Sequence { schema, name } => format!("sequence.{schema}.{name}"),
        ObjRef::Function { schema, signature } => format!("function.{schema}.{signature}"),
        ObjRef::Column { schema, table, .. } => format!("columns.{schema}.{table}"),
    }
}

/// The change key: columns of one table are one change.
fn group_key(o: &ObjRef) -> ObjRef {
    match o {
        ObjRef::Column { schema, table, .. } => ObjRef::Column {
            schema: schema.clone(),
            table: table.clone(),
            column: String::new(),
        },
        other => other.clone(),
    }
}

type PrivMap = BTreeMap<Privilege, bool>;

fn show_privs(m: &BTreeMap<String, PrivMap>) -> Option<String> {
    if m.values().all(|p| p.is_empty()) {
        return None;
    }
    let part = |p: &PrivMap| {
        p.iter()
            .map(|(k, go)| {
                if *go {
                    format!("{k} WITH GRANT OPTION")
                } else {
                    k.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if m.len() == 1 && m.contains_key("") {
        return m.get("").map(part);
    }
    Some(
        m.iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(c, p)| format!("{c}: {}", part(p)))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Renders `KW p1, p2` or, for columns, `KW p1 ("a", "b"), p2 ("a")`.
fn priv_list(items: &BTreeMap<Privilege, BTreeSet<String>>) -> String {
    items
        .iter()
        .map(|(p, cols)| {
            if cols.iter().all(|c| c.is_empty()) {
                p.sql().to_string()
            } else {
                format!("{} ({})", p.sql(), crate::sql::ident_list(cols.iter()))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a live privilege is what a declared default privilege gives the
/// objects its creator makes: such grants are kept, not revoked.
fn from_default(
    desired: &Database,
    live: &LiveDb,
    o: &ObjRef,
    grantee: &str,
    p: Privilege,
) -> bool {
    let (kind, schema) = match o {
        ObjRef::Table { schema, .. } => (DefaultKind::Tables, Some(schema)),
        ObjRef::Sequence { schema, .. } => (DefaultKind::Sequences, Some(schema)),
        ObjRef::Function { schema, .. } => (DefaultKind::Functions, Some(schema)),
        ObjRef::Schema { .. } => (DefaultKind::Schemas, None),
        _ => return false,
    };
    let Some(owner) = live.owner_of(o) else {
        return false;
    };
    desired.default_privileges.iter().any(|d| {
        d.kind == kind
            && d.for_role == owner
            && d.to.iter().any(|t| t == grantee)
            && d.privileges.contains(&p)
            && (d.schema.is_none() || d.schema.as_ref() == schema)
    })
}

fn privileges(
    b: &mut Builder,
    d: &Desired,
    live: &Live,
    dbname: &str,
    desired: &Database,
    ldb: &LiveDb,
) {
    // (group key, grantee) → column ("" unless a column) → privilege → grant option
    let mut want: BTreeMap<(ObjRef, String), BTreeMap<String, PrivMap>> = BTreeMap::new();
    let mut have: BTreeMap<(ObjRef, String), BTreeMap<String, PrivMap>> = BTreeMap::new();
    let mut refs: BTreeMap<ObjRef, ObjRef> = BTreeMap::new();
    // Objects a grant excludes for a grantee: default privileges do not
    // excuse grants on them (nor on objects a grant names: those are in `want`).
    let mut excepted: BTreeSet<(ObjRef, String)> = BTreeSet::new();
    for g in &desired.grants {
        if let (Some(schema), ObjectKind::Table | ObjectKind::Sequence) = (&g.schema, g.kind) {
            for e in &g.except {
                let o = if g.kind == ObjectKind::Sequence {
                    ObjRef::Sequence {
                        schema: schema.clone(),
                        name: e.clone(),
                    }
                } else {
                    ObjRef::Table {
                        schema: schema.clone(),
                        name: e.clone(),
                    }
                };
                for t in &g.to {
                    excepted.insert((o.clone(), t.clone()));
                }
            }
        }
    }
    for g in &desired.grants {
        for o in expand(g, dbname, ldb, &mut b.notes) {
            let owner = effective_owner(desired, ldb, &o).map(str::to_string);
            let col = if let ObjRef::Column { column, .. } = &o {
                column.clone()
            } else {
                String::new()
            };
            let key = group_key(&o);
            refs.insert(key.clone(), o.clone());
            for grantee in &g.to {
                if owner.as_deref() == Some(grantee.as_str()) {
                    continue;
                }
                let m = want
                    .entry((key.clone(), grantee.clone()))
                    .or_default()
                    .entry(col.clone())
                    .or_default();
                for p in &g.privileges {
                    let go = m.entry(*p).or_insert(false);
                    *go |= g.grant_option;
                }
            }
        }
    }
    for AclEntry {
        object,
        grantee,
        privilege,
        grantable,
    } in &ldb.acl
    {
        let col = if let ObjRef::Column { column, .. } = object {
            column.clone()
        } else {
            String::new()
        };
        let key = group_key(object);
        refs.entry(key.clone()).or_insert_with(|| object.clone());
        let m = have
            .entry((key, grantee.clone()))
            .or_default()
            .entry(col)
            .or_default();
        m.insert(*privilege, *grantable);
    }
    let keys: BTreeSet<&(ObjRef, String)> = want.keys().chain(have.keys()).collect();
    let empty = BTreeMap::new();
    let mut managed_cache: BTreeMap<&str, bool> = BTreeMap::new();
    for key in keys {
        let (obj, grantee) = key;
        let w = want.get(key).unwrap_or(&empty);
        let h = have.get(key).unwrap_or(&empty);
        let managed = *managed_cache.entry(grantee.as_str()).or_insert_with(|| {
            d.mode == Mode::Authoritative && d.is_managed(grantee, &live.current_user)
        });
        let mut grant: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut grant_go: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut revoke: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut revoke_go: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let cols: BTreeSet<&String> = w.keys().chain(h.keys()).collect();
        let none = PrivMap::new();
        for col in cols {
            let wp = w.get(col).unwrap_or(&none);
            let hp = h.get(col).unwrap_or(&none);
            for (p, go) in wp {
                match (hp.get(p), go) {
                    (None, false) => {
                        grant.entry(*p).or_default().insert(col.clone());
                    }
                    (None, true) | (Some(false), true) => {
                        grant_go.entry(*p).or_default().insert(col.clone());
                    }
                    (Some(true), false) if managed => {
                        revoke_go.entry(*p).or_default().insert(col.clone());
                    }
                    _ => {}
                }
            }
            if managed {
                for p in hp.keys() {
                    if !wp.contains_key(p)
                        && (want.contains_key(key)
                            || excepted.contains(key)
                            || !from_default(desired, ldb, obj, grantee, *p))
                    {
                        revoke.entry(*p).or_default().insert(col.clone());
                    }
                }
            }
        }
        if grant.is_empty() && grant_go.is_empty() && revoke.is_empty() && revoke_go.is_empty() {
            continue;
        }
        let target = object_sql(refs.get(obj).unwrap_or(obj), ldb);
        let g = b.grantee(grantee);
        let mut stmts = Vec::new();
        if !grant.is_empty() {
            stmts.push(format!("GRANT {} ON {target} TO {g}", priv_list(&grant)));
        }
        if !grant_go.is_empty() {
            stmts.push(format!(
                "GRANT {} ON {target} TO {g} WITH GRANT OPTION",
                priv_list(&grant_go)
            ));
        }
        if !revoke_go.is_empty() {
            stmts.push(format!(
                "REVOKE GRANT OPTION FOR {} ON {target} FROM {g}",
                priv_list(&revoke_go)
            ));
        }
        if !revoke.is_empty() {
            stmts.push(format!(
                "REVOKE {} ON {target} FROM {g}",
                priv_list(&revoke)
            ));
        }
        let action = if h.values().all(|p| p.is_empty()) {
            common::Action::Create
        } else if w.values().all(|p| p.is_empty()) {
            common::Action::Delete
        } else {
            common::Action::Update
        };
        let phase = if grant.is_empty() && grant_go.is_empty() {
            Phase::Revoke
        } else {
            Phase::Grant
        };
        let mut c = Change::new(
            format!("privileges.{dbname}.{}.to.{grantee}", object_address(obj)),
            action,
        )
        .field(FieldChange::new("privileges", show_privs(h), show_privs(w)));
        let ops: Vec<Op> = stmts.iter().map(|s| Op::new(dbname, s.clone())).collect();
        c.statements = stmts;
        b.push(phase, c, ops);
    }
}

fn default_privileges(
    b: &mut Builder,
    d: &Desired,
    live: &Live,
    dbname: &str,
    desired: &Database,
    ldb: &LiveDb,
) {
    type Key = (String, Option<String>, DefaultKind, String);
    let mut want: BTreeMap<Key, PrivMap> = BTreeMap::new();
    let mut have: BTreeMap<Key, PrivMap> = BTreeMap::new();
    for dp in &desired.default_privileges {
        for g in &dp.to {
            if *g == dp.for_role {
                continue;
            }
            let m = want
                .entry((dp.for_role.clone(), dp.schema.clone(), dp.kind, g.clone()))
                .or_default();
            for p in &dp.privileges {
                *m.entry(*p).or_insert(false) |= dp.grant_option;
            }
        }
    }
    for e in &ldb.default_acl {
        have.entry((
            e.for_role.clone(),
            e.schema.clone(),
            e.kind,
            e.grantee.clone(),
        ))
        .or_default()
        .insert(e.privilege, e.grantable);
    }
    let keys: BTreeSet<&Key> = want.keys().chain(have.keys()).collect();
    let none = PrivMap::new();
    for key in keys {
        let (for_role, schema, kind, grantee) = key;
        let w = want.get(key).unwrap_or(&none);
        let h = have.get(key).unwrap_or(&none);
        let managed = d.mode == Mode::Authoritative && d.is_managed(grantee, &live.current_user);
        let mut grant = BTreeSet::new();
        let mut grant_go = BTreeSet::new();
        let mut revoke = BTreeSet::new();
        let mut revoke_go = BTreeSet::new();
        for (p, go) in w {
            match (h.get(p), go) {
                (None, false) => {
                    grant.insert(*p);
                }
                (None, true) | (Some(false), true) => {
                    grant_go.insert(*p);
                }
                (Some(true), false) if managed => {
                    revoke_go.insert(*p);
                }
                _ => {}
            }
        }
        if managed {
            for p in h.keys() {
                if !w.contains_key(p) {
                    revoke.insert(*p);
                }
            }
        }
        if grant.is_empty() && grant_go.is_empty() && revoke.is_empty() && revoke_go.is_empty() {
            continue;
        }
        let who = if b.rs { "USER" } else { "ROLE" };
        let prefix = match schema {
            Some(s) => format!(
                "ALTER DEFAULT PRIVILEGES FOR {who} {} IN SCHEMA {}",
                quote_ident(for_role),
                quote_ident(s)
            ),
            None => format!(
                "ALTER DEFAULT PRIVILEGES FOR {who} {}",
                quote_ident(for_role)
            ),
        };
        let on = kind.sql();
        let g = b.grantee(grantee);
        let mut stmts = Vec::new();
        if !grant.is_empty() {
            stmts.push(format!(
                "{prefix} GRANT {} ON {on} TO {g}",
                privs::join(&grant)
            ));
        }
        if !grant_go.is_empty() {
            stmts.push(format!(
                "{prefix} GRANT {} ON {on} TO {g} WITH GRANT OPTION",
                privs::join(&grant_go)
            ));
        }
        if !revoke_go.is_empty() {
            stmts.push(format!(
                "{prefix} REVOKE GRANT OPTION FOR {} ON {on} FROM {g}",
                privs::join(&revoke_go)
            ));
        }
        if !revoke.is_empty() {
            stmts.push(format!(
                "{prefix} REVOKE {} ON {on} FROM {g}",
                privs::join(&revoke)
            ));
        }
        let action = if h.is_empty() {
            common::Action::Create
        } else if w.is_empty() {
            common::Action::Delete
        } else {
            common::Action::Update
        };
        let phase = if grant.is_empty() && grant_go.is_empty() {
            Phase::Revoke
        } else {
            Phase::Grant
        };
        let one = |m: &PrivMap| {
            (!m.is_empty()).then(|| {
                m.iter()
                    .map(|(k, go)| {
                        if *go {
                            format!("{k} WITH GRANT OPTION")
                        } else {
                            k.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        let mut c = Change::new(
            format!(
                "default_privileges.{dbname}.{for_role}.{}.{}.to.{grantee}",
                schema.as_deref().unwrap_or("*"),
                kind.name()
            ),
            action,
        )
        .field(FieldChange::new("privileges", one(h), one(w)));
        let ops: Vec<Op> = stmts.iter().map(|s| Op::new(dbname, s.clone())).collect();
        c.statements = stmts;
        b.push(phase, c, ops);
    }
}

fn drops(b: &mut Builder, d: &Desired, live: &Live) {
    if d.mode != Mode::Authoritative {
        return;
    }
    let cdb = live.connection_db.as_str();
    let mut dbs: BTreeSet<&str> = d.databases.keys().map(String::as_str).collect();
    dbs.insert(cdb);
    // The connection database first, like apply.
    let mut order: Vec<&str> = vec![cdb];
    order.extend(dbs.iter().copied().filter(|x| *x != cdb));
    for name in live.roles.keys() {
        if d.roles.contains_key(name) || !d.is_managed(name, &live.current_user) {
            continue;
        }
        let q = quote_ident(name);
        let mut ops = Vec::new();
        let mut reason = format!("drops role `{name}`");
        if b.rs {
            redshift_drop(b, d, live, name);
            continue;
        }
        let owned = live.owned.get(name).copied().unwrap_or(0);
        if owned > 0 {
            match &d.reassign_owned_to {
                Some(t) => {
                    reason = format!(
                        "drops role `{name}`; its {owned} owned object(s) are reassigned to `{t}`"
                    );
                    for db in &order {
                        ops.push(Op::new(
                            db,
                            format!("REASSIGN OWNED BY {q} TO {}", quote_ident(t)),
                        ));
                        ops.push(Op::new(db, format!("DROP OWNED BY {q}")));
                    }
                }
                None => {
                    let msg = format!(
                        "role `{name}` owns {owned} object(s): refusing to drop it; set `reassign_owned_to` to the role that should own them"
                    );
                    let mut op = Op::new(cdb, format!("-- refused: {msg}"));
                    op.refuse = Some(msg.clone());
                    ops.push(op);
                    b.notes.push(Note {
                        address: format!("role.{name}"),
                        message: msg,
                    });
                }
            }
        } else {
            for db in &order {
                ops.push(Op::new(db, format!("DROP OWNED BY {q}")));
            }
        }
        let mut drop = Op::new(cdb, format!("DROP ROLE {q}"));
        drop.last = true;
        ops.push(drop);
        let mut c = Change::new(format!("role.{name}"), common::Action::Delete).destructive(reason);
        c.statements = ops.iter().map(|o| o.sql.clone()).collect();
        b.push(Phase::DropRole, c, ops);
    }
}

/// Redshift has no REASSIGN OWNED / DROP OWNED: each owned schema and table
/// of the configured databases gets `ALTER … OWNER TO`, then DROP USER/GROUP.
fn redshift_drop(b: &mut Builder, d: &Desired, live: &Live, name: &str) {
    let cdb = live.connection_db.as_str();
    let q = quote_ident(name);
    let mut owned: Vec<(String, String)> = Vec::new();
    for (dbname, db) in &live.databases {
        for (s, o) in &db.schemas {
            if o == name {
                owned.push((dbname.clone(), format!("SCHEMA {}", quote_ident(s))));
            }
        }
        for (s, rels) in &db.relations {
            for (t, r) in rels {
                if r.owner == name {
                    owned.push((dbname.clone(), format!("TABLE {}", qualified(s, t))));
                }
            }
        }
    }
    let mut ops = Vec::new();
    let mut reason = format!("drops `{name}`");
    if !owned.is_empty() {
        match &d.reassign_owned_to {
            Some(t) => {
                reason = format!(
                    "drops `{name}`; its {} owned object(s) are given to `{t}`",
                    owned.len()
                );
                for (db, obj) in &owned {
                    ops.push(Op::new(
                        db,
                        format!("ALTER {obj} OWNER TO {}", quote_ident(t)),
                    ));
                }
            }
            None => {
                let msg = format!(
                    "`{name}` owns {} object(s): refusing to drop it; set `reassign_owned_to`",
                    owned.len()
                );
                let mut op = Op::new(cdb, format!("-- refused: {msg}"));
                op.refuse = Some(msg.clone());
                ops.push(op);
                b.notes.push(Note {
                    address: format!("role.{name}"),
                    message: msg,
                });
            }
        }
    }
    let kind = if live.rbac_roles.contains(name) {
        "ROLE"
    } else if live.roles.get(name).is_some_and(|r| !r.attrs.login) {
        "GROUP"
    } else {
        "USER"
    };
    let mut drop = Op::new(cdb, format!("DROP {kind} {q}"));
    drop.last = true;
    ops.push(drop);
    let mut c = Change::new(format!("role.{name}"), common::Action::Delete).destructive(reason);
    c.statements = ops.iter().map(|o| o.sql.clone()).collect();
    b.push(Phase::DropRole, c, ops);
}

/// Computes the ordered changes.
pub fn diff(d: &Desired, live: &Live) -> Diff<Op> {
    let rs = live.dialect == crate::model::Dialect::Redshift;
    let mut groups = BTreeSet::new();
    let mut rbac = BTreeSet::new();
    if rs {
        use crate::model::RedshiftKind;
        for (n, r) in &d.roles {
            match r.kind {
                Some(RedshiftKind::Role) => {
                    rbac.insert(n.clone());
                }
                Some(RedshiftKind::Group) => {
                    groups.insert(n.clone());
                }
                Some(RedshiftKind::User) => {}
                None if !r.attrs.login => {
                    groups.insert(n.clone());
                }
                None => {}
            }
        }
        for (n, r) in &live.roles {
            if d.roles.contains_key(n) {
                continue;
            }
            if live.rbac_roles.contains(n) {
                rbac.insert(n.clone());
            } else if !r.attrs.login {
                groups.insert(n.clone());
            }
        }
    }
    let mut b = Builder {
        items: Vec::new(),
        notes: Vec::new(),
        rs,
        groups,
        rbac,
    };
    roles(&mut b, d, live);
    memberships(&mut b, d, live);
    let empty = LiveDb::default();
    for (dbname, desired) in &d.databases {
        let ldb = live.databases.get(dbname).unwrap_or(&empty);
        ownership(&mut b, dbname, desired, ldb);
        privileges(&mut b, d, live, dbname, desired, ldb);
        default_privileges(&mut b, d, live, dbname, desired, ldb);
    }
    drops(&mut b, d, live);
    b.items
        .sort_by(|a, c| (a.0, &a.1.change.address).cmp(&(c.0, &c.1.change.address)));
    Diff {
        changes: b.items.into_iter().map(|(_, p)| p).collect(),
        notes: b.notes,
    }
}

/// Whether a live setting (as PostgreSQL stores it in `rolconfig`) equals the
/// desired parts. List settings such as `search_path` are stored with the
/// elements PostgreSQL quotes (`"$user", public, "Sales"`), so the live value
/// is also compared element by element, unquoted.
pub fn setting_matches(live: &str, want: &[String]) -> bool {
    live == want.join(", ") || split_list_setting(live).is_some_and(|parts| parts == want)
}

/// Settings whose value is a list (PostgreSQL's `GUC_LIST_INPUT`) that a role
/// may set.
pub const LIST_SETTINGS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "local_preload_libraries",
];

/// Splits a stored list setting (`"$user", public, "a ""b"""`) into its
/// elements, unquoted; `None` when the quotes do not balance.
pub fn split_list_setting(live: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = live.chars().peekable();
    let finish = |cur: &mut String, was_quoted: bool| {
        let v = std::mem::take(cur);
        if was_quoted {
            v
        } else {
            v.trim().to_string()
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                parts.push(finish(&mut cur, was_quoted));
                was_quoted = false;
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            ' ' if !quoted && was_quoted => {}
            c => cur.push(c),
        }
    }
    if quoted {
        return None;
    }
    parts.push(finish(&mut cur, was_quoted));
    Some(parts)
}

#[cfg(test)]
mod tests;
