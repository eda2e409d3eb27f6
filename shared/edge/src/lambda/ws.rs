//! WebSocket handlers: API Gateway WebSocket proxy events in, proxy responses out.
//! Plain async functions, so tests and chat-local call them with real event JSON.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;

use crate::context::AuthorizerContext;
use crate::wire::{self, Inbound};
use chat_shared::chat::Chat;
use chat_shared::domain::{ConnectionId, Identity};
use chat_shared::error::{log_error, ChatError};

/// An API Gateway WebSocket proxy event (`$connect`, `$disconnect`, `$default`, custom routes).
pub type WsEvent = ApiGatewayWebsocketProxyRequest;

/// A WebSocket proxy integration response. With a route response configured, API Gateway sends
/// `body` to the calling connection: that is how acks and error frames travel.
pub type WsResponse = ApiGatewayProxyResponse;

fn status(status_code: u16) -> WsResponse {
    let mut response = WsResponse::default();
    response.status_code = i64::from(status_code);
    response
}

fn frame(body: String) -> WsResponse {
    let mut response = status(200);
    response.body = Some(Body::Text(body));
    response
}

/// The frame a response carries back to the caller, if any.
pub fn frame_of(response: &WsResponse) -> Option<&str> {
    match response.body.as_ref()? {
        Body::Text(text) => Some(text),
        Body::Binary(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// The caller's identity from the authorizer context (never from the message body).
fn identity_of(event: &WsEvent) -> Result<Identity, ChatError> {
    AuthorizerContext::from_fields(&event.request_context.authorizer.fields)
        .ok_or(ChatError::Unauthorized)?
        .identity()
}

/// The connection id as sent (for logs); empty when absent.
fn raw_connection_id(event: &WsEvent) -> &str {
    event.request_context.connection_id.as_deref().unwrap_or("")
}

fn connection_of(event: &WsEvent) -> Result<ConnectionId, ChatError> {
    Ok(ConnectionId::parse(raw_connection_id(event))?)
}

/// `$connect`: 200 accepts the connection; 401 refuses it (API Gateway then fails the handshake).
pub async fn handle_connect(chat: &Chat, event: WsEvent) -> WsResponse {
    let ctx = &event.request_context;
    let result = async {
        let who = identity_of(&event)?;
        let connection_id = connection_of(&event)?;
        // Absent fields read as 0: then the request's time, then the clock.
        let at = [ctx.connected_at, ctx.request_time_epoch]
            .into_iter()
            .find(|ms| *ms > 0)
            .unwrap_or_else(|| chat.now_ms());
        chat.connect(&who, connection_id, at).await?;
        tracing::info!(client_id = %who.client_id, role = %who.role, "connected");
        tracing::debug!(connection_id = %raw_connection_id(&event), "connected");
        Ok::<_, ChatError>(())
    }
    .await;
    match result {
        Ok(()) => status(200),
        Err(err) => {
            log_error(&err, "$connect");
            status(err.http_status())
        }
    }
}

/// `$disconnect`: best effort (API Gateway ignores the response); a missed one is cleaned up by
/// the connection item's TTL.
pub async fn handle_disconnect(chat: &Chat, event: WsEvent) -> WsResponse {
    let result = async {
        let who = identity_of(&event)?;
        let connection_id = connection_of(&event)?;
        chat.disconnect(&who, &connection_id).await?;
        tracing::info!(client_id = %who.client_id, "disconnected");
        tracing::debug!(connection_id = %raw_connection_id(&event), "disconnected");
        Ok::<_, ChatError>(())
    }
    .await;
    if let Err(err) = result {
        log_error(&err, "$disconnect");
    }
    status(200)
}

/// `$default` (and `sendmessage`): a client frame. Answers with an ack frame once the message
/// is stored, or with an error frame; the connection stays open either way.
pub async fn handle_message(chat: &Chat, event: WsEvent) -> WsResponse {
    let result = async {
        let who = identity_of(&event)?;
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
            Inbound::Change(request) => {
                let action = request.change.action();
                let from = connection_of(&event).ok();
                let changed = chat.change(&who, from.as_ref(), request).await?;
                tracing::info!(
                    client_id = %who.client_id,
                    message_id = %changed.message.message_id,
                    action,
                    changed = changed.changed,
                    version = changed.message.state.version,
                    delivered = changed.outcomes.delivered,
                    "message changed"
                );
                Ok(Some(wire::change_ack_frame(
                    action,
                    &changed.message,
                    chat.now_ms(),
                )))
            }
        }
    }
    .await;
    match result {
        Ok(Some(body)) => frame(body),
        Ok(None) => status(200),
        Err(err) => {
            let route = event.request_context.route_key.as_deref().unwrap_or("");
            log_error(&err, route);
            frame(wire::error_frame(&err))
        }
    }
}
