//! Where events go: the handlers in this process, or a Lambda Invoke API (e.g. `cargo lambda
//! watch` running the real function binaries). Either way the events and responses are the
//! `aws_lambda_events` types Lambda would receive and return; they are serialized only to
//! cross the Invoke API.

use std::time::Duration;

use async_trait::async_trait;
use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

use chat_edge::auth::Authorizer;
use chat_edge::lambda::http::{handle_http_with_auth, HttpRequest, HttpResponse};
use chat_edge::lambda::ws::{WsEvent, WsResponse};
use chat_edge::lambda::WsRoute;
use chat_edge::net::{http_client, HttpClient};
use chat_shared::Chat;
use http_body_util::{BodyExt, Full};

/// The stack's Lambda functions chat-local invokes (named like their binaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Connect,
    Disconnect,
    Message,
    Http,
    /// The stream and notice functions (one binary).
    Events,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "ws-connect",
            Self::Disconnect => "ws-disconnect",
            Self::Message => "ws-message",
            Self::Http => "http-api",
            Self::Events => "events",
        }
    }

    /// The WebSocket route this function serves (`None` for the HTTP function).
    pub fn ws_route(self) -> Option<WsRoute> {
        match self {
            Self::Connect => Some(WsRoute::Connect),
            Self::Disconnect => Some(WsRoute::Disconnect),
            Self::Message => Some(WsRoute::Message),
            Self::Http | Self::Events => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("the event does not fit the function: {0}")]
    BadEvent(String),
    #[error("function {0} returned an error: {1}")]
    Function(&'static str, String),
    #[error("invoke request failed: {0}")]
    Transport(String),
    #[error("function {0} did not answer within {1:?}")]
    Timeout(&'static str, Duration),
}

#[async_trait]
pub trait Functions: Send + Sync {
    /// Runs a WebSocket function (`Connect`, `Disconnect` or `Message`).
    async fn invoke_ws(
        &self,
        function: Function,
        event: WsEvent,
    ) -> Result<WsResponse, InvokeError>;

    /// Runs the HTTP function.
    async fn invoke_http(&self, event: HttpRequest) -> Result<HttpResponse, InvokeError>;

    /// One line for the start-up banner.
    fn describe(&self) -> String;
}

/// The handlers, called in this process.
pub struct InProcess {
    chat: Chat,
    store_description: String,
    /// What the HTTP function verifies bearer tokens with (JWT mode).
    auth: Option<Arc<Authorizer>>,
}

impl InProcess {
    pub fn new(chat: Chat, store_description: String, auth: Option<Arc<Authorizer>>) -> Self {
        Self {
            chat,
            store_description,
            auth,
        }
    }
}

#[async_trait]
impl Functions for InProcess {
    async fn invoke_ws(
        &self,
        function: Function,
        event: WsEvent,
    ) -> Result<WsResponse, InvokeError> {
        let route = function.ws_route().ok_or_else(|| {
            InvokeError::BadEvent(format!("{} is not a WebSocket function", function.name()))
        })?;
        Ok(route.handle(&self.chat, event).await)
    }

    async fn invoke_http(&self, event: HttpRequest) -> Result<HttpResponse, InvokeError> {
        Ok(handle_http_with_auth(&self.chat, self.auth.as_deref(), event).await)
    }

    fn describe(&self) -> String {
        format!("handlers in-process; store: {}", self.store_description)
    }
}

/// The Lambda Invoke API: `POST {endpoint}/2015-03-31/functions/{name}/invocations`.
pub struct InvokeApi {
    endpoint: String,
    client: HttpClient<Full<Bytes>>,
    timeout: Duration,
}

impl InvokeApi {
    pub fn new(endpoint: &str, timeout: Duration) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            client: http_client(),
            timeout,
        }
    }

    /// One invocation of the events binary (a stream batch or due notice checks, as Lambda
    /// hands them out); its answer as JSON.
    pub async fn invoke_events(
        &self,
        event: &serde_json::Value,
    ) -> Result<serde_json::Value, InvokeError> {
        self.call(Function::Events, event).await
    }

    /// One invocation: the event as JSON in, the function's JSON answer parsed as `R`.
    async fn call<E: Serialize, R: DeserializeOwned>(
        &self,
        function: Function,
        event: &E,
    ) -> Result<R, InvokeError> {
        let name = function.name();
        let payload =
            serde_json::to_vec(event).map_err(|e| InvokeError::BadEvent(e.to_string()))?;
        let request = hyper::Request::post(format!(
            "{}/2015-03-31/functions/{name}/invocations",
            self.endpoint
        ))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(payload)))
        .map_err(|e| InvokeError::Transport(e.to_string()))?;
        let call = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| InvokeError::Transport(e.to_string()))?;
            let status = response.status();
            let function_error = response.headers().contains_key("x-amz-function-error");
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| InvokeError::Transport(e.to_string()))?
                .to_bytes();
            let text = String::from_utf8_lossy(&body).into_owned();
            if !status.is_success() {
                return Err(InvokeError::Transport(format!("status {status}: {text}")));
            }
            if function_error {
                return Err(InvokeError::Function(name, text));
            }
            serde_json::from_slice(&body)
                .map_err(|e| InvokeError::Function(name, format!("not a response ({e}): {text}")))
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| InvokeError::Timeout(name, self.timeout))?
    }
}

#[async_trait]
impl Functions for InvokeApi {
    async fn invoke_ws(
        &self,
        function: Function,
        event: WsEvent,
    ) -> Result<WsResponse, InvokeError> {
        self.call(function, &event).await
    }

    async fn invoke_http(&self, event: HttpRequest) -> Result<HttpResponse, InvokeError> {
        self.call(Function::Http, &event).await
    }

    fn describe(&self) -> String {
        format!("functions via the Lambda Invoke API at {}", self.endpoint)
    }
}
