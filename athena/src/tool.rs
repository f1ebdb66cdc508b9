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
        // Existing databases this apply changes (a database it creates
        // cannot be changed by another apply before it exists).
        let mut dbs: Vec<String> = Vec::new();
        for p in changes {
            let a = &p.change.address;
            let db = match a.split('.').collect::<Vec<_>>().as_slice() {
                ["database", d] if p.change.action != Action::Create => Some(*d),
                ["table" | "view", d, _] => Some(*d),
                _ => None,
            };
            let created = changes.iter().any(|q| {
                q.change.action == Action::Create
                    && db.is_some_and(|d| q.change.address == format!("database.{d}"))
            });
            if let Some(d) = db.filter(|_| !created) {
                if !dbs.iter().any(|x| x == d) {
                    dbs.push(d.to_string());
                }
            }
        }
        let held = crate::lock::acquire(c, &dbs).await?;
        // Under the lock, the plan must still be what the catalog needs.
        let fresh = match self.read_live(desired).await {
            Ok(live) => crate::diff::diff(desired, &live),
            Err(e) => {
                crate::lock::release(c, &held).await;
                return Err(e);
            }
        };
        let same = fresh.changes.len() == changes.len()
            && fresh
                .changes
                .iter()
                .zip(changes)
                .all(|(a, b)| a.change == b.change);
        if !same {
            crate::lock::release(c, &held).await;
            anyhow::bail!("the catalog changed since the plan was made (another apply?); nothing was applied: run apply again");
        }
        let r = crate::apply::apply(c, &self.opts, changes, log).await;
        crate::lock::release(c, &held).await;
        r
    }
}
