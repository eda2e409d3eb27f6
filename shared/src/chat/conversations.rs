//! The inbox: an owner's conversations, most recent activity first, each with its last
//! message and unread count.

use crate::domain::{policy, ClientId, Identity, InboxPage, InboxQuery};
use crate::error::ChatError;
use crate::store::InboxStore;

use super::admit::RateCheck;

/// A page of `owner`'s inbox; a token from the caller's read bucket (`reads`) is taken in the
/// same round trip (the page is bounded by its limit, whatever the number of conversations).
pub async fn conversations(
    inbox: &dyn InboxStore,
    reads: RateCheck<'_>,
    who: &Identity,
    owner: &ClientId,
    query: &InboxQuery,
) -> Result<InboxPage, ChatError> {
    if !policy::may_read_inbox(who, owner) {
        return Err(ChatError::Forbidden(
            "an inbox is visible only to its owner",
        ));
    }
    let (admitted, page) = tokio::join!(reads.take(who), inbox.conversations(owner, query));
    admitted?;
    let mut page = page?;
    // The index keeps places in the order of activity; two conversations moved within the
    // index's lag may sit in the wrong order, so the page is ordered by its last messages.
    page.conversations.sort_by(|a, b| {
        b.updated_at_ms().cmp(&a.updated_at_ms()).then(
            b.last
                .as_ref()
                .map(|m| &m.message_id)
                .cmp(&a.last.as_ref().map(|m| &m.message_id)),
        )
    });
    Ok(page)
}
