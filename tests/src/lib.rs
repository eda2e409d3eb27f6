//! Test support: real API Gateway event fixtures, DynamoDB Local tables, a recording notifier,
//! and end-to-end helpers for chat-local ([`local`]).

pub mod dynamo_process;
pub mod local;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chat_edge::context::AuthorizerContext;
use chat_shared::domain::{Clock, ConnectionId, EpochMillis};
use chat_shared::notify::{Notifier, NotifyError};
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;
use chat_shared::{Chat, Settings};
use serde_json::{json, Value};

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

/// A fresh set of tables in DynamoDB Local, unique to the calling test.
pub async fn fresh_dynamo_store() -> DynamoStore {
    let client = local_client(&dynamodb_endpoint());
    let prefix = format!("t{:016x}-", fastrand::u64(..));
    let tables = TableNames::with_prefix(&prefix);
    create_tables(&client, &tables)
        .await
        .unwrap_or_else(|e| panic!("cannot create tables in DynamoDB Local: {e:?}"));
    DynamoStore::new(client, tables)
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

/// A clock the test sets.
#[derive(Debug)]
pub struct FixedClock(pub Mutex<EpochMillis>);

impl FixedClock {
    pub fn at(ms: EpochMillis) -> Arc<Self> {
        Arc::new(Self(Mutex::new(ms)))
    }

    pub fn advance(&self, ms: EpochMillis) {
        *self.0.lock().unwrap() += ms;
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> EpochMillis {
        *self.0.lock().unwrap()
    }
}

/// A notifier that records every post, and answers 410 Gone for connections marked gone.
#[derive(Default)]
pub struct RecordingNotifier {
    posts: Mutex<Vec<(String, String)>>,
    gone: Mutex<HashSet<String>>,
    failing: Mutex<HashSet<String>>,
}

impl RecordingNotifier {
    pub fn mark_gone(&self, connection_id: &str) {
        self.gone.lock().unwrap().insert(connection_id.to_owned());
    }

    pub fn mark_failing(&self, connection_id: &str) {
        self.failing
            .lock()
            .unwrap()
            .insert(connection_id.to_owned());
    }

    /// Frames successfully posted to `connection_id`, parsed.
    pub fn frames_to(&self, connection_id: &str) -> Vec<Value> {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| c == connection_id)
            .map(|(_, body)| serde_json::from_str(body).expect("posted frames are JSON"))
            .collect()
    }

    /// Number of successful posts per connection.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (c, _) in self.posts.lock().unwrap().iter() {
            *counts.entry(c.clone()).or_default() += 1;
        }
        counts
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn post(&self, connection_id: &ConnectionId, payload: &[u8]) -> Result<(), NotifyError> {
        let id = connection_id.as_str();
        if self.gone.lock().unwrap().contains(id) {
            return Err(NotifyError::Gone);
        }
        if self.failing.lock().unwrap().contains(id) {
            return Err(NotifyError::Failed("injected failure".into()));
        }
        self.posts.lock().unwrap().push((
            id.to_owned(),
            String::from_utf8(payload.to_vec()).expect("frames are UTF-8"),
        ));
        Ok(())
    }
}

/// A chat over `store` with a recording notifier and a fixed clock.
pub struct TestChat {
    pub chat: Chat,
    pub notifier: Arc<RecordingNotifier>,
    pub clock: Arc<FixedClock>,
}

/// 2026-11-24T13:40:19.000Z
pub const T0: EpochMillis = 1_795_527_619_000;

/// A chat over `store` without a rate limit (the clock stands still in these tests; the limiter
/// has tests of its own, see [`test_chat_with`]).
pub fn test_chat(store: Arc<dyn Store>) -> TestChat {
    test_chat_with(
        store,
        Settings {
            rate_limit: None,
            ..Settings::default()
        },
    )
}

