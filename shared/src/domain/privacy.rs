//! Data rules (docs/data-rules.md): how long messages live (retention), what an export holds,
//! and an erasure's progress and tombstones. Pure rules; the use cases are `chat::export` and
//! `chat::erase`.

use serde::Serialize;

use crate::store::RateBucket;

use super::{
    Attachment, ClientId, Connection, Deletion, EpochMillis, InboxEntry, Message, MessageId,
    MessageState, MessageText, Role, Upload,
};

/// How long messages live: `None` keeps them for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention(pub Option<i64>);

impl Retention {
    pub fn days(days: u32) -> Self {
        Self((days > 0).then(|| i64::from(days) * 86_400))
    }

    pub fn seconds(&self) -> Option<i64> {
        self.0
    }

    /// When a message of `message_time_ms` expires (epoch seconds, DynamoDB's TTL format).
    pub fn expires_at_s(&self, message_time_ms: EpochMillis) -> Option<i64> {
        self.0.map(|s| message_time_ms.div_euclid(1000) + s)
    }

    /// The oldest id still alive at `now_ms`: every read hides messages (and inbox entries)
    /// below it, so all reads cut a conversation at the same instant, whenever TTL deletes.
    pub fn floor(&self, now_ms: EpochMillis) -> Option<MessageId> {
        self.0.map(|s| MessageId::floor_of(now_ms - s * 1000))
    }

    /// Whether the message `id` has expired at `now_ms`.
    pub fn expired(&self, id: &MessageId, now_ms: EpochMillis) -> bool {
        self.floor(now_ms).is_some_and(|floor| id < &floor)
    }
}

/// Who asked for an export or an erasure (docs/security.md says who may).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// A verified person: the client itself or an administrator.
    Person { client_id: ClientId, role: Role },
    /// The booking backend (SigV4, checked by API Gateway).
    Backend,
}

impl Requester {
    /// The requester's role in logs and events: `user`, `admin` or `backend`.
    pub fn role(&self) -> &'static str {
        match self {
            Self::Person { role, .. } => role.as_str(),
            Self::Backend => "backend",
        }
    }

    pub fn client_id(&self) -> Option<&ClientId> {
        match self {
            Self::Person { client_id, .. } => Some(client_id),
            Self::Backend => None,
        }
    }

    /// A client's data is exported for the client itself, any administrator, or the booking
    /// backend.
    pub fn may_export(&self, subject: &ClientId) -> bool {
        match self {
            Self::Person { client_id, role } => *role == Role::Admin || client_id == subject,
            Self::Backend => true,
        }
    }

    /// Erasure is irreversible: administrators (of anyone but themselves) and the booking
    /// backend; never a user, not even of themselves (docs/security.md).
    pub fn may_erase(&self, subject: &ClientId) -> bool {
        match self {
            Self::Person { client_id, role } => *role == Role::Admin && client_id != subject,
            Self::Backend => true,
        }
    }
}

/// What an erasure did so far (cumulative over its steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ErasureCounts {
    /// Messages made tombstones, both directions.
    pub messages: u64,
    /// Uploads whose object and record were deleted.
    pub attachments: u64,
    /// Connections closed and forgotten.
    pub connections: u64,
    /// The client's own inbox entries deleted.
    pub read_state: u64,
    /// Other parties' inbox entries whose preview became a tombstone.
    pub peer_entries: u64,
    pub claims: u64,
    pub rate_limits: u64,
    pub profile: u64,
}

/// Where an erasure is: its phases run in this order, each in bounded steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErasurePhase {
    /// Close and forget connections (so nothing new arrives meanwhile).
    Connections,
    /// Send claims and uploads never attached.
    Claims,
    /// Messages the client sent, then received: tombstones, their files deleted.
    Sent,
    Received,
    /// Other parties' previews of the client's last message.
    PeerEntries,
    /// The client's own inbox entries, then the profile and rate-limit state.
    ReadState,
    Profile,
    /// Everything is gone: the record's completion is the `chat.client.erased` event.
    Done,
}

