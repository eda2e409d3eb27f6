//! chat-local's EventBridge and SQS endpoints, for the events binary under `cargo lambda
//! watch` (`AWS_ENDPOINT_URL_EVENTBRIDGE` and `AWS_ENDPOINT_URL_SQS` set to `.../aws`): the
//! AWS JSON protocol's `AWSEvents.PutEvents` onto the local bus and `AmazonSQS.SendMessage`
//! onto the local notice queue. Calls are checked like the Management API's (SigV4 with
//! chat-local's key pair when one is required). Nothing else is emulated.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::bus::LocalBus;
use crate::management_auth::ManagementAuth;
use crate::pipes::LocalQueue;

pub struct LocalAws {
    pub bus: Arc<LocalBus>,
    pub queue: Arc<LocalQueue>,
    pub auth: ManagementAuth,
}

pub fn routes(state: Arc<LocalAws>) -> Router {
    Router::new()
        .route("/aws", post(call))
        .route("/aws/", post(call))
        .with_state(state)
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [
            ("x-amzn-errortype", kind),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

fn answer(content_type: &'static str, body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", content_type)],
        body.to_string(),
    )
        .into_response()
}

async fn call(
    State(aws): State<Arc<LocalAws>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let ManagementAuth::SigV4(keys) = &aws.auth {
        let now = std::time::SystemTime::now();
        if let Err(refused) =
            crate::gateway::sigv4::verify(keys, &method, &uri, &headers, &body, now)
        {
            return error(
                StatusCode::FORBIDDEN,
                refused.error_type(),
                &refused.message(),
            );
        }
    }
    let target = (headers.get("x-amz-target"))
        .and_then(|t| t.to_str().ok())
        .unwrap_or("");
    match target {
        "AWSEvents.PutEvents" => put_events(&aws, &body),
        "AmazonSQS.SendMessage" => send_message(&aws, &body),
        _ => error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "chat-local emulates only PutEvents and SendMessage",
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEvents {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    source: Option<String>,
    detail_type: Option<String>,
    detail: Option<String>,
    time: Option<f64>,
}

fn put_events(aws: &LocalAws, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<PutEvents>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "not a PutEvents request",
        );
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut failed = 0;
    let mut results = Vec::new();
    for entry in request.entries {
        let detail = entry
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str::<Value>(d).ok());
        let (Some(source), Some(detail_type), Some(detail)) = (
            entry.source,
            entry.detail_type,
            detail.filter(Value::is_object),
        ) else {
            failed += 1;
            results.push(json!({"ErrorCode": "MalformedDetail", "ErrorMessage": "Source, DetailType and a JSON object Detail are required"}));
            continue;
        };
        let at_ms = entry.time.map_or(now_ms, |t| (t * 1000.0) as i64);
        let id = chat_shared::domain::MessageId::generate(now_ms)
            .as_str()
            .to_owned();
        let time = chat_shared::domain::rfc3339_millis(at_ms);
        aws.bus.publish_envelope(json!({
            "version": "0",
            "id": id,
            "detail-type": detail_type,
            "source": source,
            "account": "000000000000",
            "time": format!("{}Z", time.split('.').next().unwrap_or(&time)),
            "region": "local",
            "resources": [],
            "detail": detail,
        }));
        results.push(json!({"EventId": id}));
    }
    answer(
        "application/x-amz-json-1.1",
        json!({"FailedEntryCount": failed, "Entries": results}),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendMessage {
    message_body: String,
    delay_seconds: Option<u32>,
}

fn send_message(aws: &LocalAws, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<SendMessage>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            "not a SendMessage request",
        );
    };
    let delay = request.delay_seconds.unwrap_or(0);
    if delay > chat_shared::events::MAX_NOTICE_DELAY_S {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            "DelaySeconds is at most 900",
        );
    }
    let id = aws.queue.send(request.message_body, delay);
    answer("application/x-amz-json-1.0", json!({"MessageId": id}))
}
