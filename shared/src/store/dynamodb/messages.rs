//! Messages (the Messages table): stored, read, found by id, changed. Catch-up is in `feed`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::codec::{key_message_id, message_from_item, n, s, to_item, ChangeItem};
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
        if !message.attachments.is_empty() {
            return self.put_message_attaching(message).await;
        }
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(self.message_item(message)?))
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
        self.feed(owner, query).await
    }

    async fn find_message(
        &self,
        participant: &ClientId,
        id: &MessageId,
    ) -> Result<Option<Message>, StoreError> {
        // The message is in one of the participant's two catch-up indexes, at its own id.
        let find = |index: &'static str, key: &'static str| {
            self.client
                .query()
                .table_name(&self.tables.messages)
                .index_name(index)
                .key_condition_expression("#k = :k AND message_id = :id")
                .expression_attribute_names("#k", key)
                .expression_attribute_values(":k", s(participant.as_str()))
                .expression_attribute_values(":id", s(id.as_str()))
                .send()
        };
        let (sent, received) = tokio::join!(
            find(BY_SENDER_INDEX, "sender_id"),
            find(BY_RECEIVER_INDEX, "receiver_id")
        );
        for out in [sent, received] {
            let out = out.map_err(|e| StoreError::backend("find_message", e))?;
            // A change record's id names no message (change ids reach clients as `next_since`).
            let mut found = out.items.unwrap_or_default().into_iter();
            if let Some(item) = found.find(|i| !i.contains_key("changed")) {
                return message_from_item(item).map(Some);
            }
        }
        Ok(None)
    }

    async fn replace_message(
        &self,
        message: &Message,
        expected_version: u64,
    ) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(self.message_item(message)?));
        // Version 1 is stored as no version attribute at all.
        let put = if expected_version <= 1 {
            put.condition_expression(
                "attribute_exists(message_id) AND attribute_not_exists(version)",
            )
        } else {
            put.condition_expression("version = :v")
                .expression_attribute_values(":v", n(expected_version))
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(StoreError::backend("replace_message", e)),
        }
    }

    async fn put_change(&self, change_id: &MessageId, message: &Message) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(to_item(
                &ChangeItem::new(change_id, message).expiring(self.expiry_of(&message.message_id)),
            )?))
            .send()
            .await
            .map_err(|e| StoreError::backend("put_change", e))?;
        Ok(())
    }

    async fn messages(
        &self,
        a: &ClientId,
        b: &ClientId,
        ids: &[MessageId],
    ) -> Result<Vec<Message>, StoreError> {
        let conversation = ConversationKey::between(a, b);
        let keys = ids.iter().map(|id| {
            HashMap::from([
                ("conversation_id".to_owned(), s(conversation.as_str())),
                ("message_id".to_owned(), s(id.as_str())),
            ])
        });
        let items = self
            .batch_get(&self.tables.messages, keys.collect(), true)
            .await?;
        items.into_iter().map(message_from_item).collect()
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
}
