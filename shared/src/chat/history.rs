//! History: a page of one conversation, newest first, with read flags.

use crate::domain::{policy, ClientId, HistoryQuery, Identity, MessageId, StoredMessage};
use crate::error::ChatError;
use crate::store::{InboxStore, MessageStore};

use super::admit::RateCheck;
use super::reply::fill_previews;

/// A history page with read flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub messages: Vec<StoredMessage>,
    pub next_cursor: Option<MessageId>,
}

/// The conversation between `a` and `b`: a token from the caller's read bucket (`reads`),
/// then one page and both read pointers in one round trip.
pub async fn history(
    messages: &dyn MessageStore,
    inbox: &dyn InboxStore,
    reads: RateCheck<'_>,
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
    // The token before the page: a refused request must not spend a page of reads, which
    // its caller can make up to 1 MB with long messages.
    reads.take(who).await?;
    let (page, a_reads_b, b_reads_a) = tokio::join!(
        messages.history(a, b, query),
        inbox.inbox_entry(a, b),
        inbox.inbox_entry(b, a)
    );
    let (page, a_reads_b, b_reads_a) = (
        page?,
        a_reads_b?.unwrap_or_default(),
        b_reads_a?.unwrap_or_default(),
    );
    let mut page = page;
    fill_previews(messages, &mut page.messages).await;
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
