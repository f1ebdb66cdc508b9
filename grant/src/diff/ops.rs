//! The diff's output ([`Op`]) and the builder its phases share.

use std::collections::BTreeSet;

use common::{Change, Note, Planned};

use crate::model::DesiredPassword;
use crate::sql::quote_ident;

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
    pub(super) fn new(db: &str, sql: String) -> Op {
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
/// The order in which changes run.
pub(super) enum Phase {
    CreateRole,
    AlterRole,
    Membership,
    Owner,
    Grant,
    Revoke,
    /// Grants again what a `REVOKE … CASCADE` took and must stay.
    Regrant,
    RevokeMembership,
    DropRole,
}

/// Accumulates the changes and notes of every phase.
pub(super) struct Builder {
    pub(super) items: Vec<(Phase, Planned<Op>)>,
    pub(super) notes: Vec<Note>,
    /// Redshift dialect.
    pub(super) rs: bool,
    /// Redshift groups (NOLOGIN roles): granted to as `GROUP "g"`.
    pub(super) groups: BTreeSet<String>,
    /// Redshift RBAC roles: granted to as `ROLE "r"`.
    pub(super) rbac: BTreeSet<String>,
}

impl Builder {
    /// A grantee in GRANT/REVOKE: `"r"`, or `GROUP "g"` on Redshift.
    pub(super) fn grantee(&self, name: &str) -> String {
        if name == "PUBLIC" {
            "PUBLIC".to_string()
        } else if self.rs && self.groups.contains(name) {
            format!("GROUP {}", quote_ident(name))
        } else if self.rs && self.rbac.contains(name) {
            format!("ROLE {}", quote_ident(name))
        } else {
            quote_ident(name)
        }
    }

    pub(super) fn push(&mut self, phase: Phase, change: Change, ops: Vec<Op>) {
        self.items.push((phase, Planned::new(change, ops)));
    }
}
