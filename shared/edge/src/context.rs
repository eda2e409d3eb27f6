//! The authorizer context: the identity the `$connect` authorizer vouches for, which API
//! Gateway hands to every route of the connection in `requestContext.authorizer` (and to the
//! HTTP function in `requestContext.authorizer.lambda`). One type for the authorizer that
//! writes it, the handlers that read it, chat-local that emulates it, and the tests.

use std::collections::HashMap;

use chat_shared::domain::{ClientId, Identity, Role};
use chat_shared::error::ChatError;
use serde_json::Value;

/// The context as JSON fields: the authorizer response's `context`, the events' `authorizer`.
pub type Fields = HashMap<String, Value>;

const PRINCIPAL_ID: &str = "principalId";
const CLIENT_ID: &str = "client_id";
const ROLE: &str = "role";

/// `{principalId, client_id, role}`. Fields are kept as sent (not parsed): the handlers parse
/// them with [`AuthorizerContext::identity`] and refuse what does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerContext {
    /// The policy's principal, which API Gateway adds to the context it passes on; absent in
    /// the authorizer's own response (there it is the policy's top-level `principalId`).
    pub principal_id: Option<String>,
    pub client_id: String,
    pub role: String,
}

impl AuthorizerContext {
    /// The context an authorizer returns for a (claimed or verified) client and role.
    pub fn new(client_id: impl Into<String>, role: impl Into<String>) -> Self {
        Self {
            principal_id: None,
            client_id: client_id.into(),
            role: role.into(),
        }
    }

    /// The context for a verified identity.
    pub fn of(identity: &Identity) -> Self {
        Self::new(identity.client_id.as_str(), identity.role.as_str())
    }

    /// As API Gateway passes it to the routes: with the principal (the client id) added.
    pub fn with_principal_id(mut self) -> Self {
        self.principal_id = Some(self.client_id.clone());
        self
    }

    /// Reads the context from an event's authorizer fields: `client_id` (or, without it,
    /// `principalId`) and `role`, both strings. `None` when either is missing.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a String, &'a Value)>,
    ) -> Option<Self> {
        let (mut principal_id, mut client_id, mut role) = (None, None, None);
        for (key, value) in fields {
            match key.as_str() {
                PRINCIPAL_ID => principal_id = Some(value),
                CLIENT_ID => client_id = Some(value),
                ROLE => role = Some(value),
                _ => {}
            }
        }
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            client_id: text(client_id.or(principal_id))?,
            role: text(role)?,
            principal_id: text(principal_id),
        })
    }

    /// The context as JSON fields (`principalId` only when set).
    pub fn to_fields(&self) -> Fields {
        let mut fields = Fields::from([
            (CLIENT_ID.to_owned(), Value::from(self.client_id.as_str())),
            (ROLE.to_owned(), Value::from(self.role.as_str())),
        ]);
        if let Some(principal) = &self.principal_id {
            fields.insert(PRINCIPAL_ID.to_owned(), Value::from(principal.as_str()));
        }
        fields
    }

    /// The caller's identity; `Unauthorized` when the id or role does not parse.
    pub fn identity(&self) -> Result<Identity, ChatError> {
        Ok(Identity {
            client_id: ClientId::parse_person(&self.client_id)
                .map_err(|_| ChatError::Unauthorized)?,
            role: Role::parse(&self.role).ok_or(ChatError::Unauthorized)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_client_id_or_else_principal_id() {
        let ctx = AuthorizerContext::from_fields(&fields(
            json!({ "principalId": "p1", "client_id": "c1", "role": "user", "integrationLatency": 42 }),
        ))
        .unwrap();
        assert_eq!(ctx.client_id, "c1");
        assert_eq!(ctx.principal_id.as_deref(), Some("p1"));
        let ctx = AuthorizerContext::from_fields(&fields(
            json!({ "principalId": "p1", "role": "admin" }),
        ))
        .unwrap();
        assert_eq!(ctx.identity().unwrap().client_id.as_str(), "p1");
        assert!(AuthorizerContext::from_fields(&fields(json!({ "client_id": "c1" }))).is_none());
        // A client_id that is not a string is refused, not replaced by the principal.
        let odd = json!({ "principalId": "p1", "client_id": 7, "role": "user" });
        assert!(AuthorizerContext::from_fields(&fields(odd)).is_none());
    }

    #[test]
    fn round_trips_through_fields() {
        let ctx = AuthorizerContext::new("user123", "user");
        assert_eq!(
            json!(ctx.to_fields()),
            json!({ "client_id": "user123", "role": "user" })
        );
        let passed = ctx.with_principal_id();
        assert_eq!(
            json!(passed.to_fields()),
            json!({ "principalId": "user123", "client_id": "user123", "role": "user" })
        );
        assert_eq!(
            AuthorizerContext::from_fields(&passed.to_fields()),
            Some(passed)
        );
    }

    #[test]
    fn identities_that_do_not_parse_are_unauthorized() {
        assert!(AuthorizerContext::new("user123", "root")
            .identity()
            .is_err());
        assert!(AuthorizerContext::new("", "user").identity().is_err());
        assert!(AuthorizerContext::new("user123", "admin")
            .identity()
            .is_ok());
    }
}
