//! The DynamoDB store. Table design (see docs/design.md for the access patterns):
//!
//! | table | partition key | sort key | items |
//! |---|---|---|---|
//! | Connections | `client_id` | `sk` | `#profile` (role), one per open connection (`sk` = connection id, TTL `expires_at`), rate-limit state (`#rate`, `#rate#reads`, TTL) |
//! | Messages | `conversation_id` (`a#b`, sorted) | `message_id` (time-sortable) | one per message; send claims under `#sent#<sender>` / `client_msg_id` (TTL `expires_at`) |
//! | Inbox | `owner_id` | `peer_id` | unread counter, last message id, read-up-to pointer |
//!
//! The Messages table has two global secondary indexes for catch-up across conversations:
//! `by_receiver` (`receiver_id`, `message_id`) and `by_sender` (`sender_id`, `message_id`).
//!
//! Every read is a GetItem or a Query on a key; nothing Scans.
//!
//! The code tour: [`schema`] (the tables, in code) and `create` (table creation from it),
//! `codec` (items), then one file per store trait: `connections`, `messages`, `claims`,
//! `inbox`, `rate_limit`.

mod claims;
mod codec;
mod connections;
mod create;
mod feed;
mod inbox;
mod messages;
mod privacy;
mod rate_limit;
pub mod schema;
pub mod stream;
mod uploads;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::Client;

pub use create::{create_tables, create_tables_without_ttl};
pub use schema::{BY_ACTIVITY_INDEX, BY_RECEIVER_INDEX, BY_SENDER_INDEX, TTL_ATTRIBUTE};

use codec::Item;

use crate::domain::Retention;
use crate::store::StoreError;

/// The sort key of a client's profile item in the Connections table. `#` never occurs in an
/// API Gateway connection id, so it cannot collide with a connection item.
const PROFILE_SK: &str = "#profile";

/// The sort keys of a client's rate-limit items (GCRA state) in the Connections table: the
/// message bucket keeps the key it always had, so stored state stays valid across versions.
const RATE_SK: &str = "#rate";
const READ_RATE_SK: &str = "#rate#reads";
const SYSTEM_RATE_SK: &str = "#rate#system";
const UPLOAD_RATE_SK: &str = "#rate#uploads";

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
    /// How long messages live (their items, change records, attached uploads and inbox
    /// entries carry the TTL attribute when set).
    retention: Retention,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        Self {
            client,
            tables,
            retention: Retention::default(),
        }
    }

    /// The same store, writing expiry times for `retention`.
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// `message`'s item, with its expiry under retention.
    fn message_item(&self, message: &crate::domain::Message) -> Result<Item, StoreError> {
        let expires_at = self.expiry_of(&message.message_id);
        codec::to_item(&codec::MessageItem::new(message).expiring(expires_at))
    }

    /// When items about the message `id` expire (`None` without retention).
    fn expiry_of(&self, id: &crate::domain::MessageId) -> Option<i64> {
        self.retention.expires_at_s(id.timestamp_ms())
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }
}

/// Most keys one BatchGetItem request takes.
const BATCH_GET_MAX: usize = 100;

impl DynamoStore {
    /// The items with these keys from `table`, in any order (missing ones left out), read
    /// consistently or not: BatchGetItem in chunks of 100, asking again for keys DynamoDB left
    /// unprocessed (under throttling) until none are left.
    async fn batch_get(
        &self,
        table: &str,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Result<Vec<Item>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending = chunk.to_vec();
            for _ in 0..8 {
                if pending.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(consistent)
                    .build()
                    .map_err(|e| StoreError::backend("batch_get", e))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(table, request)
                    .send()
                    .await
                    .map_err(|e| StoreError::backend("batch_get", e))?;
                found.extend(
                    out.responses
                        .and_then(|mut r| r.remove(table))
                        .unwrap_or_default(),
                );
                pending = (out.unprocessed_keys.and_then(|mut u| u.remove(table)))
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(StoreError::backend(
                    "batch_get",
                    "keys still unprocessed after 8 attempts",
                ));
            }
        }
        Ok(found)
    }
}

fn is_conditional_failure<E, R>(err: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

/// Where a Query stopped before the end of what it matched (its Limit, or DynamoDB's 1 MB
/// page), the key to resume after. An empty `LastEvaluatedKey` means it did not stop.
fn resume_key(last_evaluated_key: Option<Item>) -> Option<Item> {
    last_evaluated_key.filter(|key| !key.is_empty())
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
