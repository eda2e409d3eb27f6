//! An in-memory store with the same observable behaviour as DynamoDB (checked by the store
//! contract suite). Used by chat-local's embedded mode and by handler tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{
    ConnectionStore, InboxStore, MessageStore, Presence, RateBucket, RateLimitStore, RateRule,
    SendClaimStore, StoreError,
};
use crate::domain::{
    ClientId, Connection, ConnectionId, Conversation, ConversationKey, EpochMillis, HistoryPage,
    HistoryQuery, InboxCursor, InboxEntry, InboxPage, InboxQuery, Message, MessageId,
    MessagePreview, Role, SendClaim, SyncEntry, SyncPage, SyncQuery,
};

#[derive(Default)]
struct State {
    roles: HashMap<ClientId, Role>,
    connections: HashMap<ClientId, BTreeMap<ConnectionId, Connection>>,
    conversations: HashMap<ConversationKey, BTreeMap<MessageId, Message>>,
    /// Recorded changes per conversation: change id to the changed message's id.
    changes: HashMap<ConversationKey, BTreeMap<MessageId, MessageId>>,
    inbox: HashMap<ClientId, BTreeMap<ClientId, InboxEntry>>,
    /// GCRA theoretical arrival time per client and bucket.
    rate: HashMap<(ClientId, RateBucket), EpochMillis>,
    /// Send claims by (sender, client_msg_id), with their expiry (epoch seconds).
    claims: HashMap<(ClientId, String), (SendClaim, i64)>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated: every method
        // mutates with single map operations, so the data is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl ConnectionStore for MemoryStore {
    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let mut state = self.lock();
        state
            .roles
            .insert(connection.client_id.clone(), connection.role);
        state
            .connections
            .entry(connection.client_id.clone())
            .or_default()
            .insert(connection.connection_id.clone(), connection.clone());
        Ok(())
    }

    async fn delete_connection(
        &self,
        client_id: &ClientId,
        connection_id: &ConnectionId,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if let Some(conns) = state.connections.get_mut(client_id) {
            conns.remove(connection_id);
            if conns.is_empty() {
                state.connections.remove(client_id);
            }
        }
        Ok(())
    }

    async fn presence(&self, client_id: &ClientId, now_s: i64) -> Result<Presence, StoreError> {
        let state = self.lock();
        let connections = state
            .connections
            .get(client_id)
            .map(|conns| {
                conns
                    .values()
                    .filter(|c| c.expires_at_s > now_s)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Presence {
            role: state.roles.get(client_id).copied(),
            connections,
        })
    }
}

#[async_trait]
impl MessageStore for MemoryStore {
    async fn put_message(&self, message: &Message) -> Result<(), StoreError> {
        let mut state = self.lock();
        let conversation = state
            .conversations
            .entry(ConversationKey::between(
                &message.sender_id,
                &message.receiver_id,
            ))
            .or_default();
        if conversation.contains_key(&message.message_id) {
            return Err(StoreError::MessageExists);
        }
        conversation.insert(message.message_id.clone(), without_preview(message));
        Ok(())
    }

