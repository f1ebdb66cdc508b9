//! The pure difference between the desired and the live state, as ordered
//! changes with their exact SQL: create roles → alter roles → memberships →
//! ownership → grants → revokes → grants a CASCADE took → membership revokes
//! → drops.

mod attributes;
mod cascade;
mod default_privileges;
mod drops;
mod future;
mod grantors;
mod memberships;
mod objects;
mod ops;
mod orphans;
mod other_databases;
mod ownership;
mod pairs;
mod privileges;
mod roles;
mod settings;
mod statements;

use default_privileges::default_privileges;
use drops::drops;
use memberships::memberships;
use ops::Builder;
pub use ops::{Op, PasswordExec};
use other_databases::other_databases;
use ownership::ownership;
use privileges::privileges;
use roles::roles;
pub use settings::{setting_matches, split_list_setting, LIST_SETTINGS};

use std::collections::BTreeSet;

use common::Diff;

use crate::live::{Live, LiveDb};
use crate::model::Desired;

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
        notes: d.warnings.clone(),
        rs,
        groups,
        rbac,
    };
    roles(&mut b, d, live);
    memberships(&mut b, d, live);
    let empty = LiveDb::default();
    for (dbname, desired) in &d.databases {
        let ldb = live.databases.get(dbname).unwrap_or(&empty);
        let desired = &future::expand(dbname, desired, ldb, &mut b.notes);
        ownership(&mut b, dbname, desired, ldb);
        privileges(&mut b, d, live, dbname, desired, ldb);
        default_privileges(&mut b, d, live, dbname, desired, ldb);
    }
    other_databases(&mut b, d, live);
    drops(&mut b, d, live);
    b.items
        .sort_by(|a, c| (a.0, &a.1.change.address).cmp(&(c.0, &c.1.change.address)));
    Diff {
        changes: b.items.into_iter().map(|(_, p)| p).collect(),
        notes: b.notes,
    }
}

#[cfg(test)]
mod tests;
