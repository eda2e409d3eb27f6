//! Catch-up: the caller's messages after a resume point, oldest first, in pages that fit one
//! WebSocket frame.

use crate::domain::{
    ClientId, Clock, Identity, Message, MessageId, Outbound, SyncQuery, ValidationError,
    MAX_SYNC_LIMIT,
};
use crate::error::ChatError;
use crate::store::MessageStore;

use std::collections::HashMap;

use super::admit::RateCheck;
use super::deliver::Deliverer;
use super::reply::fill_previews;

/// The longest time between a message id's timestamp and the moment the message can be read
/// back (the id is generated just before the write, a retry reuses it for at most
/// [`super::send::TAKEOVER_AFTER_MS`], and the catch-up indexes lag the table by well under a
/// second). Catch-up hands out resume points this far behind the present, so a message written
/// while a client synced is fetched on its next sync.
pub const SYNC_WINDOW_MS: i64 = 60_000;

/// The largest sync page, in bytes of message frames: API Gateway refuses frames over
/// 128 KiB; the rest of the frame is a few dozen bytes.
pub const SYNC_PAGE_BYTES: usize = 126 * 1024;

/// What a client asks to catch up on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncRequest {
    /// Messages after this id (`None`: from the start).
    pub since: Option<MessageId>,
    /// Only the conversation with this client (`None`: all of the caller's).
    pub peer: Option<ClientId>,
}

/// A catch-up page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// In feed order (oldest first), each once, in its current state.
    pub messages: Vec<Message>,
    pub has_more: bool,
    /// Where to continue: the last position read while `has_more` (a message's or a
    /// change's id); otherwise the `since` to use after the next reconnect.
    pub next_since: Option<MessageId>,
}

/// One page of catch-up for `who`, after a token from its read bucket (`reads`); `deliverer`
/// renders the frames whose size bounds the page.
pub async fn sync(
    store: &dyn MessageStore,
    reads: RateCheck<'_>,
    deliverer: &Deliverer,
    clock: &dyn Clock,
    who: &Identity,
    request: SyncRequest,
) -> Result<Synced, ChatError> {
    if request.peer.as_ref() == Some(&who.client_id) {
        return Err(ValidationError::new("peer_id", "must differ from the caller").into());
    }
    let query = SyncQuery {
        since: request.since,
        peer: request.peer,
        limit: MAX_SYNC_LIMIT,
    };
    // The token first, then the Queries: a refused sync must not spend up to two pages of
    // reads (a client sizes them with its own messages, up to 1 MB each).
    reads.take(who).await?;
    let page = store.sync(&who.client_id, &query).await?;
    // Read after the query: the resume point below must not be later than what it saw.
    let now_ms = clock.now_ms();
    let mut has_more = page.has_more;
    // Each message once, at its first position in the page, in the highest version the page
    // holds (an index copy can lag a change record's consistent read).
    let mut firsts: Vec<(usize, Message)> = Vec::new();
    let mut index_of: HashMap<MessageId, usize> = HashMap::new();
    for (i, entry) in page.entries.iter().enumerate() {
        match index_of.get(&entry.message.message_id) {
            Some(&k) if entry.message.state.version > firsts[k].1.state.version => {
                firsts[k].1 = entry.message.clone();
            }
            Some(_) => {}
            None => {
                index_of.insert(entry.message.message_id.clone(), firsts.len());
                firsts.push((i, entry.message.clone()));
            }
        }
    }
    let mut messages: Vec<Message> = firsts.iter().map(|(_, m)| m.clone()).collect();
    // Previews before measuring: they are part of the frame API Gateway bounds.
    fill_previews(store, &mut messages).await;
    let mut keep = messages.len();
    let mut bytes = 0;
    for (k, m) in messages.iter().enumerate() {
        let size = deliverer.render(&Outbound::Message(m)).len() + 1;
        if bytes + size > SYNC_PAGE_BYTES && k > 0 {
            keep = k;
            has_more = true;
            break;
        }
        bytes += size;
    }
    // The page covers every entry before the first message left out.
    let consumed = firsts.get(keep).map_or(page.entries.len(), |(i, _)| *i);
    let last_position = page.entries[..consumed].last().map(|e| e.position.clone());
    messages.truncate(keep);
    let next_since = if has_more {
        last_position
    } else {
        // Everything stored up to now was returned, but a message or change being written
        // now may carry an id up to SYNC_WINDOW_MS old (even older than `since`): resume from
        // there next time, whatever `since` was.
        Some(MessageId::floor_of(now_ms - SYNC_WINDOW_MS))
    };
    Ok(Synced {
        messages,
        has_more,
        next_since,
    })
}