pub fn test_chat_with(store: Arc<dyn Store>, settings: Settings) -> TestChat {
    let notifier = Arc::new(RecordingNotifier::default());
    let clock = FixedClock::at(T0);
    let chat = Chat::new(
        store,
        notifier.clone(),
        Arc::new(chat_edge::wire::JsonFrames),
        clock.clone(),
        settings,
    );
    TestChat {
        chat,
        notifier,
        clock,
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The authorizer context API Gateway adds for a verified caller, or none.
pub fn authorizer(identity: Option<(&str, &str)>) -> Value {
    match identity {
        Some((client_id, role)) => {
            let context = AuthorizerContext::new(client_id, role).with_principal_id();
            let mut fields = context.to_fields();
            fields.insert("integrationLatency".into(), json!(42)); // API Gateway adds it
            json!(fields)
        }
        None => Value::Null,
    }
}

/// A WebSocket event as API Gateway sends it: `kind` is `connect`, `message` or `disconnect`.
pub fn ws_event_json(
    kind: &str,
    connection_id: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> Value {
    let mut event = fixture(&format!("ws_{kind}"));
    let ctx = &mut event["requestContext"];
    ctx["connectionId"] = json!(connection_id);
    match identity {
        Some(_) => ctx["authorizer"] = authorizer(identity),
        None => {
            ctx.as_object_mut().unwrap().remove("authorizer");
        }
    }
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

pub fn ws_event(
    kind: &str,
    connection_id: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> chat_edge::lambda::ws::WsEvent {
    serde_json::from_value(ws_event_json(kind, connection_id, identity, body))
        .expect("fixture is a WebSocket event")
}

/// An HTTP API (payload 2.0) request as API Gateway sends it, parsed as the handler's event
/// type. `target` is the path with an optional query string.
pub fn http_request(
    method: &str,
    target: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> chat_edge::lambda::http::HttpRequest {
    let event = http_event_json(method, target, identity, body);
    serde_json::from_value(event).expect("fixture is an HTTP API event")
}

/// The HTTP API (payload 2.0) event JSON behind [`http_request`]; `target` goes into
/// `rawPath` and `rawQueryString` exactly as given (a client may send anything there).
pub fn http_event_json(
    method: &str,
    target: &str,
    identity: Option<(&str, &str)>,
    body: Option<&str>,
) -> Value {
    let mut event = fixture("http_put_read");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    event["routeKey"] = json!("$default");
    event["rawPath"] = json!(path);
    event["rawQueryString"] = json!(query);
    event.as_object_mut().unwrap().remove("pathParameters");
    let ctx = &mut event["requestContext"];
    ctx["routeKey"] = json!("$default");
    ctx["http"]["method"] = json!(method);
    ctx["http"]["path"] = json!(path);
    match identity {
        Some((client_id, role)) => {
            let context = AuthorizerContext::new(client_id, role);
            ctx["authorizer"] = json!({ "lambda": context.to_fields() })
        }
        None => {
            ctx.as_object_mut().unwrap().remove("authorizer");
        }
    }
    match body {
        Some(body) => {
            event["headers"]["content-length"] = json!(body.len().to_string());
            event["body"] = json!(body);
        }
        None => {
            event["headers"]
                .as_object_mut()
                .unwrap()
                .remove("content-length");
            event.as_object_mut().unwrap().remove("body");
        }
    }
    event
}

/// Status and parsed JSON body of an HTTP response.
pub fn response_json(response: chat_edge::lambda::http::HttpResponse) -> (u16, Value) {
    let status = response.status_code as u16;
    let body = match response.body.as_deref() {
        Some(bytes) if !bytes.is_empty() => serde_json::from_slice(bytes).expect("JSON body"),
        _ => Value::Null,
    };
    (status, body)
}

/// A seed-format frame.
pub fn frame(receiver: &str, text: &str) -> String {
    json!({
        "receiver_id": receiver,
        "appointment_id": "appointment789",
        "service_id": "service123",
        "message_text": text
    })
    .to_string()
}

/// Runs each listed `async fn name(backend: Backend)` as two tests, `memory::name` and
/// `dynamodb::name`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Backend::Memory).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::Backend::Dynamo).await;
                }
            )*
        }
    };
}

/// A store that delegates to `inner` but fails the operations switched on.
pub struct FaultyStore {
    pub inner: Arc<dyn Store>,
    pub fail_put_connection: std::sync::atomic::AtomicBool,
    pub fail_put_message: std::sync::atomic::AtomicBool,
    /// Writes the message, then reports a failure (a reply lost after the write).
    pub fail_after_put_message: std::sync::atomic::AtomicBool,
    pub fail_sync: std::sync::atomic::AtomicBool,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            fail_put_connection: Default::default(),
            fail_put_message: Default::default(),
            fail_after_put_message: Default::default(),
            fail_sync: Default::default(),
        })
    }

    fn injected(operation: &'static str) -> chat_shared::store::StoreError {
        chat_shared::store::StoreError::backend(operation, "injected failure")
    }
}

