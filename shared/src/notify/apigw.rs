//! The API Gateway Management API notifier (`POST @connections/{id}`).

use async_trait::async_trait;
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
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_gone_exception()) =>
            {
                Err(NotifyError::Gone)
            }
            Err(e) => Err(NotifyError::Failed(e.into())),
        }
    }

    async fn close(&self, connection_id: &ConnectionId) -> Result<(), NotifyError> {
        let result = (self.client.delete_connection())
            .connection_id(connection_id.as_str())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_gone_exception()) =>
            {
                Err(NotifyError::Gone)
            }
            Err(e) => Err(NotifyError::Failed(e.into())),
        }
    }
}
