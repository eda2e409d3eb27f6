//! API Gateway's own event JSON (fixtures under `fixtures/`), shaped for one call: WebSocket
//! events, HTTP API (payload 2.0) requests, and the seed-format frame.

use chat_edge::context::AuthorizerContext;
use serde_json::{json, Value};

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The authorizer context API Gateway adds for a verified caller, or none.
pub fn authorizer(identity: Option<(&str, &str)>) -> Value {
    match identity {
        Some((client_id, role)) => {
            let context = AuthorizerContext::new(client_id, role).with_principal_id();
            let mut fields = context.to_fields();
            fields.insert("integrationLatency".into(), json!(42)); // API Gateway adds it
            json!(fields)
        }
        None => Value::Null,
    }
}

/// A WebSocket event as API Gateway sends it: `kind` is `connect`, `message` or `disconnect`.
pub fn ws_event_json(
    kind: &str,
    connection_id: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> Value {
    let mut event = fixture(&format!("ws_{kind}"));
    let ctx = &mut event["requestContext"];
    ctx["connectionId"] = json!(connection_id);
    match identity {
        Some(_) => ctx["authorizer"] = authorizer(identity),
        None => {
            ctx.as_object_mut().unwrap().remove("authorizer");
        }
    }
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

pub fn ws_event(
    kind: &str,
    connection_id: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> chat_edge::lambda::ws::WsEvent {
    serde_json::from_value(ws_event_json(kind, connection_id, identity, body))
        .expect("fixture is a WebSocket event")
}

/// An HTTP API (payload 2.0) request as API Gateway sends it, parsed as the handler's
/// event type. `target` is the path with an optional query string.
pub fn http_request(
    method: &str,
    target: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> chat_edge::lambda::http::HttpRequest {
    let event = http_event_json(method, target, identity, body);
    serde_json::from_value(event).expect("fixture is an HTTP API event")
}

/// The HTTP API (payload 2.0) event JSON behind [`http_request`]; `target` goes into
/// `rawPath` and `rawQueryString` exactly as given (a client may send anything there).
pub fn http_event_json(
    method: &str,
    target: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> Value {
    let mut event = fixture("http_put_read");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    event["routeKey"] = json!("$default");
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!(query);
    event.as_object_mut().unwrap().remove("pathParameters");
    let ctx = &mut event["requestContext"];
    ctx["routeKey"] = json!("$default");
    ctx["http"]["method"] = json!(method);
    ctx["http"]["path"] = json!(path);
    match identity {
        Some((client_id, role)) => {
            let context = AuthorizerContext::new(client_id, role);
            ctx["authorizer"] = json!({ "lambda": context.to_fields() })
        }
        None => {
            ctx.as_object_mut().unwrap().remove("authorizer");
        }
    }
    match body {
        Some(body) => {
            event["headers"]["content-length"] = json!(body.len().to_string());
            event["body"] = json!(body);
        }
        None => {
            event["headers"]
                .as_object_mut()
                .unwrap()
                .remove("content-length");
            event.as_object_mut().unwrap().remove("body");
        }
    }
    event
}

/// The booking backend's role, as the tests' chats are configured with it
/// (`Settings::system_principal`), and the signer API Gateway reports for one of its sessions.
pub const BACKEND_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/booking-backend";
pub const BACKEND_SIGNER: &str =
    "arn:aws:sts::123456789012:assumed-role/booking-backend/booking-7f3c";

/// `POST /chat/system/{receiver}` as API Gateway hands it to the function of the IAM-authorized
/// route: signed by `signer` (`requestContext.authorizer.iam.userArn`), or with no authorizer
/// at all (`None`). `receiver` goes into the path as given.
pub fn system_event_json(receiver: &str, signer: Option<&str>, body: &str) -> Value {
    let mut event = fixture("http_post_system_iam");
    let path = format!("/chat/system/{receiver}");
    event["rawPath"] = json!(path);
    event["pathParameters"]["receiver_id"] = json!(receiver);
    let ctx = &mut event["requestContext"];
    ctx["http"]["path"] = json!(path);
    match signer {
        Some(arn) => ctx["authorizer"]["iam"]["userArn"] = json!(arn),
        None => {
            ctx.as_object_mut().unwrap().remove("authorizer");
        }
    }
    event["headers"]["content-length"] = json!(body.len().to_string());
    event["body"] = json!(body);
    event
}

/// A system message's body: an appointment confirmation with `key` as its idempotency key.
pub fn system_body(key: &str, text: &str) -> String {
    json!({
        "appointment_id": "appointment789",
        "service_id": "service123",
        "message_text": text,
        "idempotency_key": key,
    })
    .to_string()
}

/// Status and parsed JSON body of an HTTP response.
pub fn response_json(response: chat_edge::lambda::http::HttpResponse) -> (u16, Value) {
    let status = response.status_code as u16;
    let body = match response.body.as_deref() {
        Some(bytes) if !bytes.is_empty() => serde_json::from_slice(bytes).expect("JSON body"),
        _ => Value::Null,
    };
    (status, body)
}

/// A seed-format frame.
pub fn frame(receiver: &str, text: &str) -> String {
    json!({
        "receiver_id": receiver,
        "appointment_id": "appointment789",
        "service_id": "service123",
        "message_text": text
    })
    .to_string()
}
