//! The three tables' schema, in one place: `create_tables` builds its requests from it, and
//! `tests/tests/template_schema.rs` holds `template.yaml` against it, so the two cannot drift.

use aws_sdk_dynamodb::types::{BillingMode, ProjectionType, ScalarAttributeType, StreamViewType};

use super::TableNames;

/// The TTL attribute of connection, rate-limit and send-claim items, pending uploads, and with
/// retention of messages, their change records and inbox entries.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// Messages-table indexes for catch-up: a participant's messages in id order.
pub const BY_RECEIVER_INDEX: &str = "by_receiver";
pub const BY_SENDER_INDEX: &str = "by_sender";

/// Inbox-table index: an owner's conversations by their place (most recent activity), keys
/// only, so an update that does not move a conversation writes nothing to it.
pub const BY_ACTIVITY_INDEX: &str = "by_activity";

/// Which of the three tables a schema describes (its name varies by stage or test prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableRole {
    Connections,
    Messages,
    Inbox,
}

impl TableRole {
    /// `connections`, `messages` or `inbox`: the suffix of [`TableNames::with_prefix`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connections => "connections",
            Self::Messages => "messages",
            Self::Inbox => "inbox",
        }
    }

    /// This table's name in `tables`.
    pub fn name(self, tables: &TableNames) -> &str {
        match self {
            Self::Connections => &tables.connections,
            Self::Messages => &tables.messages,
            Self::Inbox => &tables.inbox,
        }
    }
}

/// A key attribute and its type.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    pub name: &'static str,
    pub kind: ScalarAttributeType,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSchema {
    pub name: &'static str,
    pub partition_key: KeyAttribute,
    pub sort_key: KeyAttribute,
    pub projection: ProjectionType,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    pub role: TableRole,
    pub partition_key: KeyAttribute,
    pub sort_key: KeyAttribute,
    pub indexes: Vec<IndexSchema>,
    pub ttl_attribute: Option<&'static str>,
    pub billing_mode: BillingMode,
    /// The table's stream, read by the events function (`None`: no stream).
    pub stream: Option<StreamViewType>,
}

impl TableSchema {
    /// Every key attribute of the table and its indexes, each once, in first-use order
    /// (CreateTable's `AttributeDefinitions`).
    pub fn key_attributes(&self) -> Vec<&KeyAttribute> {
        let index_keys = self
            .indexes
            .iter()
            .flat_map(|index| [&index.partition_key, &index.sort_key]);
        let mut all: Vec<&KeyAttribute> = Vec::new();
        for key in [&self.partition_key, &self.sort_key]
            .into_iter()
            .chain(index_keys)
        {
            if !all.iter().any(|seen| seen.name == key.name) {
                all.push(key);
            }
        }
        all
    }
}

fn string_key(name: &'static str) -> KeyAttribute {
    KeyAttribute {
        name,
        kind: ScalarAttributeType::S,
    }
}

/// A participant's messages in id order, every attribute projected (catch-up returns whole
/// messages without a second read).
fn participant_index(name: &'static str, participant: &'static str) -> IndexSchema {
    IndexSchema {
        name,
        partition_key: string_key(participant),
        sort_key: string_key("message_id"),
        projection: ProjectionType::All,
    }
}

/// The three tables (see the table in the module docs of `store::dynamodb`), all on-demand.
pub fn tables() -> [TableSchema; 3] {
    [
        TableSchema {
            role: TableRole::Connections,
            partition_key: string_key("client_id"),
            sort_key: string_key("sk"),
            indexes: Vec::new(),
            ttl_attribute: Some(TTL_ATTRIBUTE),
            billing_mode: BillingMode::PayPerRequest,
            stream: None,
        },
        TableSchema {
            role: TableRole::Messages,
            partition_key: string_key("conversation_id"),
            sort_key: string_key("message_id"),
            indexes: vec![
                participant_index(BY_RECEIVER_INDEX, "receiver_id"),
                participant_index(BY_SENDER_INDEX, "sender_id"),
            ],
            // Send claims and pending uploads carry it; messages only with retention.
            ttl_attribute: Some(TTL_ATTRIBUTE),
            billing_mode: BillingMode::PayPerRequest,
            // Both images: an update's event says what changed (docs/events.md).
            stream: Some(StreamViewType::NewAndOldImages),
        },
        TableSchema {
            role: TableRole::Inbox,
            partition_key: string_key("owner_id"),
            sort_key: string_key("peer_id"),
            indexes: vec![IndexSchema {
                name: BY_ACTIVITY_INDEX,
                partition_key: string_key("owner_id"),
                sort_key: string_key("activity"),
                projection: ProjectionType::KeysOnly,
            }],
            // With retention, an entry expires with its conversation's last message.
            ttl_attribute: Some(TTL_ATTRIBUTE),
            billing_mode: BillingMode::PayPerRequest,
            // Both images: a read and the start of an unread run are changes of counters.
            stream: Some(StreamViewType::NewAndOldImages),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_key_attributes_are_defined_once_each() {
        let messages = &tables()[1];
        let names: Vec<&str> = messages.key_attributes().iter().map(|k| k.name).collect();
        assert_eq!(
            names,
            ["conversation_id", "message_id", "receiver_id", "sender_id"]
        );
    }
}
