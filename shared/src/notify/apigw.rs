//! The API Gateway Management API notifier (`POST` and `DELETE @connections/{id}`).

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;

use super::{Notifier, NotifyError};
use crate::domain::ConnectionId;

pub struct ApiGatewayNotifier {
    client: Client,
}

impl ApiGatewayNotifier {
    /// `client` must be configured with the WebSocket API's management endpoint
    /// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`).
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Notifier for ApiGatewayNotifier {
    async fn post(&self, connection_id: &ConnectionId, payload: &[u8]) -> Result<(), NotifyError> {
        let result = self
            .client
            .post_to_connection()
            .connection_id(connection_id.as_str())
            .data(Blob::new(payload))
            .send()
            .await;
        outcome(result, PostToConnectionError::is_gone_exception)
    }

    async fn close(&self, connection_id: &ConnectionId) -> Result<(), NotifyError> {
        let result = (self.client.delete_connection())
            .connection_id(connection_id.as_str())
            .send()
            .await;
        outcome(result, DeleteConnectionError::is_gone_exception)
    }
}

/// A call's outcome: 410 (the connection is gone) is [`NotifyError::Gone`], any other failure
/// [`NotifyError::Failed`] with its cause.
fn outcome<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    gone: fn(&E) -> bool,
) -> Result<(), NotifyError>
where
    SdkError<E, R>: std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(gone) => Err(NotifyError::Gone),
        Err(e) => Err(NotifyError::Failed(e.into())),
    }
}
