//! Erasure (docs/data-rules.md): one client's data removed in bounded, idempotent steps. Its
//! messages (both directions) become tombstones, so the other party's conversation keeps its
//! shape; its files, connections, claims, read state, rate-limit state and profile go. The
//! progress record is saved after every step, so a crash redoes at most one step, and its
//! completion (just before it is deleted) is the `chat.client.erased` event.

use futures_util::future::try_join_all;

use crate::domain::{
    AttachmentId, ClientId, Direction, EpochMillis, Erasure, ErasurePhase, Message, MessageId,
    MessagePreview, Requester, ERASURE_STEP_ITEMS, ERASURE_STEP_MESSAGES,
};
use crate::error::ChatError;
use crate::files::Files;
use crate::notify::{Notifier, NotifyError};
use crate::store::{Store, StoreError};

/// What part of a step did: items changed, and what it counts.
#[derive(Debug, Default, Clone, Copy)]
struct Work {
    items: usize,
    messages: u64,
    attachments: u64,
}

impl Work {
    fn add(self, other: Self) -> Self {
        Self {
            items: self.items + other.items,
            messages: self.messages + other.messages,
            attachments: self.attachments + other.attachments,
        }
    }
}

/// How often a tombstone is written again after a concurrent change of its message.
const TOMBSTONE_ATTEMPTS: usize = 3;

/// What an erasure step works with.
pub struct Eraser<'a> {
    pub store: &'a dyn Store,
    pub files: Option<&'a dyn Files>,
    pub notifier: &'a dyn Notifier,
    pub now_ms: EpochMillis,
}

/// One call of an erasure of `subject` for `requester` (an administrator or the booking
/// backend): it resumes the erasure under way (or starts one), works through its phases until
/// about [`ERASURE_STEP_ITEMS`] items changed, saves where it got to, and returns it; `done`
/// ([`Erasure::completed_at_ms`]) when nothing is left.
pub async fn erase(
    eraser: &Eraser<'_>,
    requester: &Requester,
    subject: &ClientId,
) -> Result<Erasure, ChatError> {
    if !requester.may_erase(subject) {
        return Err(ChatError::Forbidden(
            "erasure is for administrators and the booking backend, of someone else",
        ));
    }
    let store = eraser.store;
    let mut erasure = match store.erasure(subject).await? {
        Some(erasure) => erasure,
        None => Erasure::new(subject.clone(), requester.clone(), eraser.now_ms),
    };
    let mut used = 0;
    while erasure.phase != ErasurePhase::Done && used < ERASURE_STEP_ITEMS {
        used += eraser.step(&mut erasure, ERASURE_STEP_ITEMS - used).await?;
        // Saved after every step: a crash loses at most one step's counts, never its work.
        if erasure.phase != ErasurePhase::Done {
            store.put_erasure(&erasure).await?;
        }
    }
    if erasure.phase == ErasurePhase::Done {
        // Saved complete first (the event), then deleted: nothing is left that names the
        // client but tombstones. A crash in between is finished by the next call.
        if erasure.completed_at_ms.is_none() {
            erasure.completed_at_ms = Some(eraser.now_ms);
            store.put_erasure(&erasure).await?;
        }
        store.delete_erasure(subject).await?;
    }
    let c = &erasure.counts;
    tracing::info!(
        target: "audit",
        action = "erasure",
        actor_role = requester.role(),
        actor = requester.client_id().map(ClientId::as_str),
        subject = %subject,
        phase = erasure.phase.as_str(),
        done = erasure.completed_at_ms.is_some(),
        messages = c.messages,
        attachments = c.attachments,
        connections = c.connections,
        read_state = c.read_state,
        peer_entries = c.peer_entries,
        claims = c.claims,
        rate_limits = c.rate_limits,
        profile = c.profile,
        "privacy request"
    );
    Ok(erasure)
}

