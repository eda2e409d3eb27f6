//! A client's data as a whole (export and erasure, docs/data-rules.md): the client's partition
//! of the Connections table, its messages through the two participant indexes, its send claims
//! (`#sent#<client>`), its inbox entries, the listing of its uploads (`#files#<client>`), and the
//! erasure's progress record (`#erase#<client>`), all in the Messages table but the first.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use serde::{Deserialize, Serialize};

use super::codec::{
    claims_partition, client_id, feed_item, from_item, message_id, s, to_item, upload_partition,
    ConnectionItem, FeedItem, InboxItem, Item, UPLOAD_SK,
};
use super::{
    resume_key, DynamoStore, BY_RECEIVER_INDEX, BY_SENDER_INDEX, PROFILE_SK, RATE_SK, READ_RATE_SK,
    SYSTEM_RATE_SK, UPLOAD_RATE_SK,
};
use crate::domain::{
    AttachmentId, ClientId, ClientRecords, Direction, Erasure, ErasureCounts, ErasurePhase,
    InboxEntry, MessageId, MessagesOf, Requester, Role,
};
use crate::store::{PrivacyStore, RateBucket, StoreError};

/// The partition listing an owner's uploads (one item per grant, `message_id` = its id).
pub(super) fn uploads_listing(owner: &ClientId) -> String {
    format!("#files#{}", owner.as_str())
}

/// How long a grant stays listed: longer than a pending record (a day, lazily deleted) or a
/// pending object (the lifecycle's day, run once a day) can live.
pub(super) const LISTING_TTL_S: i64 = 3 * 86_400;

fn erasure_partition(client: &ClientId) -> String {
    format!("#erase#{}", client.as_str())
}
const ERASURE_SK: &str = "#erase";

/// Most requests in one BatchWriteItem.
const BATCH_WRITE_MAX: usize = 25;

fn bucket_of(sk: &str) -> Option<RateBucket> {
    [
        (RATE_SK, RateBucket::Messages),
        (READ_RATE_SK, RateBucket::Reads),
        (SYSTEM_RATE_SK, RateBucket::System),
        (UPLOAD_RATE_SK, RateBucket::Uploads),
    ]
    .into_iter()
    .find_map(|(key, bucket)| (key == sk).then_some(bucket))
}

fn sk_of(bucket: RateBucket) -> &'static str {
    match bucket {
        RateBucket::Messages => RATE_SK,
        RateBucket::Reads => READ_RATE_SK,
        RateBucket::System => SYSTEM_RATE_SK,
        RateBucket::Uploads => UPLOAD_RATE_SK,
    }
}

fn key(pk: (&str, String), sk: (&str, String)) -> Item {
    Item::from([(pk.0.to_owned(), s(pk.1)), (sk.0.to_owned(), s(sk.1))])
}

fn message_key(partition: String, sort: impl Into<String>) -> Item {
    key(("conversation_id", partition), ("message_id", sort.into()))
}

/// The erasure record. The `erasure_of` attribute is what the events' stream filter passes.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ErasureItem {
    conversation_id: String,
    message_id: String,
    pub(super) erasure_of: String,
    requested_by_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requested_by: Option<String>,
    started_at_ms: i64,
    phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    counts: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at_ms: Option<i64>,
}

const COUNT_NAMES: [&str; 8] = [
    "messages",
    "attachments",
    "connections",
    "read_state",
    "peer_entries",
    "claims",
    "rate_limits",
    "profile",
];

fn count_fields(c: &mut ErasureCounts) -> [&mut u64; 8] {
    [
        &mut c.messages,
        &mut c.attachments,
        &mut c.connections,
        &mut c.read_state,
        &mut c.peer_entries,
        &mut c.claims,
        &mut c.rate_limits,
        &mut c.profile,
    ]
}

impl ErasureItem {
    pub(super) fn new(e: &Erasure) -> Self {
        let mut counts = e.counts;
        let counts = (COUNT_NAMES.iter().zip(count_fields(&mut counts)))
            .map(|(name, n)| ((*name).to_owned(), *n))
            .collect();
        Self {
            conversation_id: erasure_partition(&e.client),
            message_id: ERASURE_SK.to_owned(),
            erasure_of: e.client.as_str().to_owned(),
            requested_by_role: e.requested_by.role().to_owned(),
            requested_by: e.requested_by.client_id().map(|c| c.as_str().to_owned()),
            started_at_ms: e.started_at_ms,
            phase: e.phase.as_str().to_owned(),
            cursor: e.cursor.as_ref().map(|c| c.as_str().to_owned()),
            counts,
            completed_at_ms: e.completed_at_ms,
        }
    }

    pub(super) fn into_erasure(self) -> Result<Erasure, StoreError> {
        let requested_by = match (self.requested_by_role.as_str(), self.requested_by) {
            ("backend", None) => Requester::Backend,
            (role, Some(id)) => Requester::Person {
                client_id: client_id(&id, "requested_by")?,
                role: Role::parse(role)
                    .ok_or_else(|| StoreError::Corrupt("requested_by_role".into()))?,
            },
            _ => return Err(StoreError::Corrupt("requested_by".into())),
        };
        let mut counts = ErasureCounts::default();
        for (name, n) in COUNT_NAMES.iter().zip(count_fields(&mut counts)) {
            *n = self.counts.get(*name).copied().unwrap_or(0);
        }
        Ok(Erasure {
            client: client_id(&self.erasure_of, "erasure_of")?,
            requested_by,
            started_at_ms: self.started_at_ms,
            phase: ErasurePhase::parse(&self.phase)
                .ok_or_else(|| StoreError::Corrupt("erasure phase".into()))?,
            cursor: (self.cursor.as_deref())
                .map(|c| message_id(c, "erasure cursor"))
                .transpose()?,
            counts,
            completed_at_ms: self.completed_at_ms,
        })
    }
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
            } else if let Some(bucket) = bucket_of(&sk) {
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
            (profile.then_some(PROFILE_SK).into_iter()).chain(buckets.iter().map(|b| sk_of(*b)));
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
    use crate::domain::ErasureCounts;

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
