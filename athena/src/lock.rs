//! One apply at a time per database. Before changing an existing database,
//! `apply` creates the Glue table [`LOCK_TABLE`] in it (CreateTable is
//! atomic: a second apply gets AlreadyExistsException and fails at once,
//! naming the holder), re-reads the catalog and checks that the plan still
//! holds, and deletes the table at the end. The lock table is invisible to
//! `plan`, `apply` and `import`. A lock left by an apply that died is named
//! in the error with how to remove it.

use anyhow::Context;
use aws_sdk_glue::types::TableInput;

use crate::live::{sdk_err, Clients};

/// The lock table's name.
pub use crate::live::{is_lock_table, LOCK_TABLE};

fn holder() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown host".into());
    format!("athena pid {} on {host}", std::process::id())
}

/// Locks each database (in order); on a failure releases the ones taken
/// and fails, naming the holder.
pub async fn acquire(c: &Clients, dbs: &[String]) -> anyhow::Result<Vec<String>> {
    let mut held = Vec::new();
    let since = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for db in dbs {
        let input = TableInput::builder()
            .name(LOCK_TABLE)
            .description(format!("apply lock: {} since {since}", holder()))
            .parameters("holder", holder())
            .parameters("since", &since)
            .build()
            .context("lock table input")?;
        let r = c
            .glue
            .create_table()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .table_input(input)
            .send()
            .await;
        match r {
            Ok(_) => held.push(db.clone()),
            Err(e) => {
                let exists = e
                    .as_service_error()
                    .is_some_and(|s| s.is_already_exists_exception());
                release(c, &held).await;
                if !exists {
                    return Err(sdk_err(e)).with_context(|| {
                        format!("Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed")
                    });
                }
                let who = c
                    .glue
                    .get_table()
                    .set_catalog_id(c.catalog_id.clone())
                    .database_name(db)
                    .name(LOCK_TABLE)
                    .send()
                    .await
                    .ok()
                    .and_then(|t| t.table)
                    .and_then(|t| t.description)
                    .unwrap_or_else(|| "apply lock".into());
                anyhow::bail!(
                    "another apply is changing database `{db}` ({who}); nothing was applied. Run again when it has finished; if that apply died, delete the Glue table `{db}.{LOCK_TABLE}`"
                );
            }
        }
    }
    Ok(held)
}

/// Deletes the lock tables (a failure is reported, not fatal).
pub async fn release(c: &Clients, held: &[String]) {
    for db in held {
        if let Err(e) = c
            .glue
            .delete_table()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .name(LOCK_TABLE)
            .send()
            .await
        {
            eprintln!(
                "warning: could not remove the apply lock `{db}.{LOCK_TABLE}`: {}; delete it before the next apply",
                sdk_err(e)
            );
        }
    }
}
