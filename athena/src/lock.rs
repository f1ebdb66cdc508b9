//! One apply at a time per database. Before changing a database, `apply`
//! creates the Glue table [`LOCK_TABLE`] in it (CreateTable is atomic: a
//! second apply gets AlreadyExistsException and fails at once, naming the
//! holder), re-reads the catalog and checks that the plan still holds, and
//! deletes the table at the end. A database the apply creates is locked
//! the same way right after it is created, before any table change in it.
//! The lock table is invisible to `plan`, `apply` and `import`. A lock left
//! by an apply that died is named in the error with how to remove it.
//!
//! Each apply writes a token of its own into the lock table: a CreateTable
//! whose answer was lost (and that the SDK's retry then sees fail with
//! AlreadyExistsException) is recognised as this apply's lock by reading
//! the table back, and the lock is deleted (or reported left) only when
//! the table read holds this apply's token, never another apply's lock.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_glue::types::{Table, TableInput};

use crate::live::{sdk_err, Clients};
use crate::verify::get_table;

/// The lock table's name.
pub use crate::live::{is_lock_table, LOCK_TABLE};

/// Delays between the reads of a lock whose CreateTable failed without
/// saying why (a timeout or a dropped connection: the request may still
/// reach Glue after the client gave up).
const REREAD: [Duration; 4] = [
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1600),
];

fn holder() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown host".into());
    format!("athena pid {} on {host}", std::process::id())
}

/// The apply locks of one run: its token and the databases it holds.
#[derive(Debug)]
pub struct Locks {
    token: String,
    since: String,
    held: Vec<String>,
}

impl Default for Locks {
    fn default() -> Self {
        Self::new()
    }
}

/// What reading a lock table back showed.
enum Seen {
    Ours,
    Other(Box<Table>),
    Absent,
}

impl Locks {
    /// No lock held yet; a fresh token.
    pub fn new() -> Self {
        Locks {
            token: crate::live::unique_token(),
            since: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            held: Vec::new(),
        }
    }

    fn classify(&self, t: Option<Table>) -> Seen {
        match t {
            Some(t) if lock_token(&t) == Some(self.token.as_str()) => Seen::Ours,
            Some(t) => Seen::Other(Box::new(t)),
            None => Seen::Absent,
        }
    }

    /// Locks each database (in order). On a failure releases every lock
    /// held (also those of earlier calls) and fails, naming the holder;
    /// `state` says what this apply has changed so far ("nothing was
    /// applied", or what was).
    pub async fn acquire(
        &mut self,
        c: &Clients,
        dbs: &[String],
        state: &str,
    ) -> anyhow::Result<()> {
        for db in dbs {
            if let Err(e) = self.acquire_one(c, db, state).await {
                self.release(c).await;
                return Err(e);
            }
        }
        Ok(())
    }

