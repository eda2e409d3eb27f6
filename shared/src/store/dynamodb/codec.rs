//! Items and domain types. Each kind of item is a small serde struct converted by `serde_dynamo`;
//! its field names are the stored attribute names (the tests below pin the stored format, which
//! must not change between releases).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::PROFILE_SK;
use crate::domain::{
    ClientId, Connection, ConnectionId, InboxEntry, Message, MessageId, Role, SendClaim,
};
use crate::store::StoreError;

pub(super) type Item = HashMap<String, AttributeValue>;

// Keys and expression values are single attributes: these read better than a serde round trip.
pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn to_item(value: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::backend("encode_item", e))
}

pub(super) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt("item"))
}

pub(super) fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn parse_role(raw: &str) -> Result<Role, StoreError> {
    Role::parse(raw).ok_or_else(|| StoreError::Corrupt("unknown role".into()))
}

pub(super) fn message_id(raw: &str, what: &'static str) -> Result<MessageId, StoreError> {
    MessageId::parse(raw).map_err(corrupt(what))
}

pub(super) fn client_id(raw: &str, what: &'static str) -> Result<ClientId, StoreError> {
    ClientId::parse(raw).map_err(corrupt(what))
}

/// A client's profile in the Connections table: the role it last connected with.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ProfileItem {
    client_id: String,
    sk: String,
    role: String,
    updated_at_ms: i64,
}

impl ProfileItem {
    pub(super) fn new(connection: &Connection) -> Self {
        Self {
            client_id: connection.client_id.as_str().to_owned(),
            sk: PROFILE_SK.to_owned(),
            role: connection.role.as_str().to_owned(),
            updated_at_ms: connection.connected_at_ms,
        }
    }
}

/// One open connection in the Connections table (`sk` is the connection id).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ConnectionItem {
    client_id: String,
    sk: String,
    role: String,
    connected_at_ms: i64,
    /// [`TTL_ATTRIBUTE`](super::TTL_ATTRIBUTE).
    pub(super) expires_at: i64,
}

impl ConnectionItem {
    pub(super) fn new(connection: &Connection) -> Self {
        Self {
            client_id: connection.client_id.as_str().to_owned(),
            sk: connection.connection_id.as_str().to_owned(),
            role: connection.role.as_str().to_owned(),
            connected_at_ms: connection.connected_at_ms,
            expires_at: connection.expires_at_s,
        }
    }

    pub(super) fn into_connection(self, client_id: &ClientId) -> Result<Connection, StoreError> {
        Ok(Connection {
            connection_id: ConnectionId::parse(&self.sk).map_err(corrupt("connection id"))?,
            client_id: client_id.clone(),
            role: parse_role(&self.role)?,
            connected_at_ms: self.connected_at_ms,
            expires_at_s: self.expires_at,
        })
    }
}

/// The kinds of item in a client's partition of the Connections table.
pub(super) enum ClientItem {
    Profile(Role),
    Connection(ConnectionItem),
    /// Other per-client state (the rate limit).
    Other,
}

pub(super) fn client_item(item: Item) -> Result<ClientItem, StoreError> {
    // The sort key tells the kinds apart, so it is read before choosing a struct.
    let (profile, other) = match item.get("sk") {
        Some(AttributeValue::S(sk)) => (sk == PROFILE_SK, sk.starts_with('#')),
        _ => return Err(StoreError::Corrupt("attribute sk missing".into())),
    };
    Ok(if profile {
        let profile: ProfileItem = from_item(item)?;
        ClientItem::Profile(parse_role(&profile.role)?)
    } else if other {
        ClientItem::Other
    } else {
        ClientItem::Connection(from_item(item)?)
    })
}

mod message;
mod privacy;
mod upload;
pub(super) use message::{
    change_partition, feed_item, ChangeItem, FeedItem, LastItem, MessageItem,
};
pub(super) use privacy::{erasure_partition, ErasureItem, ERASURE_SK};
pub(super) use upload::{upload_partition, UploadItem, UPLOAD_SK};

pub(super) fn message_from_item(item: Item) -> Result<Message, StoreError> {
    from_item::<MessageItem>(item)?.into_message()
}

/// The key a history page resumes after (a Messages-table `LastEvaluatedKey`).
#[derive(Debug, Deserialize)]
struct MessageKey {
    message_id: String,
}

