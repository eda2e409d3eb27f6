//! The Management API: `POST /@connections/{id}` sends, `GET` describes, `DELETE` closes;
//! 410 for unknown ids. Posts go through the fault switches ([`crate::faults`]).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::Message;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc;

use super::flow::Flow;
use super::websocket::Outbound;
use super::Gateway;
use crate::faults::Fate;

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

fn json_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    (
        status,
        [("x-amzn-errortype", error_type)],
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}

pub(super) async fn management_in_stage(
    State(gw): State<Arc<Gateway>>,
    Path((stage, id)): Path<(String, String)>,
    method: Method,
    body: Bytes,
) -> Response {
    if stage != gw.api.stage {
        return json_error(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
    }
    management_call(gw, id, method, body).await
}

pub(super) async fn management(
    State(gw): State<Arc<Gateway>>,
    Path(id): Path<String>,
    method: Method,
    body: Bytes,
) -> Response {
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
        Method::GET => axum::Json(json!({
            "ConnectedAt": chat_shared::domain::rfc3339_millis(info.connected_at),
            "Identity": { "SourceIp": info.source_ip, "UserAgent": info.user_agent },
            "LastActiveAt": chat_shared::domain::rfc3339_millis(last_active),
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
