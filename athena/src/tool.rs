//! The [`common::run::Tool`] implementation wiring the modules together.

use anyhow::Context;
use common::config::Sources;
use common::diagnostic::Diagnostics;
use common::plan::Planned;
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

    fn diff(&self, desired: &Desired, live: &Live) -> Diff<Op> {
        crate::diff::diff(desired, live)
    }

    async fn apply(
        &self,
        _desired: &Desired,
        changes: &[Planned<Op>],
        log: &mut ApplyLog,
    ) -> anyhow::Result<()> {
        let c = self.clients().await?;
        crate::apply::apply(c, &self.opts, changes, log).await
    }
}
