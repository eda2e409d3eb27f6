//! Mark read: every message from a sender to a reader, in one conditional write however many
//! there are, then a read receipt to the sender's open connections.

use crate::domain::{policy, ClientId, Clock, Identity, MessageId, Outbound, ValidationError};
use crate::error::{Chain, ChatError};
use crate::store::{ConnectionStore, InboxStore, Presence, StoreError};

use super::admit::RateCheck;
use super::deliver::Deliverer;

/// Compare-and-set retries under concurrent sends.
const MARK_READ_ATTEMPTS: usize = 8;

/// What a client marks read: `sender`'s messages to `reader`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkRead<'a> {
    pub reader: &'a ClientId,
    pub sender: &'a ClientId,
}

/// Returns how many messages went from unread to read. Costs a token from the caller's read
/// bucket (`reads`), taken in the same round trip as the first reads; refused, nothing is
/// written.
pub async fn mark_read(
    inbox: &dyn InboxStore,
    connections: &dyn ConnectionStore,
    reads: RateCheck<'_>,
    deliverer: &Deliverer,
    clock: &dyn Clock,
    who: &Identity,
    MarkRead { reader, sender }: MarkRead<'_>,
) -> Result<u64, ChatError> {
    if !policy::may_mark_read(who, reader) {
        return Err(ChatError::Forbidden(
            "only the reader may mark messages read",
        ));
    }
    if reader == sender {
        return Err(ValidationError::new("sender_id", "must differ from the reader").into());
    }
    // The sender's connections (for the read receipt) and the rate limit's token are taken in
    // the same round trip as the two inbox entries, so neither costs an extra sequential
    // request (these reads are small: two items and a client's connections).
    let (admitted, mine, theirs, sender_presence) = tokio::join!(
        reads.take(who),
        inbox.inbox_entry(reader, sender),
        inbox.inbox_entry(sender, reader),
        connections.presence(sender, reads.now_ms.div_euclid(1000))
    );
    admitted?;
    let (mine, theirs) = (mine?, theirs?);
    let mut entry = match mine {
        Some(entry) => entry,
        // The reader wrote to the sender but never heard back: nothing to mark.
        None if theirs.is_some() => return Ok(0),
        None => {
            return Err(ChatError::NotFound(
                "reader and sender have not exchanged messages",
            ))
        }
    };
    for _ in 0..MARK_READ_ATTEMPTS {
        if entry.unread == 0 && entry.last_message_id == entry.read_up_to {
            return Ok(0);
        }
        let now = clock.now_ms();
        if inbox
            .mark_read_if_unchanged(reader, sender, &entry, now)
            .await?
        {
            if let Some(up_to) = &entry.last_message_id {
                receipt(deliverer, reader, sender_presence, up_to, now).await;
            }
            return Ok(entry.unread);
        }
        // A message arrived meanwhile: read again and retry.
        entry = inbox.inbox_entry(reader, sender).await?.unwrap_or_default();
    }
    Err(ChatError::Contention)
}

/// Tells the sender's open connections (`sender_presence`, looked up while mark-read read
/// the inbox) that `reader` has read its messages up to `up_to`. Best effort: the read
/// state is stored already, and history carries it.
async fn receipt(
    deliverer: &Deliverer,
    reader: &ClientId,
    sender_presence: Result<Presence, StoreError>,
    up_to: &MessageId,
    read_at_ms: i64,
) {
    let presence = match sender_presence {
        Ok(presence) => presence,
        Err(err) => {
            tracing::warn!(error = %Chain(&err), "read receipt not sent: presence lookup failed");
            return;
        }
    };
    let frame = Outbound::Read {
        reader,
        up_to,
        read_at_ms,
    };
    deliverer
        .deliver(&presence.connections, &frame, read_at_ms)
        .await;
}
