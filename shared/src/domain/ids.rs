//! Identifiers that parse: once a value has one of these types it is known to be valid.
//! Hand-written on purpose: the charset and the `a#b` key are this chat's own rules (no crate's).

use std::fmt;

use serde::Serialize;

use super::ValidationError;

/// Longest accepted client, appointment or service id, in bytes.
pub const MAX_ID_LEN: usize = 128;

/// The id charset: ASCII letters and digits plus `_ - . : @ |`.
/// It covers user names, e-mail-like ids, UUIDs and Cognito/Auth0 subjects (`auth0|abc`),
/// and excludes `#` and `/`, which the storage keys and URL paths use as separators.
fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@' | '|')
}

fn parse_id(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(ValidationError::new(
            field,
            "must be at most 128 characters",
        ));
    }
    if !raw.chars().all(is_id_char) {
        return Err(ValidationError::new(
            field,
            "may contain only letters, digits and _ - . : @ |",
        ));
    }
    Ok(raw.to_owned())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses `raw`, naming `field` in the error when it is invalid.
            pub fn parse_field(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
                parse_id(field, raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A chat participant (user or administrator).
    ClientId
);
id_type!(
    /// The appointment a message is about.
    AppointmentId
);
id_type!(
    /// The service (of the booking app) a message is about.
    ServiceId
);

/// The reserved client id of system messages: what the booking backend writes into a
/// conversation is sent by `system`. No person has this id (identities naming it are refused:
/// [`ClientId::parse_person`]) and nobody writes to it.
pub const SYSTEM_ID: &str = "system";

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::parse_field("client_id", raw)
    }

    /// A person's id: as [`ClientId::parse`], and never the reserved [`SYSTEM_ID`].
    pub fn parse_person(raw: &str) -> Result<Self, ValidationError> {
        let id = Self::parse(raw)?;
        if id.is_system() {
            return Err(ValidationError::new(
                "client_id",
                "is reserved for system messages",
            ));
        }
        Ok(id)
    }

    /// The sender of system messages.
    pub fn system() -> Self {
        Self(SYSTEM_ID.to_owned())
    }

    pub fn is_system(&self) -> bool {
        self.0 == SYSTEM_ID
    }
}

/// An API Gateway connection id. Assigned by API Gateway (base64-like, e.g. `L0SM9cOFvHcCIhw=`),
/// so it is only checked for sanity, never trusted as a client identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '+' | '/' | '_' | '-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(
                "connection_id",
                "is not a connection id",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two participants of a conversation, in a canonical order, so that `a -> b` and `b -> a`
/// share one key: `"<smaller>#<larger>"`. `#` is outside the id charset, so the key is unambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationKey(String);

impl ConversationKey {
    pub fn between(a: &ClientId, b: &ClientId) -> Self {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        Self(format!("{}#{}", lo.as_str(), hi.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `client` is one of the two participants.
    pub fn includes(&self, client: &ClientId) -> bool {
        self.0
            .split_once('#')
            .is_some_and(|(a, b)| a == client.as_str() || b == client.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_charset() {
        for ok in [
            "user123",
            "admin-456",
            "a.b@c.d",
            "auth0|abc",
            "us-east-1:9f1c",
            "A_Z",
        ] {
            assert!(ClientId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_empty_long_and_foreign_characters() {
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse(&"x".repeat(129)).is_err());
        assert!(ClientId::parse(&"x".repeat(128)).is_ok());
        for bad in ["a#b", "a/b", "a b", "é", "a\0", "<script>", "a\n"] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn conversation_key_is_the_same_both_ways() {
        let a = ClientId::parse("zed").unwrap();
        let b = ClientId::parse("amy").unwrap();
        assert_eq!(
            ConversationKey::between(&a, &b),
            ConversationKey::between(&b, &a)
        );
        assert_eq!(ConversationKey::between(&a, &b).as_str(), "amy#zed");
    }

    #[test]
    fn connection_ids_look_like_api_gateway_ones() {
        assert!(ConnectionId::parse("L0SM9cOFvHcCIhw=").is_ok());
        assert!(ConnectionId::parse("").is_err());
        assert!(ConnectionId::parse("a#b").is_err());
    }
}
