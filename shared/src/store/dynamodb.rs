//! The DynamoDB store. Table design (see docs/design.md for the access patterns):
//!
//! | table | partition key | sort key | items |
//! |---|---|---|---|
//! | Connections | `client_id` | `sk` | `#profile` (role), one per open connection (`sk` = connection id, TTL `expires_at`) |
//! | Messages | `conversation_id` (`a#b`, sorted) | `message_id` (time-sortable) | one per message; send claims under `#sent#<sender>` / `client_msg_id` (TTL `expires_at`) |
//! | Inbox | `owner_id` | `peer_id` | unread counter, last message id, read-up-to pointer |
//!
//! The Messages table has two global secondary indexes for catch-up across conversations:
//! `by_receiver` (`receiver_id`, `message_id`) and `by_sender` (`sender_id`, `message_id`).
//!
//! Every read is a GetItem or a Query on a key; nothing Scans.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
    TableStatus, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::{
    ConnectionStore, InboxStore, MessageStore, Presence, RateLimitStore, RateRule, SendClaimStore,
    StoreError,
};
use crate::domain::{
    AppointmentId, ClientId, Connection, ConnectionId, ConversationKey, EpochMillis, HistoryPage,
    HistoryQuery, InboxEntry, Message, MessageId, MessageText, Role, SendClaim, ServiceId,
    SyncPage, SyncQuery,
};

type Item = HashMap<String, AttributeValue>;

/// The sort key of a client's profile item in the Connections table. `#` never occurs in an
/// API Gateway connection id, so it cannot collide with a connection item.
const PROFILE_SK: &str = "#profile";

/// The sort key of a client's rate-limit item (GCRA state) in the Connections table.
const RATE_SK: &str = "#rate";

/// Most messages one history request reads while filtering by appointment; past it the page
/// is returned short, with a cursor to continue (bounds a request's time and read units).
const MAX_FILTERED_READ: usize = 2_000;

/// The TTL attribute of connection, rate-limit and send-claim items.
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// Messages-table indexes for catch-up: a participant's messages in id order.
pub const BY_RECEIVER_INDEX: &str = "by_receiver";
pub const BY_SENDER_INDEX: &str = "by_sender";

/// The partition of `sender`'s send claims in the Messages table. Conversation keys never
/// start with `#` (client ids cannot contain it), so the two cannot collide, and claim items
/// carry no `sender_id`/`receiver_id`, so the indexes never see them.
fn claims_partition(sender: &ClientId) -> String {
    format!("#sent#{}", sender.as_str())
}

/// Names of the three tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub connections: String,
    pub messages: String,
    pub inbox: String,
}

impl TableNames {
    /// `<prefix>connections`, `<prefix>messages`, `<prefix>inbox`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            connections: format!("{prefix}connections"),
            messages: format!("{prefix}messages"),
            inbox: format!("{prefix}inbox"),
        }
    }
}

pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        Self { client, tables }
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Corrupt(format!(
            "attribute {name} missing or not a string"
        ))),
    }
}

fn get_opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(StoreError::Corrupt(format!(
            "attribute {name} not a string"
        ))),
    }
}

fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("attribute {name} not an integer"))),
        _ => Err(StoreError::Corrupt(format!(
            "attribute {name} missing or not a number"
        ))),
    }
}

fn get_opt_n(item: &Item, name: &str) -> Result<Option<i64>, StoreError> {
    if item.contains_key(name) {
        get_n(item, name).map(Some)
    } else {
        Ok(None)
    }
}

fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn parse_role(raw: &str) -> Result<Role, StoreError> {
    Role::parse(raw).ok_or_else(|| StoreError::Corrupt("unknown role".into()))
}

