//! A client's data as a whole (export and erasure, docs/data-rules.md): the client's partition
//! of the Connections table, its messages through the two participant indexes, its send claims
//! (`#sent#<client>`), its inbox entries, the listing of its uploads (`#files#<client>`), and the
//! erasure's progress record (`#erase#<client>`), all in the Messages table but the first.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use serde::Deserialize;

use super::codec::{
    claims_partition, client_id, erasure_partition, feed_item, from_item, s, to_item,
    upload_partition, ConnectionItem, ErasureItem, FeedItem, InboxItem, Item, ERASURE_SK,
    UPLOAD_SK,
};
use super::rate_limit::{bucket_of_sort_key, sort_key};
use super::{resume_key, DynamoStore, BY_RECEIVER_INDEX, BY_SENDER_INDEX, PROFILE_SK};
use crate::domain::{
    AttachmentId, ClientId, ClientRecords, Direction, Erasure, InboxEntry, MessageId, MessagesOf,
    Role,
};
use crate::store::{PrivacyStore, RateBucket, StoreError};

/// The partition listing an owner's uploads (one item per grant, `message_id` = its id).
pub(super) fn uploads_listing(owner: &ClientId) -> String {
    format!("#files#{}", owner.as_str())
}

/// How long a grant stays listed: longer than a pending record (a day, lazily deleted) or a
/// pending object (the lifecycle's day, run once a day) can live.
pub(super) const LISTING_TTL_S: i64 = 3 * 86_400;

/// Most requests in one BatchWriteItem.
const BATCH_WRITE_MAX: usize = 25;

fn key(pk: (&str, String), sk: (&str, String)) -> Item {
    Item::from([(pk.0.to_owned(), s(pk.1)), (sk.0.to_owned(), s(sk.1))])
}

fn message_key(partition: String, sort: impl Into<String>) -> Item {
    key(("conversation_id", partition), ("message_id", sort.into()))
}

#[derive(Deserialize)]
struct SortKey {
    message_id: String,
}

impl DynamoStore {
    /// Deletes these keys from `table`: BatchWriteItem in chunks of 25, sending again what
    /// DynamoDB left unprocessed (under throttling) until nothing is left.
    async fn batch_delete(&self, table: &str, keys: Vec<Item>) -> Result<(), StoreError> {
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut pending: Vec<WriteRequest> = (chunk.iter().cloned())
                .map(|key| {
                    let delete = DeleteRequest::builder().set_key(Some(key)).build();
                    delete.map(|d| WriteRequest::builder().delete_request(d).build())
                })
                .collect::<Result<_, _>>()
                .map_err(|e| StoreError::backend("batch_delete", e))?;
            for _ in 0..8 {
                if pending.is_empty() {
                    break;
                }
                let out = (self.client.batch_write_item())
                    .request_items(table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(|e| StoreError::backend("batch_delete", e))?;
                pending =
                    (out.unprocessed_items.and_then(|mut u| u.remove(table))).unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(StoreError::backend(
                    "batch_delete",
                    "requests still unprocessed after 8 attempts",
                ));
            }
        }
        Ok(())
    }

    /// The sort keys (`message_id`) of one Messages-table partition, read consistently.
    async fn sort_keys(&self, partition: String) -> Result<Vec<String>, StoreError> {
        let mut items = (self.client.query())
            .table_name(&self.tables.messages)
            .key_condition_expression("conversation_id = :p")
            .expression_attribute_values(":p", s(partition))
            .projection_expression("message_id")
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut keys = Vec::new();
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| StoreError::backend("query_partition", e))?;
            keys.push(from_item::<SortKey>(item)?.message_id);
        }
        Ok(keys)
    }

    /// Lists a new upload under its owner (see [`LISTING_TTL_S`]).
    pub(super) async fn list_upload(
        &self,
        owner: &ClientId,
        id: &AttachmentId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut item = message_key(uploads_listing(owner), id.as_str());
        item.insert(
            super::TTL_ATTRIBUTE.to_owned(),
            super::codec::n(now_ms.div_euclid(1000) + LISTING_TTL_S),
        );
        (self.client.put_item())
            .table_name(&self.tables.messages)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::backend("list_upload", e))?;
        Ok(())
    }
}

