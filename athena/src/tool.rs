//! The [`common::run::Tool`] implementation wiring the modules together.

use anyhow::Context;
use common::config::Sources;
use common::diagnostic::Diagnostics;
use common::plan::{Action, Planned};
use common::run::{ApplyLog, Diff, LoadContext, Tool};
use tokio::sync::OnceCell;

use crate::diff::Op;
use crate::live::{self, AwsOptions, Clients, Live};
use crate::model::{self, Desired};

/// The `athena` tool: AWS options and lazily built clients.
#[derive(Debug, Default)]
pub struct Athena {
    /// Command-line AWS options.
    pub opts: AwsOptions,
    clients: OnceCell<Clients>,
}

impl Athena {
    /// A tool with these options.
    pub fn new(opts: AwsOptions) -> Self {
        Athena {
            opts,
            clients: OnceCell::new(),
        }
    }

    /// The Glue and Athena clients, built once from the AWS configuration chain.
    pub async fn clients(&self) -> anyhow::Result<&Clients> {
        self.clients
            .get_or_try_init(|| live::clients(&self.opts))
            .await
    }
}

impl Tool for Athena {
    const NAME: &'static str = "athena";
    type Desired = Desired;
    type Live = Live;
    type Op = Op;

    fn load(&self, sources: &Sources, _ctx: &LoadContext) -> Result<Desired, Diagnostics> {
        model::load(sources)
    }

    fn schema() -> String {
        crate::config::json_schema()
    }

    fn target(&self, _desired: &Desired) -> String {
        match self.clients.get() {
            Some(c) => c.target.clone(),
            None => "glue".into(),
        }
    }

    async fn read_live(&self, desired: &Desired) -> anyhow::Result<Live> {
        let c = self.clients().await?;
        let live = live::read(c, desired, self.opts.parallelism)
            .await
            .with_context(|| format!("cannot read the live catalog from {}", c.target))?;
        // Statements Athena must run need a result location: checked now,
        // so that `plan` (and `apply` before any change) fails early.
        let athena_statements = crate::diff::diff(desired, &live)
            .changes
            .iter()
            .flat_map(|p| &p.ops)
            .filter(|o| matches!(o, Op::Athena { .. }))
            .count();
        if athena_statements > 0 {
            crate::query::check_result_location(&c.athena, &self.opts, athena_statements).await?;
        }
        Ok(live)
    }

    fn check(&self, desired: &Desired, live: &Live) -> anyhow::Result<()> {
        let refused = crate::diff::spec_changes_losing_data(desired, live);
        if refused.is_empty() {
            return Ok(());
        }
        anyhow::bail!("{}", refused.join("\n"))
    }

    fn diff(&self, desired: &Desired, live: &Live) -> Diff<Op> {
        crate::diff::diff(desired, live)
    }

    async fn apply(
        &self,
        desired: &Desired,
        changes: &[Planned<Op>],
        log: &mut ApplyLog,
    ) -> anyhow::Result<()> {
        let c = self.clients().await?;
        let mut locks = crate::lock::Locks::new();
        let r = self
            .apply_locked(c, desired, changes, log, &mut locks)
            .await;
        locks.release(c).await;
        r
    }
}

impl Athena {
    /// `apply` under the locks: existing databases are locked (and the plan
    /// checked again) before anything is applied; databases this apply
    /// creates are created first, then locked, and the plan of what is in
    /// them checked again, before any change in them. A database created
    /// concurrently by another apply (CreateDatabase answered
    /// AlreadyExistsException, counted as applied when it matches) is thus
    /// never changed unlocked.
    async fn apply_locked(
        &self,
        c: &Clients,
        desired: &Desired,
        changes: &[Planned<Op>],
        log: &mut ApplyLog,
        locks: &mut crate::lock::Locks,
    ) -> anyhow::Result<()> {
        let created: Vec<String> = changes
            .iter()
            .filter(|p| p.change.action == Action::Create)
            .filter_map(|p| p.change.address.strip_prefix("database."))
            .map(str::to_string)
            .collect();
        let mut dbs: Vec<String> = Vec::new();
        for p in changes {
            let a = &p.change.address;
            let db = match a.split('.').collect::<Vec<_>>().as_slice() {
                ["database", d] if p.change.action != Action::Create => Some(*d),
                ["table" | "view", d, _] => Some(*d),
                _ => None,
            };
            if let Some(d) = db.filter(|d| !created.iter().any(|x| x == d)) {
                if !dbs.iter().any(|x| x == d) {
                    dbs.push(d.to_string());
                }
            }
        }
        locks.acquire(c, &dbs, "nothing was applied").await?;
        // Under the lock, the plan must still be what the catalog needs.
        self.check_plan(desired, changes, "nothing was applied")
            .await?;
        if created.is_empty() {
            return crate::apply::apply(c, &self.opts, changes, log).await;
        }
        let (first, rest): (Vec<Planned<Op>>, Vec<Planned<Op>>) =
            changes.iter().cloned().partition(|p| {
                p.change.action == Action::Create && p.change.address.starts_with("database.")
            });
        crate::apply::apply(c, &self.opts, &first, log).await?;
        if rest.is_empty() {
            return Ok(());
        }
        let state = format!(
            "only the database(s) {} were created, nothing in them was changed",
            created
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        locks.acquire(c, &created, &state).await?;
        self.check_plan(desired, &rest, &state).await?;
        crate::apply::apply(c, &self.opts, &rest, log).await
    }

    /// Fails unless the catalog read now needs exactly `changes`.
    async fn check_plan(
        &self,
        desired: &Desired,
        changes: &[Planned<Op>],
        state: &str,
    ) -> anyhow::Result<()> {
        let live = self.read_live(desired).await?;
        let fresh = crate::diff::diff(desired, &live);
        let same = fresh.changes.len() == changes.len()
            && fresh
                .changes
                .iter()
                .zip(changes)
                .all(|(a, b)| a.change == b.change);
        if !same {
            anyhow::bail!(
                "the catalog changed since the plan was made (another apply?); {state}: run apply again"
            );
        }
        Ok(())
    }
}
