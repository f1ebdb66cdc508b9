//! The connection-level client: bootstrap connection with retries over the
//! server list, controller routing, and transport retries of reads. The
//! admin calls themselves are in [`super::admin`].

use anyhow::{anyhow, bail, Result};
use kafka_protocol::protocol::Request;

use super::conn::{self, Conn, Throttled, Unsupported, Versions};
use super::protocol::{backoff, ATTEMPTS, CONNECT_ATTEMPTS};
use crate::model::Cluster;

/// Why a pass over the bootstrap servers failed.
enum ConnectError {
    /// No server accepted a TCP connection (refused or timed out).
    Unreachable(String),
    /// A server answered but the session failed (TLS, SASL, ApiVersions).
    Session(String),
}

/// An admin connection to one cluster.
pub struct Client {
    pub(super) cluster: Cluster,
    pub(super) bootstrap: Conn,
    controller: Option<Conn>,
    pub(super) controller_addr: Option<String>,
}

impl Client {
    /// Connects to the first bootstrap server that answers. When none can
    /// be reached at all (refused, timed out), the whole list is tried
    /// [`CONNECT_ATTEMPTS`] times with a backoff of 200 ms, then 400 ms; an
    /// authentication or protocol failure is not retried.
    pub async fn connect(cluster: &Cluster) -> Result<Client> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Client::connect_once(cluster).await {
                Ok(c) => return Ok(c),
                Err(ConnectError::Unreachable(errors)) if attempt < CONNECT_ATTEMPTS => {
                    tracing::warn!(attempt, errors = %errors, "Kafka is not reachable; retrying");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(ConnectError::Unreachable(errors)) => bail!(
                    "Kafka is not reachable at {} after {attempt} attempts ({errors})",
                    cluster.bootstrap.join(","),
                ),
                Err(ConnectError::Session(errors)) => bail!(
                    "cannot open a session with Kafka at {} ({errors})",
                    cluster.bootstrap.join(","),
                ),
            }
        }
    }

    /// One pass over the bootstrap servers.
    async fn connect_once(cluster: &Cluster) -> std::result::Result<Client, ConnectError> {
        let mut errors = Vec::new();
        for addr in &cluster.bootstrap {
            match Conn::open(addr, cluster).await {
                Ok(c) => {
                    return Ok(Client {
                        cluster: cluster.clone(),
                        bootstrap: c,
                        controller: None,
                        controller_addr: None,
                    })
                }
                Err(e) => errors.push(format!("{addr}: {e:#}")),
            }
        }
        let unreachable = errors
            .iter()
            .all(|e| e.contains("cannot connect to") || e.contains("connecting to"));
        let errors = errors.join("; ");
        Err(if unreachable {
            ConnectError::Unreachable(errors)
        } else {
            ConnectError::Session(errors)
        })
    }

    /// The address of the broker this client talks to (the first bootstrap
    /// server that answered).
    pub fn bootstrap_addr(&self) -> &str {
        self.bootstrap.addr()
    }

    /// The API versions of the bootstrap broker.
    pub fn versions(&self) -> &Versions {
        self.bootstrap.versions()
    }

    /// The version of `R` both sides speak, or why there is none.
    pub fn supports<R: Request>(&self) -> std::result::Result<i16, Unsupported> {
        conn::pick_version::<R>(self.bootstrap.versions())
    }

    async fn reconnect_bootstrap(&mut self) -> Result<()> {
        // One pass only: the caller's own retry loop bounds the attempts.
        let fresh = Client::connect_once(&self.cluster)
            .await
            .map_err(|e| match e {
                ConnectError::Unreachable(m) => anyhow!(
                    "Kafka is not reachable at {} ({m})",
                    self.cluster.bootstrap.join(",")
                ),
                ConnectError::Session(m) => anyhow!(
                    "cannot open a session with Kafka at {} ({m})",
                    self.cluster.bootstrap.join(",")
                ),
            })?;
        self.bootstrap = fresh.bootstrap;
        Ok(())
    }

    /// Sends a read-only request to any broker, reconnecting and retrying on
    /// transport errors.
    pub(super) async fn read<R: Request>(&mut self, req: &R) -> Result<R::Response>
    where
        R::Response: Throttled,
    {
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
                if let Err(e) = self.reconnect_bootstrap().await {
                    last = Some(e);
                    continue;
                }
            }
            match self.bootstrap.send(req).await {
                Ok(r) => return Ok(r),
                Err(e) if e.downcast_ref::<Unsupported>().is_some() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), attempt, "request failed; retrying");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("request failed")))
    }

    async fn controller_conn(&mut self) -> Result<&mut Conn> {
        let same = self
            .controller_addr
            .as_deref()
            .is_none_or(|a| a == self.bootstrap.addr());
        if same {
            return Ok(&mut self.bootstrap);
        }
        if self.controller.is_none() {
            let addr = self.controller_addr.clone().unwrap_or_default();
            match Conn::open(&addr, &self.cluster).await {
                Ok(c) => self.controller = Some(c),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot reach the controller; using the bootstrap broker");
                    self.controller_addr = None;
                    return Ok(&mut self.bootstrap);
                }
            }
        }
        match self.controller.as_mut() {
            Some(c) => Ok(c),
            None => Ok(&mut self.bootstrap),
        }
    }

    /// Sends a request to the controller (no transport retry: writes are
    /// retried per item by the callers, on retriable error codes only).
    pub(super) async fn send_controller<R: Request>(&mut self, req: &R) -> Result<R::Response>
    where
        R::Response: Throttled,
    {
        let c = self.controller_conn().await?;
        let r = c.send(req).await;
        if r.is_err() {
            self.controller = None;
        }
        r
    }

    pub(super) async fn refresh_controller(&mut self) {
        self.controller = None;
        if let Err(e) = self.metadata().await {
            tracing::warn!(error = %format!("{e:#}"), "metadata refresh failed");
        }
    }
}
