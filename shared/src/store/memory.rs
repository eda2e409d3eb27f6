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
    ClientId, Connection, ConnectionId, ConversationKey, EpochMillis, HistoryPage, HistoryQuery,
    InboxEntry, Message, MessageId, Role, SendClaim, SyncPage, SyncQuery,
};

#[derive(Default)]
struct State {
    roles: HashMap<ClientId, Role>,
    connections: HashMap<ClientId, BTreeMap<ConnectionId, Connection>>,
    conversations: HashMap<ConversationKey, BTreeMap<MessageId, Message>>,
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
        conversation.insert(message.message_id.clone(), message.clone());
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
        use std::ops::Bound;
        let state = self.lock();
        let after = match &query.since {
            Some(since) => Bound::Excluded(since.clone()),
            None => Bound::Unbounded,
        };
        let mut found: Vec<&Message> = state
            .conversations
            .iter()
            .filter(|(key, _)| match &query.peer {
                Some(peer) => **key == ConversationKey::between(owner, peer),
                None => key.includes(owner),
            })
            .flat_map(|(_, c)| {
                c.range((after.clone(), Bound::Unbounded))
                    .map(|(_, m)| m)
                    .take(query.limit + 1)
            })
            .collect();
        found.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        let has_more = found.len() > query.limit;
        found.truncate(query.limit);
        Ok(SyncPage {
            messages: found.into_iter().cloned().collect(),
            has_more,
        })
    }
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
        id: &MessageId,
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        let entry = state
            .inbox
            .entry(owner.clone())
            .or_default()
            .entry(peer.clone())
            .or_default();
        if entry.last_message_id.as_ref().is_none_or(|last| last < id) {
            entry.unread += 1;
            entry.last_message_id = Some(id.clone());
        } else if entry.read_up_to.as_ref().is_none_or(|up_to| up_to < id) {
            // Older than the newest recorded, but not yet covered by a mark-read.
            entry.unread += 1;
        }
        Ok(())
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
