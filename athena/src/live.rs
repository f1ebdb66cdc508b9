//! Reading the live catalog: GetDatabases, GetTables per database and
//! GetPartitions per partition-managed table (and per table whose partition
//! keys change), each paginated, the per-table
//! reads concurrent with a limit.

use std::collections::BTreeMap;

use anyhow::Context;
use aws_config::BehaviorVersion;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::glue;
use crate::model::{DatabaseSpec, Desired, PartitionSpec, TableSpec};

/// The Glue table `apply` holds as its lock in a database (see `crate::lock`).
pub const LOCK_TABLE: &str = "_athena_apply_lock";

/// Whether a Glue table is the apply lock: the reader never shows it.
pub fn is_lock_table(name: &str) -> bool {
    name.eq_ignore_ascii_case(LOCK_TABLE)
}

/// A token no other run has (pid, clock and random bytes, 40+ characters):
/// the apply lock's owner mark and Athena's ClientRequestToken.
pub fn unique_token() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the pid and the clock still tell runs apart.
    let _ = getrandom::fill(&mut bytes);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{nanos}-{hex}", std::process::id())
}

/// AWS options from the command line; everything else comes from the
/// standard chain (environment, profile, SSO, IMDS, `AWS_ENDPOINT_URL`).
#[derive(Debug, Clone, Default)]

pub struct AwsOptions {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--workgroup` for Athena queries.
    pub workgroup: Option<String>,
    /// `--output-location` (S3) for Athena query results.
    pub output_location: Option<String>,
    /// Maximum concurrent requests / changes.
    pub parallelism: usize,
    /// Time limit of one HTTP attempt of an AWS call (`--request-timeout`);
    /// a timed-out attempt is retried like any transient error, within the
    /// SDK's retry configuration (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`).
    /// `None`: [`DEFAULT_ATTEMPT_TIMEOUT`].
    pub attempt_timeout: Option<std::time::Duration>,
    /// `--catalog-id`: the AWS account id of the Glue Data Catalog (another
    /// account's); `None`: the caller's.
    pub catalog_id: Option<String>,
    /// `--data-catalog`: the Athena data catalog of template and view
    /// statements (QueryExecutionContext.Catalog); `None`: `AwsDataCatalog`.
    pub data_catalog: Option<String>,
}

/// Default time limit of one attempt of an AWS call. Without one, the SDK
/// waits forever on an endpoint that accepts connections but never answers.
pub const DEFAULT_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The Glue and Athena clients.
#[derive(Debug, Clone)]
pub struct Clients {
    /// The Glue CatalogId sent with every Glue call (`--catalog-id`).
    pub catalog_id: Option<String>,
    /// Glue.
    pub glue: aws_sdk_glue::Client,
    /// Athena.
    pub athena: aws_sdk_athena::Client,
    /// S3, to read Iceberg metadata files.
    pub s3: aws_sdk_s3::Client,
    /// Region and endpoint, for plans and messages.
    pub target: String,
}

/// Formats an SDK error with its whole cause chain, one `Display` per
/// cause (`dispatch failure: io error: …: Connection refused`, `service
/// error: unhandled error (ThrottlingException): Error { code, message }`),
/// without the `Debug` dump of the raw response that
/// `DisplayErrorContext` appends.
pub fn sdk_err<E: std::error::Error>(e: E) -> anyhow::Error {
    anyhow::anyhow!("{}", cause_chain(&e))
}

/// The `Display` of an error and of each of its sources, joined with `: `;
/// a cause whose text the previous one already contains is left out.
pub fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Builds the clients from the standard AWS configuration chain.
pub async fn clients(o: &AwsOptions) -> anyhow::Result<Clients> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &o.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &o.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    // Merged with the SDK's defaults (connect timeout 3.1 s); retries come
    // from the standard chain (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, profile).
    loader = loader.timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(o.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
            .build(),
    );
    let conf = loader.load().await;
    let Some(region) = conf.region() else {
        anyhow::bail!(
            "no AWS region configured: pass --region or set AWS_REGION (or a profile's region)"
        );
    };
    let target = match conf.endpoint_url() {
        Some(e) => format!("glue {region} ({})", common::secret::redact_url(e)),
        None => format!("glue {region}"),
    };
    Ok(Clients {
        catalog_id: o.catalog_id.clone(),
        glue: aws_sdk_glue::Client::new(&conf),
        athena: aws_sdk_athena::Client::new(&conf),
        // Path-style addressing behind a custom endpoint (AWS_ENDPOINT_URL:
        // moto, MinIO, a proxy), whose host has no per-bucket names.
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(conf.endpoint_url().is_some())
                .build(),
        ),
        target,
    })
}

