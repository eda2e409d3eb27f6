//! Messages and catch-up (the Messages table and its two participant indexes).

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::codec::{key_message_id, message_from_item, s, to_item, MessageItem};
use super::{is_conditional_failure, resume_key, DynamoStore};
use super::{BY_RECEIVER_INDEX, BY_SENDER_INDEX};
use crate::domain::{
    AppointmentId, ClientId, ConversationKey, HistoryPage, HistoryQuery, Message, MessageId,
    SyncPage, SyncQuery,
};
use crate::store::{MessageStore, StoreError};

/// Most messages one history request reads while filtering by appointment; past it the page
/// is returned short, with a cursor to continue (bounds a request's time and read units).
const MAX_FILTERED_READ: usize = 2_000;

#[async_trait]
impl MessageStore for DynamoStore {
    async fn put_message(&self, message: &Message) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(to_item(&MessageItem::new(message))?))
            .condition_expression("attribute_not_exists(message_id)");
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Err(StoreError::MessageExists),
            Err(e) => Err(StoreError::backend("put_message", e)),
        }
    }

    /// Explicit paging rather than a paginator: each page asks only for what is still missing,
    /// and the loop stops early (page full, or [`MAX_FILTERED_READ`] reached).
    async fn history(
        &self,
        a: &ClientId,
        b: &ClientId,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, StoreError> {
        let conversation = ConversationKey::between(a, b);
        // One more than the page, to know whether another page exists.
        let wanted = query.limit + 1;
        let mut found: Vec<Message> = Vec::with_capacity(wanted);
        let mut before = query.before.clone();
        let mut evaluated = 0usize;
        loop {
            let remaining = wanted - found.len();
            let appointment = query.appointment_id.as_ref();
            let out = self
                .history_query(&conversation, before.as_ref(), appointment, remaining)
                .send()
                .await
                .map_err(|e| StoreError::backend("query_history", e))?;
            evaluated += out.scanned_count().max(0) as usize;
            let resume = resume_key(out.last_evaluated_key);
            for item in out.items.unwrap_or_default().into_iter().take(remaining) {
                found.push(message_from_item(item)?);
            }
            let Some(last_key) = resume.filter(|_| found.len() < wanted) else {
                break; // the page is full, or the conversation has nothing older
            };
            // Continue below the last item DynamoDB evaluated (filtered out or not).
            let last = key_message_id(last_key)?;
            if evaluated >= MAX_FILTERED_READ {
                // Bound the cost of one request: return a short page whose cursor resumes
                // below everything read so far.
                return Ok(HistoryPage {
                    messages: found,
                    next_cursor: Some(last),
                });
            }
            before = Some(last);
        }
        let next_cursor = if found.len() > query.limit {
            found.truncate(query.limit);
            found.last().map(|m| m.message_id.clone())
        } else {
            None
        };
        Ok(HistoryPage {
            messages: found,
            next_cursor,
        })
    }

    async fn message(
        &self,
        a: &ClientId,
        b: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.messages)
            .key(
                "conversation_id",
                s(ConversationKey::between(a, b).as_str()),
            )
            .key("message_id", s(id.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::backend("get_message", e))?;
        out.item.map(message_from_item).transpose()
    }

    async fn sync(&self, owner: &ClientId, query: &SyncQuery) -> Result<SyncPage, StoreError> {
        let since = query.since.as_ref();
        let limit = query.limit;
        if let Some(peer) = &query.peer {
            // One conversation: the base table, read consistently.
            let conversation = ConversationKey::between(owner, peer);
            let (mut messages, more) = self
                .query_after(
                    None,
                    ("conversation_id", conversation.as_str()),
                    since,
                    limit,
                )
                .await?;
            messages.truncate(limit);
            return Ok(SyncPage {
                messages,
                has_more: more,
            });
        }
        let (received, sent) = tokio::join!(
            self.query_after(
                Some(BY_RECEIVER_INDEX),
                ("receiver_id", owner.as_str()),
                since,
                limit
            ),
            self.query_after(
                Some(BY_SENDER_INDEX),
                ("sender_id", owner.as_str()),
                since,
                limit
            ),
        );
        Ok(merge_pages([received?, sent?], limit))
    }
}

