//! Validation and expansion of declared partitions (`partitions:`, with
//! date ranges) into the registered partitions a table should have.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::config::{SourceFile, YPath};
use common::diagnostic::{Diagnostic, Diagnostics};

use super::spec::{PartitionSpec, TableSpec};
use super::validate::Seen;
use crate::config;

/// Expands and checks a table's declared partition sets.
pub(super) fn partitions(
    file: &SourceFile,
    path: &YPath,
    sets: &[config::PartitionSet],
    spec: &TableSpec,
    diags: &mut Diagnostics,
) -> Vec<PartitionSpec> {
    let mut out: Vec<PartitionSpec> = Vec::new();
    let mut seen = Seen::new(file);
    if spec.partition_keys.is_empty() {
        diags.push(file.error(path, "`partitions` needs `partition_keys`"));
        return out;
    }
    for (i, set) in sets.iter().enumerate() {
        let sp = path.index(i);
        let values: BTreeMap<String, (&String, &String)> = set
            .values
            .iter()
            .map(|(k, v)| (k.to_lowercase(), (k, v)))
            .collect();
        for (k, (written, _)) in &values {
            if !spec.partition_keys.iter().any(|p| &p.name == k) {
                diags.push(Diagnostic::at(
                    file.locate_key(&sp.key("values").key(written.as_str())),
                    format!("`{written}` is not a partition key of this table"),
                ));
            }
        }
        let mut dates: Vec<Option<String>> = vec![None];
        if let Some(r) = &set.date_range {
            let rp = sp.key("date_range");
            let key = r.key.to_lowercase();
            if !spec.partition_keys.iter().any(|p| p.name == key) {
                diags.push(file.error(
                    &rp.key("key"),
                    format!("`{}` is not a partition key of this table", r.key),
                ));
            }
            if values.contains_key(&key) {
                diags.push(file.error(
                    &rp.key("key"),
                    format!("`{}` is also given in `values`", r.key),
                ));
            }
            let start = NaiveDate::parse_from_str(&r.start, "%Y-%m-%d");
            let end = NaiveDate::parse_from_str(&r.end, "%Y-%m-%d");
            if start.is_err() {
                diags.push(file.error(
                    &rp.key("start"),
                    format!("`{}` is not a date (YYYY-MM-DD)", r.start),
                ));
            }
            if end.is_err() {
                diags.push(file.error(
                    &rp.key("end"),
                    format!("`{}` is not a date (YYYY-MM-DD)", r.end),
                ));
            }
            if start.is_err() || end.is_err() {
                // Reported above. Only the other keys can still lack a
                // value (the range's key has one, just not a valid one).
                let missing: Vec<&str> = spec
                    .partition_keys
                    .iter()
                    .filter(|k| k.name != key && !values.contains_key(&k.name))
                    .map(|k| k.name.as_str())
                    .collect();
                if !missing.is_empty() {
                    diags.push(file.error(
                        &sp,
                        format!("no value for partition key(s) {}", missing.join(", ")),
                    ));
                }
                continue;
            }
            let fmt = r.format.clone().unwrap_or_else(|| "%Y-%m-%d".into());
            if chrono::format::StrftimeItems::new(&fmt)
                .any(|i| matches!(i, chrono::format::Item::Error))
            {
                diags.push(file.error(
                    &rp.key("format"),
                    format!("invalid strftime format `{fmt}`"),
                ));
                continue;
            }
            if let (Ok(s), Ok(e)) = (start, end) {
                if s >= e {
                    diags.push(file.error(
                        &rp.key("end"),
                        "the end (exclusive) must be after the start",
                    ));
                    continue;
                }
                if (e - s).num_days() > 100_000 {
                    diags.push(file.error(&rp.key("end"), "the range is longer than 100,000 days"));
                    continue;
                }
                dates = s
                    .iter_days()
                    .take_while(|d| *d < e)
                    .map(|d| Some(d.format(&fmt).to_string()))
                    .collect();
            }
        }
        for d in dates {
            let mut vals = Vec::new();
            let mut missing = Vec::new();
            for k in &spec.partition_keys {
                let v = match (values.get(&k.name), &set.date_range) {
                    (Some((_, v)), _) => Some((*v).clone()),
                    (None, Some(r)) if r.key.to_lowercase() == k.name => d.clone(),
                    _ => None,
                };
                match v {
                    Some(v) => vals.push(v),
                    None => missing.push(k.name.clone()),
                }
            }
            if !missing.is_empty() {
                diags.push(file.error(
                    &sp,
                    format!("no value for partition key(s) {}", missing.join(", ")),
                ));
                break;
            }
            let location = match &set.location {
                Some(t) => {
                    let mut l = t.clone();
                    for (k, v) in spec.partition_keys.iter().zip(&vals) {
                        l = l.replace(&format!("{{{}}}", k.name), v);
                    }
                    Some(l)
                }
                None => spec.location.as_ref().map(|base| {
                    let mut l = base.trim_end_matches('/').to_string();
                    for (k, v) in spec.partition_keys.iter().zip(&vals) {
                        l.push_str(&format!("/{}={}", k.name, v));
                    }
                    l.push('/');
                    l
                }),
            };
            if let Err(d) = seen.insert("partition", vals.join("/"), sp.clone()) {
                diags.push(d);
                break;
            }
            out.push(PartitionSpec {
                values: vals,
                location,
            });
        }
    }
    out.sort();
    out
}
