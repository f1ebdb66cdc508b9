//! One apply at a time per database. Before changing an existing database,
//! `apply` creates the Glue table [`LOCK_TABLE`] in it (CreateTable is
//! atomic: a second apply gets AlreadyExistsException and fails at once,
//! naming the holder), re-reads the catalog and checks that the plan still
//! holds, and deletes the table at the end. The lock table is invisible to
//! `plan`, `apply` and `import`. A lock left by an apply that died is named
//! in the error with how to remove it.
//!
//! Each apply writes a token of its own into the lock table, so that a
//! CreateTable whose answer was lost (and that the SDK's retry then sees
//! fail with AlreadyExistsException) is recognised as this apply's lock by
//! reading the table back, not taken for another apply's.

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
    let mine = crate::live::unique_token();
    for db in dbs {
        let input = TableInput::builder()
            .name(LOCK_TABLE)
            .description(format!("apply lock: {} since {since}", holder()))
            .parameters("holder", holder())
            .parameters("since", &since)
            .parameters("token", &mine)
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
        let Err(e) = r else {
            held.push(db.clone());
            continue;
        };
        // Whatever the error (AlreadyExists from a retry of our own
        // CreateTable, a timeout, a dropped connection), the table says
        // whose lock it is.
        let error = sdk_err(e);
        match crate::verify::get_table(c, db, LOCK_TABLE).await {
            Ok(Some(t)) if lock_token(&t) == Some(mine.as_str()) => {
                eprintln!(
                    "note: Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed ({error:#}), but the table read back is this apply's lock; continuing"
                );
                held.push(db.clone());
            }
            Ok(Some(t)) => {
                release(c, &held).await;
                let who = t.description.unwrap_or_else(|| "apply lock".into());
                anyhow::bail!(
                    "another apply is changing database `{db}` ({who}); nothing was applied. Run again when it has finished; if that apply died, delete the Glue table `{db}.{LOCK_TABLE}`"
                );
            }
            Ok(None) => {
                release(c, &held).await;
                return Err(error).with_context(|| {
                    format!("Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed; nothing was applied")
                });
            }
            Err(read) => {
                release(c, &held).await;
                return Err(error).with_context(|| {
                    format!(
                        "Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed and reading it back failed too ({read:#}); nothing was applied. If `{db}.{LOCK_TABLE}` exists and no apply runs, delete it"
                    )
                });
            }
        }
    }
    Ok(held)
}

fn lock_token(t: &aws_sdk_glue::types::Table) -> Option<&str> {
    t.parameters.as_ref()?.get("token").map(String::as_str)
}

/// Deletes the lock tables (a failure is reported, not fatal).
pub async fn release(c: &Clients, held: &[String]) {
    for db in held {
        let Err(e) = c
            .glue
            .delete_table()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .name(LOCK_TABLE)
            .send()
            .await
        else {
            continue;
        };
        // A DeleteTable whose answer was lost (or whose retry found the
        // table gone) removed the lock all the same.
        if !matches!(crate::verify::get_table(c, db, LOCK_TABLE).await, Ok(None)) {
            eprintln!(
                "warning: could not remove the apply lock `{db}.{LOCK_TABLE}`: {}; delete it before the next apply",
                sdk_err(e)
            );
        }
    }
}
