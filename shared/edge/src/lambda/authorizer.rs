//! The `$connect` Lambda REQUEST authorizer: verifies the token in `?token=` (browsers cannot
//! set headers on a WebSocket) and the `Origin` allowlist, and hands API Gateway the identity
//! (`client_id`, `role`) that every route of the connection then receives in
//! `requestContext.authorizer`. The token is never logged.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{context_of, AuthError, Authorizer};

/// An API Gateway (WebSocket) REQUEST authorizer event; only what is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerEvent {
    pub method_arn: String,
    #[serde(default)]
    pub headers: Option<HashMap<String, String>>,
    #[serde(default)]
    pub query_string_parameters: Option<HashMap<String, String>>,
}

/// The error message API Gateway turns into a 401.
pub const UNAUTHORIZED: &str = "Unauthorized";

fn header<'a>(event: &'a AuthorizerEvent, name: &str) -> Option<&'a str> {
    event
        .headers
        .as_ref()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn policy(principal: &str, effect: &str, resource: &str, context: Value) -> Value {
    json!({
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": effect,
                "Resource": resource,
            }],
        },
        "context": context,
    })
}

/// Allow (with the identity as context), Deny (a disallowed origin: 403), or
/// `Err(UNAUTHORIZED)` (no or bad token: 401).
pub async fn handle_authorizer(
    auth: &Authorizer,
    event: AuthorizerEvent,
) -> Result<Value, &'static str> {
    let token = event
        .query_string_parameters
        .as_ref()
        .and_then(|q| q.get("token"))
        .map(String::as_str);
    match auth.authorize(token, header(&event, "origin")).await {
        Ok(identity) => {
            tracing::info!(client_id = %identity.client_id, role = %identity.role, "connection authorized");
            Ok(policy(
                identity.client_id.as_str(),
                "Allow",
                &event.method_arn,
                context_of(&identity),
            ))
        }
        Err(AuthError::Origin) => {
            tracing::info!(auth = "origin", "connection denied");
            Ok(policy("anonymous", "Deny", &event.method_arn, json!({})))
        }
        Err(err) => {
            tracing::info!(auth = err.kind(), "connection unauthorized");
            Err(UNAUTHORIZED)
        }
    }
}
