//! The read-time cut of retention (docs/data-rules.md): every read hides what is older than
//! `now - retention` by its message id, so history, catch-up and the inbox agree at every
//! instant, however late DynamoDB's TTL deletes the items.

use crate::domain::{InboxEntry, InboxPage, MessageId};

use super::{History, Synced};

/// Whether an inbox entry still points at a live message (its last message or its place).
pub fn entry_alive(entry: &InboxEntry, floor: Option<&MessageId>) -> bool {
    let Some(floor) = floor else {
        return true;
    };
    let newest = entry.last_message_id.as_ref().max(entry.activity.as_ref());
    newest.is_some_and(|id| id >= floor)
}

/// History without expired messages; when some were, nothing older is alive either.
pub fn history(mut history: History, floor: Option<&MessageId>) -> History {
    let Some(floor) = floor else {
        return history;
    };
    let before = history.messages.len();
    history.messages.retain(|m| &m.message.message_id >= floor);
    if history.messages.len() < before {
        history.next_cursor = None;
    }
    history
}

/// A catch-up page without expired messages (a change record can outlive nothing: it points at
/// a message that expires first).
pub fn synced(mut synced: Synced, floor: Option<&MessageId>) -> Synced {
    if let Some(floor) = floor {
        synced.messages.retain(|m| &m.message_id >= floor);
    }
    synced
}

/// Catch-up never needs to read below the cut.
pub fn since(since: Option<MessageId>, floor: Option<MessageId>) -> Option<MessageId> {
    since.max(floor)
}

/// An inbox page without conversations whose last message expired.
pub fn inbox(mut page: InboxPage, floor: Option<&MessageId>) -> InboxPage {
    if let Some(floor) = floor {
        (page.conversations)
            .retain(|c| c.last.as_ref().is_none_or(|last| &last.message_id >= floor));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_while_their_newest_message_does() {
        let (old, floor, young) = (
            MessageId::generate(1_000),
            MessageId::floor_of(2_000),
            MessageId::generate(3_000),
        );
        let entry = |last: Option<&MessageId>, activity: Option<&MessageId>| InboxEntry {
            last_message_id: last.cloned(),
            activity: activity.cloned(),
            ..Default::default()
        };
        assert!(entry_alive(&entry(Some(&old), None), None));
        assert!(!entry_alive(&entry(Some(&old), None), Some(&floor)));
        assert!(entry_alive(&entry(Some(&old), Some(&young)), Some(&floor)));
        assert!(entry_alive(&entry(None, Some(&young)), Some(&floor)));
        assert!(!entry_alive(&entry(None, None), Some(&floor)));
        assert_eq!(
            since(Some(old.clone()), Some(floor.clone())),
            Some(floor.clone())
        );
        assert_eq!(since(Some(young.clone()), Some(floor)), Some(young));
    }
}