fn message_from_item(item: &Item) -> Result<Message, StoreError> {
    Ok(Message {
        message_id: MessageId::parse(get_s(item, "message_id")?).map_err(corrupt("message_id"))?,
        sender_id: ClientId::parse(get_s(item, "sender_id")?).map_err(corrupt("sender_id"))?,
        receiver_id: ClientId::parse(get_s(item, "receiver_id")?)
            .map_err(corrupt("receiver_id"))?,
        appointment_id: AppointmentId::parse_field(
            "appointment_id",
            get_s(item, "appointment_id")?,
        )
        .map_err(corrupt("appointment_id"))?,
        service_id: ServiceId::parse_field("service_id", get_s(item, "service_id")?)
            .map_err(corrupt("service_id"))?,
        // Stored text was validated on the way in; it is returned exactly as stored.
        message_text: MessageText::parse(get_s(item, "message_text")?, usize::MAX / 4)
            .map_err(corrupt("message_text"))?,
        client_msg_id: get_opt_s(item, "client_msg_id")?.map(str::to_owned),
    })
}

fn inbox_from_item(item: &Item) -> Result<InboxEntry, StoreError> {
    let id = |name: &str| -> Result<Option<MessageId>, StoreError> {
        get_opt_s(item, name)?
            .map(|raw| MessageId::parse(raw).map_err(corrupt("inbox message id")))
            .transpose()
    };
    Ok(InboxEntry {
        unread: get_opt_n(item, "unread")?.unwrap_or(0).max(0) as u64,
        last_message_id: id("last_message_id")?,
        read_up_to: id("read_up_to")?,
        read_at_ms: get_opt_n(item, "read_at_ms")?,
    })
}

fn is_conditional_failure<E, R>(err: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let profile = self
            .client
            .put_item()
            .table_name(&self.tables.connections)
            .item("client_id", s(connection.client_id.as_str()))
            .item("sk", s(PROFILE_SK))
            .item("role", s(connection.role.as_str()))
            .item("updated_at_ms", n(connection.connected_at_ms))
            .send();
        let conn = self
            .client
            .put_item()
            .table_name(&self.tables.connections)
            .item("client_id", s(connection.client_id.as_str()))
            .item("sk", s(connection.connection_id.as_str()))
            .item("role", s(connection.role.as_str()))
            .item("connected_at_ms", n(connection.connected_at_ms))
            .item(TTL_ATTRIBUTE, n(connection.expires_at_s))
            .send();
        let (profile, conn) = tokio::join!(profile, conn);
        profile.map_err(|e| StoreError::backend("put_profile", e))?;
        conn.map_err(|e| StoreError::backend("put_connection", e))?;
        Ok(())
    }

    async fn delete_connection(
        &self,
        client_id: &ClientId,
        connection_id: &ConnectionId,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.tables.connections)
            .key("client_id", s(client_id.as_str()))
            .key("sk", s(connection_id.as_str()))
            .send()
            .await
            .map_err(|e| StoreError::backend("delete_connection", e))?;
        Ok(())
    }

    async fn presence(&self, client_id: &ClientId, now_s: i64) -> Result<Presence, StoreError> {
        let mut presence = Presence::default();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.connections)
                .key_condition_expression("client_id = :c")
                .expression_attribute_values(":c", s(client_id.as_str()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::backend("query_presence", e))?;
            for item in out.items() {
                let sk = get_s(item, "sk")?;
                if sk == PROFILE_SK {
                    presence.role = Some(parse_role(get_s(item, "role")?)?);
                    continue;
                }
                if sk.starts_with('#') {
                    continue; // other per-client items (rate limit)
                }
                let role = parse_role(get_s(item, "role")?)?;
                // TTL deletion is lazy (it can lag by days), so expiry is checked here too.
                let expires_at_s = get_n(item, TTL_ATTRIBUTE)?;
                if expires_at_s <= now_s {
                    continue;
                }
                presence.connections.push(Connection {
                    connection_id: ConnectionId::parse(sk).map_err(corrupt("connection id"))?,
                    client_id: client_id.clone(),
                    role,
                    connected_at_ms: get_n(item, "connected_at_ms")?,
                    expires_at_s,
                });
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(presence)
    }
}

