//! Messages, connections and read state.

use std::fmt;

use serde::Serialize;

use super::{
    AppointmentId, Attachment, AttachmentId, ClientId, ConnectionId, EpochMillis, MessageId,
    MessagePreview, MessageState, Reply, Role, ServiceId, ValidationError,
};

/// Default longest message, in characters (Unicode scalar values).
pub const DEFAULT_MAX_MESSAGE_CHARS: usize = 4_000;

/// The text of a message: not blank, at most the configured length, and free of control
/// characters other than newline and tab. It is stored and returned exactly as accepted;
/// clients escape it on display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, ValidationError> {
        const FIELD: &str = "message_text";
        if raw.trim().is_empty() {
            return Err(ValidationError::new(FIELD, "must not be empty"));
        }
        // Cheap bound first: a char is at most 4 bytes.
        if raw.len() > max_chars.saturating_mul(4) || raw.chars().count() > max_chars {
            return Err(ValidationError::new(FIELD, "is too long"));
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValidationError::new(
                FIELD,
                "must not contain control characters other than newline and tab",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// No text: a deleted message's (a tombstone keeps its place, not its words).
    pub fn empty() -> Self {
        Self(String::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated request to send a message; the sender comes from the verified identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub receiver_id: ClientId,
    pub appointment_id: AppointmentId,
    pub service_id: ServiceId,
    pub message_text: MessageText,
    /// The client's idempotency key, echoed in the ack.
    pub client_msg_id: Option<String>,
    /// The message of the same conversation this one answers.
    pub reply_to: Option<MessageId>,
    /// Uploads to attach (docs/attachments.md): distinct, at most
    /// [`super::MAX_ATTACHMENTS_PER_MESSAGE`]; with any, the text may be empty.
    pub attachments: Vec<AttachmentId>,
}

/// A stored message, in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: MessageId,
    pub sender_id: ClientId,
    pub receiver_id: ClientId,
    pub appointment_id: AppointmentId,
    pub service_id: ServiceId,
    pub message_text: MessageText,
    pub client_msg_id: Option<String>,
    /// The message this one answers (stored as its id; the preview is filled in when shown).
    pub reply: Option<Reply>,
    /// Edits, deletion, reactions and the version they bring.
    pub state: MessageState,
    /// Files the message carries (none when deleted).
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// A system message (from the booking backend): its sender is the reserved
    /// [`super::SYSTEM_ID`], which no person can be, so the kind needs no attribute of its own.
    pub fn is_system(&self) -> bool {
        self.sender_id.is_system()
    }

    /// When the server accepted it; encoded in the id, so it is never stored twice.
    pub fn timestamp_ms(&self) -> EpochMillis {
        self.message_id.timestamp_ms()
    }
}

/// A stored message as a participant sees it in history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub message: Message,
    /// Whether the receiver has read it.
    pub read: bool,
}

/// One open WebSocket connection of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub connection_id: ConnectionId,
    pub client_id: ClientId,
    pub role: Role,
    pub connected_at_ms: EpochMillis,
    /// Epoch seconds after which the connection is certainly gone (DynamoDB TTL attribute).
    pub expires_at_s: i64,
}

/// The read state of one owner for one peer: how many of the peer's messages the owner has not
/// read, the newest message the peer sent (and a preview of it), the "read up to" pointer, and
/// the conversation's place in the owner's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboxEntry {
    pub unread: u64,
    pub last_message_id: Option<MessageId>,
    pub read_up_to: Option<MessageId>,
    pub read_at_ms: Option<EpochMillis>,
    /// A preview of `last_message_id`'s message, kept current when it changes.
    pub last: Option<MessagePreview>,
    /// The conversation's place in the owner's inbox (the id of the activity that put it there).
    pub activity: Option<MessageId>,
}

impl InboxEntry {
    /// Whether a message the peer sent to the owner counts as read.
    pub fn has_read(&self, id: &MessageId) -> bool {
        self.read_up_to.as_ref().is_some_and(|up_to| id <= up_to)
    }
}

pub const DEFAULT_HISTORY_LIMIT: usize = 50;
pub const MAX_HISTORY_LIMIT: usize = 100;

/// A page request for a conversation's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub limit: usize,
    /// Return only messages older than this id (the previous page's `next_cursor`).
    pub before: Option<MessageId>,
    pub appointment_id: Option<AppointmentId>,
}

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    /// The id to pass as the next page's cursor; `None` on the last page.
    pub next_cursor: Option<MessageId>,
}

/// Most messages one sync page holds (the frame is also kept under API Gateway's 128 KB).
pub const MAX_SYNC_LIMIT: usize = 100;

/// A catch-up request: the owner's messages (both directions) with ids after `since`, oldest
/// first; all conversations, or only the one with `peer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncQuery {
    pub since: Option<MessageId>,
    pub peer: Option<ClientId>,
    pub limit: usize,
}

/// One entry of a participant's catch-up feed: a message that was created (at its own id) or
/// changed (at the id of the change), in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncEntry {
    /// Where in the feed: the message's id, or the change's.
    pub position: MessageId,
    pub message: Message,
}

/// One page of catch-up, in feed order. A message changed after it was created appears at
/// each of its positions (in its current state each time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPage {
    pub entries: Vec<SyncEntry>,
    /// More entries after the last one exist (the next page starts after it).
    pub has_more: bool,
}

