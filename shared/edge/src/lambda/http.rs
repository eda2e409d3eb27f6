//! The HTTP API handler (API Gateway HTTP API, payload v2):
//!
//! - `PUT /chat/read/{reader_id}` body `{"sender_id"}`
//! - `GET /chat/history/{client_id}/{peer_id}?limit=&cursor=&appointment_id=`
//! - `GET /chat/unread/{reader_id}`
//!
//! Routing is done here on the raw path, so the function works behind per-route integrations
//! and behind a single `$default` route alike.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;

use crate::auth::Authorizer;
use crate::wire::{self, ErrorBody, HistoryResponse, MarkReadResponse, UnreadResponse};
use chat_shared::chat::Chat;
use chat_shared::domain::{
    AppointmentId, ClientId, HistoryQuery, Identity, MessageId, Role, ValidationError,
    DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT,
};
use chat_shared::error::{log_error, ChatError};

/// The caller's identity from the HTTP API authorizer: a Lambda authorizer's context
/// (`client_id`/`role`) or a JWT authorizer's claims (`sub` and `role` or `custom:role`).
pub fn identity_from_request(request: &Request) -> Result<Identity, ChatError> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = request.request_context_ref() else {
        return Err(ChatError::Unauthorized);
    };
    let authorizer = ctx.authorizer.as_ref().ok_or(ChatError::Unauthorized)?;
    let from_lambda = || {
        let fields = &authorizer.fields;
        let id = fields
            .get("client_id")
            .or_else(|| fields.get("principalId"))
            .and_then(Value::as_str)?;
        let role = fields.get("role").and_then(Value::as_str)?;
        Some((id.to_owned(), role.to_owned()))
    };
    let from_jwt = || {
        let claims = &authorizer.jwt.as_ref()?.claims;
        let id = claims.get("sub")?;
        let role = claims.get("role").or_else(|| claims.get("custom:role"))?;
        Some((id.clone(), role.clone()))
    };
    let (id, role) = from_lambda()
        .or_else(from_jwt)
        .ok_or(ChatError::Unauthorized)?;
    Ok(Identity {
        client_id: ClientId::parse(&id).map_err(|_| ChatError::Unauthorized)?,
        role: Role::parse(&role).ok_or(ChatError::Unauthorized)?,
    })
}

/// The caller's identity: an API Gateway authorizer's context when there is one, otherwise an
/// `Authorization: Bearer <JWT>` header verified by `auth`. Without either: 401.
async fn caller(request: &Request, auth: Option<&Authorizer>) -> Result<Identity, ChatError> {
    if let Ok(identity) = identity_from_request(request) {
        return Ok(identity);
    }
    let Some(auth) = auth else {
        return Err(ChatError::Unauthorized);
    };
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        });
    auth.verify(token).await.map_err(|err| {
        tracing::info!(auth = err.kind(), "token refused");
        ChatError::Unauthorized
    })
}

/// Serves one HTTP request with identities from the authorizer context only.
pub async fn handle_http(chat: &Chat, request: Request) -> Response<Body> {
    handle_http_with_auth(chat, None, request).await
}

/// Serves one HTTP request. Never fails: every error becomes a JSON error response.
pub async fn handle_http_with_auth(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: Request,
) -> Response<Body> {
    let route = route_name(&request);
    match serve(chat, auth, &request).await {
        Ok(response) => response,
        Err(err) => {
            log_error(&err, route);
            json_response(
                err.http_status(),
                &ErrorBody {
                    code: err.code(),
                    message: &err.client_message(),
                },
            )
        }
    }
}

fn route_name(request: &Request) -> &'static str {
    let path = request.raw_http_path();
    if path.starts_with("/chat/read/") {
        "PUT /chat/read"
    } else if path.starts_with("/chat/history/") {
        "GET /chat/history"
    } else if path.starts_with("/chat/unread/") {
        "GET /chat/unread"
    } else {
        "unknown"
    }
}

async fn serve(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: &Request,
) -> Result<Response<Body>, ChatError> {
    let segments: Vec<String> = request
        .raw_http_path()
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().as_str();
    match (method, segments.as_slice()) {
        // Inputs are validated before identity: a malformed request is 400 whoever sends it.
        ("PUT", ["chat", "read", reader]) => {
            let reader = ClientId::parse_field("reader_id", reader)?;
            let sender = parse_mark_read_body(request.body())?;
            if sender == reader {
                return Err(
                    ValidationError::new("sender_id", "must differ from the reader").into(),
                );
            }
            let who = caller(request, auth).await?;
            let updated_count = chat.mark_read(&who, &reader, &sender).await?;
            tracing::info!(reader_id = %reader, sender_id = %sender, updated_count, "marked read");
            Ok(json_response(
                200,
                &MarkReadResponse {
                    message: "Messages marked as read successfully",
                    updated_count,
                },
            ))
        }
        ("GET", ["chat", "history", a, b]) => {
            let a = ClientId::parse_field("client_id", a)?;
            let b = ClientId::parse_field("peer_id", b)?;
            let query = parse_history_query(request)?;
            let who = caller(request, auth).await?;
            let history = chat.history(&who, &a, &b, &query).await?;
            let cursor = history.next_cursor.as_ref().map(MessageId::as_str);
            Ok(json_response(
                200,
                &HistoryResponse::new(&history.messages, cursor),
            ))
        }
        ("GET", ["chat", "unread", reader]) => {
            let reader = ClientId::parse_field("reader_id", reader)?;
            let who = caller(request, auth).await?;
            let unread = chat.unread(&who, &reader).await?;
            Ok(json_response(
                200,
                &UnreadResponse {
                    total: unread.total,
                    by_sender: unread
                        .by_sender
                        .into_iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v))
                        .collect(),
                },
            ))
        }
        (_, ["chat", "read", _]) => Ok(method_not_allowed("PUT")),
        (_, ["chat", "history", _, _]) | (_, ["chat", "unread", _]) => {
            Ok(method_not_allowed("GET"))
        }
        _ => Err(ChatError::NotFound("no such route")),
    }
}

