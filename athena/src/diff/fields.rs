//! Field-level comparisons shown in plans, and plan addresses.

use std::collections::{BTreeMap, BTreeSet};

use common::plan::FieldChange;

use crate::model::{ColumnSpec, Kind, TableSpec};

pub(super) fn cols_text(cols: &[ColumnSpec]) -> String {
    cols.iter()
        .map(|c| format!("{} {}", c.name, c.type_))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether two S3 locations are the same, a trailing `/` aside.
pub fn same_location(a: &Option<String>, b: &Option<String>) -> bool {
    a.as_deref().map(|s| s.trim_end_matches('/')) == b.as_deref().map(|s| s.trim_end_matches('/'))
}

pub(super) fn opt_field(
    name: &str,
    before: &Option<String>,
    after: &Option<String>,
) -> Option<FieldChange> {
    (before != after).then(|| FieldChange::new(name, before.clone(), after.clone()))
}

pub(super) fn map_fields(
    prefix: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<FieldChange> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            FieldChange::new(
                format!("{prefix}.{k}"),
                before.get(k).cloned(),
                after.get(k).cloned(),
            )
        })
        .collect()
}

pub(super) fn column_fields(
    prefix: &str,
    before: &[ColumnSpec],
    after: &[ColumnSpec],
) -> Vec<FieldChange> {
    if before == after {
        return Vec::new();
    }
    let show = |c: &ColumnSpec| match &c.comment {
        Some(m) => format!("{} (comment {m:?})", c.type_),
        None => c.type_.clone(),
    };
    let mut out = Vec::new();
    let order_before: Vec<&str> = before.iter().map(|c| c.name.as_str()).collect();
    let order_after: Vec<&str> = after.iter().map(|c| c.name.as_str()).collect();
    for c in before {
        let a = after.iter().find(|x| x.name == c.name);
        if a != Some(c) {
            out.push(FieldChange::new(
                format!("{prefix}.{}", c.name),
                Some(show(c)),
                a.map(show),
            ));
        }
    }
    for c in after {
        if !before.iter().any(|x| x.name == c.name) {
            out.push(FieldChange::new(
                format!("{prefix}.{}", c.name),
                None::<String>,
                Some(show(c)),
            ));
        }
    }
    let common_before: Vec<&str> = order_before
        .iter()
        .filter(|n| order_after.contains(n))
        .copied()
        .collect();
    let common_after: Vec<&str> = order_after
        .iter()
        .filter(|n| order_before.contains(n))
        .copied()
        .collect();
    if common_before != common_after || out.is_empty() {
        out.push(FieldChange::new(
            format!("{prefix}.order"),
            Some(order_before.join(", ")),
            Some(order_after.join(", ")),
        ));
    }
    out
}

/// The plan address of a table or view.
pub fn address(db: &str, t: &TableSpec) -> String {
    let kind = if t.kind == Kind::View {
        "view"
    } else {
        "table"
    };
    format!("{kind}.{db}.{}", t.name)
}