impl Eraser<'_> {
    /// Some of the current phase's work, at most about `budget` items changed; moves the
    /// phase on when it is finished. Returns the items changed (at least 1, so a call ends).
    async fn step(&self, e: &mut Erasure, budget: usize) -> Result<usize, ChatError> {
        let subject = e.client.clone();
        let store = self.store;
        let used = match e.phase {
            ErasurePhase::Connections | ErasurePhase::Profile => {
                let records = store.client_records(&subject).await?;
                let open = &records.connections[..records.connections.len().min(budget)];
                for connection in open {
                    match self.notifier.close(&connection.connection_id).await {
                        Ok(()) | Err(NotifyError::Gone) => {}
                        Err(err) => return Err(StoreError::backend("close_connection", err).into()),
                    }
                    store
                        .delete_connection(&subject, &connection.connection_id)
                        .await?;
                }
                e.counts.connections += open.len() as u64;
                if open.len() < records.connections.len() {
                    return Ok(open.len().max(1));
                }
                if e.phase == ErasurePhase::Profile {
                    let profile = records.role.is_some();
                    let buckets = &records.rate_limits;
                    store
                        .delete_client_records(&subject, profile, buckets)
                        .await?;
                    e.counts.profile += u64::from(profile);
                    e.counts.rate_limits += buckets.len() as u64;
                }
                open.len()
            }
            ErasurePhase::Claims => {
                let keys = store.claim_keys(&subject).await?;
                let taken = &keys[..keys.len().min(budget)];
                store.delete_claims(&subject, taken).await?;
                e.counts.claims += taken.len() as u64;
                if taken.len() < keys.len() {
                    return Ok(taken.len().max(1));
                }
                // Uploads the client was granted lately, attached or not.
                let listed = store.upload_ids_of(&subject).await?;
                let taken = &listed[..listed.len().min((budget - taken.len()).max(1))];
                let work = self.forget_files(&subject, taken).await?;
                e.counts.attachments += work.attachments;
                if taken.len() < listed.len() {
                    return Ok(keys.len() + taken.len());
                }
                keys.len() + taken.len()
            }
            ErasurePhase::Sent | ErasurePhase::Received => {
                let direction = if e.phase == ErasurePhase::Sent {
                    Direction::Sent
                } else {
                    Direction::Received
                };
                let limit = ERASURE_STEP_MESSAGES.min(budget.div_ceil(4).max(1));
                let page = store
                    .messages_of(&subject, direction, e.cursor.as_ref(), limit)
                    .await?;
                // The page's messages concurrently: one round trip per step, not per message.
                let done = try_join_all(page.messages.into_iter().map(|m| self.tombstone(e, m)));
                let work = done.await?.into_iter().fold(Work::default(), Work::add);
                e.counts.messages += work.messages;
                e.counts.attachments += work.attachments;
                let used = work.items;
                match page.next {
                    Some(last) => {
                        e.cursor = Some(last);
                        return Ok(used.max(1));
                    }
                    None => used,
                }
            }
            ErasurePhase::PeerEntries => {
                let mut used = 0;
                for (peer, _) in store.inbox_entries(&subject).await? {
                    if used >= budget {
                        return Ok(used);
                    }
                    used += self.peer_entry(e, &peer).await?;
                }
                used
            }
            ErasurePhase::ReadState => {
                let entries = store.inbox_entries(&subject).await?;
                let peers: Vec<ClientId> = (entries.into_iter().take(budget))
                    .map(|(peer, _)| peer)
                    .collect();
                store.delete_inbox_entries(&subject, &peers).await?;
                e.counts.read_state += peers.len() as u64;
                if peers.len() == budget {
                    return Ok(budget);
                }
                peers.len()
            }
            ErasurePhase::Done => 0,
        };
        e.advance();
        Ok(used)
    }

    /// Deletes these uploads' objects, then their records (a crash between redoes both: S3
    /// deletes a missing key without complaint). Counts the records that existed.
    async fn forget_files(
        &self,
        owner: &ClientId,
        ids: &[AttachmentId],
    ) -> Result<Work, ChatError> {
        if ids.is_empty() {
            return Ok(Work::default());
        }
        let records = self.store.uploads(ids).await?;
        if let Some(files) = self.files {
            let keys: Vec<String> = ids.iter().map(AttachmentId::object_key).collect();
            try_join_all(keys.iter().map(|key| files.delete(key))).await?;
        }
        self.store.delete_uploads(owner, ids).await?;
        Ok(Work {
            items: ids.len() * 2,
            attachments: records.len() as u64,
            ..Work::default()
        })
    }

    /// `message` as a tombstone, with its files and its sender's idempotency claim gone (the
    /// other party's claim names the client as its receiver), and a change record for both
    /// parties' catch-up. Nothing when it already is one.
    async fn tombstone(&self, e: &Erasure, message: Message) -> Result<Work, ChatError> {
        if message.is_tombstone() {
            // Made by this erasure in a step that crashed before it was saved: counted now.
            let ours = (message.state.deleted.as_ref())
                .is_some_and(|d| d.by == e.client && d.at_ms >= e.started_at_ms);
            return Ok(Work {
                messages: u64::from(ours),
                ..Work::default()
            });
        }
        let subject = &e.client;
        let ids: Vec<AttachmentId> = (message.attachments.iter())
            .map(|a| a.attachment_id.clone())
            .collect();
        let mut work = self.forget_files(&message.sender_id, &ids).await?;
        if let Some(key) =
            (message.client_msg_id.as_ref()).filter(|_| &message.sender_id != subject)
        {
            let key = std::slice::from_ref(key);
            self.store.delete_claims(&message.sender_id, key).await?;
            work.items += 1;
        }
        let mut current = message;
        for _ in 0..TOMBSTONE_ATTEMPTS {
            let tombstone = current.tombstone(subject, self.now_ms);
            if (self.store)
                .replace_message(&tombstone, current.state.version)
                .await?
            {
                let change_id = MessageId::generate(self.now_ms);
                self.store.put_change(&change_id, &tombstone).await?;
                work.items += 2;
                work.messages += 1;
                return Ok(work);
            }
            // Changed meanwhile (or the index's copy was behind): read it and try again.
            let (a, b) = (&current.sender_id, &current.receiver_id);
            match self.store.message(a, b, &current.message_id).await? {
                Some(fresh) if !fresh.is_tombstone() => current = fresh,
                _ => return Ok(work),
            }
        }
        Err(ChatError::Contention)
    }

    /// `peer`'s entry for the client: its preview of the client's last message becomes the
    /// tombstone's (the message is made one first if the sweep missed it).
    async fn peer_entry(&self, e: &mut Erasure, peer: &ClientId) -> Result<usize, ChatError> {
        let subject = e.client.clone();
        let Some(theirs) = self.store.inbox_entry(peer, &subject).await? else {
            return Ok(0);
        };
        let Some(last) = theirs.last.filter(|l| !l.deleted || !l.text.is_empty()) else {
            return Ok(0);
        };
        let Some(mut message) = self.store.message(peer, &subject, &last.message_id).await? else {
            return Ok(0);
        };
        let mut used = 0;
        if !message.is_tombstone() {
            let work = self.tombstone(e, message.clone()).await?;
            e.counts.messages += work.messages;
            e.counts.attachments += work.attachments;
            used += work.items;
            message = message.tombstone(&subject, self.now_ms);
        }
        if (self.store)
            .refresh_last(peer, &subject, &MessagePreview::of(&message))
            .await?
        {
            e.counts.peer_entries += 1;
            used += 1;
        }
        Ok(used.max(1))
    }
}
