//! In front of every route: the request body is read here, within the body deadline and the
//! size limit, and every 4xx that is not already JSON (axum's rejections: a bad upgrade, an
//! unreadable path, a wrong method) gets the HTTP API's error shape, `{"code","message"}`.
//! Errors chat-local gives as API Gateway (`{"message":"Not Found"}`, the Management API's)
//! keep API Gateway's own shape.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::json;

/// Largest request body (axum's default limit, which the handlers' extractors also apply).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The middleware; its state is the body deadline ([`crate::Timeouts::body`]).
pub async fn requests(
    State(body_timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let read = Limited::new(body, MAX_BODY_BYTES).collect();
    let bytes = match tokio::time::timeout(body_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
        Ok(Err(_)) => {
            return closing(error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the request body could not be read",
            ))
        }
        Err(_) => {
            return closing(error(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time",
            ))
        }
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    json_4xx(response)
}

fn too_large() -> Response {
    closing(error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than 2 MB",
    ))
}

/// `{"code","message"}`, as the HTTP function answers its own errors.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

/// The rest of the body is never read: the connection cannot carry another request.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A 4xx whose body is not JSON gets `{"code","message"}`; its other headers (`Allow`) stay.
fn json_4xx(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        _ => "invalid_request",
    };
    let message = status.canonical_reason().unwrap_or("client error");
    let body = json!({ "code": code, "message": message }).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}
