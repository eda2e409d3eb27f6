//! Message items, change records and message previews in the Messages and Inbox tables.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::upload::AttachmentItem;
use super::{client_id, corrupt, from_item, message_id, Item};
use crate::domain::{
    AppointmentId, ClientId, ConversationKey, Deletion, Emoji, Message, MessageId, MessagePreview,
    MessageState, MessageText, Reactions, Reply, ServiceId,
};
use crate::store::StoreError;

/// A message in the Messages table, under its conversation. Attributes of a message that never
/// changed are exactly those of a message stored before messages could change.
#[derive(Debug, Serialize, Deserialize)]
pub(in super::super) struct MessageItem {
    conversation_id: String,
    message_id: String,
    sender_id: String,
    receiver_id: String,
    appointment_id: String,
    service_id: String,
    /// Absent once the message is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    /// Absent for version 1 (a message never changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    edited_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted_at_ms: Option<i64>,
    /// Emoji to reactors, in the order they reacted; absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reactions: Option<BTreeMap<String, Vec<String>>>,
    /// Absent when the message has none (and once it is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attachments: Option<Vec<AttachmentItem>>,
    /// The TTL attribute, with retention only: the message's own time plus the retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl MessageItem {
    pub(in super::super) fn new(message: &Message) -> Self {
        let conversation = ConversationKey::between(&message.sender_id, &message.receiver_id);
        let state = &message.state;
        let text = message.message_text.as_str();
        let reactions = (!state.reactions.is_empty()).then(|| {
            (state.reactions.0.iter())
                .map(|(emoji, by)| {
                    let by = by.iter().map(|c| c.as_str().to_owned()).collect();
                    (emoji.as_str().to_owned(), by)
                })
                .collect()
        });
        Self {
            conversation_id: conversation.as_str().to_owned(),
            message_id: message.message_id.as_str().to_owned(),
            sender_id: message.sender_id.as_str().to_owned(),
            receiver_id: message.receiver_id.as_str().to_owned(),
            appointment_id: message.appointment_id.as_str().to_owned(),
            service_id: message.service_id.as_str().to_owned(),
            message_text: (!text.is_empty()).then(|| text.to_owned()),
            client_msg_id: message.client_msg_id.clone(),
            reply_to: message.reply.as_ref().map(|r| r.to.as_str().to_owned()),
            version: (state.version > 1).then_some(state.version),
            edited_at_ms: state.edited_at_ms,
            deleted_by: state.deleted.as_ref().map(|d| d.by.as_str().to_owned()),
            deleted_at_ms: state.deleted.as_ref().map(|d| d.at_ms),
            reactions,
            attachments: (!message.attachments.is_empty()).then(|| {
                message
                    .attachments
                    .iter()
                    .map(AttachmentItem::new)
                    .collect()
            }),
            expires_at: None,
        }
    }

    /// The same item, expiring at `expires_at` (epoch seconds) when set.
    pub(in super::super) fn expiring(mut self, expires_at: Option<i64>) -> Self {
        self.expires_at = expires_at;
        self
    }

    pub(in super::super) fn into_message(self) -> Result<Message, StoreError> {
        let deleted = match (self.deleted_by, self.deleted_at_ms) {
            (Some(by), Some(at_ms)) => Some(Deletion {
                by: client_id(&by, "deleted_by")?,
                at_ms,
            }),
            _ => None,
        };
        let mut reactions = Reactions::default();
        for (emoji, by) in self.reactions.unwrap_or_default() {
            let emoji = Emoji::parse(&emoji).map_err(corrupt("reaction"))?;
            let by = by
                .iter()
                .map(|c| client_id(c, "reactor"))
                .collect::<Result<_, _>>()?;
            reactions.0.insert(emoji, by);
        }
        let reply = match self.reply_to {
            Some(to) => Some(Reply {
                to: message_id(&to, "reply_to")?,
                preview: None,
            }),
            None => None,
        };
        // Stored text was validated on the way in; it is returned exactly as stored.
        let message_text = match self.message_text {
            Some(text) => {
                MessageText::parse(&text, usize::MAX / 4).map_err(corrupt("message_text"))?
            }
            None => MessageText::empty(),
        };
        let attachments = (self.attachments.unwrap_or_default().into_iter())
            .map(AttachmentItem::into_attachment)
            .collect::<Result<_, _>>()?;
        Ok(Message {
            attachments,
            message_id: message_id(&self.message_id, "message_id")?,
            sender_id: client_id(&self.sender_id, "sender_id")?,
            receiver_id: client_id(&self.receiver_id, "receiver_id")?,
            appointment_id: AppointmentId::parse_field("appointment_id", &self.appointment_id)
                .map_err(corrupt("appointment_id"))?,
            service_id: ServiceId::parse_field("service_id", &self.service_id)
                .map_err(corrupt("service_id"))?,
            message_text,
            client_msg_id: self.client_msg_id,
            reply,
            state: MessageState {
                version: self.version.unwrap_or(1),
                edited_at_ms: self.edited_at_ms,
                deleted,
                reactions,
            },
        })
    }
}