mod faulty {
    use std::sync::atomic::Ordering;

    use async_trait::async_trait;
    use chat_shared::domain::{
        ClientId, Connection, ConnectionId, EpochMillis, HistoryPage, HistoryQuery, InboxEntry,
        Message, MessageId, SendClaim, SyncPage, SyncQuery,
    };
    use chat_shared::store::{
        ConnectionStore, InboxStore, MessageStore, Presence, RateLimitStore, RateRule,
        SendClaimStore, StoreError,
    };

    use super::FaultyStore;

    #[async_trait]
    impl ConnectionStore for FaultyStore {
        async fn put_connection(&self, c: &Connection) -> Result<(), StoreError> {
            if self.fail_put_connection.load(Ordering::SeqCst) {
                return Err(Self::injected("put_connection"));
            }
            self.inner.put_connection(c).await
        }
        async fn delete_connection(
            &self,
            a: &ClientId,
            b: &ConnectionId,
        ) -> Result<(), StoreError> {
            self.inner.delete_connection(a, b).await
        }
        async fn presence(&self, c: &ClientId, now_s: i64) -> Result<Presence, StoreError> {
            self.inner.presence(c, now_s).await
        }
    }

    #[async_trait]
    impl MessageStore for FaultyStore {
        async fn put_message(&self, m: &Message) -> Result<(), StoreError> {
            if self.fail_put_message.load(Ordering::SeqCst) {
                return Err(Self::injected("put_message"));
            }
            self.inner.put_message(m).await?;
            if self.fail_after_put_message.load(Ordering::SeqCst) {
                return Err(Self::injected("put_message (after the write)"));
            }
            Ok(())
        }
        async fn message(
            &self,
            a: &ClientId,
            b: &ClientId,
            id: &MessageId,
        ) -> Result<Option<Message>, StoreError> {
            self.inner.message(a, b, id).await
        }
        async fn sync(&self, o: &ClientId, q: &SyncQuery) -> Result<SyncPage, StoreError> {
            if self.fail_sync.load(Ordering::SeqCst) {
                return Err(Self::injected("sync"));
            }
            self.inner.sync(o, q).await
        }
        async fn history(
            &self,
            a: &ClientId,
            b: &ClientId,
            q: &HistoryQuery,
        ) -> Result<HistoryPage, StoreError> {
            self.inner.history(a, b, q).await
        }
    }

    #[async_trait]
    impl SendClaimStore for FaultyStore {
        async fn claim_send(
            &self,
            s: &ClientId,
            k: &str,
            c: &SendClaim,
            e: i64,
        ) -> Result<Option<SendClaim>, StoreError> {
            self.inner.claim_send(s, k, c, e).await
        }
        async fn reclaim_send(
            &self,
            s: &ClientId,
            k: &str,
            x: &MessageId,
            c: &SendClaim,
            e: i64,
        ) -> Result<bool, StoreError> {
            self.inner.reclaim_send(s, k, x, c, e).await
        }
    }

    #[async_trait]
    impl RateLimitStore for FaultyStore {
        async fn admit(
            &self,
            c: &ClientId,
            rule: RateRule,
            now_ms: EpochMillis,
        ) -> Result<bool, StoreError> {
            self.inner.admit(c, rule, now_ms).await
        }
    }

    #[async_trait]
    impl InboxStore for FaultyStore {
        async fn record_unread(
            &self,
            o: &ClientId,
            p: &ClientId,
            id: &MessageId,
        ) -> Result<(), StoreError> {
            self.inner.record_unread(o, p, id).await
        }
        async fn inbox_entry(
            &self,
            o: &ClientId,
            p: &ClientId,
        ) -> Result<Option<InboxEntry>, StoreError> {
            self.inner.inbox_entry(o, p).await
        }
        async fn mark_read_if_unchanged(
            &self,
            o: &ClientId,
            p: &ClientId,
            e: &InboxEntry,
            t: EpochMillis,
        ) -> Result<bool, StoreError> {
            self.inner.mark_read_if_unchanged(o, p, e, t).await
        }
        async fn unread_counts(&self, o: &ClientId) -> Result<Vec<(ClientId, u64)>, StoreError> {
            self.inner.unread_counts(o).await
        }
    }
}