#[async_trait]
impl PrivacyStore for DynamoStore {
    async fn client_records(&self, client: &ClientId) -> Result<ClientRecords, StoreError> {
        let mut items = (self.client.query())
            .table_name(&self.tables.connections)
            .key_condition_expression("client_id = :c")
            .expression_attribute_values(":c", s(client.as_str()))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut records = ClientRecords::default();
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| StoreError::backend("query_client", e))?;
            let sk = match item.get("sk") {
                Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) => sk.clone(),
                _ => return Err(StoreError::Corrupt("attribute sk missing".into())),
            };
            if sk == PROFILE_SK {
                let role = item.get("role").and_then(|r| r.as_s().ok());
                records.role = role.and_then(|r| Role::parse(r));
            } else if let Some(bucket) = bucket_of_sort_key(&sk) {
                records.rate_limits.push(bucket);
            } else if !sk.starts_with('#') {
                let connection: ConnectionItem = from_item(item)?;
                records
                    .connections
                    .push(connection.into_connection(client)?);
            }
        }
        records.rate_limits.sort();
        Ok(records)
    }

    async fn delete_client_records(
        &self,
        client: &ClientId,
        profile: bool,
        buckets: &[RateBucket],
    ) -> Result<(), StoreError> {
        let sks =
            (profile.then_some(PROFILE_SK).into_iter()).chain(buckets.iter().map(|b| sort_key(*b)));
        let keys = sks
            .map(|sk| {
                key(
                    ("client_id", client.as_str().to_owned()),
                    ("sk", sk.to_owned()),
                )
            })
            .collect();
        self.batch_delete(&self.tables.connections, keys).await
    }

    async fn messages_of(
        &self,
        client: &ClientId,
        direction: Direction,
        after: Option<&MessageId>,
        limit: usize,
    ) -> Result<MessagesOf, StoreError> {
        let (index, attribute) = match direction {
            Direction::Sent => (BY_SENDER_INDEX, "sender_id"),
            Direction::Received => (BY_RECEIVER_INDEX, "receiver_id"),
        };
        let q = (self.client.query())
            .table_name(&self.tables.messages)
            .index_name(index)
            .expression_attribute_names("#p", attribute)
            .expression_attribute_values(":p", s(client.as_str()))
            .limit(limit.max(1) as i32);
        let q = match after {
            Some(after) => q
                .key_condition_expression("#p = :p AND message_id > :after")
                .expression_attribute_values(":after", s(after.as_str())),
            None => q.key_condition_expression("#p = :p"),
        };
        let out = q
            .send()
            .await
            .map_err(|e| StoreError::backend("messages_of", e))?;
        let mut page = MessagesOf::default();
        for item in out.items.unwrap_or_default() {
            // Change records sit in the same indexes; they are not messages.
            if let FeedItem::Message(message) = feed_item(item)? {
                page.messages.push(*message);
            }
        }
        if let Some(last) = resume_key(out.last_evaluated_key) {
            page.next = Some(super::codec::key_message_id(last)?);
        }
        Ok(page)
    }

    async fn claim_keys(&self, sender: &ClientId) -> Result<Vec<String>, StoreError> {
        self.sort_keys(claims_partition(sender)).await
    }

    async fn delete_claims(&self, sender: &ClientId, keys: &[String]) -> Result<(), StoreError> {
        let keys = (keys.iter())
            .map(|k| message_key(claims_partition(sender), k.clone()))
            .collect();
        self.batch_delete(&self.tables.messages, keys).await
    }

    async fn inbox_entries(
        &self,
        owner: &ClientId,
    ) -> Result<Vec<(ClientId, InboxEntry)>, StoreError> {
        let mut items = (self.client.query())
            .table_name(&self.tables.inbox)
            .key_condition_expression("owner_id = :o")
            .expression_attribute_values(":o", s(owner.as_str()))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut entries = Vec::new();
        while let Some(item) = items.next().await {
            let item: InboxItem =
                from_item(item.map_err(|e| StoreError::backend("query_inbox", e))?)?;
            let peer = client_id(&item.peer_id, "peer_id")?;
            entries.push((peer, item.into_entry()?));
        }
        Ok(entries)
    }

    async fn delete_inbox_entries(
        &self,
        owner: &ClientId,
        peers: &[ClientId],
    ) -> Result<(), StoreError> {
        let keys = (peers.iter())
            .map(|p| {
                key(
                    ("owner_id", owner.as_str().to_owned()),
                    ("peer_id", p.as_str().to_owned()),
                )
            })
            .collect();
        self.batch_delete(&self.tables.inbox, keys).await
    }

    async fn upload_ids_of(&self, owner: &ClientId) -> Result<Vec<AttachmentId>, StoreError> {
        let keys = self.sort_keys(uploads_listing(owner)).await?;
        (keys.iter())
            .map(|k| {
                AttachmentId::parse(k).map_err(|_| StoreError::Corrupt("listed upload".into()))
            })
            .collect()
    }

    async fn delete_uploads(
        &self,
        owner: &ClientId,
        ids: &[AttachmentId],
    ) -> Result<(), StoreError> {
        let keys = (ids.iter())
            .flat_map(|id| {
                [
                    message_key(upload_partition(id), UPLOAD_SK),
                    message_key(uploads_listing(owner), id.as_str()),
                ]
            })
            .collect();
        self.batch_delete(&self.tables.messages, keys).await
    }

    async fn erasure(&self, client: &ClientId) -> Result<Option<Erasure>, StoreError> {
        let out = (self.client.get_item())
            .table_name(&self.tables.messages)
            .set_key(Some(message_key(erasure_partition(client), ERASURE_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::backend("get_erasure", e))?;
        (out.item)
            .map(|item| from_item::<ErasureItem>(item)?.into_erasure())
            .transpose()
    }

    async fn put_erasure(&self, erasure: &Erasure) -> Result<(), StoreError> {
        (self.client.put_item())
            .table_name(&self.tables.messages)
            .set_item(Some(to_item(&ErasureItem::new(erasure))?))
            .send()
            .await
            .map_err(|e| StoreError::backend("put_erasure", e))?;
        Ok(())
    }

    async fn delete_erasure(&self, client: &ClientId) -> Result<(), StoreError> {
        (self.client.delete_item())
            .table_name(&self.tables.messages)
            .set_key(Some(message_key(erasure_partition(client), ERASURE_SK)))
            .send()
            .await
            .map_err(|e| StoreError::backend("delete_erasure", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ErasureCounts, ErasurePhase, Requester};

    #[test]
    fn an_erasure_record_round_trips() {
        let mut e = Erasure::new(
            ClientId::parse("u1").unwrap(),
            Requester::Person {
                client_id: ClientId::parse("a1").unwrap(),
                role: Role::Admin,
            },
            5,
        );
        e.phase = ErasurePhase::Received;
        e.cursor = Some(MessageId::generate(7));
        e.counts = ErasureCounts {
            messages: 3,
            profile: 1,
            ..Default::default()
        };
        let item = to_item(&ErasureItem::new(&e)).unwrap();
        assert_eq!(item["erasure_of"], s("u1"));
        assert_eq!(
            from_item::<ErasureItem>(item)
                .unwrap()
                .into_erasure()
                .unwrap(),
            e
        );
        // The stream's images decode to the same erasure (the event's source).
        let image = serde_dynamo::Item::from(to_item(&ErasureItem::new(&e)).unwrap());
        match super::super::stream::decode(None, Some(image)).unwrap() {
            crate::events::TableChange::Erasure { old: None, new } => {
                assert_eq!(new.as_deref(), Some(&e))
            }
            other => panic!("decoded as {other:?}"),
        }
        let backend = Erasure::new(ClientId::parse("u1").unwrap(), Requester::Backend, 5);
        let item = to_item(&ErasureItem::new(&backend)).unwrap();
        assert_eq!(
            from_item::<ErasureItem>(item)
                .unwrap()
                .into_erasure()
                .unwrap(),
            backend
        );
    }
}
