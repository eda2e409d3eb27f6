//! WebSocket handlers: API Gateway WebSocket proxy events in, proxy responses out.
//! Plain async functions, so tests and chat-local call them with real event JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::{self, Inbound};
use chat_shared::chat::Chat;
use chat_shared::domain::{ClientId, ConnectionId, Identity, Role};
use chat_shared::error::{log_error, ChatError};

/// An API Gateway WebSocket proxy event (`$connect`, `$disconnect`, `$default`, custom routes).
/// Only the fields the chat reads are declared; the rest are ignored.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WsEvent {
    pub request_context: WsRequestContext,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WsRequestContext {
    pub route_key: String,
    #[serde(default)]
    pub event_type: Option<String>,
    pub connection_id: String,
    #[serde(default)]
    pub connected_at: Option<i64>,
    #[serde(default)]
    pub request_time_epoch: Option<i64>,
    #[serde(default)]
    pub domain_name: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    /// The authorizer's context (`principalId`, `client_id`, `role`), present on every route of
    /// a connection once `$connect` was authorized.
    #[serde(default)]
    pub authorizer: Option<Value>,
}

/// A WebSocket proxy integration response. With a route response configured, API Gateway sends
/// `body` to the calling connection: that is how acks and error frames travel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WsResponse {
    pub status_code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl WsResponse {
    fn status(status_code: u16) -> Self {
        Self {
            status_code,
            body: None,
        }
    }

    fn frame(body: String) -> Self {
        Self {
            status_code: 200,
            body: Some(body),
        }
    }
}

/// The caller's identity from the authorizer context: `client_id` (or `principalId`) and
/// `role`. Never from the message body.
pub fn identity_from_authorizer(authorizer: Option<&Value>) -> Result<Identity, ChatError> {
    let ctx = authorizer
        .and_then(Value::as_object)
        .ok_or(ChatError::Unauthorized)?;
    let client_id = ctx
        .get("client_id")
        .or_else(|| ctx.get("principalId"))
        .and_then(Value::as_str)
        .and_then(|raw| ClientId::parse(raw).ok())
        .ok_or(ChatError::Unauthorized)?;
    let role = ctx
        .get("role")
        .and_then(Value::as_str)
        .and_then(Role::parse)
        .ok_or(ChatError::Unauthorized)?;
    Ok(Identity { client_id, role })
}

fn connection_of(event: &WsEvent) -> Result<ConnectionId, ChatError> {
    Ok(ConnectionId::parse(&event.request_context.connection_id)?)
}

/// `$connect`: 200 accepts the connection; 401 refuses it (API Gateway then fails the handshake).
pub async fn handle_connect(chat: &Chat, event: WsEvent) -> WsResponse {
    let ctx = &event.request_context;
    let result = async {
        let who = identity_from_authorizer(ctx.authorizer.as_ref())?;
        let connection_id = connection_of(&event)?;
        let at = ctx
            .connected_at
            .or(ctx.request_time_epoch)
            .unwrap_or_else(|| chat.now_ms());
        chat.connect(&who, connection_id, at).await?;
        tracing::info!(client_id = %who.client_id, role = %who.role, connection_id = %ctx.connection_id, "connected");
        Ok::<_, ChatError>(())
    }
    .await;
    match result {
        Ok(()) => WsResponse::status(200),
        Err(err) => {
            log_error(&err, "$connect");
            WsResponse::status(err.http_status())
        }
    }
}

/// `$disconnect`: best effort (API Gateway ignores the response); a missed one is cleaned up by
/// the connection item's TTL.
pub async fn handle_disconnect(chat: &Chat, event: WsEvent) -> WsResponse {
    let ctx = &event.request_context;
    let result = async {
        let who = identity_from_authorizer(ctx.authorizer.as_ref())?;
        let connection_id = connection_of(&event)?;
        chat.disconnect(&who, &connection_id).await?;
        tracing::info!(client_id = %who.client_id, connection_id = %ctx.connection_id, "disconnected");
        Ok::<_, ChatError>(())
    }
    .await;
    if let Err(err) = result {
        log_error(&err, "$disconnect");
    }
    WsResponse::status(200)
}

/// `$default` (and `sendmessage`): a client frame. Answers with an ack frame once the message
/// is stored, or with an error frame; the connection stays open either way.
pub async fn handle_message(chat: &Chat, event: WsEvent) -> WsResponse {
    let ctx = &event.request_context;
    let result = async {
        let who = identity_from_authorizer(ctx.authorizer.as_ref())?;
        if event.is_base64_encoded {
            return Err(ChatError::InvalidJson);
        }
        let body = event.body.as_deref().unwrap_or("");
        match wire::parse_inbound(body, chat.settings().max_message_chars)? {
            Inbound::Send(new) => {
                let sent = chat.send(&who, new).await?;
                tracing::info!(
                    sender_id = %sent.message.sender_id,
                    receiver_id = %sent.message.receiver_id,
                    message_id = %sent.message.message_id,
                    duplicate = sent.duplicate,
                    delivered = sent.delivered,
                    gone = sent.gone,
                    failed = sent.failed,
                    "message sent"
                );
                Ok(Some(wire::ack_frame(&sent.message)))
            }
            Inbound::Sync { since, peer } => {
                let synced = chat.sync(&who, since, peer).await?;
                tracing::info!(
                    client_id = %who.client_id,
                    messages = synced.messages.len(),
                    has_more = synced.has_more,
                    "synced"
                );
                Ok(Some(wire::sync_frame(
                    &synced.messages,
                    synced.has_more,
                    synced.next_since.as_ref(),
                )))
            }
            Inbound::Typing { receiver } => {
                chat.typing(&who, &receiver).await?;
                Ok(None) // nothing goes back to the typist
            }
        }
    }
    .await;
    match result {
        Ok(Some(frame)) => WsResponse::frame(frame),
        Ok(None) => WsResponse::status(200),
        Err(err) => {
            log_error(&err, &ctx.route_key);
            WsResponse::frame(wire::error_frame(&err))
        }
    }
}
