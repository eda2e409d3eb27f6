//! The chat's use cases over the store and notifier traits: connect, disconnect, send,
//! mark read, history and unread counts. Authorization is checked here, for every action.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::join_all;

use crate::domain::{
    policy, ClientId, Clock, Connection, ConnectionId, HistoryQuery, Identity, Message, MessageId,
    NewMessage, SendClaim, StoredMessage, SyncQuery, DEFAULT_MAX_MESSAGE_CHARS, MAX_SYNC_LIMIT,
};
use crate::error::{Chain, ChatError};
use crate::notify::{Notifier, NotifyError};
use crate::store::{Presence, RateRule, Store, StoreError};
use crate::wire;

/// Tunables of the chat, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub max_message_chars: usize,
    /// How long a connection item lives without a `$disconnect`: API Gateway closes every
    /// connection after 2 hours, so a little more than that.
    pub connection_ttl_s: i64,
    /// Messages a sender may send: a token bucket per sender (`None`: unlimited).
    pub rate_limit: Option<RateRule>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_message_chars: DEFAULT_MAX_MESSAGE_CHARS,
            connection_ttl_s: 2 * 3600 + 300,
            rate_limit: Some(RateRule {
                per_second: crate::settings::DEFAULT_RATE_PER_SECOND,
                burst: crate::settings::DEFAULT_RATE_BURST,
            }),
        }
    }
}

/// Unread counts of one reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unread {
    pub total: u64,
    pub by_sender: BTreeMap<ClientId, u64>,
}

/// A history page with read flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub messages: Vec<StoredMessage>,
    pub next_cursor: Option<MessageId>,
}

/// What a send did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message: Message,
    /// A retry of a send already stored: the same message, not stored, posted or counted again.
    pub duplicate: bool,
    /// Connections the message was posted to.
    pub delivered: usize,
    /// Stale connections found (410) and removed.
    pub gone: usize,
    /// Posts that failed otherwise (the message stays stored).
    pub failed: usize,
}

/// Compare-and-set retries for mark-read under concurrent sends.
const MARK_READ_ATTEMPTS: usize = 8;

/// How long a send's `client_msg_id` is remembered: a retry within this gets the same ack.
pub const CLIENT_MSG_ID_TTL_S: i64 = 24 * 3600;

/// A send that claimed its `client_msg_id` but has not stored its message after this long is
/// certainly over: the functions time out after 10 s and every store call is bounded by the
/// SDK timeouts. A retry may then store the message under a new id; before, it stores it
/// under the claimed id (so a first attempt that is still running cannot store it twice).
pub const TAKEOVER_AFTER_MS: i64 = 30_000;

/// The longest time between a message id's timestamp and the moment the message can be read
/// back (the id is generated just before the write, a retry reuses it for at most
/// [`TAKEOVER_AFTER_MS`], and the catch-up indexes lag the table by well under a second).
/// Catch-up hands out resume points this far behind the present, so a message written while
/// a client synced is fetched on its next sync.
pub const SYNC_WINDOW_MS: i64 = 60_000;

/// The largest sync page, in bytes of message frames: API Gateway refuses frames over
/// 128 KiB; the rest of the frame is a few dozen bytes.
pub const SYNC_PAGE_BYTES: usize = 126 * 1024;

/// A catch-up page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// Where to continue: the last message's id while `has_more`; otherwise the `since` to
    /// use after the next reconnect.
    pub next_since: Option<MessageId>,
}
/// API Gateway answers 410 to posts for a connection whose `$connect` has not returned yet.
/// A 410 within this long of `connectedAt` is therefore not taken as proof the connection is
/// gone: removing it would orphan a client that is completing its handshake (TTL still
/// removes it if it really is gone).
pub const GONE_GRACE_MS: i64 = 10_000;

