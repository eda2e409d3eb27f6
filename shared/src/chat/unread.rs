//! Unread counts: one reader's, per sender.

use std::collections::BTreeMap;

use crate::domain::{policy, ClientId, Identity};
use crate::error::ChatError;
use crate::store::InboxStore;

/// Unread counts of one reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unread {
    pub total: u64,
    pub by_sender: BTreeMap<ClientId, u64>,
}

pub async fn unread(
    inbox: &dyn InboxStore,
    who: &Identity,
    reader: &ClientId,
) -> Result<Unread, ChatError> {
    if !policy::may_read_unread(who, reader) {
        return Err(ChatError::Forbidden(
            "unread counts are visible only to their owner",
        ));
    }
    let counts = inbox.unread_counts(reader).await?;
    Ok(Unread {
        total: counts.iter().map(|(_, n)| n).sum(),
        by_sender: counts.into_iter().collect(),
    })
}
