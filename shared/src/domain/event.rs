//! What other systems are told: events derived from what the store recorded (the Messages and
//! Inbox tables' streams), and the offline notices they lead to. Pure values; the wire JSON
//! (`chat_edge::wire::events`, schemas in `docs/events/`) is the edge's.

use super::{ClientId, ConversationKey, EpochMillis, Message, MessageId};

/// An event and what identifies it: `id` is stable across redeliveries of the change it comes
/// from (a stream record's id, or a notice's run), so consumers can drop duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    /// When the change happened (the stream record's creation time, or the notice's check).
    pub at_ms: EpochMillis,
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A message was stored (`chat.message.created`).
    MessageCreated(Box<Message>),
    /// A stored message changed (`chat.message.updated`): `message` is its new state.
    MessageUpdated {
        message: Box<Message>,
        change: ChangeKind,
    },
    /// A reader marked a conversation read (`chat.conversation.read`).
    ConversationRead(Read),
    /// A receiver has messages waiting that nobody saw (`chat.notification.needed`).
    NotificationNeeded(Notice),
    /// A client's data was erased (`chat.client.erased`): other systems erase theirs.
    ClientErased(Box<super::Erasure>),
}

impl EventBody {
    /// EventBridge's `detail-type`.
    pub fn detail_type(&self) -> &'static str {
        match self {
            Self::MessageCreated(_) => "chat.message.created",
            Self::MessageUpdated { .. } => "chat.message.updated",
            Self::ConversationRead(_) => "chat.conversation.read",
            Self::NotificationNeeded(_) => "chat.notification.needed",
            Self::ClientErased(_) => "chat.client.erased",
        }
    }
}

/// What an update did to a message, from its previous and new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Edited,
    Deleted,
    Reactions,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edited => "edited",
            Self::Deleted => "deleted",
            Self::Reactions => "reactions",
        }
    }

    /// What changed from `old` to `new` (the same message at a higher version); `None` when
    /// nothing a reader sees changed.
    pub fn between(old: &Message, new: &Message) -> Option<Self> {
        if new.state.version <= old.state.version {
            return None;
        }
        if new.state.deleted.is_some() && old.state.deleted.is_none() {
            Some(Self::Deleted)
        } else if new.state.edited_at_ms != old.state.edited_at_ms {
            Some(Self::Edited)
        } else if new.state.reactions != old.state.reactions {
            Some(Self::Reactions)
        } else {
            None
        }
    }
}

/// `reader` read their conversation with `peer` up to `read_up_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub reader: ClientId,
    pub peer: ClientId,
    pub read_up_to: Option<MessageId>,
    pub read_at_ms: EpochMillis,
    /// How many messages the reader had not read before (the counter mark-read cleared).
    pub was_unread: u64,
}

impl Read {
    pub fn conversation(&self) -> ConversationKey {
        ConversationKey::between(&self.reader, &self.peer)
    }
}

/// Why a notice is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeReason {
    /// The receiver had no open connection when the first waiting message arrived.
    Offline,
    /// The receiver was connected but has not read it within the delay.
    Unread,
}

impl NoticeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Unread => "unread",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "offline" => Some(Self::Offline),
            "unread" => Some(Self::Unread),
            _ => None,
        }
    }
}

/// A run of unread messages from `sender` to `receiver`, starting at `first_unread`: what a
/// notice check looks at when its delay is over. One per run, however many messages it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeCheck {
    pub receiver: ClientId,
    pub sender: ClientId,
    pub first_unread: MessageId,
    pub reason: NoticeReason,
}

impl NoticeCheck {
    /// The id of the notice this check may produce: the same for every redelivery of the check.
    pub fn notice_id(&self) -> String {
        format!(
            "notice:{}:{}:{}",
            self.receiver.as_str(),
            self.sender.as_str(),
            self.first_unread.as_str()
        )
    }
}

/// `receiver` has `waiting` unread messages from `sender`, the first `first_unread`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub check: NoticeCheck,
    pub waiting: u64,
    pub last_message_id: Option<MessageId>,
}

impl Notice {
    pub fn conversation(&self) -> ConversationKey {
        ConversationKey::between(&self.check.receiver, &self.check.sender)
    }
}