/// The live catalog of the configured databases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Live {
    /// Configured databases that exist, with all their tables and views.
    pub databases: BTreeMap<String, DatabaseSpec>,
}

/// Every database (GetDatabases, paginated).
pub async fn databases(c: &Clients) -> anyhow::Result<Vec<aws_sdk_glue::types::Database>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_databases()
            .set_catalog_id(c.catalog_id.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .context("Glue GetDatabases failed")?;
        out.extend(r.database_list);
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every table of a database (GetTables, paginated).
pub async fn tables(c: &Clients, db: &str) -> anyhow::Result<Vec<aws_sdk_glue::types::Table>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_tables()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("Glue GetTables on `{db}` failed"))?;
        out.extend(
            r.table_list
                .unwrap_or_default()
                .into_iter()
                .filter(|t| !is_lock_table(&t.name)),
        );
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Every partition of a table (GetPartitions, paginated), sorted.
pub async fn partitions(c: &Clients, db: &str, table: &str) -> anyhow::Result<Vec<PartitionSpec>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let r = c
            .glue
            .get_partitions()
            .set_catalog_id(c.catalog_id.clone())
            .database_name(db)
            .table_name(table)
            .set_next_token(token)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("Glue GetPartitions on `{db}.{table}` failed"))?;
        for p in r.partitions.unwrap_or_default() {
            out.push(PartitionSpec {
                values: p.values.unwrap_or_default(),
                location: p.storage_descriptor.and_then(|s| s.location),
            });
        }
        token = r.next_token.filter(|t| !t.is_empty());
        if token.is_none() {
            out.sort();
            return Ok(out);
        }
    }
}

/// The Iceberg metadata JSON at `uri` (S3 GetObject).
pub async fn iceberg_metadata(c: &Clients, uri: &str) -> anyhow::Result<Vec<u8>> {
    let (bucket, key) = crate::metadata::split_s3_uri(uri)?;
    let r =
        c.s3.get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .map_err(sdk_err)
            .with_context(|| format!("S3 GetObject {uri} failed"))?;
    let body = r
        .body
        .collect()
        .await
        .map_err(sdk_err)
        .with_context(|| format!("reading {uri}"))?;
    Ok(body.into_bytes().to_vec())
}

/// Iceberg tables: schema, partition spec and properties live in the
/// metadata file, not in Glue. For each `(database, table,
/// metadata_location)`, one GetObject (concurrent, at most `limit`), parsed
/// into a spec holding the columns, partitioning and properties.
pub async fn iceberg_specs(
    c: &Clients,
    jobs: Vec<(String, String, String)>,
    limit: usize,
) -> anyhow::Result<Vec<(String, String, TableSpec)>> {
    stream::iter(jobs.into_iter().map(|(d, t, m)| async move {
        let body = iceberg_metadata(c, &m)
            .await
            .with_context(|| format!("reading the Iceberg metadata of `{d}.{t}`"))?;
        let mut spec = TableSpec::new(t.clone(), crate::model::Kind::Iceberg);
        crate::metadata::apply_metadata(&mut spec, &body)
            .with_context(|| format!("the Iceberg metadata of `{d}.{t}` ({m})"))?;
        anyhow::Ok((d, t, spec))
    }))
    .buffer_unordered(limit.max(1))
    .try_collect()
    .await
}

/// Puts the metadata-derived parts of an Iceberg table into its Glue view.
pub fn apply_iceberg(glue_view: &mut TableSpec, from_metadata: TableSpec) {
    glue_view.columns = from_metadata.columns;
    glue_view.partition_keys = from_metadata.partition_keys;
    glue_view.partitioning = from_metadata.partitioning;
    glue_view.parameters = from_metadata.parameters;
    glue_view.iceberg_contents = from_metadata.iceberg_contents;
}

