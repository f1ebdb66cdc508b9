//! Executing a plan: one transaction per database, each starting with
//! `pg_advisory_xact_lock`, role statements in the connection database's.

mod batch;

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};
use common::{ApplyLog, Planned};
use tokio_postgres::Client;

use crate::diff::Op;
use crate::model::DesiredPassword;
use crate::sql::quote_literal;

/// Advisory lock key held by every transaction of an apply ("grant" in ASCII).
pub const XACT_LOCK_KEY: i64 = 0x0067_7261_6e74;
/// Session lock key held for the whole apply on the connection database.
pub const SESSION_LOCK_KEY: i64 = 0x6772_616e_7401;

/// The SQL to execute for an op (passwords hashed into SCRAM verifiers now).
pub fn exec_sql(op: &Op) -> anyhow::Result<String> {
    let Some(p) = &op.password else {
        return Ok(op.sql.clone());
    };
    let verifier = match &p.source {
        DesiredPassword::Verifier(v) => v.expose().to_string(),
        DesiredPassword::Env { value: Some(v), .. } if p.md5 => {
            crate::password::md5(v.expose(), &p.role)
        }
        DesiredPassword::Env { value: Some(v), .. } => crate::password::scram(v.expose())?,
        DesiredPassword::Env { var, value: None } => bail!(
            "environment variable `{var}` for the password of `{}` is not set",
            p.role
        ),
    };
    Ok(format!(
        "{}{}{}",
        p.prefix,
        quote_literal(&verifier),
        p.suffix
    ))
}

fn db_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{} (SQLSTATE {})", d.message(), d.code().code()),
        None => e.to_string(),
    }
}

/// Runs `ops` in one transaction on `client`, all or nothing, in few round
/// trips ([`batch`]). When a message fails, the transaction is rolled back
/// and run again one statement at a time, so that the error names the
/// statement that failed.
async fn run_tx(client: &mut Client, db: &str, ops: &[&Op]) -> anyhow::Result<()> {
    let sqls = ops
        .iter()
        .map(|op| exec_sql(op))
        .collect::<anyhow::Result<Vec<String>>>()?;
    for op in ops {
        tracing::info!(db, statement = %op.sql, "executing");
    }
    let messages = batch::messages(&batch::merge(&sqls));
    let tx = begin(client, db).await?;
    for m in &messages {
        if tx.batch_execute(m).await.is_err() {
            // Dropping `tx` rolls back; nothing of this database is applied.
            drop(tx);
            return run_tx_one_by_one(client, db, ops, &sqls).await;
        }
    }
    tx.commit()
        .await
        .map_err(|e| anyhow!("database `{db}`: commit failed: {}", db_error(&e)))
}

/// Begins the transaction of `db` and takes the advisory lock.
async fn begin<'c>(
    client: &'c mut Client,
    db: &str,
) -> anyhow::Result<tokio_postgres::Transaction<'c>> {
    let tx = client.transaction().await.map_err(|e| {
        anyhow!(
            "database `{db}`: cannot begin a transaction: {}",
            db_error(&e)
        )
    })?;
    tx.batch_execute(&format!(
        "SELECT pg_catalog.pg_advisory_xact_lock({XACT_LOCK_KEY})"
    ))
    .await
    .map_err(|e| {
        anyhow!(
            "database `{db}`: cannot take the advisory lock: {}",
            db_error(&e)
        )
    })?;
    Ok(tx)
}

/// [`run_tx`] one statement per round trip (`sqls[i]` executes `ops[i]`).
async fn run_tx_one_by_one(
    client: &mut Client,
    db: &str,
    ops: &[&Op],
    sqls: &[String],
) -> anyhow::Result<()> {
    let tx = begin(client, db).await?;
    for (op, sql) in ops.iter().zip(sqls) {
        if let Err(e) = tx.batch_execute(sql).await {
            // Dropping `tx` rolls back.
            drop(tx);
            return Err(anyhow!(
                "database `{db}`: statement failed: {}\n  {}\nThe transaction of database `{db}` was rolled back.",
                op.sql,
                db_error(&e)
            ));
        }
    }
    tx.commit()
        .await
        .map_err(|e| anyhow!("database `{db}`: commit failed: {}", db_error(&e)))
}

/// Executes the changes. `connection` is the client of the connection
/// database (holding the session lock); others are opened with `connect`.
pub async fn execute<F, Fut>(
    connection: &mut Client,
    connection_db: &str,
    changes: &[Planned<Op>],
    log: &mut ApplyLog,
    connect: F,
) -> anyhow::Result<()>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Client>>,
{
    let refused: Vec<&str> = changes
        .iter()
        .flat_map(|c| c.ops.iter())
        .filter_map(|o| o.refuse.as_deref())
        .collect();
    if !refused.is_empty() {
        bail!(
            "refusing to apply; nothing was applied:\n  {}",
            refused.join("\n  ")
        );
    }
    // Remaining op count per change, to mark changes done as transactions commit.
    let mut remaining: Vec<usize> = changes.iter().map(|c| c.ops.len()).collect();
    let mut dbs: Vec<&str> = vec![connection_db];
    let mut others: Vec<&str> = changes
        .iter()
        .flat_map(|c| c.ops.iter())
        .map(|o| o.db.as_str())
        .filter(|d| *d != connection_db)
        .collect();
    others.sort();
    others.dedup();
    dbs.extend(others);
    let mut clients: BTreeMap<String, Client> = BTreeMap::new();
    for last in [false, true] {
        for db in &dbs {
            let mut ops = Vec::new();
            let mut owners = Vec::new();
            for (i, c) in changes.iter().enumerate() {
                for op in &c.ops {
                    if op.db == *db && op.last == last {
                        ops.push(op);
                        owners.push(i);
                    }
                }
            }
            if ops.is_empty() {
                continue;
            }
            if *db == connection_db {
                run_tx(connection, db, &ops).await?;
            } else {
                if !clients.contains_key(*db) {
                    let c = connect(db.to_string()).await?;
                    clients.insert(db.to_string(), c);
                }
                let Some(client) = clients.get_mut(*db) else {
                    bail!("no connection to `{db}`")
                };
                run_tx(client, db, &ops).await?;
            }
            for i in owners {
                remaining[i] -= 1;
                if remaining[i] == 0 {
                    log.done(&changes[i].change.address);
                }
            }
        }
    }
    for (i, c) in changes.iter().enumerate() {
        if c.ops.is_empty() && remaining[i] == 0 {
            log.done(&c.change.address);
        }
    }
    Ok(())
}
