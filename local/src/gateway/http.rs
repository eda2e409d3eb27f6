//! The HTTP API: every request under `/chat/` becomes a payload 2.0 event for the HTTP
//! function, and its response becomes the HTTP response.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{now_ms, Gateway};
use crate::events;
use crate::functions::Function;

/// The HTTP API: every request under `/chat/` becomes a payload 2.0 event for the HTTP function.
pub(super) async fn http_api(
    State(gw): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !uri.path().starts_with("/chat/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Not Found" })),
        )
            .into_response();
    }
    let authorizer = match gw.identity.authorize_http(&uri, &headers) {
        Ok(context) => context,
        Err(status) => {
            return (status, axum::Json(json!({ "message": "Unauthorized" }))).into_response()
        }
    };
    let event = events::http_v2(
        &gw.api,
        &method,
        &uri,
        &headers,
        &body,
        peer,
        authorizer,
        now_ms(),
    );
    match gw.invoke_logged(Function::Http, event).await {
        Some(response) => http_response(&response),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "message": "Internal Server Error" })),
        )
            .into_response(),
    }
}

/// A payload 2.0 Lambda response as an HTTP response.
fn http_response(response: &Value) -> Response {
    use base64::Engine;
    let status = response
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let text = response.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if response.get("isBase64Encoded") == Some(&Value::Bool(true)) {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let mut out = (status, body).into_response();
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                axum::http::HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                out.headers_mut().insert(name, value);
            }
        }
    }
    out
}