#[async_trait]
impl MessageStore for DynamoStore {
    async fn put_message(&self, message: &Message) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .item(
                "conversation_id",
                s(ConversationKey::between(&message.sender_id, &message.receiver_id).as_str()),
            )
            .item("message_id", s(message.message_id.as_str()))
            .item("sender_id", s(message.sender_id.as_str()))
            .item("receiver_id", s(message.receiver_id.as_str()))
            .item("appointment_id", s(message.appointment_id.as_str()))
            .item("service_id", s(message.service_id.as_str()))
            .item("message_text", s(message.message_text.as_str()))
            .condition_expression("attribute_not_exists(message_id)");
        if let Some(key) = &message.client_msg_id {
            put = put.item("client_msg_id", s(key.as_str()));
        }
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => Err(StoreError::MessageExists),
            Err(e) => Err(StoreError::backend("put_message", e)),
        }
    }

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
            let mut q = self
                .client
                .query()
                .table_name(&self.tables.messages)
                .expression_attribute_values(":c", s(conversation.as_str()))
                .scan_index_forward(false);
            q = match &before {
                Some(id) => q
                    .key_condition_expression("conversation_id = :c AND message_id < :before")
                    .expression_attribute_values(":before", s(id.as_str())),
                None => q.key_condition_expression("conversation_id = :c"),
            };
            let remaining = wanted - found.len();
            q = match &query.appointment_id {
                // DynamoDB applies Limit before the filter: read a few pages' worth at once.
                Some(appointment) => q
                    .filter_expression("appointment_id = :a")
                    .expression_attribute_values(":a", s(appointment.as_str()))
                    .limit((remaining * 4).min(1_000) as i32),
                None => q.limit(remaining as i32),
            };
            let out = q
                .send()
                .await
                .map_err(|e| StoreError::backend("query_history", e))?;
            for item in out.items() {
                if found.len() < wanted {
                    found.push(message_from_item(item)?);
                }
            }
            evaluated += out.scanned_count().max(0) as usize;
            let more = out
                .last_evaluated_key
                .as_ref()
                .is_some_and(|k| !k.is_empty());
            if found.len() >= wanted || !more {
                break;
            }
            // Continue below the last item DynamoDB evaluated (filtered out or not).
            let last = out.last_evaluated_key.as_ref().expect("checked above");
            let last = MessageId::parse(get_s(last, "message_id")?).map_err(corrupt("cursor"))?;
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
        out.item().map(message_from_item).transpose()
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
        let messages = out
            .items()
            .iter()
            .map(message_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        // More exist when the page is full (Limit is one more than wanted) or DynamoDB stopped
        // early at its 1 MB page size.
        let more = messages.len() > limit
            || out
                .last_evaluated_key
                .as_ref()
                .is_some_and(|k| !k.is_empty());
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
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(claim_item(sender, key, claim, expires_at_s)))
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
                PutItemError::ConditionalCheckFailedException(failed) => match failed.item() {
                    Some(item) => claim_from_item(item).map(Some),
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
        let put = self
            .client
            .put_item()
            .table_name(&self.tables.messages)
            .set_item(Some(claim_item(sender, key, claim, expires_at_s)))
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

fn claim_item(sender: &ClientId, key: &str, claim: &SendClaim, expires_at_s: i64) -> Item {
    HashMap::from([
        ("conversation_id".to_owned(), s(claims_partition(sender))),
        ("message_id".to_owned(), s(key)),
        (
            "claimed_message_id".to_owned(),
            s(claim.message_id.as_str()),
        ),
        (
            "claimed_receiver_id".to_owned(),
            s(claim.receiver_id.as_str()),
        ),
        ("fingerprint".to_owned(), n(claim.fingerprint)),
        ("claimed_at_ms".to_owned(), n(claim.claimed_at_ms)),
        (TTL_ATTRIBUTE.to_owned(), n(expires_at_s)),
    ])
}

fn claim_from_item(item: &Item) -> Result<SendClaim, StoreError> {
    Ok(SendClaim {
        message_id: MessageId::parse(get_s(item, "claimed_message_id")?)
            .map_err(corrupt("claimed_message_id"))?,
        receiver_id: ClientId::parse(get_s(item, "claimed_receiver_id")?)
            .map_err(corrupt("claimed_receiver_id"))?,
        fingerprint: match item.get("fingerprint") {
            Some(AttributeValue::N(v)) => v.parse().map_err(corrupt("fingerprint"))?,
            _ => return Err(StoreError::Corrupt("fingerprint missing".into())),
        },
        claimed_at_ms: get_n(item, "claimed_at_ms")?,
    })
}

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
        out.item.as_ref().map(inbox_from_item).transpose()
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
        let mut counts = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.inbox)
                .key_condition_expression("owner_id = :o")
                .filter_expression("unread > :zero")
                .projection_expression("peer_id, unread")
                .expression_attribute_values(":o", s(owner.as_str()))
                .expression_attribute_values(":zero", n(0))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::backend("query_unread", e))?;
            for item in out.items() {
                let peer = ClientId::parse(get_s(item, "peer_id")?).map_err(corrupt("peer_id"))?;
                counts.push((peer, get_n(item, "unread")?.max(0) as u64));
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(counts)
    }
}