/// The `metadata_location` of a Glue table that is an Iceberg table.
pub fn metadata_location(t: &aws_sdk_glue::types::Table) -> Option<String> {
    let p = t.parameters.as_ref()?;
    p.get("table_type")
        .is_some_and(|v| v.eq_ignore_ascii_case("iceberg"))
        .then(|| p.get("metadata_location").cloned())
        .flatten()
}

/// Reads the configured databases (all their tables and views) and the
/// partitions of the tables whose partitions the configuration manages.
pub async fn read(c: &Clients, desired: &Desired, parallelism: usize) -> anyhow::Result<Live> {
    let all = databases(c).await?;
    let wanted: Vec<DatabaseSpec> = all
        .iter()
        .map(glue::database_spec)
        .filter(|d| desired.databases.contains_key(&d.name))
        .collect();
    let limit = parallelism.max(1);
    let with_tables: Vec<(DatabaseSpec, Vec<(String, String)>)> =
        stream::iter(wanted.into_iter().map(|mut d| async move {
            let mut iceberg = Vec::new();
            for t in tables(c, &d.name).await? {
                let spec = glue::table_spec(&t);
                if spec.kind == crate::model::Kind::Iceberg {
                    if let Some(m) = t
                        .parameters
                        .as_ref()
                        .and_then(|p| p.get("metadata_location"))
                    {
                        iceberg.push((spec.name.clone(), m.clone()));
                    }
                }
                d.tables.insert(spec.name.clone(), spec);
            }
            anyhow::Ok((d, iceberg))
        }))
        .buffer_unordered(limit)
        .try_collect()
        .await?;
    let mut live = Live::default();
    let mut metadata_jobs = Vec::new();
    for (d, iceberg) in with_tables {
        for (t, m) in iceberg {
            metadata_jobs.push((d.name.clone(), t, m));
        }
        live.databases.insert(d.name.clone(), d);
    }
    for (d, t, spec) in iceberg_specs(c, metadata_jobs, limit).await? {
        if let Some(slot) = live
            .databases
            .get_mut(&d)
            .and_then(|db| db.tables.get_mut(&t))
        {
            apply_iceberg(slot, spec);
        }
    }
    // Partitions, only where the configuration manages them.
    let mut jobs = Vec::new();
    for (dbname, db) in &desired.databases {
        for (tname, t) in &db.tables {
            let have = live.databases.get(dbname).and_then(|d| d.tables.get(tname));
            // Also where a partition-key change would drop the table: the
            // plan says how many partitions go, and apply re-registers them.
            let key_change = have.is_some_and(|h| {
                h.kind == crate::model::Kind::External
                    && t.kind == crate::model::Kind::External
                    && !h.partition_keys.is_empty()
                    && h.partition_keys != t.partition_keys
            });
            if have.is_some() && (t.partitions.is_some() || key_change) {
                jobs.push((dbname.clone(), tname.clone()));
            }
        }
    }
    let parts: Vec<(String, String, Vec<PartitionSpec>)> =
        stream::iter(jobs.into_iter().map(|(d, t)| async move {
            let p = partitions(c, &d, &t).await?;
            anyhow::Ok((d, t, p))
        }))
        .buffer_unordered(limit)
        .try_collect()
        .await?;
    for (d, t, p) in parts {
        if let Some(spec) = live
            .databases
            .get_mut(&d)
            .and_then(|db| db.tables.get_mut(&t))
        {
            spec.partitions = Some(p);
        }
    }
    Ok(live)
}

#[cfg(test)]
mod cause_chain_tests {
    use super::cause_chain;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("dispatch failure")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn joins_displays_without_debug_and_skips_repeats() {
        let e = Outer(std::io::Error::other("Connection refused"));
        assert_eq!(cause_chain(&e), "dispatch failure: Connection refused");
        let same = std::io::Error::other("x");
        assert_eq!(cause_chain(&same), "x");
    }
}
