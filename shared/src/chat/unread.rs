//! Unread counts: one reader's, per sender.

use std::collections::BTreeMap;

use crate::domain::{policy, ClientId, Identity, MessageId};
use crate::error::ChatError;
use crate::store::Store;

use super::admit::RateCheck;

/// Unread counts of one reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unread {
    pub total: u64,
    pub by_sender: BTreeMap<ClientId, u64>,
}

/// `reader`'s unread counts; a token from the caller's read bucket (`reads`) is taken in the
/// same round trip (the Query is sized by the peers who wrote to the reader, not by the caller).
/// With retention (`floor`), conversations whose last message expired are left out: the
/// entries are read whole (the same units: a Query counts items before projection).
pub async fn unread(
    inbox: &dyn Store,
    reads: RateCheck<'_>,
    who: &Identity,
    reader: &ClientId,
    floor: Option<&MessageId>,
) -> Result<Unread, ChatError> {
    if !policy::may_read_unread(who, reader) {
        return Err(ChatError::Forbidden(
            "unread counts are visible only to their owner",
        ));
    }
    let counts = async {
        match floor {
            None => inbox.unread_counts(reader).await,
            Some(floor) => Ok((inbox.inbox_entries(reader).await?.into_iter())
                .filter(|(_, e)| e.unread > 0 && super::retention::entry_alive(e, Some(floor)))
                .map(|(peer, e)| (peer, e.unread))
                .collect()),
        }
    };
    let (admitted, counts) = tokio::join!(reads.take(who), counts);
    admitted?;
    let counts: Vec<(ClientId, u64)> = counts?;
    Ok(Unread {
        total: counts.iter().map(|(_, n)| n).sum(),
        by_sender: counts.into_iter().collect(),
    })
}