#[async_trait]
impl RateLimitStore for DynamoStore {
    async fn admit(
        &self,
        client_id: &ClientId,
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
            .key("sk", s(RATE_SK))
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
            .key("sk", s(RATE_SK))
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

/// Creates the three tables (on-demand, TTL on connections) unless they exist, and waits until
/// they are active. Mirrors `template.yaml`; used by chat-local and the tests.
pub async fn create_tables(client: &Client, tables: &TableNames) -> Result<(), StoreError> {
    let specs = [
        (&tables.connections, "client_id", "sk"),
        (&tables.messages, "conversation_id", "message_id"),
        (&tables.inbox, "owner_id", "peer_id"),
    ];
    for (name, hash, range) in specs {
        let mut create = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(hash))
            .attribute_definitions(attr(range))
            .key_schema(key(hash, KeyType::Hash))
            .key_schema(key(range, KeyType::Range));
        if name == &tables.messages {
            for (index, participant) in [
                (BY_RECEIVER_INDEX, "receiver_id"),
                (BY_SENDER_INDEX, "sender_id"),
            ] {
                create = create
                    .attribute_definitions(attr(participant))
                    .global_secondary_indexes(
                        GlobalSecondaryIndex::builder()
                            .index_name(index)
                            .key_schema(key(participant, KeyType::Hash))
                            .key_schema(key("message_id", KeyType::Range))
                            .projection(
                                Projection::builder()
                                    .projection_type(ProjectionType::All)
                                    .build(),
                            )
                            .build()
                            .map_err(|e| StoreError::backend("index_spec", e))?,
                    );
            }
        }
        let created = create.send().await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_in_use_exception()) => {}
            Err(e) => return Err(StoreError::backend("create_table", e)),
        }
    }
    for (name, _, _) in specs {
        wait_active(client, name).await?;
    }
    enable_ttl(client, &tables.connections).await?;
    enable_ttl(client, &tables.messages).await
}

async fn enable_ttl(client: &Client, table: &str) -> Result<(), StoreError> {
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TTL_ATTRIBUTE)
                .build()
                .map_err(|e| StoreError::backend("ttl_spec", e))?,
        )
        .send()
        .await
        .map(|_| ())
        .or_else(|e| {
            // Enabling TTL twice is refused with "TimeToLive is already enabled".
            let already = e
                .as_service_error()
                .and_then(aws_sdk_dynamodb::error::ProvideErrorMetadata::message)
                .is_some_and(|m| m.contains("already enabled"));
            if already {
                Ok(())
            } else {
                Err(StoreError::backend("update_time_to_live", e))
            }
        })
}

async fn wait_active(client: &Client, name: &str) -> Result<(), StoreError> {
    for _ in 0..120 {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| StoreError::backend("describe_table", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::backend(
        "wait_table_active",
        format!("table {name} did not become active within 60 s"),
    ))
}

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and type are set")
}

/// A client for a local DynamoDB (DynamoDB Local): fixed region and placeholder credentials,
/// which DynamoDB Local accepts and AWS would refuse. Never used against AWS.
pub fn local_client(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "dynamodb-local",
        ))
        .endpoint_url(endpoint)
        .retry_config(crate::sdk::retry())
        .timeout_config(crate::sdk::dynamodb_timeouts())
        .build();
    Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;

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
