//! Posting frames to open connections, behind a trait. Production uses the API Gateway
//! Management API ([`apigw::ApiGatewayNotifier`]); chat-local uses the same client against its
//! own emulated endpoint.

pub mod apigw;

use async_trait::async_trait;

use crate::domain::ConnectionId;
use crate::store::BoxError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The connection no longer exists (API Gateway's 410 GoneException).
    #[error("connection is gone")]
    Gone,
    /// Anything else: throttling, timeouts, permissions. The cause is kept for logs.
    #[error("posting to the connection failed")]
    Failed(#[source] BoxError),
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn post(&self, connection_id: &ConnectionId, payload: &[u8]) -> Result<(), NotifyError>;

    /// Closes the connection (the Management API's `DELETE @connections/{id}`): an erasure
    /// closes the erased client's connections. A connection already gone is [`NotifyError::Gone`].
    async fn close(&self, connection_id: &ConnectionId) -> Result<(), NotifyError>;
}

/// The notifier of functions that never post (`$connect`, `$disconnect`, HTTP): every post
/// fails, loudly in logs, instead of silently succeeding.
pub struct Unconfigured;

#[async_trait]
impl Notifier for Unconfigured {
    async fn post(&self, _: &ConnectionId, _: &[u8]) -> Result<(), NotifyError> {
        Err(NotifyError::Failed(
            "no MANAGEMENT_ENDPOINT configured".into(),
        ))
    }

    async fn close(&self, _: &ConnectionId) -> Result<(), NotifyError> {
        Err(NotifyError::Failed(
            "no MANAGEMENT_ENDPOINT configured".into(),
        ))
    }
}
