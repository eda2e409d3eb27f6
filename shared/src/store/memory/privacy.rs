//! A client's data as a whole, in memory (the same answers as the DynamoDB store's, checked
//! by the store contract suite).

use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::{
    AttachmentId, ClientId, ClientRecords, Direction, Erasure, InboxEntry, MessageId, MessagesOf,
};
use crate::store::{PrivacyStore, RateBucket, StoreError};

#[async_trait]
impl PrivacyStore for MemoryStore {
    async fn client_records(&self, client: &ClientId) -> Result<ClientRecords, StoreError> {
        let state = self.lock();
        let mut rate_limits: Vec<RateBucket> = (state.rate.keys())
            .filter(|(c, _)| c == client)
            .map(|(_, bucket)| *bucket)
            .collect();
        rate_limits.sort();
        Ok(ClientRecords {
            role: state.roles.get(client).copied(),
            connections: (state.connections.get(client))
                .map(|c| c.values().cloned().collect())
                .unwrap_or_default(),
            rate_limits,
        })
    }

    async fn delete_client_records(
        &self,
        client: &ClientId,
        profile: bool,
        buckets: &[RateBucket],
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if profile {
            state.roles.remove(client);
        }
        for bucket in buckets {
            state.rate.remove(&(client.clone(), *bucket));
        }
        Ok(())
    }

    async fn messages_of(
        &self,
        client: &ClientId,
        direction: Direction,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<MessagesOf, StoreError> {
        let state = self.lock();
        let mut messages: Vec<_> = (state.conversations.iter())
            .filter(|(key, _)| key.includes(client))
            .flat_map(|(_, messages)| messages.values())
            .filter(|m| match direction {
                Direction::Sent => &m.sender_id == client,
                Direction::Received => &m.receiver_id == client,
            })
            .filter(|m| after.is_none_or(|after| &m.message_id > after))
            .cloned()
            .collect();
        messages.sort_by(|a, b| a.message_id.cmp(&b.message_id));
        let more = messages.len() > limit;
        messages.truncate(limit);
        let next = more.then(|| messages.last().map(|m| m.message_id.clone()));
        Ok(MessagesOf {
            next: next.flatten(),
            messages,
        })
    }

    async fn claim_keys(&self, sender: &ClientId) -> Result<Vec<String>, StoreError> {
        let state = self.lock();
        let mut keys: Vec<String> = (state.claims.keys())
            .filter(|(s, _)| s == sender)
            .map(|(_, key)| key.clone())
            .collect();
        keys.sort();
        Ok(keys)
    }

    async fn delete_claims(&self, sender: &ClientId, keys: &[String]) -> Result<(), StoreError> {
        let mut state = self.lock();
        for key in keys {
            state.claims.remove(&(sender.clone(), key.clone()));
        }
        Ok(())
    }

    async fn inbox_entries(
        &self,
        owner: &ClientId,
    ) -> Result<Vec<(ClientId, InboxEntry)>, StoreError> {
        let state = self.lock();
        Ok((state.inbox.get(owner))
            .map(|entries| {
                (entries.iter())
                    .map(|(peer, entry)| (peer.clone(), entry.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn delete_inbox_entries(
        &self,
        owner: &ClientId,
        peers: &[ClientId],
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if let Some(entries) = state.inbox.get_mut(owner) {
            for peer in peers {
                entries.remove(peer);
            }
            if entries.is_empty() {
                state.inbox.remove(owner);
            }
        }
        Ok(())
    }

    async fn upload_ids_of(&self, owner: &ClientId) -> Result<Vec<AttachmentId>, StoreError> {
        let state = self.lock();
        let mut ids: Vec<AttachmentId> = (state.uploads.values())
            .filter(|u| &u.owner == owner)
            .map(|u| u.attachment.attachment_id.clone())
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn delete_uploads(
        &self,
        _owner: &ClientId,
        ids: &[AttachmentId],
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        for id in ids {
            state.uploads.remove(id);
        }
        Ok(())
    }

    async fn erasure(&self, client: &ClientId) -> Result<Option<Erasure>, StoreError> {
        Ok(self.lock().erasures.get(client).cloned())
    }

    async fn put_erasure(&self, erasure: &Erasure) -> Result<(), StoreError> {
        let mut state = self.lock();
        state
            .erasures
            .insert(erasure.client.clone(), erasure.clone());
        Ok(())
    }

    async fn delete_erasure(&self, client: &ClientId) -> Result<(), StoreError> {
        self.lock().erasures.remove(client);
        Ok(())
    }
}
