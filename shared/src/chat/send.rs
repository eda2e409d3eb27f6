//! Send: a message stored once (per `client_msg_id`), posted to every open connection of its
//! receiver and counted unread.

use crate::domain::{
    AttachmentRefusal, ClientId, Identity, Message, MessageId, MessagePreview, MessageState,
    NewMessage, Outbound, Reply, Retention, SendClaim, ValidationError,
};
use crate::error::{Chain, ChatError};
use crate::files::{Files, ObjectState};
use crate::store::{Store, StoreError};

use super::admit::{admit_to, not_to_self, Budget};
use super::attachments::{check_uploads, set_states};
use super::deliver::{Deliverer, Outcomes};

/// How long a send's `client_msg_id` is remembered: a retry within this gets the same ack.
pub const CLIENT_MSG_ID_TTL_S: i64 = 24 * 3600;

/// A send that claimed its `client_msg_id` but has not stored its message after this long is
/// certainly over: the functions time out after 10 s and every store call is bounded by the
/// SDK timeouts. A retry may then store the message under a new id; before, it stores it
/// under the claimed id (so a first attempt that is still running cannot store it twice).
pub const TAKEOVER_AFTER_MS: i64 = 30_000;

/// What a send did, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message: Message,
    /// A retry of a send already stored: the same message, not stored, posted or counted again.
    pub duplicate: bool,
    /// Connections the message was posted to.
    pub delivered: usize,
    /// Stale connections found (410) and removed.
    pub gone: usize,
    /// Posts that failed otherwise (the message stays stored).
    pub failed: usize,
}

impl Sent {
    fn new(message: Message, duplicate: bool, outcomes: Outcomes) -> Self {
        Self {
            message,
            duplicate,
            delivered: outcomes.delivered,
            gone: outcomes.gone,
            failed: outcomes.failed,
        }
    }
}

