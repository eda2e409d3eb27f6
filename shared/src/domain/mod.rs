//! The chat's domain: identities, messages, read state and the rules between them.
//! Nothing here knows about AWS, HTTP or WebSocket.

mod attachment;
mod change;
mod event;
mod ids;
mod message;
mod outbound;
mod privacy;
mod time;

pub use attachment::{
    Attachment, AttachmentId, AttachmentRefusal, FileName, FileType, Upload, UploadRefused,
    UploadRequest, UploadState, DOWNLOAD_URL_TTL_S, MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_ATTACHMENT_BYTES, PENDING_UPLOAD_TTL_S, SNIFF_BYTES, UPLOAD_URL_TTL_S,
};
pub use change::{
    preview_text, Change, Deletion, Emoji, MessagePreview, MessageState, Reactions, Refusal, Reply,
    EDIT_WINDOW_MS, MAX_EMOJI_BYTES, MAX_REACTIONS, PREVIEW_CHARS,
};
pub use event::{ChangeKind, Event, EventBody, Notice, NoticeCheck, NoticeReason, Read};
pub use ids::{
    AppointmentId, ClientId, ConnectionId, ConversationKey, ServiceId, MAX_ID_LEN, SYSTEM_ID,
};
pub use message::{
    Connection, Conversation, HistoryPage, HistoryQuery, InboxCursor, InboxEntry, InboxPage,
    InboxQuery, Message, MessageText, NewMessage, SendClaim, StoredMessage, SyncEntry, SyncPage,
    SyncQuery, DEFAULT_HISTORY_LIMIT, DEFAULT_INBOX_LIMIT, DEFAULT_MAX_MESSAGE_CHARS,
    MAX_HISTORY_LIMIT, MAX_INBOX_LIMIT, MAX_SYNC_LIMIT,
};
pub use outbound::Outbound;
pub use privacy::{
    ClientRecords, Direction, Erasure, ErasureCounts, ErasurePhase, ExportCursor, ExportPage,
    ExportedFile, MessagesOf, Requester, Retention, ERASURE_STEP_ITEMS, ERASURE_STEP_MESSAGES,
    EXPORT_PAGE_MESSAGES,
};
pub use time::{rfc3339_millis, Clock, EpochMillis, MessageId, SystemClock};

use std::fmt;

/// Input that breaks a rule of the domain. The text is safe to show to the client: it names the
/// field and the rule, never echoes the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {rule}")]
pub struct ValidationError {
    pub field: &'static str,
    pub rule: &'static str,
}

impl ValidationError {
    pub fn new(field: &'static str, rule: &'static str) -> Self {
        Self { field, rule }
    }
}

/// What a participant is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "user" => Some(Self::User),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified caller: who they are and their role, as vouched for by the authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub client_id: ClientId,
    pub role: Role,
}

/// The authorization rules. Each returns `true` when the action is allowed.
pub mod policy {
    use super::{ClientId, Identity, Role};

    /// A user writes to administrators; an administrator writes to anyone.
    /// `receiver_role` is `None` for a client the system has never seen.
    pub fn may_send(sender: &Identity, receiver_role: Option<Role>) -> bool {
        match sender.role {
            Role::Admin => true,
            Role::User => receiver_role == Some(Role::Admin),
        }
    }

    /// Only the reader marks their own messages read.
    pub fn may_mark_read(caller: &Identity, reader: &ClientId) -> bool {
        &caller.client_id == reader
    }

    /// A conversation's history is visible to its two participants and to administrators.
    pub fn may_read_history(caller: &Identity, a: &ClientId, b: &ClientId) -> bool {
        caller.role == Role::Admin || &caller.client_id == a || &caller.client_id == b
    }

    /// Unread counts are visible only to their owner.
    pub fn may_read_unread(caller: &Identity, reader: &ClientId) -> bool {
        &caller.client_id == reader
    }

    /// An inbox is visible only to its owner.
    pub fn may_read_inbox(caller: &Identity, owner: &ClientId) -> bool {
        &caller.client_id == owner
    }
}

#[cfg(test)]
mod tests {
    use super::policy::*;
    use super::*;

    fn who(id: &str, role: Role) -> Identity {
        Identity {
            client_id: ClientId::parse(id).unwrap(),
            role,
        }
    }

    #[test]
    fn users_write_only_to_administrators() {
        let user = who("u1", Role::User);
        assert!(may_send(&user, Some(Role::Admin)));
        assert!(!may_send(&user, Some(Role::User)));
        assert!(!may_send(&user, None));
    }

    #[test]
    fn administrators_write_to_anyone() {
        let admin = who("a1", Role::Admin);
        assert!(may_send(&admin, Some(Role::User)));
        assert!(may_send(&admin, Some(Role::Admin)));
        assert!(may_send(&admin, None));
    }

    #[test]
    fn history_is_for_participants_and_administrators() {
        let u1 = ClientId::parse("u1").unwrap();
        let a1 = ClientId::parse("a1").unwrap();
        assert!(may_read_history(&who("u1", Role::User), &u1, &a1));
        assert!(may_read_history(&who("a1", Role::User), &u1, &a1));
        assert!(!may_read_history(&who("u2", Role::User), &u1, &a1));
        assert!(may_read_history(&who("a9", Role::Admin), &u1, &a1));
    }

    #[test]
    fn read_state_belongs_to_its_owner() {
        let u1 = ClientId::parse("u1").unwrap();
        assert!(may_mark_read(&who("u1", Role::User), &u1));
        assert!(!may_mark_read(&who("a1", Role::Admin), &u1));
        assert!(may_read_unread(&who("u1", Role::User), &u1));
        assert!(!may_read_unread(&who("a1", Role::Admin), &u1));
    }
}
