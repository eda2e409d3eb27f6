//! Admission: the caller's rate limits, and for a send or a typing indicator the receiver
//! lookup in the same round trip, then the rule of who may write to whom.

use crate::domain::{policy, ClientId, EpochMillis, Identity, ValidationError};
use crate::error::ChatError;
use crate::store::{ConnectionStore, Presence, RateBucket, RateLimitStore, RateRule};

/// Refuses a frame addressed to its own sender, or to the system (which no one writes to:
/// its messages come from the booking backend, [`super::system`]).
pub fn not_to_self(who: &Identity, receiver: &ClientId) -> Result<(), ChatError> {
    if receiver == &who.client_id {
        return Err(ValidationError::new("receiver_id", "must differ from the sender").into());
    }
    if receiver.is_system() {
        return Err(ChatError::Forbidden("system messages cannot be answered"));
    }
    Ok(())
}

/// One token to take from a caller's bucket before a request does its work.
#[derive(Clone, Copy)]
pub struct RateCheck<'a> {
    pub limits: &'a dyn RateLimitStore,
    pub bucket: RateBucket,
    /// `None`: unlimited.
    pub rule: Option<RateRule>,
    pub now_ms: EpochMillis,
}

impl RateCheck<'_> {
    /// Takes the token from `who`'s bucket; [`ChatError::RateLimited`] when it is empty.
    pub async fn take(self, who: &Identity) -> Result<(), ChatError> {
        self.take_for(&who.client_id).await
    }

    /// Takes the token from `client`'s bucket (the caller's, or a system message's receiver).
    pub async fn take_for(self, client: &ClientId) -> Result<(), ChatError> {
        let Some(rule) = self.rule else {
            return Ok(());
        };
        let admitted = self
            .limits
            .admit(client, self.bucket, rule, self.now_ms)
            .await?;
        if admitted {
            Ok(())
        } else {
            Err(ChatError::RateLimited)
        }
    }
}

/// Whose token bucket a message draws from (`None` rules: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// The sender's message bucket: a person's send or typing indicator.
    Sender(Option<RateRule>),
    /// The receiver's system-message bucket: the system is one sender for everyone, so its
    /// messages are bounded per receiver.
    Receiver(Option<RateRule>),
}

/// One round trip: takes a token from the `budget`'s bucket and, concurrently, looks up the
/// receiver (role and connections); then checks that the sender may write to it.
pub async fn admit_to(
    limits: &dyn RateLimitStore,
    connections: &dyn ConnectionStore,
    budget: Budget,
    who: &Identity,
    receiver: &ClientId,
    now_ms: EpochMillis,
) -> Result<Presence, ChatError> {
    let (bucket, whose, rule) = match budget {
        Budget::Sender(rule) => (RateBucket::Messages, &who.client_id, rule),
        Budget::Receiver(rule) => (RateBucket::System, receiver, rule),
    };
    let check = RateCheck {
        limits,
        bucket,
        rule,
        now_ms,
    };
    let (admitted, presence) = tokio::join!(
        check.take_for(whose),
        connections.presence(receiver, now_ms.div_euclid(1000))
    );
    admitted?;
    let presence = presence?;
    if !policy::may_send(who, presence.role) {
        return Err(ChatError::Forbidden(
            "users may write only to administrators",
        ));
    }
    Ok(presence)
}