    async fn acquire_one(&mut self, c: &Clients, db: &str, state: &str) -> anyhow::Result<()> {
        let input = TableInput::builder()
            .name(LOCK_TABLE)
            .description(format!("apply lock: {} since {}", holder(), self.since))
            .parameters("holder", holder())
            .parameters("since", &self.since)
            .parameters("token", &self.token)
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
            self.held.push(db.to_string());
            return Ok(());
        };
        let exists = e
            .as_service_error()
            .is_some_and(|s| s.is_already_exists_exception());
        // A 4xx answer (other than AlreadyExists) is a definite rejection:
        // one read back suffices.
        let rejected = !exists
            && matches!(e, aws_sdk_glue::error::SdkError::ServiceError(_))
            && e.raw_response()
                .is_some_and(|r| r.status().is_client_error());
        let error = sdk_err(e);
        // Whatever the error (AlreadyExists from a retry of our own
        // CreateTable, a timeout, a dropped connection), the table says
        // whose lock it is. A request that failed without an answer may
        // still reach Glue: the table is read again a few times.
        let mut last_read = None;
        for (i, delay) in REREAD.iter().enumerate() {
            match get_table(c, db, LOCK_TABLE).await.map(|t| self.classify(t)) {
                Ok(Seen::Ours) => {
                    eprintln!(
                        "note: Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed ({error:#}), but the table read back is this apply's lock; continuing"
                    );
                    self.held.push(db.to_string());
                    return Ok(());
                }
                Ok(Seen::Other(t)) => {
                    let who = t.description.unwrap_or_else(|| "apply lock".into());
                    anyhow::bail!(
                        "another apply is changing database `{db}` ({who}); {state}. Run again when it has finished; if that apply died, delete the Glue table `{db}.{LOCK_TABLE}`"
                    );
                }
                Ok(Seen::Absent) if exists => {
                    // The holder released it between our CreateTable and
                    // the read: another apply was changing the database.
                    anyhow::bail!(
                        "another apply is changing database `{db}` (or has just finished: its lock was gone when read back); {state}. Run again"
                    );
                }
                Ok(Seen::Absent) if rejected => {
                    return Err(error).with_context(|| {
                        format!(
                            "Glue CreateTable {db}.{LOCK_TABLE} (apply lock) was rejected; {state}"
                        )
                    });
                }
                Ok(Seen::Absent) => last_read = None,
                Err(read) => last_read = Some(read),
            }
            if i + 1 < REREAD.len() {
                tokio::time::sleep(*delay).await;
            }
        }
        let waited: Duration = REREAD[..REREAD.len() - 1].iter().sum();
        Err(error).with_context(|| match last_read {
            None => format!(
                "Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed and the lock was not there when read back {} times over {:.1} s; {state}",
                REREAD.len(),
                waited.as_secs_f64()
            ),
            Some(read) => format!(
                "Glue CreateTable {db}.{LOCK_TABLE} (apply lock) failed and reading it back failed too ({read:#}); {state}. Whether this apply's lock exists is unknown: if `{db}.{LOCK_TABLE}` exists with parameter token = {}, no apply holds it: delete it",
                self.token
            ),
        })
    }

    /// Deletes this apply's lock tables (a failure is reported, not
    /// fatal). A lock table that does not hold this apply's token is
    /// another apply's and is left alone.
    pub async fn release(&mut self, c: &Clients) {
        for db in std::mem::take(&mut self.held) {
            // A table whose read fails is deleted all the same: as far as
            // this apply knows, it holds the lock.
            match get_table(c, &db, LOCK_TABLE)
                .await
                .map(|t| self.classify(t))
            {
                Ok(Seen::Absent) => {
                    eprintln!("warning: the apply lock `{db}.{LOCK_TABLE}` was already gone (removed by hand?)");
                    continue;
                }
                Ok(Seen::Other(_)) => {
                    eprintln!("warning: the apply lock `{db}.{LOCK_TABLE}` is no longer this apply's (removed by hand, and another apply holds it now); left alone");
                    continue;
                }
                Ok(Seen::Ours) | Err(_) => {}
            }
            let Err(e) = c
                .glue
                .delete_table()
                .set_catalog_id(c.catalog_id.clone())
                .database_name(&db)
                .name(LOCK_TABLE)
                .send()
                .await
            else {
                continue;
            };
            // A DeleteTable whose answer was lost (or whose retry found the
            // table gone) removed the lock all the same; another apply may
            // have created its own since: that one is not ours to name.
            let e = sdk_err(e);
            match get_table(c, &db, LOCK_TABLE).await.map(|t| self.classify(t)) {
                Ok(Seen::Absent | Seen::Other(_)) => {}
                Ok(Seen::Ours) => eprintln!(
                    "warning: could not remove the apply lock `{db}.{LOCK_TABLE}`: {e:#}; delete it before the next apply"
                ),
                Err(read) => eprintln!(
                    "warning: could not remove the apply lock `{db}.{LOCK_TABLE}` ({e:#}), and reading it back failed ({read:#}): if it exists with parameter token = {}, delete it before the next apply",
                    self.token
                ),
            }
        }
    }
}

fn lock_token(t: &Table) -> Option<&str> {
    t.parameters.as_ref()?.get("token").map(String::as_str)
}