pub struct Chat {
    store: Arc<dyn Store>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl Chat {
    pub fn new(
        store: Arc<dyn Store>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            settings,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Records a verified client's new connection.
    pub async fn connect(
        &self,
        who: &Identity,
        connection_id: ConnectionId,
        connected_at_ms: i64,
    ) -> Result<(), ChatError> {
        let connection = Connection {
            connection_id,
            client_id: who.client_id.clone(),
            role: who.role,
            connected_at_ms,
            expires_at_s: connected_at_ms.div_euclid(1000) + self.settings.connection_ttl_s,
        };
        self.store.put_connection(&connection).await?;
        Ok(())
    }

    pub async fn disconnect(
        &self,
        who: &Identity,
        connection_id: &ConnectionId,
    ) -> Result<(), ChatError> {
        self.store
            .delete_connection(&who.client_id, connection_id)
            .await?;
        Ok(())
    }

    /// Stores a message and posts it to every open connection of its receiver.
    ///
    /// DynamoDB round trips before the first post: two. First the sender's rate limit and the
    /// receiver lookup (role and connections) run concurrently; once both allow it, the
    /// message is stored. The unread counter is updated concurrently with the posts.
    pub async fn send(&self, who: &Identity, new: NewMessage) -> Result<Sent, ChatError> {
        if new.receiver_id == who.client_id {
            return Err(crate::domain::ValidationError::new(
                "receiver_id",
                "must differ from the sender",
            )
            .into());
        }
        let now_ms = self.clock.now_ms();
        let fingerprint = new.fingerprint();
        // The id is taken just before the first write: ids and write times stay close
        // (catch-up relies on it, see SYNC_WINDOW_MS).
        let message = Message {
            message_id: MessageId::generate(now_ms),
            sender_id: who.client_id.clone(),
            receiver_id: new.receiver_id,
            appointment_id: new.appointment_id,
            service_id: new.service_id,
            message_text: new.message_text,
            client_msg_id: new.client_msg_id,
        };
        let claim = SendClaim {
            message_id: message.message_id.clone(),
            receiver_id: message.receiver_id.clone(),
            fingerprint,
            claimed_at_ms: now_ms,
        };
        // One round trip: the rate limit, the receiver lookup and, for a keyed send, its claim.
        // A claim left by a refused send is harmless: a retry finds it and finishes the send.
        let claimed = async {
            match &message.client_msg_id {
                Some(key) => self
                    .store
                    .claim_send(&message.sender_id, key, &claim, claim_expiry(now_ms))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let (presence, claimed) =
            tokio::join!(self.admit_to(who, &message.receiver_id, now_ms), claimed);
        let presence = presence?;
        let message = match self.store_once(message, claim, claimed?, now_ms).await? {
            Stored::New(message) => message,
            Stored::Duplicate(message) => {
                return Ok(Sent {
                    message,
                    duplicate: true,
                    delivered: 0,
                    gone: 0,
                    failed: 0,
                })
            }
        };

        let payload = wire::delivered_frame(&message);
        let posts = self.post_all(&presence.connections, &payload, now_ms);
        let counted = self.store.record_unread(
            &message.receiver_id,
            &message.sender_id,
            &message.message_id,
        );
        let (outcomes, counted) = tokio::join!(posts, counted);
        if let Err(err) = counted {
            // The message is stored and delivered (and acked: a retry would store it twice).
            // The cost: the unread count misses it, and if it is the newest message from this
            // sender, mark-read does not cover it until a later message is recorded.
            tracing::error!(error = %Chain(&err), "unread counter update failed");
        }
        let mut sent = Sent {
            message,
            duplicate: false,
            delivered: 0,
            gone: 0,
            failed: 0,
        };
        for outcome in outcomes {
            match outcome {
                PostOutcome::Delivered => sent.delivered += 1,
                PostOutcome::Gone => sent.gone += 1,
                PostOutcome::Failed => sent.failed += 1,
            }
        }
        Ok(sent)
    }

    /// One round trip: takes a token from the sender's rate limit and, concurrently, looks up
    /// the receiver (role and connections); then checks that the sender may write to it.
    async fn admit_to(
        &self,
        who: &Identity,
        receiver: &ClientId,
        now_ms: i64,
    ) -> Result<Presence, ChatError> {
        let admitted = async {
            match self.settings.rate_limit {
                Some(rule) => self.store.admit(&who.client_id, rule, now_ms).await,
                None => Ok(true),
            }
        };
        let (admitted, presence) = tokio::join!(
            admitted,
            self.store.presence(receiver, now_ms.div_euclid(1000))
        );
        if !admitted? {
            return Err(ChatError::RateLimited);
        }
        let presence = presence?;
        if !policy::may_send(who, presence.role) {
            return Err(ChatError::Forbidden(
                "users may write only to administrators",
            ));
        }
        Ok(presence)
    }

    /// Posts to one connection; a connection that is gone is forgotten.
    async fn post(&self, connection: &Connection, payload: &[u8], now_ms: i64) -> PostOutcome {
        let connection_id = &connection.connection_id;
        match self.notifier.post(connection_id, payload).await {
            Ok(()) => PostOutcome::Delivered,
            Err(NotifyError::Gone) if now_ms - connection.connected_at_ms < GONE_GRACE_MS => {
                tracing::info!(%connection_id, "connection not established yet; kept");
                PostOutcome::Gone
            }
            Err(NotifyError::Gone) => {
                match self
                    .store
                    .delete_connection(&connection.client_id, connection_id)
                    .await
                {
                    Ok(()) => tracing::info!(%connection_id, "stale connection removed"),
                    Err(err) => {
                        tracing::warn!(error = %Chain(&err), %connection_id, "stale connection not removed")
                    }
                }
                PostOutcome::Gone
            }
            Err(err) => {
                tracing::warn!(error = %Chain(&err), %connection_id, "post failed");
                PostOutcome::Failed
            }
        }
    }

    /// Stores a new message exactly once per `client_msg_id`. `claimed` is `None` for a send
    /// without one (the message is simply stored), else what claiming the key found: nothing
    /// (the claim is ours) or an earlier attempt's claim. A retry answers with the stored
    /// message, or finishes a first attempt that claimed but did not store (see
    /// [`TAKEOVER_AFTER_MS`]). Whoever writes the message item (a conditional write) delivers
    /// and counts it; nobody else does.
    async fn store_once(
        &self,
        mut message: Message,
        claim: SendClaim,
        claimed: Option<Option<SendClaim>>,
        now_ms: i64,
    ) -> Result<Stored, ChatError> {
        let (Some(key), Some(mut existing)) = (message.client_msg_id.clone(), claimed) else {
            self.store.put_message(&message).await?;
            return Ok(Stored::New(message));
        };
        for _ in 0..3 {
            let Some(earlier) = existing else {
                // Ours: store under the claimed id.
                return self.put_once(message).await;
            };
            if earlier.fingerprint != claim.fingerprint
                || earlier.receiver_id != message.receiver_id
            {
                return Err(ChatError::Conflict(
                    "client_msg_id was already used for a different message",
                ));
            }
            if let Some(stored) = self
                .store
                .message(
                    &message.sender_id,
                    &message.receiver_id,
                    &earlier.message_id,
                )
                .await?
            {
                return Ok(Stored::Duplicate(stored));
            }
            if now_ms - earlier.claimed_at_ms < TAKEOVER_AFTER_MS {
                // The first attempt may still be writing: write the same id, so that exactly
                // one of the two conditional writes succeeds.
                message.message_id = earlier.message_id;
                return self.put_once(message).await;
            }
            // The first attempt is over and never stored: take the claim over with a new id.
            let expires_at_s = claim_expiry(now_ms);
            if self
                .store
                .reclaim_send(
                    &message.sender_id,
                    &key,
                    &earlier.message_id,
                    &claim,
                    expires_at_s,
                )
                .await?
            {
                return self.put_once(message).await;
            }
            // Another retry took it over first: look again.
            existing = self
                .store
                .claim_send(&message.sender_id, &key, &claim, expires_at_s)
                .await?;
        }
        Err(ChatError::Contention)
    }

    /// Writes the message item; if the id is taken, the message is already stored (by a
    /// concurrent attempt of the same send).
    async fn put_once(&self, message: Message) -> Result<Stored, ChatError> {
        match self.store.put_message(&message).await {
            Ok(()) => Ok(Stored::New(message)),
            Err(StoreError::MessageExists) => Ok(Stored::Duplicate(message)),
            Err(err) => Err(err.into()),
        }
    }

    /// Catch-up: the caller's messages (both directions; all conversations or the one with
    /// `peer`) after `since`, oldest first, in a page that fits one WebSocket frame.
    pub async fn sync(
        &self,
        who: &Identity,
        since: Option<MessageId>,
        peer: Option<ClientId>,
    ) -> Result<Synced, ChatError> {
        if peer.as_ref() == Some(&who.client_id) {
            return Err(crate::domain::ValidationError::new(
                "peer_id",
                "must differ from the caller",
            )
            .into());
        }
        let query = SyncQuery {
            since: since.clone(),
            peer,
            limit: MAX_SYNC_LIMIT,
        };
        let page = self.store.sync(&who.client_id, &query).await?;
        let now_ms = self.clock.now_ms();
        let mut has_more = page.has_more;
        let mut messages = page.messages;
        let mut bytes = 0;
        for (i, m) in messages.iter().enumerate() {
            bytes += wire::delivered_frame(m).len() + 1;
            if bytes > SYNC_PAGE_BYTES && i > 0 {
                messages.truncate(i);
                has_more = true;
                break;
            }
        }
        let next_since = if has_more {
            messages.last().map(|m| m.message_id.clone())
        } else {
            // Everything stored up to now was returned, but a message being written now may
            // carry an id up to SYNC_WINDOW_MS old (even older than `since`): resume from
            // there next time, whatever `since` was.
            Some(MessageId::floor_of(now_ms - SYNC_WINDOW_MS))
        };
        Ok(Synced {
            messages,
            has_more,
            next_since,
        })
    }

    /// Marks every message from `sender` to `reader` read; returns how many went from unread
    /// to read. One conditional write however many messages there are.
    pub async fn mark_read(
        &self,
        who: &Identity,
        reader: &ClientId,
        sender: &ClientId,
    ) -> Result<u64, ChatError> {
        if !policy::may_mark_read(who, reader) {
            return Err(ChatError::Forbidden(
                "only the reader may mark messages read",
            ));
        }
        if reader == sender {
            return Err(crate::domain::ValidationError::new(
                "sender_id",
                "must differ from the reader",
            )
            .into());
        }
        // The sender's connections (for the read receipt) are looked up in the same round trip
        // as the two inbox entries, so the receipt costs no extra sequential request.
        let (mine, theirs, sender_presence) = tokio::join!(
            self.store.inbox_entry(reader, sender),
            self.store.inbox_entry(sender, reader),
            self.store
                .presence(sender, self.clock.now_ms().div_euclid(1000))
        );
        let (mine, theirs) = (mine?, theirs?);
        let mut entry = match mine {
            Some(entry) => entry,
            // The reader wrote to the sender but never heard back: nothing to mark.
            None if theirs.is_some() => return Ok(0),
            None => {
                return Err(ChatError::NotFound(
                    "reader and sender have not exchanged messages",
                ))
            }
        };
        for _ in 0..MARK_READ_ATTEMPTS {
            let up_to_date = entry.unread == 0 && entry.last_message_id == entry.read_up_to;
            if up_to_date {
                return Ok(0);
            }
            let now = self.clock.now_ms();
            if self
                .store
                .mark_read_if_unchanged(reader, sender, &entry, now)
                .await?
            {
                if let Some(up_to) = &entry.last_message_id {
                    self.post_read_receipt(reader, sender_presence, up_to, now)
                        .await;
                }
                return Ok(entry.unread);
            }
            // A message arrived meanwhile: read again and retry.
            entry = self
                .store
                .inbox_entry(reader, sender)
                .await?
                .unwrap_or_default();
        }
        Err(ChatError::Contention)
    }

    /// Posts `payload` to every connection, concurrently.
    async fn post_all(
        &self,
        connections: &[Connection],
        payload: &str,
        now_ms: i64,
    ) -> Vec<PostOutcome> {
        join_all(
            connections
                .iter()
                .map(|c| self.post(c, payload.as_bytes(), now_ms)),
        )
        .await
    }

    /// Tells the sender's open connections (`sender_presence`, looked up while mark-read read
    /// the inbox) that `reader` has read its messages up to `up_to`. Best effort: the read
    /// state is stored already, and history carries it.
    async fn post_read_receipt(
        &self,
        reader: &ClientId,
        sender_presence: Result<Presence, StoreError>,
        up_to: &MessageId,
        read_at_ms: i64,
    ) {
        let presence = match sender_presence {
            Ok(presence) => presence,
            Err(err) => {
                tracing::warn!(error = %Chain(&err), "read receipt not sent: presence lookup failed");
                return;
            }
        };
        let payload = wire::read_frame(reader, up_to, read_at_ms);
        self.post_all(&presence.connections, &payload, read_at_ms)
            .await;
    }

    /// A typing indicator: posted to the receiver's open connections, never stored. Same
    /// authorization as a message, and it counts against the sender's rate limit.
    pub async fn typing(&self, who: &Identity, receiver: &ClientId) -> Result<usize, ChatError> {
        if receiver == &who.client_id {
            return Err(crate::domain::ValidationError::new(
                "receiver_id",
                "must differ from the sender",
            )
            .into());
        }
        let now_ms = self.clock.now_ms();
        let presence = self.admit_to(who, receiver, now_ms).await?;
        let payload = wire::typing_frame(&who.client_id);
        let outcomes = self.post_all(&presence.connections, &payload, now_ms).await;
        Ok(outcomes
            .iter()
            .filter(|o| matches!(o, PostOutcome::Delivered))
            .count())
    }

    /// A page of the conversation between `a` and `b`, newest first, with read flags.
    pub async fn history(
        &self,
        who: &Identity,
        a: &ClientId,
        b: &ClientId,
        query: &HistoryQuery,
    ) -> Result<History, ChatError> {
        if !policy::may_read_history(who, a, b) {
            return Err(ChatError::Forbidden(
                "history is visible only to its participants",
            ));
        }
        let (page, a_reads_b, b_reads_a) = tokio::join!(
            self.store.history(a, b, query),
            self.store.inbox_entry(a, b),
            self.store.inbox_entry(b, a)
        );
        let (page, a_reads_b, b_reads_a) = (
            page?,
            a_reads_b?.unwrap_or_default(),
            b_reads_a?.unwrap_or_default(),
        );
        let messages = page
            .messages
            .into_iter()
            .map(|message| {
                let read = if &message.receiver_id == a {
                    a_reads_b.has_read(&message.message_id)
                } else {
                    b_reads_a.has_read(&message.message_id)
                };
                StoredMessage { message, read }
            })
            .collect();
        Ok(History {
            messages,
            next_cursor: page.next_cursor,
        })
    }

    /// The reader's unread counts, per sender.
    pub async fn unread(&self, who: &Identity, reader: &ClientId) -> Result<Unread, ChatError> {
        if !policy::may_read_unread(who, reader) {
            return Err(ChatError::Forbidden(
                "unread counts are visible only to their owner",
            ));
        }
        let counts = self.store.unread_counts(reader).await?;
        Ok(Unread {
            total: counts.iter().map(|(_, n)| n).sum(),
            by_sender: counts.into_iter().collect(),
        })
    }
}

/// When a send claim made at `now_ms` expires (epoch seconds).
fn claim_expiry(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000) + CLIENT_MSG_ID_TTL_S
}

enum Stored {
    New(Message),
    Duplicate(Message),
}

enum PostOutcome {
    Delivered,
    Gone,
    Failed,
}
