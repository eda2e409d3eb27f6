//! Storage behind small traits. Two implementations: [`memory::MemoryStore`] (tests, chat-local)
//! and [`dynamodb::DynamoStore`] (production). One contract test suite runs against both.

pub mod dynamodb;
pub mod memory;

use async_trait::async_trait;

use crate::domain::{
    AttachmentId, ClientId, ClientRecords, Connection, ConnectionId, Direction, EpochMillis,
    Erasure, HistoryPage, HistoryQuery, InboxEntry, InboxPage, InboxQuery, Message, MessageId,
    MessagePreview, MessagesOf, Role, SendClaim, SyncPage, SyncQuery, Upload,
};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A message with this id is already stored.
    #[error("a message with this id already exists")]
    MessageExists,
    /// A message's upload is no longer attachable (attached meanwhile, expired or gone):
    /// nothing was written.
    #[error("an upload is no longer attachable")]
    UploadTaken,
    /// A stored item does not parse back into the domain.
    #[error("stored item is corrupt: {0}")]
    Corrupt(String),
    /// The backend failed (network, throttling, permissions...). The cause is kept for logs.
    #[error("store operation {operation} failed")]
    Backend {
        operation: &'static str,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    pub fn backend(operation: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            operation,
            source: source.into(),
        }
    }
}

/// What the system knows about a client: the role it last connected with (if it ever did) and
/// its open connections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Presence {
    pub role: Option<Role>,
    pub connections: Vec<Connection>,
}

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Records an open connection and the (verified) role its client connected with.
    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError>;

    /// Forgets a connection. Forgetting an unknown connection is not an error.
    async fn delete_connection(
        &self,
        client_id: &ClientId,
        connection_id: &ConnectionId,
    ) -> Result<(), StoreError>;

    /// One key lookup: the client's role and its connections not expired at `now_s`
    /// (epoch seconds), ordered by connection id.
    async fn presence(&self, client_id: &ClientId, now_s: i64) -> Result<Presence, StoreError>;
}

