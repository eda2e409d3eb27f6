//! Catch-up: a participant's feed, read from the Messages table's two participant indexes. A
//! message sits in each participant's index at its own id, and each change record at the id
//! of the change; change records are resolved to the message's current state.

use std::collections::HashMap;

use super::codec::{change_partition, feed_item, s, FeedItem};
use super::{resume_key, DynamoStore, BY_RECEIVER_INDEX, BY_SENDER_INDEX};
use crate::domain::{
    ClientId, ConversationKey, Message, MessageId, SyncEntry, SyncPage, SyncQuery,
};
use crate::store::{MessageStore, StoreError};

/// One index page of feed items, before change records are resolved.
type Part = (Vec<FeedItem>, bool);

/// Where a feed Query reads.
enum Source<'a> {
    /// A participant's index: its name, key attribute and the participant.
    Index(&'static str, &'static str, &'a ClientId),
    /// One partition of the base table (a conversation, or its change records).
    Partition(&'a str),
}

impl DynamoStore {
    pub(super) async fn feed(
        &self,
        owner: &ClientId,
        query: &SyncQuery,
    ) -> Result<SyncPage, StoreError> {
        let since = query.since.as_ref();
        let limit = query.limit;
        let (first, second) = match &query.peer {
            // One conversation: its messages and its change records, read consistently from
            // the base table (two partitions).
            Some(peer) => {
                let conversation = ConversationKey::between(owner, peer);
                let changes = change_partition(&conversation);
                tokio::join!(
                    self.query_after(Source::Partition(conversation.as_str()), since, limit),
                    self.query_after(Source::Partition(&changes), since, limit),
                )
            }
            None => tokio::join!(
                self.query_after(
                    Source::Index(BY_RECEIVER_INDEX, "receiver_id", owner),
                    since,
                    limit
                ),
                self.query_after(
                    Source::Index(BY_SENDER_INDEX, "sender_id", owner),
                    since,
                    limit
                ),
            ),
        };
        let (items, has_more) = merge_pages([first?, second?], limit);
        let entries = self.resolve(items).await?;
        Ok(SyncPage { entries, has_more })
    }

    /// One ascending Query after `since`: of a participant's index, or of one base-table
    /// partition (read consistently). Returns the items and whether more exist.
    async fn query_after(
        &self,
        source: Source<'_>,
        since: Option<&MessageId>,
        limit: usize,
    ) -> Result<Part, StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.tables.messages)
            .scan_index_forward(true)
            .limit(limit as i32 + 1);
        let mut q = match source {
            Source::Index(index, key, owner) => q
                .index_name(index)
                .expression_attribute_names("#k", key)
                .expression_attribute_values(":k", s(owner.as_str())),
            Source::Partition(partition) => q
                .consistent_read(true)
                .expression_attribute_names("#k", "conversation_id")
                .expression_attribute_values(":k", s(partition)),
        };
        q = match since {
            Some(id) => q
                .key_condition_expression("#k = :k AND message_id > :since")
                .expression_attribute_values(":since", s(id.as_str())),
            None => q.key_condition_expression("#k = :k"),
        };
        let out = q
            .send()
            .await
            .map_err(|e| StoreError::backend("query_sync", e))?;
        let stopped_early = resume_key(out.last_evaluated_key).is_some();
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(feed_item)
            .collect::<Result<Vec<_>, _>>()?;
        // More exist when the page is full (Limit is one more than wanted) or DynamoDB stopped
        // early at its 1 MB page size.
        let more = items.len() > limit || stopped_early;
        Ok((items, more))
    }

    /// Feed items as entries: messages as they are, change records as the current state of the
    /// message they name (one consistent batched read per conversation; a message that is gone
    /// leaves its change records out).
    async fn resolve(&self, items: Vec<FeedItem>) -> Result<Vec<SyncEntry>, StoreError> {
        let mut wanted: HashMap<ConversationKey, (ClientId, ClientId, Vec<MessageId>)> =
            HashMap::new();
        for item in &items {
            if let FeedItem::Change {
                sender,
                receiver,
                changed,
                ..
            } = item
            {
                let key = ConversationKey::between(sender, receiver);
                let slot = wanted
                    .entry(key)
                    .or_insert_with(|| (sender.clone(), receiver.clone(), Vec::new()));
                if !slot.2.contains(changed) {
                    slot.2.push(changed.clone());
                }
            }
        }
        let reads = wanted.values().map(|(a, b, ids)| self.messages(a, b, ids));
        let mut current: HashMap<MessageId, Message> = HashMap::new();
        for found in futures_util::future::join_all(reads).await {
            current.extend(found?.into_iter().map(|m| (m.message_id.clone(), m)));
        }
        Ok(items
            .into_iter()
            .filter_map(|item| match item {
                FeedItem::Message(message) => Some(SyncEntry {
                    position: message.message_id.clone(),
                    message: *message,
                }),
                FeedItem::Change {
                    position, changed, ..
                } => current.get(&changed).map(|message| SyncEntry {
                    position,
                    message: message.clone(),
                }),
            })
            .collect())
    }
}

