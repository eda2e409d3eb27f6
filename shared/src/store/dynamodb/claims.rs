//! Send claims (`client_msg_id` idempotency), kept in the Messages table under `#sent#<sender>`.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::codec::{from_item, n, s, to_item, ClaimItem};
use super::{is_conditional_failure, DynamoStore, TTL_ATTRIBUTE};
use crate::domain::{ClientId, MessageId, SendClaim};
use crate::store::{SendClaimStore, StoreError};

#[async_trait]
impl SendClaimStore for DynamoStore {
    async fn claim_send(
        &self,
        sender: &ClientId,
        key: &str,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<Option<SendClaim>, StoreError> {
        let now_s = claim.claimed_at_ms.div_euclid(1000);
        let item = to_item(&ClaimItem::new(sender, key, claim, expires_at_s))?;
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(item))
            // TTL deletion lags: an expired claim counts as absent.
            .condition_expression("attribute_not_exists(message_id) OR #ttl <= :now")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now_s))
            // A failed condition returns the existing claim: no second request for it.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Ok(None),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(failed) => match failed.item {
                    Some(item) => from_item::<ClaimItem>(item)?.into_claim().map(Some),
                    None => Err(StoreError::Corrupt(
                        "a failed claim condition returned no item".into(),
                    )),
                },
                other => Err(StoreError::backend("claim_send", other)),
            },
        }
    }

    async fn reclaim_send(
        &self,
        sender: &ClientId,
        key: &str,
        expected: &MessageId,
        claim: &SendClaim,
        expires_at_s: i64,
    ) -> Result<bool, StoreError> {
        let item = to_item(&ClaimItem::new(sender, key, claim, expires_at_s))?;
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(item))
            .condition_expression("claimed_message_id = :expected")
            .expression_attribute_values(":expected", s(expected.as_str()))
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("reclaim_send", e)),
        }
    }
}