/// The partition of a conversation's change records. Conversation keys never start with `#`,
/// so change records never mix with messages (history never sees them); they carry the
/// participants' ids, so the catch-up indexes list them at their change id.
pub(in super::super) fn change_partition(conversation: &ConversationKey) -> String {
    format!("#chg#{}", conversation.as_str())
}

/// A change record: at feed position `message_id` (the change id), message `changed` of this
/// conversation changed. No content: catch-up reads the message itself.
#[derive(Debug, Serialize, Deserialize)]
pub(in super::super) struct ChangeItem {
    conversation_id: String,
    message_id: String,
    sender_id: String,
    receiver_id: String,
    changed: String,
    /// With retention: expires with the message it points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl ChangeItem {
    pub(in super::super) fn new(change_id: &MessageId, message: &Message) -> Self {
        let conversation = ConversationKey::between(&message.sender_id, &message.receiver_id);
        Self {
            conversation_id: change_partition(&conversation),
            message_id: change_id.as_str().to_owned(),
            sender_id: message.sender_id.as_str().to_owned(),
            receiver_id: message.receiver_id.as_str().to_owned(),
            changed: message.message_id.as_str().to_owned(),
            expires_at: None,
        }
    }

    pub(in super::super) fn expiring(mut self, expires_at: Option<i64>) -> Self {
        self.expires_at = expires_at;
        self
    }
}

/// An item of a catch-up index: a message, or a change record pointing at one.
pub(in super::super) enum FeedItem {
    Message(Box<Message>),
    Change {
        position: MessageId,
        sender: ClientId,
        receiver: ClientId,
        changed: MessageId,
    },
}

pub(in super::super) fn feed_item(item: Item) -> Result<FeedItem, StoreError> {
    if !item.contains_key("changed") {
        return Ok(FeedItem::Message(Box::new(super::message_from_item(item)?)));
    }
    let change: ChangeItem = from_item(item)?;
    Ok(FeedItem::Change {
        position: message_id(&change.message_id, "change id")?,
        sender: client_id(&change.sender_id, "sender_id")?,
        receiver: client_id(&change.receiver_id, "receiver_id")?,
        changed: message_id(&change.changed, "changed")?,
    })
}

/// The preview of an owner's last message from a peer, kept on the Inbox item (the id and the
/// sender are the item's `last_message_id` and `peer_id`).
#[derive(Debug, Serialize, Deserialize)]
pub(in super::super) struct LastItem {
    appointment_id: String,
    service_id: String,
    text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    edited: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    /// Absent for version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
}

impl LastItem {
    pub(in super::super) fn new(preview: &MessagePreview) -> Self {
        Self {
            appointment_id: preview.appointment_id.as_str().to_owned(),
            service_id: preview.service_id.as_str().to_owned(),
            text: preview.text.clone(),
            edited: preview.edited,
            deleted: preview.deleted,
            version: (preview.version > 1).then_some(preview.version),
        }
    }

    pub(in super::super) fn into_preview(
        self,
        message_id: MessageId,
        sender_id: ClientId,
    ) -> Result<MessagePreview, StoreError> {
        Ok(MessagePreview {
            message_id,
            sender_id,
            appointment_id: AppointmentId::parse_field("appointment_id", &self.appointment_id)
                .map_err(corrupt("appointment_id"))?,
            service_id: ServiceId::parse_field("service_id", &self.service_id)
                .map_err(corrupt("service_id"))?,
            text: self.text,
            edited: self.edited,
            deleted: self.deleted,
            version: self.version.unwrap_or(1),
        })
    }
}
