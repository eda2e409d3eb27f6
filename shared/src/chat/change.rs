//! Change: an edit, a deletion or a reaction, applied by the rules of `domain::change`,
//! recorded for catch-up, and posted as the message's new state to both participants.

use crate::domain::{
    Change, ClientId, ConnectionId, Identity, Message, MessageId, MessagePreview, Outbound,
    Refusal, ValidationError,
};
use crate::error::{Chain, ChatError};
use crate::files::Files;
use crate::store::{Presence, RateBucket, RateRule, Store, StoreError};

use super::admit::RateCheck;
use super::deliver::{Deliverer, Outcomes};
use super::reply::fill_previews;

/// Compare-and-set attempts when another change lands between the read and the write.
const CHANGE_ATTEMPTS: usize = 3;

/// What a participant asks to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub message_id: MessageId,
    /// The other participant, when the client names it: the message is then read directly
    /// (consistently); without it, it is found through the catch-up indexes.
    pub peer: Option<ClientId>,
    pub change: Change,
}

/// What a change did, for the ack, logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The message's current state.
    pub message: Message,
    /// `false` when it was in the asked-for state already (a retried command).
    pub changed: bool,
    pub outcomes: Outcomes,
}

/// Applies `request` for `who`, who sent it on connection `from` (which gets the ack rather
/// than the update). Costs a token from the message bucket.
///
/// DynamoDB round trips before the update is posted: two. First the rate limit and the read
/// of the message; then, concurrently, the compare-and-set of its new state, the change
/// record, both participants' connections and the receiver's inbox entry.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    store: &dyn Store,
    files: Option<&dyn Files>,
    deliverer: &Deliverer,
    rule: Option<RateRule>,
    who: &Identity,
    from: Option<&ConnectionId>,
    request: ChangeRequest,
    now_ms: i64,
) -> Result<Changed, ChatError> {
    if request.peer.as_ref() == Some(&who.client_id) {
        return Err(ValidationError::new("peer_id", "must differ from the caller").into());
    }
    let limit = RateCheck {
        limits: store,
        bucket: RateBucket::Messages,
        rule,
        now_ms,
    };
    let (admitted, found) = tokio::join!(limit.take(who), locate(store, who, &request));
    admitted?;
    let mut current = found?;
    // Found through an index (no `peer_id`), the copy may lag the table: a decision that
    // writes nothing (already so, or refused) is taken again on a consistent read.
    let mut consistent = request.peer.is_some();
    let mut others: Option<Others> = None;
    for _ in 0..CHANGE_ATTEMPTS {
        let next = match current.apply(who, &request.change, now_ms) {
            Ok(Some(next)) => Some(next),
            decided if consistent => decided.map_err(refused)?,
            _ => {
                current = reread(store, &current).await?;
                consistent = true;
                continue;
            }
        };
        // The change record first-class: written even for a command that changes nothing, so
        // a retry after a lost record still records the change for catch-up.
        let shown = next.clone().unwrap_or_else(|| current.clone());
        let change_id = MessageId::generate(now_ms);
        let write = async {
            let replaced = async {
                match &next {
                    Some(next) => store.replace_message(next, current.state.version).await,
                    None => Ok(true),
                }
            };
            let (replaced, recorded) = tokio::join!(replaced, store.put_change(&change_id, &shown));
            recorded?;
            replaced
        };
        let first = others.is_none();
        let rest = async {
            match first {
                true => Some(read_others(store, &shown, &request.change, now_ms).await),
                false => None,
            }
        };
        let (replaced, rest) = tokio::join!(write, rest);
        if rest.is_some() {
            others = rest;
        }
        if replaced? {
            let others = others.take().expect("read with the first attempt");
            // A deletion's files: retagged for the bucket's lifecycle rule to remove.
            let forgotten = async {
                let deleted = next.as_ref().filter(|n| n.state.deleted.is_some());
                if let (Some(files), Some(deleted)) = (files, deleted) {
                    if !current.attachments.is_empty() {
                        super::attachments::forget(files, deleted, &current.attachments).await;
                    }
                }
            };
            let delivered = deliver(
                store,
                deliverer,
                shown,
                next.is_some(),
                others,
                from,
                now_ms,
            );
            let (changed, ()) = tokio::join!(delivered, forgotten);
            return Ok(changed);
        }
        // Another change landed first: read the message again (consistently) and retry.
        current = reread(store, &current).await?;
        consistent = true;
    }
    Err(ChatError::Contention)
}

