//! The HTTP API handler (API Gateway HTTP API, payload 2.0): the routes of
//! [`crate::routes::Route`], JSON in and out.

use std::borrow::Cow;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use aws_lambda_events::query_map::QueryMap;
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::caller::{backend, caller};
use super::privacy;
use crate::auth::Authorizer;
use crate::routes::{NoRoute, Route};
use crate::wire::{
    self, ConversationsResponse, ErrorBody, HistoryResponse, MarkReadResponse,
    SystemMessageResponse, UnreadResponse,
};
use chat_shared::chat::Chat;
use chat_shared::domain::{
    rfc3339_millis, AppointmentId, AttachmentId, ClientId, HistoryQuery, InboxQuery, MessageId,
    ValidationError, DEFAULT_HISTORY_LIMIT, DEFAULT_INBOX_LIMIT, MAX_HISTORY_LIMIT,
    MAX_INBOX_LIMIT,
};
use chat_shared::error::{log_error, ChatError};

/// An HTTP API (payload 2.0) request event.
pub type HttpRequest = ApiGatewayV2httpRequest;

/// An HTTP API (payload 2.0) response.
pub type HttpResponse = ApiGatewayV2httpResponse;

pub use super::caller::identity_from_request;

/// Serves one HTTP request with identities from the authorizer context only.
pub async fn handle_http(chat: &Chat, request: HttpRequest) -> HttpResponse {
    handle_http_with_auth(chat, None, request).await
}

/// Longest `rawPath` + `rawQueryString` accepted (API Gateway itself refuses request lines
/// over 10 KB).
const MAX_URI_BYTES: usize = 16 * 1024;