#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a new message; [`StoreError::MessageExists`] if its id is taken. A message with
    /// attachments also marks their uploads attached to it, in the same atomic write, if each
    /// is still attachable by the sender at the message's time ([`Upload::attachable_by`]);
    /// otherwise nothing is written and the error is [`StoreError::UploadTaken`] (or
    /// `MessageExists`, which wins when both hold).
    async fn put_message(&self, message: &Message) -> Result<(), StoreError>;

    /// A page of the conversation between `a` and `b`, newest first. `next_cursor` is `None`
    /// exactly when no older matching message exists. A page may hold fewer than `limit`
    /// messages while `next_cursor` is set (a store may bound the work of one request).
    async fn history(
        &self,
        a: &ClientId,
        b: &ClientId,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, StoreError>;

    /// One stored message of the conversation between `a` and `b`, read consistently.
    async fn message(
        &self,
        a: &ClientId,
        b: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError>;

    /// Catch-up: `owner`'s feed (both directions) after `query.since`, in position order, at
    /// most `query.limit` entries: each message at its own id, and again at the id of each
    /// change recorded with [`MessageStore::put_change`], always in its current state.
    /// `has_more` when more entries exist after the last one returned. Every entry with a
    /// position up to the last one returned that was stored before the call is in this or an
    /// earlier page (pages never skip).
    async fn sync(&self, owner: &ClientId, query: &SyncQuery) -> Result<SyncPage, StoreError>;

    /// The message `id` of one of `participant`'s conversations, found without knowing the
    /// other participant (through the catch-up indexes: eventually consistent, so a message
    /// stored a moment ago may not be found yet).
    async fn find_message(
        &self,
        participant: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError>;

    /// Compare-and-set: replaces the stored message with `message` (same id, the next version)
    /// if the stored one still has `expected_version`; `false` (nothing written) otherwise.
    async fn replace_message(
        &self,
        message: &Message,
        expected_version: u64,
    ) -> Result<bool, StoreError>;

    /// Records that `message` changed, at feed position `change_id`, so that both participants'
    /// catch-up returns it after that position. The record holds no content: catch-up reads
    /// the message's current state, so a deleted text is never served from an old change.
    async fn put_change(&self, change_id: &MessageId, message: &Message) -> Result<(), StoreError>;

    /// Several messages of the conversation between `a` and `b` by id, read consistently, in
    /// any order; ids that are not stored are left out.
    async fn messages(
        &self,
        a: &ClientId,
        b: &ClientId,
        ids: &[MessageId],
    ) -> Result<Vec<Message>, StoreError>;
}

/// Idempotency records of sends that carry a `client_msg_id`, one per (sender, key).
#[async_trait]
pub trait SendClaimStore: Send + Sync {
    /// Records `claim` for (`sender`, `key`) unless a record exists: `None` when this call
    /// created it, else the existing record (read consistently). The record expires at
    /// `expires_at_s` (epoch seconds).
    async fn claim_send(
        &self,
        sender: &ClientId,
        key: &str,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<Option<SendClaim>, StoreError>;

    /// Compare-and-set: replaces the record if it still names `expected`; `false` otherwise.
    async fn reclaim_send(
        &self,
        sender: &ClientId,
        key: &str,
        expected: &MessageId,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Counts one more unread message from `peer` in `owner`'s inbox and moves
    /// `last_message_id` (with its preview `last`) forward to `last.message_id` unless it is
    /// already further; with `to_top`, also moves the conversation's place in the owner's inbox
    /// there. A message that a mark-read already covers (`id <= read_up_to`, possible when
    /// concurrent sends are recorded out of order) is not counted.
    async fn record_unread(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
        to_top: bool,
    ) -> Result<(), StoreError>;

    /// Moves the conversation with `peer` to place `activity` in `owner`'s inbox (creating the
    /// entry if needed), unless it is already at a later place.
    async fn touch(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        activity: &MessageId,
    ) -> Result<(), StoreError>;

    /// The peer of the conversation at the top of `owner`'s inbox (eventually consistent).
    async fn top_peer(&self, owner: &ClientId) -> Result<Option<ClientId>, StoreError>;

    /// Replaces the preview of `owner`'s last message from `peer` if it is still of
    /// `last.message_id` (an edit or a deletion of that message); `false` otherwise.
    async fn refresh_last(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
    ) -> Result<bool, StoreError>;

    /// A page of `owner`'s conversations, most recent activity first: one query of the
    /// owner's places, then one batched read of both sides' entries, whatever the number of
    /// conversations.
    async fn conversations(
        &self,
        owner: &ClientId,
        query: &InboxQuery,
    ) -> Result<InboxPage, StoreError>;

    /// `owner`'s read state for `peer`; `None` if `peer` never wrote to `owner`.
    async fn inbox_entry(
        &self,
        owner: &ClientId,
        peer: &ClientId,
    ) -> Result<Option<InboxEntry>, StoreError>;

    /// Compare-and-set: if the entry still has `expected.unread` and
    /// `expected.last_message_id`, sets unread to 0 and the read pointer to
    /// `expected.last_message_id`, and returns `true`. Returns `false` (and changes nothing) when
    /// the entry changed meanwhile. One conditional write, whatever the number of messages.
    async fn mark_read_if_unchanged(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        expected: &InboxEntry,
        read_at_ms: EpochMillis,
    ) -> Result<bool, StoreError>;

    /// Every peer with unread messages for `owner`, with the count.
    async fn unread_counts(&self, owner: &ClientId) -> Result<Vec<(ClientId, u64)>, StoreError>;
}

/// A token bucket: `per_second` tokens every `period_s` seconds (1 for every bucket but
/// uploads, whose tokens come per hour), at most `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub per_second: u32,
    pub burst: u32,
    pub period_s: u32,
}

impl RateRule {
    /// Milliseconds between two tokens.
    pub fn interval_ms(self) -> i64 {
        let period_ms = 1000 * i64::from(self.period_s.max(1));
        (period_ms / i64::from(self.per_second.max(1))).max(1)
    }

    /// How far ahead of now the bucket's "theoretical arrival time" may run (GCRA's tolerance).
    pub fn tolerance_ms(self) -> i64 {
        i64::from(self.burst.max(1) - 1) * self.interval_ms()
    }
}

/// Which of a client's token buckets a request draws from. Each is its own GCRA state, so
/// reading (catch-up, history, unread counts, mark-read) never spends the budget for sending,
/// and a burst of sends never blocks a client from reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RateBucket {
    /// Sends and typing indicators.
    Messages,
    /// Sync, history, unread counts and mark-read: each costs an invocation and reads.
    Reads,
    /// System messages a client receives (drawn from the receiver's bucket: the system is one
    /// sender for everyone, so its bound is per receiver).
    System,
    /// Upload requests (attachments), a slow bucket of its own.
    Uploads,
}

impl RateBucket {
    /// Every bucket.
    pub const ALL: [RateBucket; 4] = [Self::Messages, Self::Reads, Self::System, Self::Uploads];
}

#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Takes one token from `client_id`'s `bucket` at `now_ms`; `false` when the bucket is
    /// empty. The state is one "theoretical arrival time" per client and bucket (GCRA),
    /// updated with conditional writes, so it holds across processes.
    async fn admit(
        &self,
        client_id: &ClientId,
        bucket: RateBucket,
        rule: RateRule,
        now_ms: EpochMillis,
    ) -> Result<bool, StoreError>;
}

/// The records of uploads (docs/attachments.md): who uploaded what, and where it went.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Records a new upload (pending: it expires with its state's `expires_at_s`).
    async fn put_upload(&self, upload: &Upload) -> Result<(), StoreError>;

    /// Uploads by id, read consistently, in any order; ids not stored are left out. A pending
    /// upload past its expiry may still be returned (DynamoDB's TTL deletes lazily): callers
    /// judge with [`Upload::attachable_by`].
    async fn uploads(&self, ids: &[AttachmentId]) -> Result<Vec<Upload>, StoreError>;
}

