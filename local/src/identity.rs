//! The gateway's authorizer.
//!
//! - `Dev`: vouches for whatever the client claims: the WebSocket client id from the path and
//!   the role from `?role=`; for HTTP, the path's owner in the route table
//!   ([`chat_edge::routes::Route::owner`]: `/chat/read/{id}`, `/chat/unread/{id}`,
//!   `/chat/history/{id}/...`) and the role from an `X-Chat-Role` header (and the caller from `X-Chat-Client`, when it is not the path's owner). Nothing is verified:
//!   the start-up banner says so.
//! - `Jwt`: what the deployed stack does. The WebSocket handshake runs the same `Authorizer`
//!   as the `$connect` authorizer function (`?token=`, `Origin` allowlist); HTTP requests carry
//!   `Authorization: Bearer <token>`, which the HTTP function verifies.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, Uri};
use chat_edge::auth::{AuthError, Authorizer};
use chat_edge::context::AuthorizerContext;
use chat_edge::routes::Route;
use chat_shared::domain::{ClientId, Role};

#[derive(Clone)]
pub enum IdentityMode {
    /// Identities are taken as claimed (development only).
    Dev,
    /// Identities come from verified tokens.
    Jwt(Arc<Authorizer>),
}

impl std::fmt::Debug for IdentityMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dev => "Dev",
            Self::Jwt(_) => "Jwt",
        })
    }
}

impl IdentityMode {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Dev => "dev identity: client ids and roles are taken as claimed, NOT verified",
            Self::Jwt(_) => {
                "JWT: WebSocket ?token=, HTTP Authorization: Bearer; identities are verified"
            }
        }
    }

    /// The token verifier the HTTP function uses (JWT mode).
    pub fn http_verifier(&self) -> Option<Arc<Authorizer>> {
        match self {
            Self::Dev => None,
            Self::Jwt(auth) => Some(auth.clone()),
        }
    }

    /// The authorizer context for a WebSocket handshake (as API Gateway passes it to the
    /// routes), or the status refusing it. `path_client_id` is the `{client_id}` of
    /// `/ws/{client_id}`, if the client used that form.
    pub async fn authorize_ws(
        &self,
        path_client_id: Option<&str>,
        query: &[(String, String)],
        headers: &HeaderMap,
    ) -> Result<AuthorizerContext, StatusCode> {
        let param = |name: &str| {
            query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        match self {
            Self::Dev => {
                let raw = path_client_id.ok_or(StatusCode::UNAUTHORIZED)?;
                let id = ClientId::parse_person(raw).map_err(|_| StatusCode::UNAUTHORIZED)?;
                let role = match param("role") {
                    None => Role::User,
                    Some(raw) => Role::parse(raw).ok_or(StatusCode::UNAUTHORIZED)?,
                };
                Ok(AuthorizerContext::new(id.as_str(), role.as_str()).with_principal_id())
            }
            Self::Jwt(auth) => {
                // Every Origin, raw: a second or a non-text one is refused, not skipped.
                let origins: Vec<&[u8]> = headers
                    .get_all("origin")
                    .iter()
                    .map(|v| v.as_bytes())
                    .collect();
                let result = auth
                    .authorize_origins(param("token"), &origins)
                    .await
                    .and_then(|who| match path_client_id {
                        Some(claimed) if claimed != who.client_id.as_str() => {
                            Err(AuthError::WrongClient)
                        }
                        _ => Ok(who),
                    });
                match result {
                    Ok(who) => Ok(AuthorizerContext::of(&who).with_principal_id()),
                    Err(err) => {
                        tracing::info!(auth = err.kind(), "handshake refused");
                        Err(StatusCode::from_u16(err.http_status())
                            .unwrap_or(StatusCode::UNAUTHORIZED))
                    }
                }
            }
        }
    }

    /// The authorizer context for an HTTP API request (`None` when there is none: in JWT mode
    /// the HTTP function verifies the bearer token itself; in dev mode, a path with no owner).
    pub fn authorize_http(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Option<AuthorizerContext>, StatusCode> {
        match self {
            Self::Jwt(_) => Ok(None),
            Self::Dev => {
                let Some(route) = Route::of_path(uri.path()) else {
                    return Ok(None);
                };
                let role = match headers.get("x-chat-role").map(|v| v.to_str()) {
                    None => Role::User,
                    Some(Ok(raw)) => Role::parse(raw).ok_or(StatusCode::UNAUTHORIZED)?,
                    Some(Err(_)) => return Err(StatusCode::UNAUTHORIZED),
                };
                // The path's owner, unless `X-Chat-Client` names someone else: an
                // administrator exporting or erasing a client is not the path's owner.
                let named = match headers.get("x-chat-client").map(|v| v.to_str()) {
                    None => None,
                    Some(Ok(raw)) => Some(raw),
                    Some(Err(_)) => return Err(StatusCode::UNAUTHORIZED),
                };
                let Some(owner) = route.owner() else {
                    return Ok(None);
                };
                let context = AuthorizerContext::new(named.unwrap_or(owner), role.as_str());
                Ok(Some(context.with_principal_id()))
            }
        }
    }
}
