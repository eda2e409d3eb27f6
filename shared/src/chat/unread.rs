//! Unread counts: one reader's, per sender.

use std::collections::BTreeMap;

use crate::domain::{policy, ClientId, Identity};
use crate::error::ChatError;
use crate::store::InboxStore;

use super::admit::RateCheck;

/// Unread counts of one reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unread {
    pub total: u64,
    pub by_sender: BTreeMap<ClientId, u64>,
}

/// `reader`'s unread counts; a token from the caller's read bucket (`reads`) is taken in the
/// same round trip (the Query is sized by the peers who wrote to the reader, not by the caller).
pub async fn unread(
    inbox: &dyn InboxStore,
    reads: RateCheck<'_>,
    who: &Identity,
    reader: &ClientId,
) -> Result<Unread, ChatError> {
    if !policy::may_read_unread(who, reader) {
        return Err(ChatError::Forbidden(
            "unread counts are visible only to their owner",
        ));
    }
    let (admitted, counts) = tokio::join!(reads.take(who), inbox.unread_counts(reader));
    admitted?;
    let counts = counts?;
    Ok(Unread {
        total: counts.iter().map(|(_, n)| n).sum(),
        by_sender: counts.into_iter().collect(),
    })
}
