//! The gateway's authorizer. In dev-identity mode it vouches for whatever the client claims:
//! the WebSocket client id from the path and the role from `?role=`; for HTTP, the id in the
//! path (`/chat/read/{id}`, `/chat/unread/{id}`, `/chat/history/{id}/...`) and the role from an
//! `X-Chat-Role` header. Nothing is verified: the start-up banner says so.

use axum::http::{HeaderMap, StatusCode, Uri};
use chat_shared::domain::{ClientId, Role};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub enum IdentityMode {
    /// Identities are taken as claimed (development only).
    Dev,
}

impl IdentityMode {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Dev => "dev identity: client ids and roles are taken as claimed, NOT verified",
        }
    }

    /// The authorizer context for a WebSocket handshake, or the status refusing it.
    pub fn authorize_ws(
        &self,
        client_id: &str,
        query: &[(String, String)],
    ) -> Result<Value, StatusCode> {
        match self {
            Self::Dev => {
                let id = ClientId::parse(client_id).map_err(|_| StatusCode::UNAUTHORIZED)?;
                let role = match query.iter().rev().find(|(k, _)| k == "role") {
                    None => Role::User,
                    Some((_, raw)) => Role::parse(raw).ok_or(StatusCode::UNAUTHORIZED)?,
                };
                Ok(context(id.as_str(), role))
            }
        }
    }

    /// The authorizer context for an HTTP API request (`Null` when there is no identity).
    pub fn authorize_http(&self, uri: &Uri, headers: &HeaderMap) -> Result<Value, StatusCode> {
        match self {
            Self::Dev => {
                let Some(raw) = uri.path().split('/').nth(3).filter(|s| !s.is_empty()) else {
                    return Ok(Value::Null);
                };
                let id = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                let role = match headers.get("x-chat-role").map(|v| v.to_str()) {
                    None => Role::User,
                    Some(Ok(raw)) => Role::parse(raw).ok_or(StatusCode::UNAUTHORIZED)?,
                    Some(Err(_)) => return Err(StatusCode::UNAUTHORIZED),
                };
                Ok(context(&id, role))
            }
        }
    }
}

fn context(client_id: &str, role: Role) -> Value {
    json!({ "principalId": client_id, "client_id": client_id, "role": role.as_str() })
}
