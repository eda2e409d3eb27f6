//! Typing indicators: posted to the receiver's open connections, never stored. Same
//! authorization as a message, and they count against the sender's rate limit.

use crate::domain::{ClientId, EpochMillis, Identity, Outbound};
use crate::error::ChatError;
use crate::store::{ConnectionStore, RateLimitStore, RateRule};

use super::admit::{admit_to, not_to_self, Budget};
use super::deliver::Deliverer;

/// Returns how many of the receiver's connections the indicator reached.
pub async fn typing(
    limits: &dyn RateLimitStore,
    connections: &dyn ConnectionStore,
    deliverer: &Deliverer,
    rule: Option<RateRule>,
    who: &Identity,
    receiver: &ClientId,
    now_ms: EpochMillis,
) -> Result<usize, ChatError> {
    not_to_self(who, receiver)?;
    let budget = Budget::Sender(rule);
    let presence = admit_to(limits, connections, budget, who, receiver, now_ms).await?;
    let frame = Outbound::Typing {
        sender: &who.client_id,
    };
    let outcomes = deliverer
        .deliver(&presence.connections, &frame, now_ms)
        .await;
    Ok(outcomes.delivered)
}
