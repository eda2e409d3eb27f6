//! Read state (the Inbox table): unread counters, the last message id, the read-up-to pointer.

use async_trait::async_trait;

use super::codec::{from_item, n, s, InboxItem, UnreadItem};
use super::{is_conditional_failure, DynamoStore};
use crate::domain::{ClientId, EpochMillis, InboxEntry, MessageId};
use crate::store::{InboxStore, StoreError};

#[async_trait]
impl InboxStore for DynamoStore {
    async fn record_unread(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        id: &MessageId,
    ) -> Result<(), StoreError> {
        let advance = self
            .client
            .update_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            .update_expression("ADD unread :one SET last_message_id = :id")
            .condition_expression("attribute_not_exists(last_message_id) OR last_message_id < :id")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":id", s(id.as_str()))
            .send()
            .await;
        match advance {
            Ok(_) => Ok(()),
            // A newer message was recorded first (concurrent sends): count this one only,
            // and only if a mark-read has not already covered it.
            Err(e) if is_conditional_failure(&e) => {
                let counted = self
                    .client
                    .update_item()
                    .table_name(&self.tables.inbox)
                    .key("owner_id", s(owner.as_str()))
                    .key("peer_id", s(peer.as_str()))
                    .update_expression("ADD unread :one")
                    .condition_expression("attribute_not_exists(read_up_to) OR read_up_to < :id")
                    .expression_attribute_values(":one", n(1))
                    .expression_attribute_values(":id", s(id.as_str()))
                    .send()
                    .await;
                match counted {
                    Ok(_) => Ok(()),
                    Err(e) if is_conditional_failure(&e) => Ok(()),
                    Err(e) => Err(StoreError::backend("record_unread", e)),
                }
            }
            Err(e) => Err(StoreError::backend("record_unread", e)),
        }
    }

    async fn inbox_entry(
        &self,
        owner: &ClientId,
        peer: &ClientId,
    ) -> Result<Option<InboxEntry>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            // Read state feeds a compare-and-set: a stale read would only cost a retry, but
            // a missing fresh item would turn into a wrong 404.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::backend("get_inbox_entry", e))?;
        out.item
            .map(|item| from_item::<InboxItem>(item)?.into_entry())
            .transpose()
    }

    async fn mark_read_if_unchanged(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        expected: &InboxEntry,
        read_at_ms: EpochMillis,
    ) -> Result<bool, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":n", n(expected.unread))
            .expression_attribute_values(":t", n(read_at_ms));
        update = match &expected.last_message_id {
            Some(last) => update
                .update_expression("SET unread = :zero, read_up_to = :last, read_at_ms = :t")
                .condition_expression("unread = :n AND last_message_id = :last")
                .expression_attribute_values(":last", s(last.as_str())),
            None => update
                .update_expression("SET unread = :zero, read_at_ms = :t")
                .condition_expression(
                    "attribute_exists(owner_id) AND unread = :n AND attribute_not_exists(last_message_id)",
                ),
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("mark_read", e)),
        }
    }

    async fn unread_counts(&self, owner: &ClientId) -> Result<Vec<(ClientId, u64)>, StoreError> {
        let mut items = self
            .client
            .query()
            .table_name(&self.tables.inbox)
            .key_condition_expression("owner_id = :o")
            .filter_expression("unread > :zero")
            .projection_expression("peer_id, unread")
            .expression_attribute_values(":o", s(owner.as_str()))
            .expression_attribute_values(":zero", n(0))
            .into_paginator()
            .items()
            .send();
        let mut counts = Vec::new();
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| StoreError::backend("query_unread", e))?;
            counts.push(from_item::<UnreadItem>(item)?.into_count()?);
        }
        Ok(counts)
    }
}