fn position(item: &FeedItem) -> &MessageId {
    match item {
        FeedItem::Message(m) => &m.message_id,
        FeedItem::Change { position, .. } => position,
    }
}

/// Merges two ascending pages of one owner's feed (received and sent) into one ascending page
/// of at most `limit`. Where one side has more beyond its last item, nothing after that item
/// is taken from the other side either, so the next page (after the last position returned)
/// misses nothing.
fn merge_pages(parts: [Part; 2], limit: usize) -> Part {
    let bound = parts
        .iter()
        .filter(|(items, more)| *more && !items.is_empty())
        .filter_map(|(items, _)| items.last().map(position))
        .min()
        .cloned();
    let any_more = parts.iter().any(|(_, more)| *more);
    let mut all: Vec<FeedItem> = parts.into_iter().flat_map(|(items, _)| items).collect();
    all.sort_by(|a, b| position(a).cmp(position(b)));
    all.dedup_by(|a, b| position(a) == position(b));
    if let Some(bound) = bound {
        all.retain(|item| *position(item) <= bound);
    }
    let has_more = any_more || all.len() > limit;
    all.truncate(limit);
    (all, has_more)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AppointmentId, MessageState, MessageText, ServiceId};

    fn m(ms: i64) -> FeedItem {
        FeedItem::Message(Box::new(Message {
            message_id: MessageId::generate(ms),
            sender_id: ClientId::parse("a").unwrap(),
            receiver_id: ClientId::parse("b").unwrap(),
            appointment_id: AppointmentId::parse_field("appointment_id", "x").unwrap(),
            service_id: ServiceId::parse_field("service_id", "y").unwrap(),
            message_text: MessageText::parse("t", 10).unwrap(),
            client_msg_id: None,
            reply: None,
            state: MessageState::default(),
            attachments: Vec::new(),
        }))
    }

    fn ids(page: &Part) -> Vec<i64> {
        page.0.iter().map(|i| position(i).timestamp_ms()).collect()
    }

    #[test]
    fn merging_interleaves_and_truncates_to_the_limit() {
        let page = merge_pages(
            [(vec![m(1), m(4), m(5)], false), (vec![m(2), m(3)], false)],
            4,
        );
        assert_eq!(ids(&page), [1, 2, 3, 4]);
        assert!(page.1);
        let page = merge_pages([(vec![m(1)], false), (vec![], false)], 4);
        assert_eq!(ids(&page), [1]);
        assert!(!page.1);
    }

    #[test]
    fn a_side_cut_short_bounds_what_the_other_side_contributes() {
        // The received side stopped early (DynamoDB's 1 MB page) after 3: nothing newer than it
        // may be returned, or the next page (after the last id returned) would skip 4 and 6.
        let received = (vec![m(1), m(3)], true);
        let sent = (vec![m(2), m(5), m(7)], false);
        let page = merge_pages([received, sent], 10);
        assert_eq!(ids(&page), [1, 2, 3]);
        assert!(page.1);
    }
}
