//! The in-memory store's read state and inbox places.

use async_trait::async_trait;

use super::{MemoryStore, State};
use crate::domain::{
    ClientId, Conversation, EpochMillis, InboxCursor, InboxEntry, InboxPage, InboxQuery, MessageId,
    MessagePreview,
};
use crate::store::{InboxStore, StoreError};

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
        let entry = entry_mut(&mut state, owner, peer);
        let id = &last.message_id;
        if entry
            .last_message_id
            .as_ref()
            .is_none_or(|newest| newest < id)
        {
            entry.unread += 1;
            entry.last_message_id = Some(id.clone());
            entry.last = Some(last.clone());
            // A place never moves back (the sender may have moved it further meanwhile).
            if to_top && entry.activity.as_ref().is_none_or(|at| at < id) {
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
        let entry = entry_mut(&mut state, owner, peer);
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
            Some(entry)
                if entry.last_message_id.as_ref() == Some(&last.message_id)
                    && entry.last.as_ref().is_none_or(|l| l.version < last.version) =>
            {
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
                let theirs = entry(&peer, owner).cloned().unwrap_or_default();
                Conversation::of(peer, mine, theirs)
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

/// `owner`'s entry for `peer`, created empty if there is none.
fn entry_mut<'a>(state: &'a mut State, owner: &ClientId, peer: &ClientId) -> &'a mut InboxEntry {
    state
        .inbox
        .entry(owner.clone())
        .or_default()
        .entry(peer.clone())
        .or_default()
}
