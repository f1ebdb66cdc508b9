//! Running one Athena statement: StartQueryExecution with the database in
//! QueryExecutionContext, then GetQueryExecution polled with exponential
//! backoff from 100 ms (not athena-rs's fixed 5 s), failing with Athena's
//! StateChangeReason when the query fails or is cancelled. Every statement
//! carries its own ClientRequestToken; a StartQueryExecution that fails
//! without a definite answer (timeout, dropped connection, 5xx) is sent once
//! more with it (Athena's idempotency: the same query, never a second one),
//! so an answer lost after Athena started the query is learnt. A 4xx answer
//! is a rejection: the statement was not started.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use crate::live::{sdk_err, unique_token, AwsOptions};

/// First poll delay.
pub const FIRST_POLL: Duration = Duration::from_millis(100);
/// Longest poll delay.
pub const MAX_POLL: Duration = Duration::from_secs(2);

/// Fails unless Athena has somewhere to write query results: an output
/// location given (`--output-location` / `AWS_OUTPUT_LOCATION`), or the
/// workgroup's own (its result location, or managed query results), read
/// with GetWorkGroup. Called by `plan` when the plan holds Athena
/// statements, so that a missing location fails before anything is applied.
pub async fn check_result_location(
    client: &aws_sdk_athena::Client,
    o: &AwsOptions,
    statements: usize,
) -> anyhow::Result<()> {
    if o.output_location.as_deref().is_some_and(|s| !s.is_empty()) {
        return Ok(());
    }
    let wg = o.workgroup.as_deref().unwrap_or("primary");
    let r = client
        .get_work_group()
        .work_group(wg)
        .send()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("Athena GetWorkGroup `{wg}` failed"))?;
    let Some(w) = r.work_group else {
        anyhow::bail!("Athena workgroup `{wg}` does not exist (set --workgroup / AWS_WORKGROUP)");
    };
    let conf = w.configuration.as_ref();
    let location = conf
        .and_then(|c| c.result_configuration.as_ref())
        .and_then(|r| r.output_location.as_deref())
        .is_some_and(|s| !s.is_empty());
    let managed = conf
        .and_then(|c| c.managed_query_results_configuration.as_ref())
        .is_some_and(|m| m.enabled);
    if location || managed {
        return Ok(());
    }
    anyhow::bail!(
        "the plan runs {statements} Athena statement(s), but Athena has nowhere to write query results: workgroup `{wg}` sets no result location and neither --output-location nor AWS_OUTPUT_LOCATION is set. Nothing was applied"
    )
}

/// How a query that Athena accepted ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Query execution id.
    pub id: String,
    /// SUCCEEDED, FAILED or CANCELLED.
    pub state: QueryExecutionState,
    /// Athena's StateChangeReason for FAILED / CANCELLED.
    pub reason: Option<String>,
}

impl Finished {
    /// Whether the query succeeded.
    pub fn succeeded(&self) -> bool {
        self.state == QueryExecutionState::Succeeded
    }
}

/// Runs `sql` on Athena and waits for it; returns the query execution id.
/// A FAILED or CANCELLED query is an error with Athena's reason.
pub async fn run(
    client: &aws_sdk_athena::Client,
    o: &AwsOptions,
    database: Option<&str>,
    sql: &str,
) -> anyhow::Result<String> {
    let f = run_to_end(client, o, database, sql).await?;
    if f.succeeded() {
        return Ok(f.id);
    }
    anyhow::bail!(
        "Athena query {} {}: {}\n  statement: {}",
        f.id,
        f.state.as_str(),
        f.reason.as_deref().unwrap_or("no reason given"),
        first_line(sql)
    )
}

fn first_line(sql: &str) -> &str {
    sql.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// Runs `sql` on Athena and waits until it SUCCEEDED, FAILED or was
/// CANCELLED; an error only when an API call fails.
pub async fn run_to_end(
    client: &aws_sdk_athena::Client,
    o: &AwsOptions,
    database: Option<&str>,
    sql: &str,
) -> anyhow::Result<Finished> {
    let mut req = client
        .start_query_execution()
        .query_string(sql)
        .set_work_group(o.workgroup.clone());
    if database.is_some() || o.data_catalog.is_some() {
        req = req.query_execution_context(
            QueryExecutionContext::builder()
                .set_database(database.map(str::to_string))
                .set_catalog(o.data_catalog.clone())
                .build(),
        );
    }
    if let Some(out) = &o.output_location {
        req = req.result_configuration(ResultConfiguration::builder().output_location(out).build());
    }
    let first_line = first_line(sql);
    // One token for every attempt, the SDK's retries and ours: Athena runs a
    // statement once per token and answers a repeated request with the
    // query it already started.
    let req = req.client_request_token(unique_token());
    let started = match req.clone().send().await {
        Ok(s) => s,
        Err(e) if !may_have_started(&e) => {
            // A definite rejection (a 4xx answer: invalid request, access
            // denied, throttling left after the SDK's retries): Athena did
            // not start the statement.
            return Err(sdk_err(e)).with_context(|| {
                format!("Athena StartQueryExecution rejected `{first_line}`: not started")
            });
        }
        Err(e) => {
            // The answer may have been lost after Athena started the query:
            // asking again with the same token returns that query (or starts
            // it, if the first request never arrived), never a second one.
            let first = sdk_err(e);
            let again = req.send().await.map_err(sdk_err).with_context(|| {
                format!(
                    "Athena StartQueryExecution failed for `{first_line}` ({first:#}), and again when re-sent with the same ClientRequestToken: whether Athena started it is unknown"
                )
            })?;
            eprintln!(
                "note: Athena StartQueryExecution for `{first_line}` failed ({first:#}); re-sent with the same ClientRequestToken, Athena answered with query {}",
                again.query_execution_id.as_deref().unwrap_or("-")
            );
            again
        }
    };
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
            .with_context(|| {
                format!(
                    "Athena GetQueryExecution {id} failed: the statement was started and may have run; whether it succeeded is unknown (run plan to see)"
                )
            })?;
        let status = r.query_execution.and_then(|q| q.status);
        let state = status.as_ref().and_then(|s| s.state.clone());
        match state {
            Some(
                s @ (QueryExecutionState::Succeeded
                | QueryExecutionState::Failed
                | QueryExecutionState::Cancelled),
            ) => {
                return Ok(Finished {
                    id,
                    state: s,
                    reason: status.and_then(|s| s.state_change_reason),
                })
            }
            _ => {
                tokio::time::sleep(delay).await;
                delay = (delay * 3 / 2).min(MAX_POLL);
            }
        }
    }
}

/// Whether a failed request may have reached Athena and started the
/// statement: no answer (timeout, dispatch failure, an unreadable answer)
/// or a 5xx. A 4xx answer is a definite rejection.
fn may_have_started<E>(
    e: &aws_sdk_athena::error::SdkError<E, aws_sdk_athena::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_athena::error::SdkError;
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(s) => s.raw().status().is_server_error(),
        _ => false,
    }
}