pub(super) fn key_message_id(key: Item) -> Result<MessageId, StoreError> {
    message_id(&from_item::<MessageKey>(key)?.message_id, "cursor")
}

/// The partition of `sender`'s send claims in the Messages table. Conversation keys never
/// start with `#` (client ids cannot contain it), so the two cannot collide, and claim items
/// carry no `sender_id`/`receiver_id`, so the indexes never see them.
pub(super) fn claims_partition(sender: &ClientId) -> String {
    format!("#sent#{}", sender.as_str())
}

/// A send claim in the Messages table: `message_id` is the sender's `client_msg_id`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ClaimItem {
    conversation_id: String,
    message_id: String,
    claimed_message_id: String,
    claimed_receiver_id: String,
    fingerprint: u64,
    claimed_at_ms: i64,
    /// [`TTL_ATTRIBUTE`](super::TTL_ATTRIBUTE).
    expires_at: i64,
}

impl ClaimItem {
    pub(super) fn new(sender: &ClientId, key: &str, claim: &SendClaim, expires_at_s: i64) -> Self {
        Self {
            conversation_id: claims_partition(sender),
            message_id: key.to_owned(),
            claimed_message_id: claim.message_id.as_str().to_owned(),
            claimed_receiver_id: claim.receiver_id.as_str().to_owned(),
            fingerprint: claim.fingerprint,
            claimed_at_ms: claim.claimed_at_ms,
            expires_at: expires_at_s,
        }
    }

    pub(super) fn into_claim(self) -> Result<SendClaim, StoreError> {
        Ok(SendClaim {
            message_id: message_id(&self.claimed_message_id, "claimed_message_id")?,
            receiver_id: client_id(&self.claimed_receiver_id, "claimed_receiver_id")?,
            fingerprint: self.fingerprint,
            claimed_at_ms: self.claimed_at_ms,
        })
    }
}

/// An owner's read state for one peer in the Inbox table (written only by update expressions).
#[derive(Debug, Deserialize)]
pub(super) struct InboxItem {
    pub(super) owner_id: String,
    pub(super) peer_id: String,
    unread: Option<i64>,
    last_message_id: Option<String>,
    read_up_to: Option<String>,
    read_at_ms: Option<i64>,
    /// A preview of `last_message_id`'s message (sent by `peer_id`).
    last: Option<LastItem>,
    /// The conversation's place in the owner's inbox (the `by_activity` index's sort key).
    activity: Option<String>,
}

impl InboxItem {
    pub(super) fn into_entry(self) -> Result<InboxEntry, StoreError> {
        let id = |raw: Option<String>| {
            raw.map(|raw| message_id(&raw, "inbox message id"))
                .transpose()
        };
        let last_message_id = id(self.last_message_id)?;
        let last = match (self.last, &last_message_id) {
            (Some(last), Some(id)) => {
                Some(last.into_preview(id.clone(), client_id(&self.peer_id, "peer_id")?)?)
            }
            _ => None,
        };
        Ok(InboxEntry {
            unread: self.unread.unwrap_or(0).max(0) as u64,
            last_message_id,
            read_up_to: id(self.read_up_to)?,
            read_at_ms: self.read_at_ms,
            last,
            activity: id(self.activity)?,
        })
    }
}

/// An entry of the Inbox's `by_activity` index (keys only): whose inbox, which peer, where.
#[derive(Debug, Deserialize)]
pub(super) struct PlaceItem {
    peer_id: String,
    activity: String,
}

impl PlaceItem {
    pub(super) fn into_place(self) -> Result<(MessageId, ClientId), StoreError> {
        Ok((
            message_id(&self.activity, "activity")?,
            client_id(&self.peer_id, "peer_id")?,
        ))
    }
}

/// The projection (`peer_id, unread`) an unread-counts query reads.
#[derive(Debug, Deserialize)]
pub(super) struct UnreadItem {
    peer_id: String,
    unread: i64,
}

impl UnreadItem {
    pub(super) fn into_count(self) -> Result<(ClientId, u64), StoreError> {
        Ok((
            client_id(&self.peer_id, "peer_id")?,
            self.unread.max(0) as u64,
        ))
    }
}

/// The stored format, pinned attribute by attribute.
#[cfg(test)]
mod tests;
