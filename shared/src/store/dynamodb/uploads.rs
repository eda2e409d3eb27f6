//! Upload records (attachments), kept in the Messages table under `#file#<attachment_id>`,
//! and the transaction that stores a message with its uploads marked attached.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

use super::codec::{from_item, n, s, to_item, upload_partition, UploadItem, UPLOAD_SK};
use super::{DynamoStore, TTL_ATTRIBUTE};
use crate::domain::{AttachmentId, Message, Upload};
use crate::store::{StoreError, UploadStore};

#[async_trait]
impl UploadStore for DynamoStore {
    async fn put_upload(&self, upload: &Upload) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(to_item(&UploadItem::new(upload))?))
            .send();
        // Listed under its owner too, so that an erasure finds uploads never sent.
        let (id, owner) = (&upload.attachment.attachment_id, &upload.owner);
        let listed = self.list_upload(owner, id, upload.created_at_ms);
        let (put, listed) = tokio::join!(put, listed);
        put.map_err(|e| StoreError::backend("put_upload", e))?;
        listed
    }

    async fn uploads(&self, ids: &[AttachmentId]) -> Result<Vec<Upload>, StoreError> {
        let keys = ids.iter().map(upload_key).collect();
        let items = self.batch_get(&self.tables.messages, keys, true).await?;
        (items.into_iter())
            .map(|item| from_item::<UploadItem>(item)?.into_upload())
            .collect()
    }
}

fn upload_key(id: &AttachmentId) -> super::codec::Item {
    super::codec::Item::from([
        ("conversation_id".to_owned(), s(upload_partition(id))),
        ("message_id".to_owned(), s(UPLOAD_SK)),
    ])
}

impl DynamoStore {
    /// One TransactWriteItems: the message (if its id is free) and, for each attachment, its
    /// upload marked attached (if the sender owns it, it is not attached, and it has not
    /// expired). Twice the write units of plain writes, paid only by sends with attachments.
    pub(super) async fn put_message_attaching(&self, message: &Message) -> Result<(), StoreError> {
        let table = &self.tables.messages;
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(self.message_item(message)?))
            .condition_expression("attribute_not_exists(message_id)")
            .build()
            .map_err(|e| StoreError::backend("put_message", e))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        let now_s = message.timestamp_ms().div_euclid(1000);
        for attachment in &message.attachments {
            // Attached, the record lives as long as its message (for ever without retention).
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(upload_key(&attachment.attachment_id)));
            let update = match self.expiry_of(&message.message_id) {
                Some(at) => update
                    .update_expression("SET attached_to = :m, peer = :p, #ttl = :exp")
                    .expression_attribute_values(":exp", n(at)),
                None => update.update_expression("SET attached_to = :m, peer = :p REMOVE #ttl"),
            };
            let update = update
                .condition_expression(
                    "#owner = :owner AND attribute_not_exists(attached_to) AND #ttl > :now",
                )
                .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_values(":m", s(message.message_id.as_str()))
                .expression_attribute_values(":p", s(message.receiver_id.as_str()))
                .expression_attribute_values(":owner", s(message.sender_id.as_str()))
                .expression_attribute_values(":now", n(now_s))
                .build()
                .map_err(|e| StoreError::backend("put_message", e))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        let sent = (self.client.transact_write_items())
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match sent {
            Ok(_) => return Ok(()),
            Err(err) => err.into_service_error(),
        };
        let TransactWriteItemsError::TransactionCanceledException(cancelled) = &err else {
            return Err(StoreError::backend("put_message", err));
        };
        // One reason per item, in order: the message first.
        let failed = |reason: &aws_sdk_dynamodb::types::CancellationReason| {
            reason.code() == Some("ConditionalCheckFailed")
        };
        let reasons = cancelled.cancellation_reasons();
        match reasons.split_first() {
            Some((message, _)) if failed(message) => Err(StoreError::MessageExists),
            Some((_, uploads)) if uploads.iter().any(failed) => Err(StoreError::UploadTaken),
            _ => Err(StoreError::backend("put_message", err)),
        }
    }
}