fn parse_mark_read_body(body: &Body) -> Result<ClientId, ChatError> {
    let bytes: &[u8] = match body {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ChatError::InvalidJson)?;
    let Value::Object(obj) = value else {
        return Err(ChatError::InvalidJson);
    };
    Ok(ClientId::parse_field(
        "sender_id",
        wire::req_str(&obj, "sender_id")?,
    )?)
}

fn parse_history_query(request: &Request) -> Result<HistoryQuery, ChatError> {
    let params = request.query_string_parameters_ref();
    let get = |key: &str| params.and_then(|p| p.first(key)).filter(|v| !v.is_empty());
    let limit = match get("limit") {
        None => DEFAULT_HISTORY_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_HISTORY_LIMIT).contains(n))
            .ok_or(ValidationError::new(
                "limit",
                "must be a whole number from 1 to 100",
            ))?,
    };
    let before = get("cursor")
        .map(|raw| {
            MessageId::parse(raw).map_err(|_| ValidationError::new("cursor", "is not a cursor"))
        })
        .transpose()?;
    let appointment_id = get("appointment_id")
        .map(|raw| AppointmentId::parse_field("appointment_id", raw))
        .transpose()?;
    Ok(HistoryQuery {
        limit,
        before,
        appointment_id,
    })
}

/// 405 with the `Allow` header that RFC 9110 requires of it.
fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = json_response(
        405,
        &ErrorBody {
            code: "method_not_allowed",
            message: "method not allowed on this path",
        },
    );
    response
        .headers_mut()
        .insert("allow", lambda_http::http::HeaderValue::from_static(allow));
    response
}

fn json_response<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(
            serde_json::to_string(body).expect("responses serialize"),
        ))
        .expect("status and header are valid")
}

/// Longest `rawPath` + `rawQueryString` accepted (the `http` crate refuses URIs over 64 KB).
const MAX_URI_BYTES: usize = 16 * 1024;

/// Percent-encodes every byte a URI cannot carry literally (`"`, `<`, space, controls,
/// non-ASCII...), keeping existing `%XX` escapes: API Gateway forwards what clients send, and
/// `lambda_http` would otherwise fail to build the request.
fn uri_safe(raw: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for &b in raw.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@%".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The HTTP function on the raw HTTP API (payload 2.0) event: JSON in, JSON out. Never fails
/// and never panics on what a client sent: malformed request lines get JSON errors.
pub async fn handle_http_event(chat: &Chat, auth: Option<&Authorizer>, mut event: Value) -> Value {
    for (field, keep) in [("rawPath", &b"/"[..]), ("rawQueryString", &b"/?"[..])] {
        if let Some(raw) = event.get(field).and_then(Value::as_str) {
            let safe = uri_safe(raw, keep);
            event[field] = Value::String(safe);
        }
    }
    let uri_len = ["rawPath", "rawQueryString"]
        .iter()
        .filter_map(|f| event.get(*f).and_then(Value::as_str))
        .map(str::len)
        .sum::<usize>();
    let request = if uri_len > MAX_URI_BYTES {
        Err(414)
    } else {
        lambda_http::request::from_str(&event.to_string()).map_err(|_| 400)
    };
    let response = match request {
        Ok(request) => handle_http_with_auth(chat, auth, request).await,
        Err(status) => {
            tracing::info!(status, "request refused before routing");
            json_response(
                status,
                &ErrorBody {
                    code: "invalid_request",
                    message: if status == 414 {
                        "the request URI is too long"
                    } else {
                        "the request is not a valid HTTP API event"
                    },
                },
            )
        }
    };
    response_json(response)
}

/// An HTTP API (payload 2.0) response as Lambda returns it.
pub fn response_json(response: Response<Body>) -> Value {
    use base64::Engine;
    let headers: serde_json::Map<String, Value> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
            )
        })
        .collect();
    let (body, is_base64) = match response.body() {
        Body::Text(t) => (t.clone(), false),
        Body::Binary(b) => (base64::engine::general_purpose::STANDARD.encode(b), true),
        _ => (String::new(), false),
    };
    serde_json::json!({
        "statusCode": response.status().as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}
