//! The [`common::Tool`] implementation: how the shared verbs load, read,
//! check, diff and apply for Kafka.

use common::{ApplyLog, Diagnostics, Diff, LoadContext, Planned, Sources, Tool, Verb};

use crate::{apply, diff, live, model, resolve};

/// The tool, with its `apply` options; the environment (`--env`) comes with
/// each load's context.
#[derive(Debug, Clone, Default)]
pub struct KafkaConfig {
    /// How `apply` carries out reassignments (`--wait`, `--throttle`).
    pub reassign: apply::ReassignOptions,
}

impl Tool for KafkaConfig {
    const NAME: &'static str = "kafka-config";
    type Desired = model::Desired;
    type Live = live::Live;
    type Op = diff::Op;

    fn load(&self, sources: &Sources, ctx: &LoadContext) -> Result<model::Desired, Diagnostics> {
        let opts = resolve::LoadOptions {
            env: ctx.environment.clone(),
            // `validate` without `--env` checks every environment.
            all_envs: ctx.verb == Verb::Validate && ctx.environment.is_none(),
        };
        resolve::load(sources, &opts)
    }

    fn schema() -> String {
        crate::config::schema()
    }

    fn target(&self, desired: &model::Desired) -> String {
        match &desired.cluster {
            Some(c) => format!("cluster `{}` ({})", c.name, c.bootstrap.join(",")),
            None => "no cluster".into(),
        }
    }

    async fn read_live(&self, desired: &model::Desired) -> anyhow::Result<live::Live> {
        live::read(live::ReadOptions {
            all_configs: false,
            acls: false,
            desired,
        })
        .await
    }

    fn check(&self, desired: &model::Desired, live: &live::Live) -> anyhow::Result<()> {
        let errors = diff::check(desired, live);
        if !errors.is_empty() {
            anyhow::bail!(
                "the configuration asks for changes Kafka cannot make; nothing was planned:\n  {}",
                errors.join("\n  ")
            );
        }
        Ok(())
    }

    fn diff(&self, desired: &model::Desired, live: &live::Live) -> Diff<diff::Op> {
        diff::diff(desired, live)
    }

    async fn apply(
        &self,
        desired: &model::Desired,
        changes: &[Planned<diff::Op>],
        log: &mut ApplyLog,
    ) -> anyhow::Result<()> {
        apply::apply(desired, changes, log, self.reassign).await
    }
}
