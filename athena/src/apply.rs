//! Executing a plan: databases first, then tables, then views (views that
//! name other planned views after them). Within a stage, independent changes
//! run concurrently with a limit; a change's own operations run in order.
//! On the first failure no new change starts; those already running finish
//! and are reported.

use anyhow::Context;
use common::plan::Planned;
use common::run::ApplyLog;
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::diff::{Op, PARTITION_BATCH};
use crate::glue;
use crate::live::{sdk_err, AwsOptions, Clients};
use crate::query;
use crate::verify;

fn stage(p: &Planned<Op>) -> usize {
    if p.change.address.starts_with("database.") {
        0
    } else if p.change.address.starts_with("view.") {
        2
    } else {
        1
    }
}

fn view_name(p: &Planned<Op>) -> (&str, &str) {
    let rest = p
        .change
        .address
        .strip_prefix("view.")
        .unwrap_or(&p.change.address);
    rest.split_once('.').unwrap_or(("", rest))
}

fn view_sql(p: &Planned<Op>) -> String {
    p.ops
        .iter()
        .filter_map(|o| match o {
            Op::Athena { sql, .. } => Some(sql.to_lowercase()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Groups view changes into levels: a view whose SQL names another planned
/// view of the same database runs after it. A cycle runs in one last level.
pub fn view_levels(views: &[&Planned<Op>]) -> Vec<Vec<usize>> {
    let words: Vec<std::collections::BTreeSet<String>> = views
        .iter()
        .map(|p| {
            view_sql(p)
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect();
    let deps: Vec<Vec<usize>> = views
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (db, _) = view_name(p);
            views
                .iter()
                .enumerate()
                .filter(|(j, q)| {
                    let (qdb, qname) = view_name(q);
                    *j != i && qdb == db && words[i].contains(qname)
                })
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let mut done = vec![false; views.len()];
    let mut levels = Vec::new();
    while done.iter().any(|d| !d) {
        let ready: Vec<usize> = (0..views.len())
            .filter(|&i| !done[i] && deps[i].iter().all(|&j| done[j]))
            .collect();
        let level = if ready.is_empty() {
            (0..views.len()).filter(|&i| !done[i]).collect()
        } else {
            ready
        };
        for &i in &level {
            done[i] = true;
        }
        levels.push(level);
    }
    levels
}

/// Runs the changes; see the module documentation.
pub async fn apply(
    c: &Clients,
    o: &AwsOptions,
    changes: &[Planned<Op>],
    log: &mut ApplyLog,
) -> anyhow::Result<()> {
    let mut batches: Vec<Vec<&Planned<Op>>> = Vec::new();
    for s in 0..2 {
        batches.push(changes.iter().filter(|p| stage(p) == s).collect());
    }
    let views: Vec<&Planned<Op>> = changes.iter().filter(|p| stage(p) == 2).collect();
    for level in view_levels(&views) {
        batches.push(level.into_iter().map(|i| views[i]).collect());
    }
    for batch in batches {
        run_batch(c, o, &batch, log).await?;
    }
    Ok(())
}

async fn run_batch(
    c: &Clients,
    o: &AwsOptions,
    batch: &[&Planned<Op>],
    log: &mut ApplyLog,
) -> anyhow::Result<()> {
    let limit = o.parallelism.max(1);
    let mut pending = batch.iter();
    let mut running = FuturesUnordered::new();
    let mut first_error: Option<anyhow::Error> = None;
    loop {
        while first_error.is_none() && running.len() < limit {
            let Some(p) = pending.next() else { break };
            running.push(async move {
                let r = run_change(c, o, p)
                    .await
                    .with_context(|| format!("{} failed", p.change.address));
                (p.change.address.as_str(), r)
            });
        }
        let Some((address, result)) = running.next().await else {
            break;
        };
        match result {
            Ok(()) => log.done(address),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(e);
                } else {
                    tracing::error!("{e:#}");
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

async fn run_change(c: &Clients, o: &AwsOptions, p: &Planned<Op>) -> anyhow::Result<()> {
    for (i, op) in p.ops.iter().enumerate() {
        if let Err(e) = run_op(c, o, op).await {
            if i == 0 {
                return Err(e);
            }
            // The change is not reported as applied, but its first steps
            // were: say so, so the report never hides a partial change.
            let done: Vec<String> = p.ops[..i].iter().map(op_summary).collect();
            return Err(e.context(format!(
                "partly applied: {} succeeded before this step; apply again to finish",
                done.join(", ")
            )));
        }
    }
    Ok(())
}

/// A short description of an operation, for error messages.
fn op_summary(op: &Op) -> String {
    match op {
        Op::CreateDatabase(d) => format!("glue:CreateDatabase {}", d.name),
        Op::UpdateDatabase(d) => format!("glue:UpdateDatabase {}", d.name),
        Op::CreateTable { db, spec } => format!("glue:CreateTable {db}.{}", spec.name),
        Op::UpdateTable { db, spec } => format!("glue:UpdateTable {db}.{}", spec.name),
        Op::DeleteTable { db, name } => format!("glue:DeleteTable {db}.{name}"),
        Op::CreatePartitions {
            db,
            spec,
            partitions,
        } => format!(
            "glue:BatchCreatePartition {db}.{} ({} partitions)",
            spec.name,
            partitions.len()
        ),
        Op::DeletePartitions { db, table, values } => format!(
            "glue:BatchDeletePartition {db}.{table} ({} partitions)",
            values.len()
        ),
        Op::Athena { db, sql } => {
            let first = sql.lines().next().unwrap_or("");
            format!("athena ({db}): {first}")
        }
    }
}

/// Runs one step. A failed Glue write is settled by reading the affected
/// object again (`verify`): its answer may have been lost after Glue
/// applied it. Partition batches are settled one request at a time.
async fn run_op(c: &Clients, o: &AwsOptions, op: &Op) -> anyhow::Result<()> {
    match op {
        Op::CreatePartitions {
            db,
            spec,
            partitions,
        } => {
            for chunk in partitions.chunks(PARTITION_BATCH) {
                if let Err(e) = create_partitions(c, db, spec, chunk).await {
                    let part = Op::CreatePartitions {
                        db: db.clone(),
                        spec: spec.clone(),
                        partitions: chunk.to_vec(),
                    };
                    verify::settle(c, &part, &op_summary(&part), e).await?;
                }
            }
        }
        Op::DeletePartitions { db, table, values } => {
            for chunk in values.chunks(PARTITION_BATCH) {
                if let Err(e) = delete_partitions(c, db, table, chunk).await {
                    let part = Op::DeletePartitions {
                        db: db.clone(),
                        table: table.clone(),
                        values: chunk.to_vec(),
                    };
                    verify::settle(c, &part, &op_summary(&part), e).await?;
                }
            }
        }
        Op::Athena { db, sql } => {
            query::run(&c.athena, o, Some(db), sql).await?;
        }
        Op::UpdateTable { db, spec } => {
            // The read half: when it fails, nothing was written.
            let table = current_table(c, db, &spec.name).await.with_context(|| {
                format!("{}: not applied (nothing was written)", op_summary(op))
            })?;
            if let Err(e) = update_table(c, db, spec, &table).await {
                verify::settle(c, op, &op_summary(op), e).await?;
            }
        }
        _ => {
            if let Err(e) = write(c, op).await {
                verify::settle(c, op, &op_summary(op), e).await?;
            }
        }
    }
    Ok(())
}

/// One Glue write for a database or table step.
async fn write(c: &Clients, op: &Op) -> anyhow::Result<()> {
    match op {
        Op::CreateDatabase(d) => {
            c.glue
                .create_database()
                .set_catalog_id(c.catalog_id.clone())
                .database_input(glue::database_input(d)?)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("Glue CreateDatabase {}", d.name))?;
        }
        Op::UpdateDatabase(d) => {
            c.glue
                .update_database()
                .set_catalog_id(c.catalog_id.clone())
                .name(&d.name)
                .database_input(glue::database_input(d)?)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("Glue UpdateDatabase {}", d.name))?;
        }
        Op::CreateTable { db, spec } => {
            c.glue
                .create_table()
                .set_catalog_id(c.catalog_id.clone())
                .database_name(db)
                .table_input(glue::new_table_input(spec)?)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("Glue CreateTable {db}.{}", spec.name))?;
        }
        Op::DeleteTable { db, name } => {
            c.glue
                .delete_table()
                .set_catalog_id(c.catalog_id.clone())
                .database_name(db)
                .name(name)
                .send()
                .await
                .map_err(sdk_err)
                .with_context(|| format!("Glue DeleteTable {db}.{name}"))?;
        }
        Op::UpdateTable { .. }
        | Op::CreatePartitions { .. }
        | Op::DeletePartitions { .. }
        | Op::Athena { .. } => {
            anyhow::bail!("not a single Glue write: {}", op_summary(op))
        }
    }
    Ok(())
}

/// The table an UpdateTable starts from (GetTable).
async fn current_table(
    c: &Clients,
    db: &str,
    name: &str,
) -> anyhow::Result<aws_sdk_glue::types::Table> {
    c.glue
        .get_table()
        .set_catalog_id(c.catalog_id.clone())
        .database_name(db)
        .name(name)
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("Glue GetTable {db}.{name}"))?
        .table
        .ok_or_else(|| anyhow::anyhow!("Glue GetTable {db}.{name} returned no table"))
}

/// UpdateTable of `table` to `spec`, conditional on its VersionId.
async fn update_table(
    c: &Clients,
    db: &str,
    spec: &crate::model::TableSpec,
    table: &aws_sdk_glue::types::Table,
) -> anyhow::Result<()> {
    let input = glue::updated_table_input(table, spec)?;
    c.glue
        .update_table()
        .set_catalog_id(c.catalog_id.clone())
        .database_name(db)
        .table_input(input)
        .set_version_id(table.version_id.clone())
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| {
            format!(
                "Glue UpdateTable {db}.{} (VersionId {}); if it was modified concurrently, plan again",
                spec.name,
                table.version_id.as_deref().unwrap_or("-")
            )
        })?;
    Ok(())
}

/// One BatchCreatePartition request; per-partition errors fail it.
async fn create_partitions(
    c: &Clients,
    db: &str,
    spec: &crate::model::TableSpec,
    chunk: &[crate::model::PartitionSpec],
) -> anyhow::Result<()> {
    let inputs = chunk
        .iter()
        .map(|p| glue::partition_input(spec, p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let r = c
        .glue
        .batch_create_partition()
        .set_catalog_id(c.catalog_id.clone())
        .database_name(db)
        .table_name(&spec.name)
        .set_partition_input_list(Some(inputs))
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("Glue BatchCreatePartition {db}.{}", spec.name))?;
    let errors = r.errors.unwrap_or_default();
    if !errors.is_empty() {
        let msgs: Vec<String> = errors
            .iter()
            .map(|e| {
                let values = e.partition_values.clone().unwrap_or_default().join("/");
                let msg = e
                    .error_detail
                    .as_ref()
                    .and_then(|d| d.error_message.clone())
                    .unwrap_or_default();
                format!("{values}: {msg}")
            })
            .collect();
        anyhow::bail!(
            "Glue BatchCreatePartition {db}.{} rejected {} partition(s): {}",
            spec.name,
            msgs.len(),
            msgs.join("; ")
        );
    }
    Ok(())
}

/// One BatchDeletePartition request; per-partition errors fail it.
async fn delete_partitions(
    c: &Clients,
    db: &str,
    table: &str,
    chunk: &[Vec<String>],
) -> anyhow::Result<()> {
    let list = glue::value_lists(chunk)?;
    let r = c
        .glue
        .batch_delete_partition()
        .set_catalog_id(c.catalog_id.clone())
        .database_name(db)
        .table_name(table)
        .set_partitions_to_delete(Some(list))
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("Glue BatchDeletePartition {db}.{table}"))?;
    let errors = r.errors.unwrap_or_default();
    if !errors.is_empty() {
        anyhow::bail!(
            "Glue BatchDeletePartition {db}.{table} failed for {} partition(s)",
            errors.len()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::plan::{Action, Change};

    fn view(name: &str, sql: &str) -> Planned<Op> {
        Planned::new(
            Change::new(format!("view.db.{name}"), Action::Create),
            vec![Op::Athena {
                db: "db".into(),
                sql: crate::diff::view_statement(name, sql),
            }],
        )
    }

    #[test]
    fn views_after_the_views_they_read() {
        let a = view("a", "SELECT * FROM b JOIN c USING (id)");
        let b = view("b", "SELECT * FROM c");
        let c = view("c", "SELECT * FROM t");
        let d = view("d", "SELECT * FROM t");
        let levels = view_levels(&[&a, &b, &c, &d]);
        assert_eq!(levels, vec![vec![2, 3], vec![1], vec![0]]);
        let x = view("x", "SELECT * FROM y");
        let y = view("y", "SELECT * FROM x");
        assert_eq!(view_levels(&[&x, &y]), vec![vec![0, 1]]);
    }
}
