//! The HTTP API: every request under `/chat/` becomes a payload 2.0 event for the HTTP
//! function, and its response becomes the HTTP response.

use std::net::SocketAddr;
use std::sync::Arc;

use aws_lambda_events::encodings::Body;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chat_edge::lambda::http::HttpResponse;
use serde_json::json;

use super::{backend, now_ms, Gateway};
use crate::events::{self, HttpAuthorizer};
use chat_edge::routes::Route;

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
    // Only the route itself: another method on its path is the function's 405, as for any route.
    let system = Route::match_path(method.as_str(), uri.path()).is_ok_and(|r| r.is_backend());
    let authorizer = if system {
        // An IAM-authorized route: the signature, never a token or a dev identity.
        match backend::signer(&gw, &method, &uri, &headers, &body) {
            Ok(signer) => HttpAuthorizer::Iam(signer),
            Err(refusal) => return backend::refused(&refusal),
        }
    } else {
        match gw.identity.authorize_http(&uri, &headers) {
            Ok(Some(context)) => HttpAuthorizer::Lambda(context),
            Ok(None) => HttpAuthorizer::None,
            Err(status) => {
                return (status, axum::Json(json!({ "message": "Unauthorized" }))).into_response()
            }
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
    match gw.invoke_http(event).await {
        Some(response) => http_response(response),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "message": "Internal Server Error" })),
        )
            .into_response(),
    }
}

/// A payload 2.0 Lambda response as an HTTP response.
fn http_response(response: HttpResponse) -> Response {
    use base64::Engine;
    let status = u16::try_from(response.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let body: Vec<u8> = match response.body {
        // From the Invoke API, a base64 body arrives as text.
        Some(Body::Text(text)) if response.is_base64_encoded => {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        }
        Some(Body::Text(text)) => text.into_bytes(),
        Some(Body::Binary(bytes)) => bytes,
        _ => Vec::new(),
    };
    let mut out = (status, body).into_response();
    for (name, value) in &response.headers {
        out.headers_mut().insert(name.clone(), value.clone());
    }
    out
}
