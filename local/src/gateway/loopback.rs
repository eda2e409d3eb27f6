//! The Management API reached in-process: the in-process handlers' SDK client hands each request
//! to the gateway's own router (the same one its listener serves, middleware included) instead of
//! opening a loopback TCP connection to it. The SDK still builds, signs and retries the request
//! and parses the answer, and the route still checks the signature and applies the fault
//! switches: only the socket, hyper's client and server and the kernel's loopback are skipped
//! (under load they were most of a post's cost). Functions in other processes (`--invoke-endpoint`)
//! and any other client still come over TCP.
//!
//! The router is set once the gateway exists ([`Loopback::serve`]) and taken away when the
//! returned [`Serving`] drops (the router holds the gateway, which holds the handlers, which hold
//! this client: without that the cycle would never be freed); a post outside that time fails as
//! a refused connection would.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue};
use axum::Router;
use http_body_util::BodyExt;

/// An SDK HTTP client whose every request is answered by the gateway's router.
#[derive(Clone, Default)]
pub struct Loopback {
    app: Arc<Mutex<Option<Router>>>,
}

impl std::fmt::Debug for Loopback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loopback")
            .field("serving", &self.router().is_some())
            .finish()
    }
}

impl Loopback {
    /// Requests go to `app` until the [`Serving`] returned drops.
    #[must_use = "requests stop reaching the router when this drops"]
    pub fn serve(&self, app: Router) -> Serving {
        *self.app.lock().unwrap() = Some(app);
        Serving(self.clone())
    }

    fn router(&self) -> Option<Router> {
        self.app.lock().unwrap().clone()
    }
}

/// While this lives, the [`Loopback`] reaches the router it was given.
pub struct Serving(Loopback);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.app.lock().unwrap().take();
    }
}

impl HttpClient for Loopback {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for Loopback {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let app = self.router();
        HttpConnectorFuture::new(async move {
            let Some(mut app) = app else {
                return Err(ConnectorError::io("the gateway is not serving yet".into()));
            };
            let request = into_axum(request)?;
            // A Router is always ready, so `call` needs no `poll_ready` first.
            let response = match tower_service::Service::call(&mut app, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            from_axum(response).await
        })
    }
}

/// The SDK's request as the listener would have handed it to the router.
fn into_axum(request: HttpRequest) -> Result<axum::http::Request<Body>, ConnectorError> {
    let request = request
        .try_into_http1x()
        .map_err(|e| ConnectorError::user(e.into()))?;
    let (mut parts, body) = request.into_parts();
    let bytes = body.bytes().map(Bytes::copy_from_slice).ok_or_else(|| {
        ConnectorError::user("a streaming body cannot be posted in-process".into())
    })?;
    // hyper's client would send the authority as `Host` (the signature covers it).
    if !parts.headers.contains_key(header::HOST) {
        if let Some(authority) = parts.uri.authority() {
            let host = HeaderValue::from_str(authority.as_str())
                .map_err(|e| ConnectorError::user(e.into()))?;
            parts.headers.insert(header::HOST, host);
        }
    }
    parts
        .extensions
        .insert(ConnectInfo(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
    Ok(axum::http::Request::from_parts(parts, Body::from(bytes)))
}

/// The router's answer as the SDK reads one from the wire.
async fn from_axum(response: axum::response::Response) -> Result<HttpResponse, ConnectorError> {
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| ConnectorError::io(e.into()))?
        .to_bytes();
    let response = axum::http::Response::from_parts(parts, SdkBody::from(bytes));
    HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::http::{HeaderMap, StatusCode, Uri};

    use super::*;

    type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

    /// A router that records each request and answers like the Management API's post.
    fn recording(seen: Seen, status: StatusCode) -> Router {
        Router::new().route(
            "/@connections/{id}",
            axum::routing::post(
                move |uri: Uri, headers: HeaderMap, body: Bytes| async move {
                    seen.lock()
                        .unwrap()
                        .push((uri.path().to_owned(), headers, body));
                    status
                },
            ),
        )
    }

    fn client(loopback: &Loopback) -> aws_sdk_apigatewaymanagement::Client {
        let config = chat_shared::sdk::management_config_with_keys(
            "http://127.0.0.1:9",
            "AKIDLOCAL",
            "secret",
        )
        .http_client(loopback.clone())
        // One attempt: a failure is seen as it is, not after the retries' backoff.
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled());
        aws_sdk_apigatewaymanagement::Client::from_conf(config.build())
    }

    async fn post(
        client: &aws_sdk_apigatewaymanagement::Client,
    ) -> Result<
        (),
        aws_sdk_apigatewaymanagement::error::SdkError<
            aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError,
        >,
    > {
        client
            .post_to_connection()
            .connection_id("abc=")
            .data(aws_smithy_types::Blob::new(
                b"{\"type\":\"message\"}".to_vec(),
            ))
            .send()
            .await
            .map(|_| ())
    }

    #[tokio::test]
    async fn the_sdks_signed_request_reaches_the_router_as_it_would_over_tcp() {
        let seen = Seen::default();
        let loopback = Loopback::default();
        let _serving = loopback.serve(recording(seen.clone(), StatusCode::OK));
        post(&client(&loopback)).await.unwrap();
        let seen = seen.lock().unwrap();
        let [(path, headers, body)] = seen.as_slice() else {
            panic!("one request expected, got {}", seen.len());
        };
        assert_eq!(path, "/@connections/abc%3D");
        assert_eq!(&body[..], b"{\"type\":\"message\"}");
        assert_eq!(headers["host"], "127.0.0.1:9");
        let authorization = headers["authorization"].to_str().unwrap();
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/"),
            "{authorization}"
        );
        assert!(authorization.contains("SignedHeaders=") && authorization.contains("host"));
    }

    #[tokio::test]
    async fn the_routers_answer_is_what_the_sdk_reads() {
        let loopback = Loopback::default();
        let _serving = loopback.serve(recording(Seen::default(), StatusCode::GONE));
        let err = post(&client(&loopback)).await.unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(410));
    }

    /// The SDK's dispatch failure, as for a refused TCP connection.
    fn assert_refused<T: std::fmt::Debug, E: std::fmt::Debug, R: std::fmt::Debug>(
        result: Result<T, aws_sdk_apigatewaymanagement::error::SdkError<E, R>>,
    ) {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                aws_sdk_apigatewaymanagement::error::SdkError::DispatchFailure(_)
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_post_fails_as_a_refused_connection_when_nothing_is_served() {
        let seen = Seen::default();
        let loopback = Loopback::default();
        let client = client(&loopback);
        assert_refused(post(&client).await);
        // Served, then no longer: the router (and the gateway it holds) is let go.
        let serving = loopback.serve(recording(seen.clone(), StatusCode::OK));
        post(&client).await.unwrap();
        drop(serving);
        assert_refused(post(&client).await);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