/// A client's data as a whole, for export and erasure (docs/data-rules.md). Index reads are
/// eventually consistent: an erasure repeats its sweep until it finds nothing left.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// What the Connections table holds under `client`: its role, every connection (expired
    /// ones too), its rate-limit buckets with state.
    async fn client_records(&self, client: &ClientId) -> Result<ClientRecords, StoreError>;

    /// Forgets the client's profile (with `profile`) and these rate-limit buckets' state.
    async fn delete_client_records(
        &self,
        client: &ClientId,
        profile: bool,
        buckets: &[RateBucket],
    ) -> Result<(), StoreError>;

    /// At most `limit` of the messages `client` sent (or received), in id order, after
    /// `after`; `next` is set when more may follow. Change records are not messages.
    async fn messages_of(
        &self,
        client: &ClientId,
        direction: Direction,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<MessagesOf, StoreError>;

    /// The keys (`client_msg_id`s) of `sender`'s send claims, expired ones too.
    async fn claim_keys(&self, sender: &ClientId) -> Result<Vec<String>, StoreError>;

    async fn delete_claims(&self, sender: &ClientId, keys: &[String]) -> Result<(), StoreError>;

    /// Every entry of `owner`'s inbox (its read state), by peer.
    async fn inbox_entries(
        &self,
        owner: &ClientId,
    ) -> Result<Vec<(ClientId, InboxEntry)>, StoreError>;

    async fn delete_inbox_entries(
        &self,
        owner: &ClientId,
        peers: &[ClientId],
    ) -> Result<(), StoreError>;

    /// The uploads `owner` was granted lately (each grant is listed under its owner for a few
    /// days: longer than a pending upload or its object can live), attached or not.
    async fn upload_ids_of(&self, owner: &ClientId) -> Result<Vec<AttachmentId>, StoreError>;

    /// Forgets these upload records and their listing under `owner`.
    async fn delete_uploads(
        &self,
        owner: &ClientId,
        ids: &[AttachmentId],
    ) -> Result<(), StoreError>;

    /// The erasure of `client` under way, if any (read consistently).
    async fn erasure(&self, client: &ClientId) -> Result<Option<Erasure>, StoreError>;

    async fn put_erasure(&self, erasure: &Erasure) -> Result<(), StoreError>;

    async fn delete_erasure(&self, client: &ClientId) -> Result<(), StoreError>;
}

/// Everything the chat stores.
pub trait Store:
    ConnectionStore
    + MessageStore
    + SendClaimStore
    + InboxStore
    + RateLimitStore
    + UploadStore
    + PrivacyStore
{
}
impl<
        T: ConnectionStore
            + MessageStore
            + SendClaimStore
            + InboxStore
            + RateLimitStore
            + UploadStore
            + PrivacyStore,
    > Store for T
{
}
