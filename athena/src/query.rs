//! Running one Athena statement: StartQueryExecution with the database in
//! QueryExecutionContext, then GetQueryExecution polled with exponential
//! backoff from 100 ms (not athena-rs's fixed 5 s), failing with Athena's
//! StateChangeReason when the query fails or is cancelled.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use crate::live::{sdk_err, AwsOptions};

/// First poll delay.
pub const FIRST_POLL: Duration = Duration::from_millis(100);
/// Longest poll delay.
pub const MAX_POLL: Duration = Duration::from_secs(2);

/// Runs `sql` on Athena and waits for it; returns the query execution id.
pub async fn run(
    client: &aws_sdk_athena::Client,
    o: &AwsOptions,
    database: Option<&str>,
    sql: &str,
) -> anyhow::Result<String> {
    let mut req = client
        .start_query_execution()
        .query_string(sql)
        .set_work_group(o.workgroup.clone());
    if let Some(db) = database {
        req = req.query_execution_context(QueryExecutionContext::builder().database(db).build());
    }
    if let Some(out) = &o.output_location {
        req = req.result_configuration(ResultConfiguration::builder().output_location(out).build());
    }
    let first_line = sql
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let started = req
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("Athena StartQueryExecution failed for `{first_line}`"))?;
    let id = started.query_execution_id.ok_or_else(|| {
        anyhow::anyhow!("Athena returned no query execution id for `{first_line}`")
    })?;
    tracing::info!(id, database, "started Athena query");
    let mut delay = FIRST_POLL;
    loop {
        let r = client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("Athena GetQueryExecution {id} failed"))?;
        let status = r.query_execution.and_then(|q| q.status);
        let state = status.as_ref().and_then(|s| s.state.clone());
        match state {
            Some(QueryExecutionState::Succeeded) => return Ok(id),
            Some(s @ (QueryExecutionState::Failed | QueryExecutionState::Cancelled)) => {
                let reason = status
                    .and_then(|s| s.state_change_reason)
                    .unwrap_or_else(|| "no reason given".into());
                anyhow::bail!(
                    "Athena query {id} {}: {reason}\n  statement: {first_line}",
                    s.as_str()
                );
            }
            _ => {
                tokio::time::sleep(delay).await;
                delay = (delay * 3 / 2).min(MAX_POLL);
            }
        }
    }
}
