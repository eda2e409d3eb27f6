//! Admission of a send or a typing indicator: the sender's rate limit and the receiver
//! lookup in one round trip, then the rule of who may write to whom.

use crate::domain::{policy, ClientId, EpochMillis, Identity, ValidationError};
use crate::error::ChatError;
use crate::store::{ConnectionStore, Presence, RateLimitStore, RateRule};

/// Refuses a frame addressed to its own sender.
pub fn not_to_self(who: &Identity, receiver: &ClientId) -> Result<(), ChatError> {
    if receiver == &who.client_id {
        return Err(ValidationError::new("receiver_id", "must differ from the sender").into());
    }
    Ok(())
}

/// One round trip: takes a token from the sender's rate limit (`rule`, `None`: unlimited)
/// and, concurrently, looks up the receiver (role and connections); then checks that the
/// sender may write to it.
pub async fn admit_to(
    limits: &dyn RateLimitStore,
    connections: &dyn ConnectionStore,
    rule: Option<RateRule>,
    who: &Identity,
    receiver: &ClientId,
    now_ms: EpochMillis,
) -> Result<Presence, ChatError> {
    let admitted = async {
        match rule {
            Some(rule) => limits.admit(&who.client_id, rule, now_ms).await,
            None => Ok(true),
        }
    };
    let (admitted, presence) = tokio::join!(
        admitted,
        connections.presence(receiver, now_ms.div_euclid(1000))
    );
    if !admitted? {
        return Err(ChatError::RateLimited);
    }
    let presence = presence?;
    if !policy::may_send(who, presence.role) {
        return Err(ChatError::Forbidden(
            "users may write only to administrators",
        ));
    }
    Ok(presence)
}
