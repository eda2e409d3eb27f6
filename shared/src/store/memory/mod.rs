//! An in-memory store with the same observable behaviour as DynamoDB (checked by the store
//! contract suite). Used by chat-local's embedded mode and by handler tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{
    ConnectionStore, Presence, RateBucket, RateLimitStore, RateRule, SendClaimStore, StoreError,
};
use crate::domain::{
    AttachmentId, ClientId, Connection, ConnectionId, ConversationKey, EpochMillis, InboxEntry,
    Message, MessageId, Role, SendClaim, Upload,
};

mod inbox;
mod messages;
mod privacy;
mod uploads;

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
    /// Upload records by attachment id.
    uploads: HashMap<AttachmentId, Upload>,
    /// Erasures under way, by the client being erased.
    erasures: HashMap<ClientId, crate::domain::Erasure>,
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
