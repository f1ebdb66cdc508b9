//! [`GrantTool`]: the `common::Tool` implementation tying model, live, diff
//! and apply together.

use anyhow::{anyhow, Context};
use common::{ApplyLog, Diagnostics, Diff, LoadContext, Planned, Sources};

use crate::diff::Op;
use crate::live::Live;
use crate::model::Desired;
use crate::read::read_scoped;

/// The `grant` tool. Password environment variables must be set when the
/// load context requires the environment (plan, apply, `validate
/// --require-env`); plain `validate` tolerates unset ones, like unset `${VAR}`s.
#[derive(Debug, Default, Clone)]
pub struct GrantTool;

impl common::Tool for GrantTool {
    const NAME: &'static str = "grant";
    type Desired = Desired;
    type Live = Live;
    type Op = Op;

    fn load(&self, sources: &Sources, ctx: &LoadContext) -> Result<Desired, Diagnostics> {
        if ctx.require_env() {
            crate::validate::load_opts(sources, &|k| std::env::var(k).ok(), true)
        } else {
            crate::validate::load(sources)
        }
    }

    fn schema() -> String {
        let s = schemars::schema_for!(crate::config::ConfigFile);
        serde_json::to_string_pretty(&s).unwrap_or_default()
    }

    fn target(&self, desired: &Desired) -> String {
        match crate::conn::target(&desired.connection) {
            Ok(t) => t.display,
            Err(e) => format!("(invalid connection: {e})"),
        }
    }

    async fn read_live(&self, desired: &Desired) -> anyhow::Result<Live> {
        read_scoped(desired).await
    }

    fn diff(&self, desired: &Desired, live: &Live) -> Diff<Op> {
        let d = crate::diff::diff(desired, live);
        tracing::info!(changes = d.changes.len(), "computed the diff");
        d
    }

    async fn apply(
        &self,
        desired: &Desired,
        changes: &[Planned<Op>],
        log: &mut ApplyLog,
    ) -> anyhow::Result<()> {
        let target = crate::conn::target(&desired.connection)?;
        let mut coordinator = target.connect(None).await?;
        // Serialize whole applies: a concurrent apply waits here, then finds
        // the live state changed and re-checks its plan.
        coordinator
            .batch_execute(&format!(
                "SELECT pg_catalog.pg_advisory_lock({})",
                crate::apply::SESSION_LOCK_KEY
            ))
            .await
            .context("taking the apply lock")?;
        let live = read_scoped(desired).await?;
        let fresh = crate::diff::diff(desired, &live);
        let planned: Vec<_> = changes.iter().map(|c| &c.change).collect();
        let now: Vec<_> = fresh.changes.iter().map(|c| &c.change).collect();
        if now.is_empty() {
            eprintln!("Nothing to do: the live state already matches (a concurrent apply made these changes).");
            return Ok(());
        }
        if planned != now {
            return Err(anyhow!(
                "the live state changed while waiting for the apply lock (another apply ran); nothing was applied. Run `grant plan` again."
            ));
        }
        let connection_db = live.connection_db.clone();
        let t = target.clone();
        crate::apply::execute(&mut coordinator, &connection_db, changes, log, move |db| {
            let t = t.clone();
            async move { t.connect(Some(&db)).await }
        })
        .await
    }
}
