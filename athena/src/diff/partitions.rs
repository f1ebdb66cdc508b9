//! Phase: registered partitions to add and remove (Glue batch calls).

use std::collections::BTreeMap;

use common::plan::FieldChange;

use super::fields::same_location;
use super::op::{Op, PARTITION_BATCH};
use crate::model::{ColumnSpec, PartitionSpec, TableSpec};

fn partition_name(keys: &[ColumnSpec], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{}={v}", k.name))
        .collect::<Vec<_>>()
        .join("/")
}

pub(super) const SHOWN_PARTITIONS: usize = 20;

/// Partition additions and removals as fields and ops. Returns how many
/// live partitions are unregistered outright (not re-registered at another
/// location): that loses them for queries, so the change is destructive.
pub(super) fn partition_changes(
    db: &str,
    desired: &TableSpec,
    live: Option<&[PartitionSpec]>,
    fields: &mut Vec<FieldChange>,
    statements: &mut Vec<String>,
    ops: &mut Vec<Op>,
) -> usize {
    let Some(want) = &desired.partitions else {
        return 0;
    };
    let have: &[PartitionSpec] = live.unwrap_or(&[]);
    let have_map: BTreeMap<&Vec<String>, &Option<String>> =
        have.iter().map(|p| (&p.values, &p.location)).collect();
    let want_map: BTreeMap<&Vec<String>, &Option<String>> =
        want.iter().map(|p| (&p.values, &p.location)).collect();
    let mut add: Vec<PartitionSpec> = Vec::new();
    let mut remove: Vec<Vec<String>> = Vec::new();
    for p in want {
        match have_map.get(&p.values) {
            None => add.push(p.clone()),
            Some(loc) if !same_location(loc, &p.location) => {
                remove.push(p.values.clone());
                add.push(p.clone());
            }
            Some(_) => {}
        }
    }
    for p in have {
        if !want_map.contains_key(&p.values) {
            remove.push(p.values.clone());
        }
    }
    let dropped = remove.len() - add.iter().filter(|p| remove.contains(&p.values)).count();
    if add.is_empty() && remove.is_empty() {
        return 0;
    }
    let keys = &desired.partition_keys;
    let mut shown = 0;
    for v in &remove {
        if shown < SHOWN_PARTITIONS {
            let before = have_map
                .get(v)
                .and_then(|l| (*l).clone())
                .unwrap_or_default();
            let after = want_map.get(v).and_then(|l| (*l).clone());
            fields.push(FieldChange::new(
                format!("partition[{}]", partition_name(keys, v)),
                Some(before),
                after,
            ));
            shown += 1;
        }
    }
    for p in &add {
        if shown < SHOWN_PARTITIONS && !remove.contains(&p.values) {
            fields.push(FieldChange::new(
                format!("partition[{}]", partition_name(keys, &p.values)),
                None::<String>,
                Some(p.location.clone().unwrap_or_default()),
            ));
            shown += 1;
        }
    }
    if add.len() + remove.len() > shown {
        fields.push(FieldChange::new(
            "partitions",
            Some(format!("{} registered", have.len())),
            Some(format!(
                "{} registered (+{} -{})",
                want.len(),
                add.len(),
                remove.len()
            )),
        ));
    }
    if !remove.is_empty() {
        statements.push(format!(
            "glue:BatchDeletePartition {db}.{} ({} partitions, {} request(s))",
            desired.name,
            remove.len(),
            remove.len().div_ceil(PARTITION_BATCH)
        ));
        ops.push(Op::DeletePartitions {
            db: db.to_string(),
            table: desired.name.clone(),
            values: remove,
        });
    }
    if !add.is_empty() {
        statements.push(format!(
            "glue:BatchCreatePartition {db}.{} ({} partitions, {} request(s))",
            desired.name,
            add.len(),
            add.len().div_ceil(PARTITION_BATCH)
        ));
        ops.push(Op::CreatePartitions {
            db: db.to_string(),
            spec: desired.clone(),
            partitions: add,
        });
    }
    dropped
}
