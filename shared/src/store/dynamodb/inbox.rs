//! Read state (the Inbox table): unread counters, the last message id, the read-up-to pointer.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{from_item, n, s, InboxItem, LastItem, PlaceItem, UnreadItem};
use super::{is_conditional_failure, DynamoStore, BY_ACTIVITY_INDEX};
use crate::domain::{
    ClientId, Conversation, EpochMillis, InboxCursor, InboxEntry, InboxPage, InboxQuery, MessageId,
    MessagePreview,
};
use crate::store::{InboxStore, StoreError};

fn last_value(last: &MessagePreview) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(LastItem::new(last))
        .map_err(|e| StoreError::backend("encode_item", e))
}

#[async_trait]
impl InboxStore for DynamoStore {
    async fn record_unread(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
        to_top: bool,
    ) -> Result<(), StoreError> {
        let id = &last.message_id;
        // The place moves only when the conversation is not on top already (an unchanged key
        // writes nothing to the keys-only index; a move costs it two writes), and never back:
        // if the owner's own send moved it further meanwhile, the message is recorded without
        // moving it.
        if to_top && self.advance(owner, peer, last, true).await? {
            return Ok(());
        }
        let advance = self.advance(owner, peer, last, false).await;
        match advance {
            Ok(true) => Ok(()),
            // A newer message was recorded first (concurrent sends): count this one only,
            // and only if a mark-read has not already covered it.
            Ok(false) => {
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
            Err(e) => Err(e),
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

    async fn touch(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        activity: &MessageId,
    ) -> Result<(), StoreError> {
        let touched = self
            .client
            .update_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            .condition_expression("attribute_not_exists(activity) OR activity < :a")
            .expression_attribute_values(":a", s(activity.as_str()));
        // With retention, the entry expires with the conversation's last message.
        let touched = match self.expiry_of(activity) {
            Some(at) => touched
                .update_expression("SET activity = :a, expires_at = :exp")
                .expression_attribute_values(":exp", n(at)),
            None => touched.update_expression("SET activity = :a"),
        };
        let touched = touched.send().await;
        match touched {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Ok(()), // already further up
            Err(e) => Err(StoreError::backend("touch_inbox", e)),
        }
    }

    async fn top_peer(&self, owner: &ClientId) -> Result<Option<ClientId>, StoreError> {
        let places = self.places(owner, 1, None).await?;
        Ok(places.into_iter().next().map(|(_, peer)| peer))
    }

    async fn refresh_last(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
    ) -> Result<bool, StoreError> {
        let refreshed = self
            .client
            .update_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            .update_expression("SET #last = :last")
            // Changes of one message may finish out of order: never go back a version.
            .condition_expression(
                "last_message_id = :id AND (attribute_not_exists(#last.#v) OR #last.#v < :v)",
            )
            .expression_attribute_names("#last", "last")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", n(last.version))
            .expression_attribute_values(":id", s(last.message_id.as_str()))
            .expression_attribute_values(":last", last_value(last)?)
            .send()
            .await;
        match refreshed {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("refresh_last", e)),
        }
    }

    async fn conversations(
        &self,
        owner: &ClientId,
        query: &InboxQuery,
    ) -> Result<InboxPage, StoreError> {
        // One more place than the page, to know whether another page exists.
        let mut places = self
            .places(owner, query.limit + 1, query.after.as_ref())
            .await?;
        let next_cursor = (places.len() > query.limit).then(|| {
            let (activity, peer) = places[query.limit - 1].clone();
            InboxCursor { activity, peer }
        });
        places.truncate(query.limit);
        // One batched read: both sides' entries of every conversation on the page (eventually
        // consistent, half the units: the page is a view, not input to a compare-and-set).
        let key = |o: &ClientId, p: &ClientId| {
            HashMap::from([
                ("owner_id".to_owned(), s(o.as_str())),
                ("peer_id".to_owned(), s(p.as_str())),
            ])
        };
        let keys = places
            .iter()
            .flat_map(|(_, peer)| [key(owner, peer), key(peer, owner)])
            .collect();
        let mut entries: HashMap<(String, String), InboxEntry> = HashMap::new();
        for item in self.batch_get(&self.tables.inbox, keys, false).await? {
            let item: InboxItem = from_item(item)?;
            let slot = (item.owner_id.clone(), item.peer_id.clone());
            entries.insert(slot, item.into_entry()?);
        }
        let mut take = |o: &ClientId, p: &ClientId| {
            entries
                .remove(&(o.as_str().to_owned(), p.as_str().to_owned()))
                .unwrap_or_default()
        };
        let conversations = places
            .into_iter()
            .map(|(_, peer)| {
                let (mine, theirs) = (take(owner, &peer), take(&peer, owner));
                Conversation::of(peer, mine, theirs)
            })
            .collect();
        Ok(InboxPage {
            conversations,
            next_cursor,
        })
    }
}

impl DynamoStore {
    /// One more unread message, `last` as the newest (and with `to_top`, the place moved to
    /// it), if `last` is newer than what is recorded (and than the place); `false` when not.
    async fn advance(
        &self,
        owner: &ClientId,
        peer: &ClientId,
        last: &MessagePreview,
        to_top: bool,
    ) -> Result<bool, StoreError> {
        let newer = "(attribute_not_exists(last_message_id) OR last_message_id < :id)";
        let (update, condition) = if to_top {
            (
                "ADD unread :one SET last_message_id = :id, #last = :last, activity = :id",
                format!("{newer} AND (attribute_not_exists(activity) OR activity < :id)"),
            )
        } else {
            (
                "ADD unread :one SET last_message_id = :id, #last = :last",
                newer.to_owned(),
            )
        };
        // With retention, the entry expires with the conversation's last message.
        let expiry = self.expiry_of(&last.message_id);
        let update = match expiry {
            Some(_) => format!("{update}, expires_at = :exp"),
            None => update.to_owned(),
        };
        let advanced = self
            .client
            .update_item()
            .table_name(&self.tables.inbox)
            .key("owner_id", s(owner.as_str()))
            .key("peer_id", s(peer.as_str()))
            .update_expression(update)
            .condition_expression(condition)
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":id", s(last.message_id.as_str()))
            .expression_attribute_values(":last", last_value(last)?);
        let advanced = match expiry {
            Some(at) => advanced.expression_attribute_values(":exp", n(at)),
            None => advanced,
        };
        let advanced = advanced.send().await;
        match advanced {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("record_unread", e)),
        }
    }

    /// Up to `limit` of `owner`'s places (keys only), most recent first, below `after`.
    async fn places(
        &self,
        owner: &ClientId,
        limit: usize,
        after: Option<&InboxCursor>,
    ) -> Result<Vec<(MessageId, ClientId)>, StoreError> {
        let start = after.map(|c| {
            HashMap::from([
                ("owner_id".to_owned(), s(owner.as_str())),
                ("peer_id".to_owned(), s(c.peer.as_str())),
                ("activity".to_owned(), s(c.activity.as_str())),
            ])
        });
        let out = self
            .client
            .query()
            .table_name(&self.tables.inbox)
            .index_name(BY_ACTIVITY_INDEX)
            .key_condition_expression("owner_id = :o")
            .expression_attribute_values(":o", s(owner.as_str()))
            .scan_index_forward(false)
            .set_exclusive_start_key(start)
            .limit(limit as i32)
            .send()
            .await
            .map_err(|e| StoreError::backend("query_inbox", e))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<PlaceItem>(item)?.into_place())
            .collect()
    }
}
