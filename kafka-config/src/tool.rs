//! The [`common::Tool`] implementation: how the shared verbs load, read,
//! check, diff and apply for Kafka.

use common::{ApplyLog, Diagnostics, Diff, Planned, Sources, Tool};

use crate::{apply, diff, live, model, resolve};

/// The tool, with its command-line options.
#[derive(Debug, Clone, Default)]
pub struct KafkaConfig {
    /// The environment (`--env`).
    pub env: Option<String>,
    /// Validate every environment (validate without `--env`).
    pub all_envs: bool,
    /// How `apply` carries out reassignments (`--wait`, `--throttle`).
    pub reassign: apply::ReassignOptions,
}

impl KafkaConfig {
    fn options(&self) -> resolve::LoadOptions {
        resolve::LoadOptions {
            env: self.env.clone(),
            all_envs: self.all_envs,
        }
    }
}

impl Tool for KafkaConfig {
    const NAME: &'static str = "kafka-config";
    type Desired = model::Desired;
    type Live = live::Live;
    type Op = diff::Op;

    fn load(&self, sources: &Sources) -> Result<model::Desired, Diagnostics> {
        resolve::load(sources, &self.options())
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