impl ErasurePhase {
    pub const ALL: [Self; 8] = [
        Self::Connections,
        Self::Claims,
        Self::Sent,
        Self::Received,
        Self::PeerEntries,
        Self::ReadState,
        Self::Profile,
        Self::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connections => "connections",
            Self::Claims => "claims",
            Self::Sent => "sent",
            Self::Received => "received",
            Self::PeerEntries => "peer_entries",
            Self::ReadState => "read_state",
            Self::Profile => "profile",
            Self::Done => "done",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub fn next(self) -> Self {
        let at = Self::ALL.iter().position(|p| *p == self).unwrap_or(7);
        Self::ALL[(at + 1).min(7)]
    }
}

/// An erasure under way: kept after every step, so a crash redoes at most one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub client: ClientId,
    pub requested_by: Requester,
    pub started_at_ms: EpochMillis,
    pub phase: ErasurePhase,
    /// Where the phase resumes (the last message handled, in the message phases).
    pub cursor: Option<MessageId>,
    pub counts: ErasureCounts,
    /// Set by the last step, just before the record is deleted.
    pub completed_at_ms: Option<EpochMillis>,
}

impl Erasure {
    pub fn new(client: ClientId, requested_by: Requester, now_ms: EpochMillis) -> Self {
        Self {
            client,
            requested_by,
            started_at_ms: now_ms,
            phase: ErasurePhase::Connections,
            cursor: None,
            counts: ErasureCounts::default(),
            completed_at_ms: None,
        }
    }

    /// On to the next phase, from its start.
    pub fn advance(&mut self) {
        self.phase = self.phase.next();
        self.cursor = None;
    }
}

/// Most items one erasure step changes, and most messages one export page holds.
pub const ERASURE_STEP_ITEMS: usize = 100;
pub const EXPORT_PAGE_MESSAGES: usize = 100;
/// Messages one erasure step makes tombstones (each is up to a few writes: the message, its
/// change record, its files).
pub const ERASURE_STEP_MESSAGES: usize = 25;

impl Message {
    /// This message as an erasure leaves it: deleted by `erased` at `at_ms`, without text,
    /// files, reactions, reply or idempotency key; ids, parties and time stay, so the other
    /// party's conversation keeps its shape.
    pub fn tombstone(&self, erased: &ClientId, at_ms: EpochMillis) -> Self {
        Self {
            message_text: MessageText::empty(),
            client_msg_id: None,
            reply: None,
            attachments: Vec::new(),
            state: MessageState {
                version: self.state.version + 1,
                edited_at_ms: None,
                deleted: Some(Deletion {
                    by: erased.clone(),
                    at_ms,
                }),
                reactions: Default::default(),
            },
            ..self.clone()
        }
    }

    /// Whether this is already a tombstone (an erasure step redone changes nothing).
    pub fn is_tombstone(&self) -> bool {
        self.state.deleted.is_some()
            && self.message_text.is_empty()
            && self.attachments.is_empty()
            && self.state.reactions.is_empty()
            && self.reply.is_none()
            && self.client_msg_id.is_none()
            && self.state.edited_at_ms.is_none()
    }
}

/// Which of a client's messages: those it sent or those it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// What the Connections table holds under a client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientRecords {
    pub role: Option<Role>,
    /// Every connection item, expired or not, by connection id.
    pub connections: Vec<Connection>,
    /// The client's rate-limit buckets that hold state.
    pub rate_limits: Vec<RateBucket>,
}

/// A page of a client's messages in one direction, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagesOf {
    pub messages: Vec<Message>,
    /// The last id the page covered, when more may follow.
    pub next: Option<MessageId>,
}