/// Stores a message and posts it to every open connection of its receiver. The whole store is
/// needed: rate limit, receiver lookup, claim, message and inbox.
///
/// DynamoDB round trips before the first post: two. First the sender's rate limit, the
/// receiver lookup, (for a keyed send) its claim, (for a reply) the message it answers and the
/// top of both inboxes run concurrently; once they allow it, the message is stored. The unread
/// counter and the inbox places are updated concurrently with the posts, and a place moves
/// only when the conversation is not on top of that inbox already (docs/design.md §12).
///
/// A send with attachments also reads their upload records and the first bytes of each
/// object in the first round trip ([`check_uploads`]), tags the objects attached, and stores
/// the message in one transaction with its uploads marked attached.
pub async fn send(
    store: &dyn Store,
    (files, retention): (Option<&dyn Files>, Retention),
    deliverer: &Deliverer,
    budget: Budget,
    who: &Identity,
    new: NewMessage,
    now_ms: i64,
) -> Result<Sent, ChatError> {
    not_to_self(who, &new.receiver_id)?;
    let files = match (new.attachments.is_empty(), files) {
        (true, _) => None,
        (false, Some(files)) => Some(files),
        (false, None) => return Err(AttachmentRefusal::Unavailable.into()),
    };
    let attachment_ids = new.attachments.clone();
    let (mut message, claim) = draft(who, new, now_ms);
    let checked = async {
        match files {
            Some(files) => check_uploads(store, files, &who.client_id, &attachment_ids, now_ms)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    // One round trip: the rate limit, the receiver lookup, a keyed send's claim, a reply's
    // original and both inboxes' tops. A claim left by a refused send is harmless: a retry
    // finds it and finishes the send.
    let claimed = async {
        match &message.client_msg_id {
            Some(key) => store
                .claim_send(&message.sender_id, key, &claim, claim_expiry(now_ms))
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let original = async {
        match &message.reply {
            Some(reply) => store
                .message(&message.sender_id, &message.receiver_id, &reply.to)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let (sender, receiver) = (&who.client_id, &message.receiver_id);
    let admitted = admit_to(store, store, budget, who, receiver, now_ms);
    // The system has no inbox of its own: only the receiver's place is read (and kept).
    let sender_top = async {
        if sender.is_system() {
            Ok(None)
        } else {
            store.top_peer(sender).await
        }
    };
    let tops = async { tokio::join!(store.top_peer(receiver), sender_top) };
    let (presence, claimed, original, tops, checked) =
        tokio::join!(admitted, claimed, original, tops, checked);
    let presence = presence?;
    let claimed = claimed?;
    // A retry of a keyed send (its claim exists) is answered by the rules of `store_once`; its
    // reply and attachments were checked by the first attempt (which attached them), and the
    // original may have been deleted since.
    let retry = matches!(claimed, Some(Some(_)));
    if !retry {
        if let (Some(files), Some(checked)) = (files, checked?) {
            set_states(files, &checked, ObjectState::Attached).await?;
            message.attachments = checked;
        }
    }
    if let Some(original) = original?.filter(|_| !retry) {
        let preview = original.filter(|o| o.state.deleted.is_none());
        let Some(preview) = preview.as_ref().map(MessagePreview::of) else {
            return Err(ValidationError::new(
                "reply_to",
                "must be a message of this conversation that is not deleted",
            )
            .into());
        };
        if let Some(reply) = &mut message.reply {
            reply.preview = Some(preview);
        }
    }
    let message = match store_once(store, message, claim, claimed, now_ms).await? {
        Stored::New(message) => message,
        Stored::Duplicate(message) => return Ok(Sent::new(message, true, Outcomes::default())),
    };

    let frame = Outbound::Message(&message);
    let posts = deliverer.deliver(&presence.connections, &frame, now_ms);
    let places = places(store, &message, tops, retention);
    let (outcomes, ()) = tokio::join!(posts, places);
    Ok(Sent::new(message, false, outcomes))
}

/// The unread counter and last-message preview in the receiver's inbox, and both inboxes'
/// places: a conversation already on top of an inbox stays where it is (an unchanged place
/// writes nothing to the index), otherwise it moves to this message. Failures are logged: the
/// message is stored and delivered (and acked: a retry would store it twice).
///
/// With retention, the sender's entry moves with every send (one more write): both entries of
/// a conversation must expire with its last message, not with the one that last moved it.
async fn places(
    store: &dyn Store,
    message: &Message,
    (receiver_top, sender_top): TopPeers,
    retention: Retention,
) {
    let (sender, receiver) = (&message.sender_id, &message.receiver_id);
    let on_top = |top: &Result<Option<ClientId>, StoreError>, peer: &ClientId| matches!(top, Ok(Some(top)) if top == peer);
    let last = MessagePreview::of(message);
    let counted = store.record_unread(receiver, sender, &last, !on_top(&receiver_top, sender));
    let touched = async {
        let stays = on_top(&sender_top, receiver) && retention.seconds().is_none();
        if stays || message.is_system() {
            return Ok(());
        }
        store.touch(sender, receiver, &message.message_id).await
    };
    let (counted, touched) = tokio::join!(counted, touched);
    if let Err(err) = counted {
        // The cost: the unread count misses it, and if it is the newest message from this
        // sender, mark-read does not cover it until a later message is recorded.
        tracing::error!(error = %Chain(&err), "unread counter update failed");
    }
    if let Err(err) = touched {
        tracing::error!(error = %Chain(&err), "sender's inbox place not moved");
    }
}

/// What the top of the receiver's and the sender's inboxes were before the send.
type TopPeers = (
    Result<Option<ClientId>, StoreError>,
    Result<Option<ClientId>, StoreError>,
);

/// The message to store and its idempotency claim. The id is taken just before the first
/// write: ids and write times stay close (catch-up relies on it, see `SYNC_WINDOW_MS`).
fn draft(who: &Identity, new: NewMessage, now_ms: i64) -> (Message, SendClaim) {
    let fingerprint = new.fingerprint();
    let message = Message {
        message_id: MessageId::generate(now_ms),
        sender_id: who.client_id.clone(),
        receiver_id: new.receiver_id,
        appointment_id: new.appointment_id,
        service_id: new.service_id,
        message_text: new.message_text,
        client_msg_id: new.client_msg_id,
        reply: new.reply_to.map(|to| Reply { to, preview: None }),
        state: MessageState::default(),
        attachments: Vec::new(),
    };
    let claim = SendClaim {
        message_id: message.message_id.clone(),
        receiver_id: message.receiver_id.clone(),
        fingerprint,
        claimed_at_ms: now_ms,
    };
    (message, claim)
}

/// When a send claim made at `now_ms` expires (epoch seconds).
fn claim_expiry(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000) + CLIENT_MSG_ID_TTL_S
}

enum Stored {
    New(Message),
    Duplicate(Message),
}

/// Stores a new message exactly once per `client_msg_id`. `claimed` is `None` for a send
/// without one (the message is simply stored), else what claiming the key found: nothing
/// (the claim is ours) or an earlier attempt's claim. A retry answers with the stored
/// message, or finishes a first attempt that claimed but did not store (see
/// [`TAKEOVER_AFTER_MS`]). Whoever writes the message item (a conditional write) delivers
/// and counts it; nobody else does.
async fn store_once(
    store: &dyn Store,
    mut message: Message,
    claim: SendClaim,
    claimed: Option<Option<SendClaim>>,
    now_ms: i64,
) -> Result<Stored, ChatError> {
    let (Some(key), Some(mut existing)) = (message.client_msg_id.clone(), claimed) else {
        store.put_message(&message).await.map_err(attach_error)?;
        return Ok(Stored::New(message));
    };
    for _ in 0..3 {
        let Some(earlier) = existing else {
            // Ours: store under the claimed id.
            return put_once(store, message).await;
        };
        if earlier.fingerprint != claim.fingerprint || earlier.receiver_id != message.receiver_id {
            return Err(ChatError::Conflict(
                "client_msg_id was already used for a different message",
            ));
        }
        if let Some(stored) = store
            .message(
                &message.sender_id,
                &message.receiver_id,
                &earlier.message_id,
            )
            .await?
        {
            let mut stored = stored;
            if let (Some(mine), Some(theirs)) = (&message.reply, &mut stored.reply) {
                theirs.preview = mine.preview.clone();
            }
            return Ok(Stored::Duplicate(stored));
        }
        if now_ms - earlier.claimed_at_ms < TAKEOVER_AFTER_MS {
            // The first attempt may still be writing: write the same id, so that exactly
            // one of the two conditional writes succeeds.
            message.message_id = earlier.message_id;
            return put_once(store, message).await;
        }
        // The first attempt is over and never stored: take the claim over with a new id.
        let expires_at_s = claim_expiry(now_ms);
        let sender = &message.sender_id;
        if store
            .reclaim_send(sender, &key, &earlier.message_id, &claim, expires_at_s)
            .await?
        {
            return put_once(store, message).await;
        }
        // Another retry took it over first: look again.
        existing = store.claim_send(sender, &key, &claim, expires_at_s).await?;
    }
    Err(ChatError::Contention)
}

/// Writes the message item; if the id is taken, the message is already stored (by a
/// concurrent attempt of the same send).
async fn put_once(store: &dyn Store, message: Message) -> Result<Stored, ChatError> {
    match store.put_message(&message).await {
        Ok(()) => Ok(Stored::New(message)),
        Err(StoreError::MessageExists) => Ok(Stored::Duplicate(message)),
        Err(err) => Err(attach_error(err)),
    }
}

/// An upload attached by a concurrent send between the check and the write.
fn attach_error(err: StoreError) -> ChatError {
    match err {
        StoreError::UploadTaken => AttachmentRefusal::InUse.into(),
        other => other.into(),
    }
}
