//! Test support: the handler-level [`Harness`] and its participants, real API Gateway event
//! fixtures ([`events`]), DynamoDB Local tables, a recording notifier, a store with fault
//! switches ([`FaultyStore`]), the hostile-input corpus and its runner ([`hostile`]), and
//! end-to-end helpers for chat-local ([`local`]).

pub mod child;
pub mod counting;
pub mod dynamo_process;
pub mod events;
pub mod fakes;
pub mod faulty;
pub mod files;
pub mod harness;
pub mod hostile;
pub mod local;
pub mod management;
pub mod template;
pub mod tokens;
pub mod tools;
pub mod webhook;

use std::sync::Arc;

use chat_shared::store::dynamodb::{
    create_tables_without_ttl, local_client, DynamoStore, TableNames,
};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;

pub use events::{
    authorizer, frame, http_event_json, http_request, response_json, system_body,
    system_event_json, ws_event, ws_event_json, BACKEND_ROLE_ARN, BACKEND_SIGNER,
};
pub use fakes::{invoke_events, FixedClock, RecordingNotifier, RecordingSink, RecordingTimer};
pub use faulty::FaultyStore;
pub use harness::{test_chat, test_chat_with, Harness, Participant, Peer, TestChat, Who, T0};

/// The DynamoDB Local endpoint the test command started. Tests that need it fail (never skip)
/// when it is missing or unreachable.
pub fn dynamodb_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "DYNAMODB_ENDPOINT is not set: run `bash scripts/test.sh`, or start DynamoDB Local \
             with `bash scripts/dynamodb-local.sh start` and export DYNAMODB_ENDPOINT"
        )
    })
}

/// A fresh set of tables in DynamoDB Local, unique to the calling test. TTL deletion is off:
/// these tests' clocks stand at [`T0`], long past by now, and DynamoDB Local's TTL sweeper
/// would delete their connections and claims mid-test (reads filter expired items anyway).
pub async fn fresh_dynamo_store() -> DynamoStore {
    fresh_dynamo_tables().await.0
}

/// [`fresh_dynamo_store`] and its tables' prefix (chat-local reads their streams by name).
pub async fn fresh_dynamo_tables() -> (DynamoStore, String) {
    let client = local_client(&dynamodb_endpoint());
    let prefix = format!("t{:016x}-", fastrand::u64(..));
    let tables = TableNames::with_prefix(&prefix);
    create_tables_without_ttl(&client, &tables)
        .await
        .unwrap_or_else(|e| panic!("cannot create tables in DynamoDB Local: {e:?}"));
    (DynamoStore::new(client, tables), prefix)
}

/// Which store a test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Memory,
    Dynamo,
}

pub async fn store_for(backend: Backend) -> Arc<dyn Store> {
    match backend {
        Backend::Memory => Arc::new(MemoryStore::new()),
        Backend::Dynamo => Arc::new(fresh_dynamo_store().await),
    }
}

/// The ids of `client`'s connections in `store` not expired at `now_s`.
pub async fn connection_ids(store: &dyn Store, client: &str, now_s: i64) -> Vec<String> {
    store
        .presence(
            &chat_shared::domain::ClientId::parse(client).unwrap(),
            now_s,
        )
        .await
        .unwrap()
        .connections
        .into_iter()
        .map(|c| c.connection_id.as_str().to_owned())
        .collect()
}

/// Runs each listed test on both stores, as `memory::name` and `dynamodb::name` (the
/// DynamoDB one on a fresh table set; it fails, never skips, without `DYNAMODB_ENDPOINT`).
///
/// - `on_both_stores!(a, b)`: each is `async fn a(backend: Backend)`, for tests that build
///   their own chat (usually [`Harness::on`]);
/// - `on_both_stores!(store: a, b)`: each is `async fn a(store: &dyn Store)` and gets a fresh
///   store (the store contract).
#[macro_export]
macro_rules! on_both_stores {
    (@module $module:ident $backend:ident $takes:ident: $($name:ident),+) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $name() {
                    let backend = $crate::Backend::$backend;
                    $crate::on_both_stores!(@call $takes backend super::$name);
                }
            )+
        }
    };
    (@call backend $backend:ident $test:path) => {
        $test($backend).await
    };
    (@call store $backend:ident $test:path) => {{
        let store = $crate::store_for($backend).await;
        $test(store.as_ref()).await
    }};
    (store: $($name:ident),+ $(,)?) => {
        $crate::on_both_stores!(@module memory Memory store: $($name),+);
        $crate::on_both_stores!(@module dynamodb Dynamo store: $($name),+);
    };
    ($($name:ident),+ $(,)?) => {
        $crate::on_both_stores!(@module memory Memory backend: $($name),+);
        $crate::on_both_stores!(@module dynamodb Dynamo backend: $($name),+);
    };
}

/// A preview of message `message_id` from `sender`, as the Inbox records it for its receiver
/// (tests that set up unread state without sending).
pub fn preview(sender: &str, message_id: &str) -> chat_shared::domain::MessagePreview {
    use chat_shared::domain::{AppointmentId, ClientId, MessageId, ServiceId};
    chat_shared::domain::MessagePreview {
        message_id: MessageId::parse(message_id).expect("a message id"),
        sender_id: ClientId::parse(sender).expect("a client id"),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        text: "Can I move my appointment to Friday?".into(),
        edited: false,
        deleted: false,
        version: 1,
    }
}
