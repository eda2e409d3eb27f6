//! Who calls an HTTP API route: a person, from an API Gateway authorizer's context or a Bearer
//! token verified here, or the booking backend, from the SigV4 signer API Gateway vouches for.

use chat_shared::domain::{ClientId, Identity, Role};
use chat_shared::error::ChatError;
use chat_shared::principal::BackendPrincipal;

use super::http::HttpRequest;
use crate::auth::Authorizer;
use crate::context::AuthorizerContext;

/// The caller's identity from the HTTP API authorizer: a Lambda authorizer's context
/// ([`AuthorizerContext`]) or a JWT authorizer's claims (`sub` and `role` or `custom:role`).
pub fn identity_from_request(request: &HttpRequest) -> Result<Identity, ChatError> {
    let authorizer =
        (request.request_context.authorizer.as_ref()).ok_or(ChatError::Unauthorized)?;
    if let Some(context) = AuthorizerContext::from_fields(&authorizer.fields) {
        return context.identity();
    }
    let claims = &authorizer
        .jwt
        .as_ref()
        .ok_or(ChatError::Unauthorized)?
        .claims;
    let id = claims.get("sub").ok_or(ChatError::Unauthorized)?;
    let role = (claims.get("role").or_else(|| claims.get("custom:role")))
        .ok_or(ChatError::Unauthorized)?;
    Ok(Identity {
        client_id: ClientId::parse_person(id).map_err(|_| ChatError::Unauthorized)?,
        role: Role::parse(role).ok_or(ChatError::Unauthorized)?,
    })
}

/// The caller's identity: an API Gateway authorizer's context when there is one, otherwise an
/// `Authorization: Bearer <JWT>` header verified by `auth`. Without either: 401.
pub(super) async fn caller(
    request: &HttpRequest,
    auth: Option<&Authorizer>,
) -> Result<Identity, ChatError> {
    if let Ok(identity) = identity_from_request(request) {
        return Ok(identity);
    }
    let Some(auth) = auth else {
        return Err(ChatError::Unauthorized);
    };
    let token = request
        .headers
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

/// The booking backend, as API Gateway's IAM authorization vouches for it: the route's SigV4
/// signature is checked by API Gateway, which passes the signer in
/// `requestContext.authorizer.iam.userArn`; the signer must be `principal`. Tokens and
/// authorizer contexts never count here: without a signer 401, another signer (or no
/// configured backend) 403.
pub(super) fn backend(
    request: &HttpRequest,
    principal: Option<&BackendPrincipal>,
    refusal: &'static str,
) -> Result<(), ChatError> {
    let signer = (request.request_context.authorizer.as_ref())
        .and_then(|authorizer| authorizer.iam.as_ref())
        .and_then(|iam| iam.user_arn.as_deref())
        .ok_or(ChatError::Unauthorized)?;
    match principal {
        Some(principal) if principal.matches(signer) => Ok(()),
        _ => {
            tracing::info!(auth = "not_the_backend", "backend route refused");
            Err(ChatError::Forbidden(refusal))
        }
    }
}