    async fn history(
        &self,
        a: &ClientId,
        b: &ClientId,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, StoreError> {
        let state = self.lock();
        let Some(conversation) = state.conversations.get(&ConversationKey::between(a, b)) else {
            return Ok(HistoryPage {
                messages: Vec::new(),
                next_cursor: None,
            });
        };
        let older = match &query.before {
            Some(before) => conversation.range(..before.clone()),
            None => conversation.range(..),
        };
        let mut matching = older.rev().map(|(_, m)| m).filter(|m| {
            query
                .appointment_id
                .as_ref()
                .is_none_or(|wanted| &m.appointment_id == wanted)
        });
        let messages: Vec<Message> = matching.by_ref().take(query.limit).cloned().collect();
        let next_cursor = match matching.next() {
            Some(_) => messages.last().map(|m| m.message_id.clone()),
            None => None,
        };
        Ok(HistoryPage {
            messages,
            next_cursor,
        })
    }

    async fn message(
        &self,
        a: &ClientId,
        b: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let state = self.lock();
        Ok(state
            .conversations
            .get(&ConversationKey::between(a, b))
            .and_then(|c| c.get(id))
            .cloned())
    }

    async fn sync(&self, owner: &ClientId, query: &SyncQuery) -> Result<SyncPage, StoreError> {
        use std::ops::{Bound, RangeBounds};
        let state = self.lock();
        let after = match &query.since {
            Some(since) => Bound::Excluded(since.clone()),
            None => Bound::Unbounded,
        };
        let range = (after, Bound::Unbounded);
        let mine = |key: &ConversationKey| match &query.peer {
            Some(peer) => *key == ConversationKey::between(owner, peer),
            None => key.includes(owner),
        };
        let mut entries: Vec<SyncEntry> = Vec::new();
        for (key, messages) in state.conversations.iter().filter(|(key, _)| mine(key)) {
            for (id, message) in messages.range(range.clone()) {
                entries.push(SyncEntry {
                    position: id.clone(),
                    message: message.clone(),
                });
            }
            let changes = state.changes.get(key).into_iter().flatten();
            for (position, target) in changes.filter(|(p, _)| range.contains(*p)) {
                if let Some(message) = messages.get(target) {
                    entries.push(SyncEntry {
                        position: position.clone(),
                        message: message.clone(),
                    });
                }
            }
        }
        entries.sort_by(|a, b| a.position.cmp(&b.position));
        let has_more = entries.len() > query.limit;
        entries.truncate(query.limit);
        Ok(SyncPage { entries, has_more })
    }

    async fn find_message(
        &self,
        participant: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let state = self.lock();
        Ok(state
            .conversations
            .iter()
            .filter(|(key, _)| key.includes(participant))
            .find_map(|(_, messages)| messages.get(id))
            .cloned())
    }

    async fn replace_message(
        &self,
        message: &Message,
        expected_version: u64,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let key = ConversationKey::between(&message.sender_id, &message.receiver_id);
        let stored = state
            .conversations
            .get_mut(&key)
            .and_then(|c| c.get_mut(&message.message_id));
        match stored {
            Some(stored) if stored.state.version == expected_version => {
                *stored = without_preview(message);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn put_change(&self, change_id: &MessageId, message: &Message) -> Result<(), StoreError> {
        let mut state = self.lock();
        let key = ConversationKey::between(&message.sender_id, &message.receiver_id);
        state
            .changes
            .entry(key)
            .or_default()
            .insert(change_id.clone(), message.message_id.clone());
        Ok(())
    }

    async fn messages(
        &self,
        a: &ClientId,
        b: &ClientId,
        ids: &[MessageId],
    ) -> Result<Vec<Message>, StoreError> {
        let state = self.lock();
        let Some(conversation) = state.conversations.get(&ConversationKey::between(a, b)) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|id| conversation.get(id))
            .cloned()
            .collect())
    }
}

/// A message as stored: a reply keeps only the id of what it answers.
fn without_preview(message: &Message) -> Message {
    let mut stored = message.clone();
    if let Some(reply) = &mut stored.reply {
        reply.preview = None;
    }
    stored
}

#[async_trait]
impl SendClaimStore for MemoryStore {
    async fn claim_send(
        &self,
        sender: &ClientId,
        key: &str,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<Option<SendClaim>, StoreError> {
        let mut state = self.lock();
        let slot = (sender.clone(), key.to_owned());
        let now_s = claim.claimed_at_ms.div_euclid(1000);
        match state.claims.get(&slot) {
            Some((existing, expires)) if *expires > now_s => return Ok(Some(existing.clone())),
            _ => {}
        }
        state.claims.insert(slot, (claim.clone(), expires_at_s));
        Ok(None)
    }

    async fn reclaim_send(
        &self,
        sender: &ClientId,
        key: &str,
        expected: &MessageId,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        match state.claims.get_mut(&(sender.clone(), key.to_owned())) {
            Some(slot) if &slot.0.message_id == expected => {
                *slot = (claim.clone(), expires_at_s);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl InboxStore for MemoryStore {
    async fn record_unread(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
        to_top: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .inbox
            .entry(owner.clone())
            .or_default()
            .entry(peer.clone())
            .or_default();
        let id = &last.message_id;
        if entry
            .last_message_id
            .as_ref()
            .is_none_or(|newest| newest < id)
        {
            entry.unread += 1;
            entry.last_message_id = Some(id.clone());
            entry.last = Some(last.clone());
            if to_top {
                entry.activity = Some(id.clone());
            }
        } else if entry.read_up_to.as_ref().is_none_or(|up_to| up_to < id) {
            // Older than the newest recorded, but not yet covered by a mark-read.
            entry.unread += 1;
        }
        Ok(())
    }

    async fn touch(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        activity: &MessageId,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .inbox
            .entry(owner.clone())
            .or_default()
            .entry(peer.clone())
            .or_default();
        if entry.activity.as_ref().is_none_or(|at| at < activity) {
            entry.activity = Some(activity.clone());
        }
        Ok(())
    }

    async fn top_peer(&self, owner: &ClientId) -> Result<Option<ClientId>, StoreError> {
        let state = self.lock();
        Ok(places(&state, owner)
            .into_iter()
            .next()
            .map(|(_, peer)| peer))
    }

    async fn refresh_last(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let entry = state.inbox.get_mut(owner).and_then(|p| p.get_mut(peer));
        match entry {
            Some(entry) if entry.last_message_id.as_ref() == Some(&last.message_id) => {
                entry.last = Some(last.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn conversations(
        &self,
        owner: &ClientId,
        query: &InboxQuery,
    ) -> Result<InboxPage, StoreError> {
        let state = self.lock();
        let below = |place: &(MessageId, ClientId)| match &query.after {
            Some(after) => *place < (after.activity.clone(), after.peer.clone()),
            None => true,
        };
        let mut places: Vec<(MessageId, ClientId)> =
            places(&state, owner).into_iter().filter(below).collect();
        let next_cursor = (places.len() > query.limit).then(|| {
            let (activity, peer) = places[query.limit - 1].clone();
            InboxCursor { activity, peer }
        });
        places.truncate(query.limit);
        let entry = |o: &ClientId, p: &ClientId| state.inbox.get(o).and_then(|e| e.get(p));
        let conversations = places
            .into_iter()
            .map(|(_, peer)| {
                let mine = entry(owner, &peer).cloned().unwrap_or_default();
                let theirs = entry(&peer, owner).and_then(|e| e.last.clone());
                Conversation {
                    last: newer(mine.last, theirs),
                    unread: mine.unread,
                    peer,
                }
            })
            .collect();
        Ok(InboxPage {
            conversations,
            next_cursor,
        })
    }
    async fn inbox_entry(
        &self,
        owner: &ClientId,
        peer: &ClientId,
    ) -> Result<Option<InboxEntry>, StoreError> {
        let state = self.lock();
        Ok(state
            .inbox
            .get(owner)
            .and_then(|peers| peers.get(peer))
            .cloned())
    }

    async fn mark_read_if_unchanged(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        expected: &InboxEntry,
        read_at_ms: EpochMillis,
    ) -> Result<bool, StoreError> {
        let mut state = self.lock();
        let Some(entry) = state.inbox.get_mut(owner).and_then(|p| p.get_mut(peer)) else {
            return Ok(false);
        };
        if entry.unread != expected.unread || entry.last_message_id != expected.last_message_id {
            return Ok(false);
        }
        entry.unread = 0;
        entry.read_up_to = expected.last_message_id.clone();
        entry.read_at_ms = Some(read_at_ms);
        Ok(true)
    }

    async fn unread_counts(&self, owner: &ClientId) -> Result<Vec<(ClientId, u64)>, StoreError> {
        let state = self.lock();
        Ok(state
            .inbox
            .get(owner)
            .map(|peers| {
                peers
                    .iter()
                    .filter(|(_, e)| e.unread > 0)
                    .map(|(peer, e)| (peer.clone(), e.unread))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// `owner`'s conversations by place, most recent first (what DynamoDB's `by_activity` index
/// holds).
fn places(state: &State, owner: &ClientId) -> Vec<(MessageId, ClientId)> {
    let mut places: Vec<(MessageId, ClientId)> = state
        .inbox
        .get(owner)
        .into_iter()
        .flatten()
        .filter_map(|(peer, e)| Some((e.activity.clone()?, peer.clone())))
        .collect();
    places.sort_by(|a, b| b.cmp(a));
    places
}

/// The newer of two previews (by message id).
pub(crate) fn newer(
    a: Option<MessagePreview>,
    b: Option<MessagePreview>,
) -> Option<MessagePreview> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.message_id > a.message_id { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[async_trait]
impl RateLimitStore for MemoryStore {
    async fn admit(
        &self,
        client_id: &ClientId,
        bucket: RateBucket,
        rule: RateRule,
        now_ms: EpochMillis,
    ) -> Result<bool, StoreError> {
        let key = (client_id.clone(), bucket);
        let mut state = self.lock();
        let tat = state.rate.get(&key).copied();
        let next = match tat {
            None => now_ms + rule.interval_ms(),
            Some(tat) if tat <= now_ms => now_ms + rule.interval_ms(),
            Some(tat) if tat <= now_ms + rule.tolerance_ms() => tat + rule.interval_ms(),
            Some(_) => return Ok(false),
        };
        state.rate.insert(key, next);
        Ok(true)
    }
}