/// The message as the table has it now (a consistent read).
async fn reread(store: &dyn Store, message: &Message) -> Result<Message, ChatError> {
    store
        .message(
            &message.sender_id,
            &message.receiver_id,
            &message.message_id,
        )
        .await?
        .ok_or(ChatError::NotFound("no such message in your conversations"))
}

/// The message, if it is in one of `who`'s conversations.
async fn locate(
    store: &dyn Store,
    who: &Identity,
    request: &ChangeRequest,
) -> Result<Message, ChatError> {
    let me = &who.client_id;
    let found = match &request.peer {
        Some(peer) => store.message(me, peer, &request.message_id).await?,
        None => store.find_message(me, &request.message_id).await?,
    };
    found
        .filter(|m| m.has_participant(me))
        .ok_or(ChatError::NotFound("no such message in your conversations"))
}

fn refused(refusal: Refusal) -> ChatError {
    match refusal {
        Refusal::NotAuthor | Refusal::TooLate | Refusal::SystemMessage => {
            ChatError::Forbidden(refusal.reason())
        }
        Refusal::Deleted | Refusal::TooManyReactions => ChatError::Conflict(refusal.reason()),
    }
}

/// What the posts need, read in the round trip of the write: both participants'
/// connections, whether the message is the last one in its receiver's inbox, and the preview
/// of what a reply answers.
struct Others {
    sender: Result<Presence, StoreError>,
    receiver: Result<Presence, StoreError>,
    is_last: bool,
    preview: Option<MessagePreview>,
}

async fn read_others(store: &dyn Store, message: &Message, change: &Change, now_ms: i64) -> Others {
    let now_s = now_ms.div_euclid(1000);
    // The inbox preview shows text, edits and deletion, not reactions: a reaction never
    // refreshes it, so it does not read the receiver's entry either.
    let entry = async {
        match change {
            Change::React { .. } => Ok(None),
            _ => {
                store
                    .inbox_entry(&message.receiver_id, &message.sender_id)
                    .await
            }
        }
    };
    let previewed = async {
        let mut one = [message.clone()];
        fill_previews(store, &mut one).await;
        one[0].reply.as_ref().and_then(|r| r.preview.clone())
    };
    let (sender, receiver, entry, preview) = tokio::join!(
        store.presence(&message.sender_id, now_s),
        store.presence(&message.receiver_id, now_s),
        entry,
        previewed
    );
    let is_last = match entry {
        Ok(entry) => entry.and_then(|e| e.last_message_id) == Some(message.message_id.clone()),
        Err(err) => {
            tracing::warn!(error = %Chain(&err), "inbox entry not read; its preview may lag");
            false
        }
    };
    Others {
        sender,
        receiver,
        is_last,
        preview,
    }
}

/// Posts the new state to every connection of both participants but `from`, and refreshes
/// the receiver's inbox preview when this is its last message.
async fn deliver(
    store: &dyn Store,
    deliverer: &Deliverer,
    mut message: Message,
    changed: bool,
    others: Others,
    from: Option<&ConnectionId>,
    now_ms: i64,
) -> Changed {
    if let Some(reply) = &mut message.reply {
        reply.preview = others.preview;
    }
    let mut to = Vec::new();
    for presence in [others.sender, others.receiver] {
        match presence {
            Ok(presence) => to.extend(presence.connections),
            Err(err) => tracing::warn!(error = %Chain(&err), "update not posted to a participant"),
        }
    }
    to.retain(|c| Some(&c.connection_id) != from);
    let frame = Outbound::Update(&message);
    let posts = deliverer.deliver(&to, &frame, now_ms);
    let refreshed = async {
        if !others.is_last {
            return Ok(false);
        }
        let (receiver, sender) = (&message.receiver_id, &message.sender_id);
        store
            .refresh_last(receiver, sender, &MessagePreview::of(&message))
            .await
    };
    let (outcomes, refreshed) = tokio::join!(posts, refreshed);
    if let Err(err) = refreshed {
        tracing::error!(error = %Chain(&err), "inbox preview not refreshed");
    }
    Changed {
        message,
        changed,
        outcomes,
    }
}
