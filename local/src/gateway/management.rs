//! The Management API: `POST /@connections/{id}` sends, `GET` describes, `DELETE` closes;
//! 410 for unknown ids. Posts go through the fault switches ([`crate::faults`]). Every call is
//! first checked against [`ManagementAuth`]: refused calls get API Gateway's 403 and change
//! nothing.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::Message;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc;

use super::flow::Flow;
use super::socket::Outbound;
use super::{sigv4, Gateway};
use crate::faults::Fate;
use crate::management_auth::ManagementAuth;

fn gone() -> Response {
    (
        StatusCode::GONE,
        [("x-amzn-errortype", "GoneException")],
        axum::Json(json!({ "message": null })),
    )
        .into_response()
}

fn too_slow() -> Response {
    json_error(
        StatusCode::TOO_MANY_REQUESTS,
        "LimitExceededException",
        "the client is not reading fast enough",
    )
}

pub(super) fn json_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    (
        status,
        [("x-amzn-errortype", error_type)],
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}

/// The caller's signature, checked as API Gateway's IAM authorization checks it: `None` lets
/// the call through, `Some` is the 403 refusing it.
fn refusal(
    gw: &Gateway,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let ManagementAuth::SigV4(keys) = &gw.management_auth else {
        return None;
    };
    let now = std::time::SystemTime::now();
    let refused = sigv4::verify(keys, method, uri, headers, body, now).err()?;
    tracing::info!(
        error_type = refused.error_type(),
        "Management API call refused"
    );
    Some(json_error(
        StatusCode::FORBIDDEN,
        refused.error_type(),
        &refused.message(),
    ))
}

/// `/@connections/{id}` and `/{stage}/@connections/{id}`: the caller is checked first, then
/// the stage (when the path names one), then the call runs.
pub(super) async fn management(
    State(gw): State<Arc<Gateway>>,
    Path(params): Path<HashMap<String, String>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refusal(&gw, &method, &uri, &headers, &body) {
        return refused;
    }
    if params
        .get("stage")
        .is_some_and(|stage| *stage != gw.api.stage)
    {
        return json_error(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
    }
    let id = params.get("id").cloned().unwrap_or_default();
    management_call(gw, id, method, body).await
}

/// The Management API: `POST` sends, `GET` describes, `DELETE` closes; 410 for unknown ids.
async fn management_call(gw: Arc<Gateway>, id: String, method: Method, body: Bytes) -> Response {
    let found = {
        let connections = gw.connections.lock().unwrap();
        connections.get(&id).map(|c| {
            (
                c.tx.clone(),
                c.info.clone(),
                c.last_active.load(Ordering::Relaxed),
                c.flow.clone(),
            )
        })
    };
    let Some((tx, info, last_active, flow)) = found else {
        return gone();
    };
    match method {
        Method::POST => post(&gw, (tx, flow), body).await,
        // API Gateway's GetConnection shape: lower camel case, ISO 8601 timestamps.
        Method::GET => axum::Json(json!({
            "connectedAt": chat_shared::domain::rfc3339_millis(info.connected_at),
            "identity": { "sourceIp": info.source_ip, "userAgent": info.user_agent },
            "lastActiveAt": chat_shared::domain::rfc3339_millis(last_active),
        }))
        .into_response(),
        Method::DELETE => {
            let _ = tx.try_send(Outbound::Close(1000, "Connection closed by server"));
            // The reader loop sees the close and runs $disconnect.
            StatusCode::NO_CONTENT.into_response()
        }
        _ => json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "method not allowed",
        ),
    }
}

/// `POST @connections/{id}`: the frame goes to the connection's writer, unless a fault says
/// otherwise or the client is too slow (429: its outbound bytes are all taken).
async fn post(
    gw: &Gateway,
    (tx, flow): (mpsc::Sender<Outbound>, Arc<Flow>),
    body: Bytes,
) -> Response {
    if body.len() > gw.limits.message_bytes {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            "Message too long",
        );
    }
    let len = body.len();
    let message = match std::str::from_utf8(&body) {
        Ok(text) => Message::Text(text.into()),
        Err(_) => Message::Binary(body),
    };
    match gw.fate_of_a_post() {
        Fate::Deliver => {}
        Fate::Drop => return StatusCode::OK.into_response(),
        Fate::Status(410) => return gone(),
        Fate::Status(429) => {
            return json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "LimitExceededException",
                "injected fault",
            )
        }
        Fate::Status(_) => {
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerErrorException",
                "injected fault",
            )
        }
        Fate::Delay(by) => {
            // Delivered after `by` even if the caller gives up waiting meanwhile (as
            // a slow API Gateway would); the answer comes after `by` too.
            tokio::spawn(async move {
                tokio::time::sleep(by).await;
                if let Some(reserved) = flow.reserve(len).await {
                    let _ = tx.send(Outbound::Frame(message, reserved)).await;
                }
            });
            tokio::time::sleep(by).await;
            return StatusCode::OK.into_response();
        }
    }
    let Some(reserved) = flow.try_reserve(len) else {
        return too_slow();
    };
    match tx.try_send(Outbound::Frame(message, reserved)) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(mpsc::error::TrySendError::Full(_)) => too_slow(),
        Err(mpsc::error::TrySendError::Closed(_)) => gone(),
    }
}