impl SyncPage {
    /// The entries' messages, in feed order (a message changed in the page appears again).
    pub fn messages(&self) -> Vec<Message> {
        self.entries.iter().map(|e| e.message.clone()).collect()
    }
}

pub const DEFAULT_INBOX_LIMIT: usize = 20;
pub const MAX_INBOX_LIMIT: usize = 50;

/// Where an inbox page continues: below this conversation's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxCursor {
    pub activity: MessageId,
    pub peer: ClientId,
}

/// A page request for an owner's conversations, most recent activity first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxQuery {
    pub limit: usize,
    pub after: Option<InboxCursor>,
}

/// One conversation in an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub peer: ClientId,
    /// The newest message either side sent.
    pub last: Option<MessagePreview>,
    /// Messages from the peer the owner has not read.
    pub unread: u64,
}

impl Conversation {
    /// The conversation with `peer` from both sides' entries: `mine` (the owner's: unread
    /// count, the last message the peer sent) and `theirs` (the peer's: the last message the
    /// owner sent); its last message is the newer of the two.
    pub fn of(peer: ClientId, mine: InboxEntry, theirs: InboxEntry) -> Self {
        let last = match (mine.last, theirs.last) {
            (Some(a), Some(b)) => Some(if b.message_id > a.message_id { b } else { a }),
            (a, b) => a.or(b),
        };
        Self {
            peer,
            last,
            unread: mine.unread,
        }
    }

    /// When the last message was sent (the conversation's latest activity).
    pub fn updated_at_ms(&self) -> Option<EpochMillis> {
        self.last.as_ref().map(|m| m.message_id.timestamp_ms())
    }
}

/// A page of an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxPage {
    pub conversations: Vec<Conversation>,
    pub next_cursor: Option<InboxCursor>,
}

/// The record of a send that carried a `client_msg_id`: which message id it was given, to whom,
/// a fingerprint of its content and when the first attempt started. Kept for a day, so a retry
/// within a day gets the same ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendClaim {
    pub message_id: MessageId,
    pub receiver_id: ClientId,
    pub fingerprint: u64,
    pub claimed_at_ms: EpochMillis,
}

impl NewMessage {
    /// A stable 64-bit fingerprint (FNV-1a) of what the sender asked for, to tell a retry of
    /// this send from a different message reusing its `client_msg_id`.
    pub fn fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            self.receiver_id.as_str(),
            self.appointment_id.as_str(),
            self.service_id.as_str(),
            self.message_text.as_str(),
        ] {
            for byte in part.bytes().chain([0]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        // A reply's target counts only when there is one, so fingerprints of sends without
        // one stay what they were before replies existed (they are stored).
        for byte in self
            .reply_to
            .iter()
            .flat_map(|id| id.as_str().bytes().chain([0]))
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Attachments likewise count only when there are some.
        for byte in (self.attachments.iter()).flat_map(|id| id.as_str().bytes().chain([1])) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_exactly_as_accepted() {
        let raw = "  <b>hi</b> \u{1F600}\nline two\ttab ";
        assert_eq!(MessageText::parse(raw, 100).unwrap().as_str(), raw);
    }

    #[test]
    fn text_refuses_blank_too_long_and_control_characters() {
        assert!(MessageText::parse("", 10).is_err());
        assert!(MessageText::parse(" \n\t", 10).is_err());
        assert!(MessageText::parse(&"é".repeat(11), 10).is_err());
        assert!(MessageText::parse(&"é".repeat(10), 10).is_ok());
        assert!(
            MessageText::parse("x", usize::MAX).is_ok(),
            "no overflow on huge limits"
        );
        for bad in ["a\0b", "a\rb", "a\u{7}b", "a\u{1b}[31m", "a\u{85}b"] {
            assert!(MessageText::parse(bad, 10).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fingerprint_tells_fields_apart() {
        let new = |r: &str, t: &str| NewMessage {
            receiver_id: ClientId::parse(r).unwrap(),
            appointment_id: AppointmentId::parse_field("appointment_id", "a").unwrap(),
            service_id: ServiceId::parse_field("service_id", "s").unwrap(),
            message_text: MessageText::parse(t, 100).unwrap(),
            client_msg_id: None,
            reply_to: None,
            attachments: Vec::new(),
        };
        assert_eq!(new("ab", "c").fingerprint(), new("ab", "c").fingerprint());
        assert_ne!(new("ab", "c").fingerprint(), new("a", "bc").fingerprint());
        assert_ne!(new("ab", "c").fingerprint(), new("ab", "d").fingerprint());
        // Pinned: the fingerprint is stored, so it must not change between releases.
        assert_eq!(new("ab", "c").fingerprint(), 0x518e_2da8_4e82_25bf);
    }

    #[test]
    fn read_pointer_covers_ids_up_to_and_including_it() {
        let a = MessageId::generate(1_000);
        let b = MessageId::generate(2_000);
        let entry = InboxEntry {
            read_up_to: Some(a.clone()),
            ..InboxEntry::default()
        };
        assert!(entry.has_read(&a));
        assert!(!entry.has_read(&b));
        assert!(!InboxEntry::default().has_read(&a));
    }
}
