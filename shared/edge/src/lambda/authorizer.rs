//! The `$connect` Lambda REQUEST authorizer: verifies the token in `?token=` (browsers cannot
//! set headers on a WebSocket) and the `Origin` allowlist, and hands API Gateway the identity
//! ([`AuthorizerContext`]) that every route of the connection then receives in
//! `requestContext.authorizer`. The token is never logged.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};

use crate::auth::{AuthError, Authorizer};
use crate::context::{AuthorizerContext, Fields};

/// An API Gateway (WebSocket) REQUEST authorizer event.
pub type AuthorizerEvent = ApiGatewayCustomAuthorizerRequestTypeRequest;

/// The policy API Gateway applies, with the context it passes on.
pub type AuthorizerResponse = ApiGatewayCustomAuthorizerResponse<Fields>;

/// The error message API Gateway turns into a 401.
pub const UNAUTHORIZED: &str = "Unauthorized";

fn policy(
    principal: &str,
    effect: IamPolicyEffect,
    resource: &str,
    context: Fields,
) -> AuthorizerResponse {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_owned()];
    statement.effect = effect;
    statement.resource = vec![resource.to_owned()];
    let mut document = ApiGatewayCustomAuthorizerPolicy::default();
    document.version = Some("2012-10-17".to_owned());
    document.statement = vec![statement];
    let mut response = AuthorizerResponse::default();
    response.principal_id = Some(principal.to_owned());
    response.policy_document = document;
    response.context = context;
    response
}

/// Allow (with the identity as context), Deny (a disallowed origin: 403), or
/// `Err(UNAUTHORIZED)` (no or bad token, or no method ARN to allow: 401).
pub async fn handle_authorizer(
    auth: &Authorizer,
    event: AuthorizerEvent,
) -> Result<AuthorizerResponse, &'static str> {
    let token = event.query_string_parameters.first("token");
    // Lossy, not `to_str`: an origin that is not ASCII must be refused, not taken for none.
    let origin = event
        .headers
        .get("origin")
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    let method_arn = event.method_arn.as_deref().ok_or(UNAUTHORIZED)?;
    match auth.authorize(token, origin.as_deref()).await {
        Ok(identity) => {
            tracing::info!(client_id = %identity.client_id, role = %identity.role, "connection authorized");
            Ok(policy(
                identity.client_id.as_str(),
                IamPolicyEffect::Allow,
                method_arn,
                AuthorizerContext::of(&identity).to_fields(),
            ))
        }
        Err(AuthError::Origin) => {
            tracing::info!(auth = "origin", "connection denied");
            Ok(policy(
                "anonymous",
                IamPolicyEffect::Deny,
                method_arn,
                Fields::new(),
            ))
        }
        Err(err) => {
            tracing::info!(auth = err.kind(), "connection unauthorized");
            Err(UNAUTHORIZED)
        }
    }
}
