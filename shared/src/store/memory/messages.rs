//! The in-memory store's messages: conversations, change records and catch-up.

use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::{
    ClientId, ConversationKey, HistoryPage, HistoryQuery, Message, MessageId, SyncEntry, SyncPage,
    SyncQuery,
};
use crate::store::{MessageStore, StoreError};

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
        // All or nothing, as DynamoDB's transaction: checked first, then marked.
        if let Err(err) = super::uploads::attach(&mut state, message) {
            let key = ConversationKey::between(&message.sender_id, &message.receiver_id);
            if let Some(conversation) = state.conversations.get_mut(&key) {
                conversation.remove(&message.message_id);
            }
            return Err(err);
        }
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