/// One page of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportPage {
    pub client: ClientId,
    pub exported_at_ms: EpochMillis,
    /// The first page only: the Connections table's records and the client's inbox entries.
    pub records: Option<ClientRecords>,
    pub read_state: Vec<(ClientId, InboxEntry)>,
    pub uploads: Vec<Upload>,
    pub messages: Vec<Message>,
    /// The files of this page's messages, with a short-lived download URL each.
    pub attachments: Vec<ExportedFile>,
    pub next: Option<ExportCursor>,
}

/// A file of an exported message and where to fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    pub message_id: MessageId,
    pub attachment: Attachment,
    pub url: String,
    pub url_expires_at_ms: EpochMillis,
}

/// Where an export resumes: a direction and the last message id it returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCursor {
    pub direction: Direction,
    pub after: Option<MessageId>,
}

impl ExportCursor {
    /// `s.<id>` or `r.<id>` (`s.` / `r.` alone: the direction's start).
    pub fn encode(&self) -> String {
        let d = match self.direction {
            Direction::Sent => "s",
            Direction::Received => "r",
        };
        format!("{d}.{}", self.after.as_ref().map_or("", MessageId::as_str))
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (d, after) = raw.split_once('.')?;
        let direction = match d {
            "s" => Direction::Sent,
            "r" => Direction::Received,
            _ => return None,
        };
        let after = match after {
            "" => None,
            id => Some(MessageId::parse(id).ok()?),
        };
        Some(Self { direction, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, role: Role) -> Requester {
        Requester::Person {
            client_id: ClientId::parse(id).unwrap(),
            role,
        }
    }

    #[test]
    fn who_may_export_and_erase() {
        let u1 = ClientId::parse("u1").unwrap();
        let a1 = ClientId::parse("a1").unwrap();
        assert!(person("u1", Role::User).may_export(&u1));
        assert!(!person("u2", Role::User).may_export(&u1));
        assert!(person("a1", Role::Admin).may_export(&u1));
        assert!(Requester::Backend.may_export(&u1));
        assert!(!person("u1", Role::User).may_erase(&u1));
        assert!(!person("u2", Role::User).may_erase(&u1));
        assert!(person("a1", Role::Admin).may_erase(&u1));
        assert!(!person("a1", Role::Admin).may_erase(&a1));
        assert!(Requester::Backend.may_erase(&a1));
    }

    #[test]
    fn retention_cuts_every_read_at_the_same_id() {
        let r = Retention(Some(60));
        let now = 1_000_000_000;
        let old = MessageId::generate(now - 61_000);
        let young = MessageId::generate(now - 59_000);
        assert!(r.expired(&old, now));
        assert!(!r.expired(&young, now));
        assert_eq!(r.expires_at_s(now), Some(now / 1000 + 60));
        assert!(!Retention::default().expired(&old, now));
        assert_eq!(Retention::days(0), Retention(None));
        assert_eq!(Retention::days(2).seconds(), Some(172_800));
    }

    #[test]
    fn phases_run_in_order_and_stop_at_done() {
        let mut p = ErasurePhase::Connections;
        let mut seen = vec![p];
        while p != ErasurePhase::Done {
            p = p.next();
            seen.push(p);
        }
        assert_eq!(seen, ErasurePhase::ALL);
        assert_eq!(ErasurePhase::Done.next(), ErasurePhase::Done);
        for p in ErasurePhase::ALL {
            assert_eq!(ErasurePhase::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn export_cursors_round_trip_and_refuse_garbage() {
        let c = ExportCursor {
            direction: Direction::Received,
            after: Some(MessageId::generate(5)),
        };
        assert_eq!(ExportCursor::parse(&c.encode()), Some(c));
        assert!(ExportCursor::parse("s.").is_some());
        for bad in ["", "x.", "s", "s.nope", "r.01ARZ3NDEKTSV4RRFFQ69G5FA"] {
            assert_eq!(ExportCursor::parse(bad), None, "{bad}");
        }
    }
}