impl DynamoStore {
    /// One page of a conversation, newest first, below `before`, of at most `remaining`
    /// matching messages.
    fn history_query(
        &self,
        conversation: &ConversationKey,
        before: Option<&MessageId>,
        appointment: Option<&AppointmentId>,
        remaining: usize,
    ) -> QueryFluentBuilder {
        let q = self
            .client
            .query()
            .table_name(&self.tables.messages)
            .expression_attribute_values(":c", s(conversation.as_str()))
            .scan_index_forward(false);
        let q = match before {
            Some(id) => q
                .key_condition_expression("conversation_id = :c AND message_id < :before")
                .expression_attribute_values(":before", s(id.as_str())),
            None => q.key_condition_expression("conversation_id = :c"),
        };
        match appointment {
            // DynamoDB applies Limit before the filter: read a few pages' worth at once.
            Some(appointment) => q
                .filter_expression("appointment_id = :a")
                .expression_attribute_values(":a", s(appointment.as_str()))
                .limit((remaining * 4).min(1_000) as i32),
            None => q.limit(remaining as i32),
        }
    }

    /// One ascending Query of `key_condition` from `since` on, with the base table (`index`
    /// `None`, read consistently) or an index. Returns the messages and whether more exist.
    async fn query_after(
        &self,
        index: Option<&str>,
        (key_name, key_value): (&str, &str),
        since: Option<&MessageId>,
        limit: usize,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.tables.messages)
            .set_index_name(index.map(str::to_owned))
            .consistent_read(index.is_none())
            .expression_attribute_names("#k", key_name)
            .expression_attribute_values(":k", s(key_value))
            .scan_index_forward(true)
            .limit(limit as i32 + 1);
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
        let messages = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(message_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        // More exist when the page is full (Limit is one more than wanted) or DynamoDB stopped
        // early at its 1 MB page size.
        let more = messages.len() > limit || stopped_early;
        Ok((messages, more))
    }
}
/// Merges two ascending pages of one owner's messages (sent and received) into one ascending
/// page of at most `limit`. Where one side has more beyond its last item, nothing after that
/// item is taken from the other side either, so the next page (after the last id returned)
/// misses nothing.
fn merge_pages(parts: [(Vec<Message>, bool); 2], limit: usize) -> SyncPage {
    let bound = parts
        .iter()
        .filter(|(messages, more)| *more && !messages.is_empty())
        .filter_map(|(messages, _)| messages.last())
        .map(|m| m.message_id.clone())
        .min();
    let any_more = parts.iter().any(|(_, more)| *more);
    let mut all: Vec<Message> = parts.into_iter().flat_map(|(m, _)| m).collect();
    all.sort_by(|a, b| a.message_id.cmp(&b.message_id));
    all.dedup_by(|a, b| a.message_id == b.message_id);
    if let Some(bound) = bound {
        all.retain(|m| m.message_id <= bound);
    }
    let has_more = any_more || all.len() > limit;
    all.truncate(limit);
    SyncPage {
        messages: all,
        has_more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MessageText, ServiceId};

    fn m(ms: i64) -> Message {
        Message {
            message_id: MessageId::generate(ms),
            sender_id: ClientId::parse("a").unwrap(),
            receiver_id: ClientId::parse("b").unwrap(),
            appointment_id: AppointmentId::parse_field("appointment_id", "x").unwrap(),
            service_id: ServiceId::parse_field("service_id", "y").unwrap(),
            message_text: MessageText::parse("t", 10).unwrap(),
            client_msg_id: None,
        }
    }

    fn ids(page: &SyncPage) -> Vec<i64> {
        page.messages
            .iter()
            .map(|m| m.message_id.timestamp_ms())
            .collect()
    }

    #[test]
    fn merging_interleaves_and_truncates_to_the_limit() {
        let page = merge_pages(
            [(vec![m(1), m(4), m(5)], false), (vec![m(2), m(3)], false)],
            4,
        );
        assert_eq!(ids(&page), [1, 2, 3, 4]);
        assert!(page.has_more);
        let page = merge_pages([(vec![m(1)], false), (vec![], false)], 4);
        assert_eq!(ids(&page), [1]);
        assert!(!page.has_more);
    }

    #[test]
    fn a_side_cut_short_bounds_what_the_other_side_contributes() {
        // The received side stopped early (DynamoDB's 1 MB page) after 3: nothing newer than it
        // may be returned, or the next page (after the last id returned) would skip 4 and 6.
        let received = (vec![m(1), m(3)], true);
        let sent = (vec![m(2), m(5), m(7)], false);
        let page = merge_pages([received, sent], 10);
        assert_eq!(ids(&page), [1, 2, 3]);
        assert!(page.has_more);
    }
}
