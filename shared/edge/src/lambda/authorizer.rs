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

/// Every `Origin` value the request carried, raw (an invalid one must be refused, not taken for
/// none): API Gateway puts all of them in `multiValueHeaders` and the last in `headers`, so
/// those of `headers` not already among the former are added (two Origins are refused).
fn origin_values(event: &AuthorizerEvent) -> Vec<&[u8]> {
    let mut values: Vec<&[u8]> = event
        .multi_value_headers
        .get_all("origin")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    for value in event.headers.get_all("origin") {
        if !values.contains(&value.as_bytes()) {
            values.push(value.as_bytes());
        }
    }
    values
}

/// Allow (with the identity as context), Deny (a disallowed origin: 403), or
/// `Err(UNAUTHORIZED)` (no or bad token, or no method ARN to allow: 401).
pub async fn handle_authorizer(
    auth: &Authorizer,
    event: AuthorizerEvent,
) -> Result<AuthorizerResponse, &'static str> {
    let token = event.query_string_parameters.first("token");
    let origins = origin_values(&event);
    let method_arn = event.method_arn.as_deref().ok_or(UNAUTHORIZED)?;
    match auth.authorize_origins(token, &origins).await {
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
