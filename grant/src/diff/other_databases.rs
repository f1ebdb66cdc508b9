//! Phase: privileges of the configuration's roles on databases it does not
//! list. They are outside what the configuration manages, so they are never
//! granted or revoked, but never invisible either: one note per grantee and
//! database.

use std::collections::BTreeMap;

use common::Note;

use super::ops::Builder;
use crate::live::Live;
use crate::model::Desired;

pub(super) fn other_databases(b: &mut Builder, d: &Desired, live: &Live) {
    let mut held: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for g in &live.other_db_grants {
        if d.databases.contains_key(&g.database)
            || !(d.roles.contains_key(&g.grantee) || d.is_managed(&g.grantee, &live.current_user))
        {
            continue;
        }
        let star = if g.grantable {
            " (with grant option)"
        } else {
            ""
        };
        held.entry((&g.database, &g.grantee))
            .or_default()
            .push(format!("{}{star}", g.privilege));
    }
    for ((db, grantee), privileges) in held {
        b.notes.push(Note {
            address: format!("privileges.{db}.database.{db}.to.{grantee}"),
            message: format!(
                "`{grantee}` holds {} on database `{db}`, which the configuration does not list: not managed (list the database under `databases` to manage it)",
                privileges.join(", ")
            ),
        });
    }
}
