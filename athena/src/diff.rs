//! The pure difference between the desired and live catalogs, with Athena's
//! schema-update safety rules deciding which column changes are destructive.
//!
//! One module per phase (`database`, `table`, `partitions`, `iceberg`,
//! `view`), the rules in `safety`, shared field comparisons in `fields`.

mod database;
mod fields;
mod iceberg;
mod op;
mod partitions;
mod safety;
mod table;
mod view;

use common::plan::{Action, Change, Note, Planned};
use common::run::Diff;

use crate::live::Live;
use crate::model::{DatabaseSpec, Desired, Kind, TableSpec};

use database::database_changes;
pub use fields::{address, same_location};
pub use iceberg::iceberg_create;
use iceberg::iceberg_update;
pub use iceberg::spec_changes_losing_data;
pub use op::{Op, PARTITION_BATCH};
pub use safety::{unsafe_column_changes, Access};
use table::{create_table, delete_table, external_update};
pub use view::view_statement;
use view::view_update;

/// The changes that bring the live catalog to the desired one, in order:
/// databases, then tables, then views.
pub fn diff(desired: &Desired, live: &Live) -> Diff<Op> {
    let mut dbs = Vec::new();
    let mut tables = Vec::new();
    let mut views = Vec::new();
    let mut notes = Vec::new();
    for (name, want) in &desired.databases {
        let have = live.databases.get(name);
        dbs.extend(database_changes(want, have));
        for t in want.tables.values() {
            let live_t = have.and_then(|h| h.tables.get(&t.name));
            let target = if t.kind == Kind::View {
                &mut views
            } else {
                &mut tables
            };
            match live_t {
                None => target.push(create_table(name, t)),
                Some(h) if h.kind != t.kind => {
                    let mut del = delete_table(name, h, "");
                    let create = create_table(name, t);
                    let mut change = Change::new(address(name, t), Action::Replace).destructive(format!(
                        "`{}` is a {} in the catalog and a {} in the configuration: it is dropped and re-created",
                        t.name,
                        h.kind.name(),
                        t.kind.name()
                    ));
                    change.statements = del
                        .change
                        .statements
                        .drain(..)
                        .chain(create.change.statements)
                        .collect();
                    change.fields = create.change.fields;
                    let ops = del.ops.into_iter().chain(create.ops).collect();
                    target.push(Planned::new(change, ops));
                }
                Some(h) => {
                    let p = match t.kind {
                        Kind::External => external_update(name, t, h),
                        Kind::Iceberg => iceberg_update(name, t, h, &mut notes),
                        Kind::View => view_update(name, t, h, &mut notes),
                    };
                    target.extend(p);
                }
            }
        }
        if let Some(h) = have {
            for t in h.tables.values() {
                if want.tables.contains_key(&t.name) {
                    continue;
                }
                if want.delete_unmanaged {
                    tables.push(delete_table(
                        name,
                        t,
                        &format!("{} `{name}.{}` is not in the configuration and `delete_unmanaged` is set", t.kind.name(), t.name),
                    ));
                } else {
                    notes.push(Note {
                        address: address(name, t),
                        message: format!(
                            "unmanaged {}: it exists in Glue but not in the configuration; left alone (set `delete_unmanaged: true` on the database to delete it)",
                            t.kind.name()
                        ),
                    });
                }
            }
        }
    }
    let mut changes = dbs;
    changes.extend(tables);
    changes.extend(views);
    Diff { changes, notes }
}

/// Whether a live database already has every managed field of `want`
/// (description, location, parameters): no change would be planned.
pub fn database_matches(want: &DatabaseSpec, have: &DatabaseSpec) -> bool {
    database_changes(want, Some(have)).is_none()
}

/// Whether a live external table already has every managed field of `want`
/// (columns, partition keys, storage, location, properties, comment),
/// registered partitions left out: no change would be planned.
pub fn external_table_matches(db: &str, want: &TableSpec, have: &TableSpec) -> bool {
    if have.kind != Kind::External {
        return false;
    }
    let mut want = want.clone();
    want.partitions = None;
    external_update(db, &want, have).is_none()
}

#[cfg(test)]
mod tests;
