//! `kafka-config`: Kafka topics, topic configs and ACLs as code.
//!
//! Modules follow the data flow: [`model`] (YAML, validation: pure) →
//! [`live`] (batched reads through [`kafka`]) → [`diff`] (pure) →
//! [`apply`] (execution). [`import`] writes YAML from a live cluster.

#![warn(missing_docs)]

pub mod apply;
pub mod diff;
pub mod import;
pub mod kafka;
pub mod live;
pub mod model;
pub mod units;

use common::{ApplyLog, Diagnostics, Diff, LoadContext, Planned, Sources, Tool, Verb};

/// The tool. The environment (`--env`) comes with each load's context.
#[derive(Debug, Clone, Default)]
pub struct KafkaConfig;

impl Tool for KafkaConfig {
    const NAME: &'static str = "kafka-config";
    type Desired = model::Desired;
    type Live = live::Live;
    type Op = diff::Op;

    fn load(&self, sources: &Sources, ctx: &LoadContext) -> Result<model::Desired, Diagnostics> {
        let opts = model::LoadOptions {
            env: ctx.environment.clone(),
            // `validate` without `--env` checks every environment.
            all_envs: ctx.verb == Verb::Validate && ctx.environment.is_none(),
        };
        model::load(sources, &opts)
    }

    fn schema() -> String {
        import::schema()
    }

    fn target(&self, desired: &model::Desired) -> String {
        match &desired.cluster {
            Some(c) => format!("cluster `{}` ({})", c.name, c.bootstrap.join(",")),
            None => "no cluster".into(),
        }
    }

    async fn read_live(&self, desired: &model::Desired) -> anyhow::Result<live::Live> {
        let (live, _client) = live::read(live::ReadOptions {
            all_configs: false,
            acls: false,
            desired,
        })
        .await?;
        let errors = diff::check(desired, &live);
        if !errors.is_empty() {
            anyhow::bail!(
                "the configuration asks for changes Kafka cannot make; nothing was planned:\n  {}",
                errors.join("\n  ")
            );
        }
        Ok(live)
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
        apply::apply(desired, changes, log).await
    }
}