/// Serves one HTTP request. Never fails: every error becomes a JSON error response.
pub async fn handle_http_with_auth(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: HttpRequest,
) -> HttpResponse {
    let path = request.raw_path.as_deref().unwrap_or("");
    let query_len = request.raw_query_string.as_deref().map_or(0, str::len);
    if path.len() + query_len > MAX_URI_BYTES {
        return refused(414);
    }
    let name = Route::of_path(path).map_or("unknown", |route| route.name());
    let route = Route::match_path(request.request_context.http.method.as_str(), path);
    match serve(chat, auth, &request, route).await {
        Ok(response) => response,
        Err(err) => {
            log_error(&err, name);
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

/// The HTTP function's entry: the raw event, so that an event the types refuse still gets a
/// JSON error (400) rather than a failed invocation.
pub async fn handle_http_event(
    chat: &Chat,
    auth: Option<&Authorizer>,
    event: Value,
) -> HttpResponse {
    match serde_json::from_value::<HttpRequest>(event) {
        Ok(request) => handle_http_with_auth(chat, auth, request).await,
        Err(_) => refused(400),
    }
}

/// A request refused before routing: 414 (URI too long) or 400 (not an HTTP API event).
fn refused(status: u16) -> HttpResponse {
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

async fn serve(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: &HttpRequest,
    route: Result<Route, NoRoute>,
) -> Result<HttpResponse, ChatError> {
    // Inputs are validated before identity: a malformed request is 400 whoever sends it.
    match route {
        Ok(Route::MarkRead { reader_id }) => {
            let reader = ClientId::parse_field("reader_id", &reader_id)?;
            let sender = parse_mark_read_body(request)?;
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
        Ok(Route::History { client_id, peer_id }) => {
            let a = ClientId::parse_field("client_id", &client_id)?;
            let b = ClientId::parse_field("peer_id", &peer_id)?;
            let query = parse_history_query(request)?;
            let who = caller(request, auth).await?;
            let history = chat.history(&who, &a, &b, &query).await?;
            let cursor = history.next_cursor.as_ref().map(MessageId::as_str);
            Ok(json_response(
                200,
                &HistoryResponse::new(&history.messages, cursor),
            ))
        }
        Ok(Route::Unread { reader_id }) => {
            let reader = ClientId::parse_field("reader_id", &reader_id)?;
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
        Ok(Route::Conversations { client_id }) => {
            let owner = ClientId::parse_field("client_id", &client_id)?;
            let query = parse_inbox_query(request)?;
            let who = caller(request, auth).await?;
            let page = chat.conversations(&who, &owner, &query).await?;
            Ok(json_response(
                200,
                &ConversationsResponse {
                    conversations: page.conversations.iter().map(Into::into).collect(),
                    next_cursor: page.next_cursor.as_ref().map(wire::encode_inbox_cursor),
                },
            ))
        }
        Ok(Route::SystemMessage { receiver_id }) => {
            let receiver = ClientId::parse_field("receiver_id", &receiver_id)?;
            let max_chars = chat.settings().max_message_chars;
            let message = wire::parse_system_message(&body_bytes(request)?, receiver, max_chars)?;
            let principal = chat.settings().system_principal.as_ref();
            backend(
                request,
                principal,
                "only the booking backend posts system messages",
            )?;
            let sent = chat.post_system(message).await?;
            tracing::info!(
                receiver_id = %sent.message.receiver_id,
                message_id = %sent.message.message_id,
                duplicate = sent.duplicate,
                delivered = sent.delivered,
                "system message"
            );
            let status = if sent.duplicate { 200 } else { 201 };
            Ok(json_response(
                status,
                &SystemMessageResponse {
                    message_id: sent.message.message_id.as_str(),
                    timestamp: rfc3339_millis(sent.message.timestamp_ms()),
                    duplicate: sent.duplicate,
                },
            ))
        }
        Ok(Route::Upload { client_id }) => {
            let owner = ClientId::parse_field("client_id", &client_id)?;
            let upload = wire::parse_upload_request(&body_bytes(request)?)?;
            let who = caller(request, auth).await?;
            let grant = chat.request_upload(&who, &owner, upload).await?;
            tracing::info!(
                client_id = %owner,
                attachment_id = %grant.attachment_id,
                "upload granted"
            );
            Ok(json_response(201, &wire::UploadResponse::from(&grant)))
        }
        Ok(Route::Download {
            client_id,
            attachment_id,
        }) => {
            let client = ClientId::parse_field("client_id", &client_id)?;
            let id = AttachmentId::parse(&attachment_id)?;
            let who = caller(request, auth).await?;
            let grant = chat.download(&who, &client, &id).await?;
            Ok(json_response(200, &wire::DownloadResponse::from(&grant)))
        }
        Ok(Route::Export { client_id, backend }) => {
            privacy::export(chat, auth, request, &client_id, backend).await
        }
        Ok(Route::Erasure { client_id, backend }) => {
            privacy::erase(chat, auth, request, &client_id, backend).await
        }
        Err(NoRoute::MethodNotAllowed { allow }) => Ok(method_not_allowed(allow)),
        Err(NoRoute::NotFound) => Err(ChatError::NotFound("no such route")),
    }
}

/// The request body's bytes (decoded when API Gateway base64-encoded it).
fn body_bytes(request: &HttpRequest) -> Result<Cow<'_, [u8]>, ChatError> {
    let body = request.body.as_deref().unwrap_or("");
    if request.is_base64_encoded {
        let engine = base64::engine::general_purpose::STANDARD;
        let bytes = engine.decode(body).map_err(|_| ChatError::InvalidJson)?;
        return Ok(Cow::Owned(bytes));
    }
    Ok(Cow::Borrowed(body.as_bytes()))
}

fn parse_mark_read_body(request: &HttpRequest) -> Result<ClientId, ChatError> {
    let value: Value =
        serde_json::from_slice(&body_bytes(request)?).map_err(|_| ChatError::InvalidJson)?;
    let Value::Object(obj) = value else {
        return Err(ChatError::InvalidJson);
    };
    Ok(ClientId::parse_field(
        "sender_id",
        wire::req_str(&obj, "sender_id")?,
    )?)
}

/// The query parameters, decoded from `rawQueryString` (as `lambda_http` does: API Gateway's
/// own `queryStringParameters` join repeated keys with commas).
pub(super) fn query_of(request: &HttpRequest) -> Cow<'_, QueryMap> {
    match request.raw_query_string.as_deref() {
        Some(raw) => Cow::Owned(raw.parse().unwrap_or_default()),
        None => Cow::Borrowed(&request.query_string_parameters),
    }
}

/// `limit`: absent or empty is `default`; otherwise a whole number from 1 to `max`.
fn parse_limit(
    raw: Option<&str>,
    default: usize,
    max: usize,
    rule: &'static str,
) -> Result<usize, ValidationError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or(ValidationError::new("limit", rule)),
    }
}

fn parse_inbox_query(request: &HttpRequest) -> Result<InboxQuery, ChatError> {
    let params = query_of(request);
    let get = |key: &str| params.first(key).filter(|v| !v.is_empty());
    let rule = "must be a whole number from 1 to 50";
    Ok(InboxQuery {
        limit: parse_limit(get("limit"), DEFAULT_INBOX_LIMIT, MAX_INBOX_LIMIT, rule)?,
        after: get("cursor").map(wire::parse_inbox_cursor).transpose()?,
    })
}

fn parse_history_query(request: &HttpRequest) -> Result<HistoryQuery, ChatError> {
    let params = query_of(request);
    let get = |key: &str| params.first(key).filter(|v| !v.is_empty());
    let rule = "must be a whole number from 1 to 100";
    let limit = parse_limit(get("limit"), DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, rule)?;
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
fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = json_response(
        405,
        &ErrorBody {
            code: "method_not_allowed",
            message: "method not allowed on this path",
        },
    );
    response
        .headers
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

pub(super) fn json_response<T: Serialize>(status: u16, body: &T) -> HttpResponse {
    let mut response = HttpResponse::default();
    response.status_code = i64::from(status);
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(
        serde_json::to_string(body).expect("responses serialize"),
    ));
    response
}
