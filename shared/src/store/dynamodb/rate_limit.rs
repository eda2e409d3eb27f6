//! Rate limiting (GCRA), one item per client and bucket in the Connections table: `sk` =
//! `#rate` (messages), `#rate#reads` (reads) or `#rate#system` (system messages received).

use async_trait::async_trait;

use super::codec::{n, s};
use super::{
    is_conditional_failure, DynamoStore, RATE_SK, READ_RATE_SK, SYSTEM_RATE_SK, TTL_ATTRIBUTE,
    UPLOAD_RATE_SK,
};
use crate::domain::{ClientId, EpochMillis};
use crate::store::{RateBucket, RateLimitStore, RateRule, StoreError};

/// The sort key of `bucket`'s item. All start with `#`, which the codec reads as "neither a
/// profile nor a connection", so presence lookups skip them.
pub(super) fn sort_key(bucket: RateBucket) -> &'static str {
    match bucket {
        RateBucket::Messages => RATE_SK,
        RateBucket::Reads => READ_RATE_SK,
        RateBucket::System => SYSTEM_RATE_SK,
        RateBucket::Uploads => UPLOAD_RATE_SK,
    }
}

/// The bucket whose item has sort key `sk`, if any.
pub(super) fn bucket_of_sort_key(sk: &str) -> Option<RateBucket> {
    RateBucket::ALL
        .into_iter()
        .find(|bucket| sort_key(*bucket) == sk)
}

#[async_trait]
impl RateLimitStore for DynamoStore {
    async fn admit(
        &self,
        client_id: &ClientId,
        bucket: RateBucket,
        rule: RateRule,
        now_ms: EpochMillis,
    ) -> Result<bool, StoreError> {
        let interval = rule.interval_ms();
        // The item can go once its arrival time is a minute in the past.
        let expires = (now_ms + rule.tolerance_ms() + interval) / 1000 + 60;
        // Common case (a human pace): the bucket has refilled; start again from now.
        let fresh = self
            .client
            .update_item()
            .table_name(&self.tables.connections)
            .key("client_id", s(client_id.as_str()))
            .key("sk", s(sort_key(bucket)))
            .update_expression("SET tat = :fresh, #ttl = :exp")
            .condition_expression("attribute_not_exists(tat) OR tat <= :now")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":fresh", n(now_ms + interval))
            .expression_attribute_values(":exp", n(expires))
            .expression_attribute_values(":now", n(now_ms))
            .send()
            .await;
        match fresh {
            Ok(_) => return Ok(true),
            Err(e) if is_conditional_failure(&e) => {}
            Err(e) => return Err(StoreError::backend("rate_limit", e)),
        }
        // Within a burst: advance the arrival time if it is within the tolerance.
        let burst = self
            .client
            .update_item()
            .table_name(&self.tables.connections)
            .key("client_id", s(client_id.as_str()))
            .key("sk", s(sort_key(bucket)))
            .update_expression("SET tat = tat + :t, #ttl = :exp")
            .condition_expression("tat <= :limit")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":t", n(interval))
            .expression_attribute_values(":exp", n(expires))
            .expression_attribute_values(":limit", n(now_ms + rule.tolerance_ms()))
            .send()
            .await;
        match burst {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("rate_limit", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_bucket_keeps_the_key_it_always_had() {
        // Items written before the read bucket existed stay the message bucket's state.
        assert_eq!(sort_key(RateBucket::Messages), "#rate");
        assert_ne!(sort_key(RateBucket::Reads), sort_key(RateBucket::Messages));
        assert!(sort_key(RateBucket::Reads).starts_with('#'));
        assert_ne!(sort_key(RateBucket::System), sort_key(RateBucket::Reads));
        assert_ne!(sort_key(RateBucket::System), sort_key(RateBucket::Messages));
        assert!(sort_key(RateBucket::System).starts_with('#'));
    }
}
