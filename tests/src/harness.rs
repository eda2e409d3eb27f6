//! The handler-level harness, in the manner of zero2prod's `spawn_app`/`TestApp`: a chat over a
//! fresh store (with fault switches), a recording notifier and a clock the test sets; and
//! participants who connect, send and read through the real Lambda handlers with API Gateway's
//! own event JSON.
//!
//! ```text
//! let app = Harness::on(backend).await;
//! let user = app.user("user123").on("userConn=").connected().await;
//! let desk = app.admin("admin456").on("adminDesk=").connected().await;
//! let ack = user.send_to(&desk, "hi").await;
//! assert_eq!(desk.frames().len(), 1);
//! ```

use std::fmt;
use std::sync::Arc;

use chat_edge::lambda::http::handle_http;
use chat_edge::lambda::ws::{handle_connect, handle_disconnect, handle_message, WsResponse};
use chat_shared::chat::Unread;
use chat_shared::domain::{ClientId, EpochMillis, HistoryQuery, Identity, Role, StoredMessage};
use chat_shared::principal::BackendPrincipal;
use chat_shared::store::Store;
use chat_shared::{Chat, Settings};
use serde_json::{json, Value};

use crate::{
    frame, http_request, response_json, store_for, ws_event, Backend, FaultyStore, FixedClock,
    RecordingNotifier,
};

/// 2026-11-24T13:40:19.000Z
pub const T0: EpochMillis = 1_795_527_619_000;

/// Who API Gateway says is calling: `(client_id, role)` from the authorizer context, or none.
pub type Who<'a> = Option<(&'a str, &'a str)>;

/// A chat over a store with a recording notifier, a fixed clock (at [`T0`]) and fault switches.
pub struct Harness {
    pub chat: Chat,
    pub notifier: Arc<RecordingNotifier>,
    pub clock: Arc<FixedClock>,
    /// Wraps the store the chat uses; inert until a test switches a fault on.
    pub faults: Arc<FaultyStore>,
    /// The local S3 attachments go to, once [`Harness::with_local_s3`] started one.
    pub files: Option<chat_local::files::LocalFiles>,
}

/// The harness's name in tests written before it had one.
pub type TestChat = Harness;

/// A chat over `store` without a rate limit (see [`Harness::on`]).
pub fn test_chat(store: Arc<dyn Store>) -> Harness {
    Harness::over(store, no_rate_limit())
}

pub fn test_chat_with(store: Arc<dyn Store>, settings: Settings) -> Harness {
    Harness::over(store, settings)
}

/// No rate limits; the booking backend is [`crate::BACKEND_ROLE_ARN`].
fn no_rate_limit() -> Settings {
    Settings {
        rate_limit: None,
        read_rate_limit: None,
        system_rate_limit: None,
        upload_rate_limit: None,
        system_principal: BackendPrincipal::parse(crate::BACKEND_ROLE_ARN),
        ..Settings::default()
    }
}

impl Harness {
    /// A chat on the in-memory store, without a rate limit.
    pub async fn memory() -> Self {
        Self::on(Backend::Memory).await
    }

    /// A chat on a fresh table set in DynamoDB Local, without a rate limit.
    pub async fn dynamodb() -> Self {
        Self::on(Backend::Dynamo).await
    }

    /// A chat on a fresh `backend` store without a rate limit (the clock stands still in these
    /// tests; the limiter has tests of its own, see [`Harness::with_settings`]).
    pub async fn on(backend: Backend) -> Self {
        Self::with_settings(backend, no_rate_limit()).await
    }

    pub async fn with_settings(backend: Backend, settings: Settings) -> Self {
        Self::over(store_for(backend).await, settings)
    }

    /// A chat over `store`, wrapped in a [`FaultyStore`].
    pub fn over(store: Arc<dyn Store>, settings: Settings) -> Self {
        let faults = FaultyStore::new(store);
        let notifier = Arc::new(RecordingNotifier::default());
        let clock = FixedClock::at(T0);
        let chat = Chat::new(
            faults.clone(),
            notifier.clone(),
            Arc::new(chat_edge::wire::JsonFrames),
            clock.clone(),
            settings,
        );
        Self {
            chat,
            notifier,
            clock,
            faults,
            files: None,
        }
    }

    /// The same chat with attachments kept in a local S3 of its own (chat-local's, on a free
    /// port, over a temporary folder), signed with dev mode's keys.
    pub async fn with_local_s3(self) -> Self {
        let keys = chat_local::files::Credentials {
            access_key_id: "local".into(),
            secret_access_key: "local".into(),
        };
        let options = chat_local::files::FilesOptions::default();
        let allow_any = Arc::new(chat_shared::origin::OriginAllowlist::default());
        let files = chat_local::files::start(&options, "127.0.0.1", &keys, allow_any)
            .await
            .expect("the local S3 starts");
        let presigning_now = Arc::new(PresignedNow(files.client_files(&keys)));
        Self {
            chat: self.chat.with_files(presigning_now),
            files: Some(files),
            ..self
        }
    }

    /// A user, on a connection named after it until [`Participant::on`] names another.
    pub fn user(&self, client_id: &str) -> Participant<'_> {
        self.as_who(Some((client_id, "user")))
    }

    pub fn admin(&self, client_id: &str) -> Participant<'_> {
        self.as_who(Some((client_id, "admin")))
    }

    /// A caller without an authorizer context.
    pub fn anonymous(&self) -> Participant<'_> {
        self.as_who(None)
    }

    /// Whoever the authorizer context says, valid or not.
    pub fn as_who(&self, who: Who) -> Participant<'_> {
        let connection = match who {
            Some((id, _)) => id.replace(|c: char| !c.is_ascii_alphanumeric(), "_") + "=",
            None => "anonymous=".to_owned(),
        };
        Participant {
            app: self,
            who: who.map(|(id, role)| (id.to_owned(), role.to_owned())),
            connection,
        }
    }

    /// Frames successfully posted to `connection`.
    pub fn frames_to(&self, connection: &str) -> Vec<Value> {
        self.notifier.frames_to(connection)
    }

    /// The ids of `client`'s connections not expired at `now_s`, as the store lists them.
    pub async fn connections_at(&self, client: &str, now_s: i64) -> Vec<String> {
        crate::connection_ids(self.chat.store().as_ref(), client, now_s).await
    }

    /// `POST /chat/system/{receiver}` with `body`, signed by `signer` (`None`: unsigned), as
    /// the IAM-authorized route's function gets it.
    pub async fn post_system(
        &self,
        receiver: &str,
        signer: Option<&str>,
        body: &str,
    ) -> (u16, Value) {
        let event = crate::system_event_json(receiver, signer, body);
        let request = serde_json::from_value(event).expect("an HTTP API event");
        response_json(handle_http(&self.chat, request).await)
    }

    /// A system message from the booking backend to `receiver`, which must be stored (201);
    /// returns the answer (`message_id`, `timestamp`, `duplicate`).
    pub async fn system_message(&self, receiver: &str, key: &str, text: &str) -> Value {
        let body = crate::system_body(key, text);
        let (status, body) = self
            .post_system(receiver, Some(crate::BACKEND_SIGNER), &body)
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// The ids of `client`'s connections not expired at the clock's time.
    pub async fn connections(&self, client: &str) -> Vec<String> {
        self.connections_at(client, self.chat.now_ms() / 1000).await
    }
}

/// A client as API Gateway presents it: an authorizer context (or none) and a connection id.
#[derive(Clone)]
pub struct Participant<'a> {
    app: &'a Harness,
    who: Option<(String, String)>,
    pub connection: String,
}

impl fmt::Display for Participant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.connection)
    }
}

/// Whom a frame names: a participant, or a bare client id.
pub trait Peer {
    fn peer_id(&self) -> &str;
}

impl Peer for str {
    fn peer_id(&self) -> &str {
        self
    }
}

impl Peer for Participant<'_> {
    fn peer_id(&self) -> &str {
        self.id()
    }
}

impl<'a> Participant<'a> {
    pub fn app(&self) -> &'a Harness {
        self.app
    }

    /// The same client on another connection (another device).
    pub fn on(mut self, connection: &str) -> Self {
        self.connection = connection.to_owned();
        self
    }

    pub fn who(&self) -> Who<'_> {
        self.who
            .as_ref()
            .map(|(id, role)| (id.as_str(), role.as_str()))
    }

    /// The client id; empty for an anonymous caller.
    pub fn id(&self) -> &str {
        self.who().map_or("", |(id, _)| id)
    }

    /// The verified identity the handlers derive (panics for one they would refuse).
    pub fn identity(&self) -> Identity {
        let (id, role) = self.who().expect("an identity");
        Identity {
            client_id: ClientId::parse(id).unwrap(),
            role: Role::parse(role).unwrap(),
        }
    }

    /// `$connect`, answered as the handler answers it.
    pub async fn connect(&self) -> WsResponse {
        let event = ws_event("connect", &self.connection, self.who(), None);
        handle_connect(&self.app.chat, event).await
    }

    /// `$connect`, which must succeed.
    pub async fn connected(self) -> Self {
        let response = self.connect().await;
        assert_eq!(response.status_code, 200, "{self} connects");
        self
    }

    pub async fn disconnect(&self) -> WsResponse {
        let event = ws_event("disconnect", &self.connection, self.who(), None);
        handle_disconnect(&self.app.chat, event).await
    }

    /// A text frame through `$default`; the handler always answers 200.
    pub async fn message(&self, body: &str) -> WsResponse {
        let event = ws_event("message", &self.connection, self.who(), Some(body));
        let response = handle_message(&self.app.chat, event).await;
        assert_eq!(response.status_code, 200);
        response
    }

    /// A text frame; returns the frame sent back to the sender, parsed.
    pub async fn send(&self, body: &str) -> Value {
        let response = self.message(body).await;
        serde_json::from_str(
            chat_edge::lambda::ws::frame_of(&response).expect("a frame for the sender"),
        )
        .unwrap()
    }

    /// A seed-format message to `to`; returns the reply frame.
    pub async fn send_to(&self, to: &(impl Peer + ?Sized), text: &str) -> Value {
        self.send(&frame(to.peer_id(), text)).await
    }

    /// Frames successfully posted to this connection.
    pub fn frames(&self) -> Vec<Value> {
        self.app.frames_to(&self.connection)
    }

    /// Frames of one `type` posted to this connection.
    pub fn frames_of(&self, kind: &str) -> Vec<Value> {
        let mut frames = self.frames();
        frames.retain(|f| f["type"] == kind);
        frames
    }

    /// An HTTP API call; `target` is the path with an optional query string.
    pub async fn http(&self, method: &str, target: &str, body: Option<&str>) -> (u16, Value) {
        let request = http_request(method, target, self.who(), body);
        response_json(handle_http(&self.app.chat, request).await)
    }

    /// `PUT /chat/read/{me}`: marks what `sender` wrote to me as read.
    pub async fn mark_read(&self, sender: &(impl Peer + ?Sized)) -> (u16, Value) {
        let body = json!({ "sender_id": sender.peer_id() }).to_string();
        let target = format!("/chat/read/{}", self.id());
        self.http("PUT", &target, Some(&body)).await
    }

    /// The newest `limit` messages between `a` and `b`, read through the chat as me.
    pub async fn history(&self, a: &str, b: &str, limit: usize) -> Vec<StoredMessage> {
        let query = HistoryQuery {
            limit,
            before: None,
            appointment_id: None,
        };
        let (a, b) = (ClientId::parse(a).unwrap(), ClientId::parse(b).unwrap());
        let chat = &self.app.chat;
        chat.history(&self.identity(), &a, &b, &query)
            .await
            .unwrap()
            .messages
    }

    /// My unread counts, read through the chat.
    pub async fn unread(&self) -> Unread {
        let me = self.identity();
        self.app.chat.unread(&me, &me.client_id).await.unwrap()
    }
}

/// The local S3's storage with URLs presigned at the real time: the harness's clock stands in
/// the past (at [`T0`]), and the local S3 checks a URL's expiry against its own clock, as S3
/// does. Everything else is the chat's as is.
struct PresignedNow(Arc<dyn chat_shared::files::Files>);

#[async_trait::async_trait]
impl chat_shared::files::Files for PresignedNow {
    async fn presign_upload(
        &self,
        key: &str,
        file_type: chat_shared::domain::FileType,
        size: u64,
        _now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<chat_shared::files::Presigned, chat_shared::files::FilesError> {
        let now = chat_shared::domain::Clock::now_ms(&chat_shared::domain::SystemClock);
        self.0
            .presign_upload(key, file_type, size, now, expires_in_s)
            .await
    }

    async fn inspect(
        &self,
        key: &str,
    ) -> Result<Option<chat_shared::files::Inspected>, chat_shared::files::FilesError> {
        self.0.inspect(key).await
    }

    async fn set_state(
        &self,
        key: &str,
        state: chat_shared::files::ObjectState,
    ) -> Result<(), chat_shared::files::FilesError> {
        self.0.set_state(key, state).await
    }

    async fn delete(&self, key: &str) -> Result<(), chat_shared::files::FilesError> {
        self.0.delete(key).await
    }

    async fn presign_download(
        &self,
        key: &str,
        attachment: &chat_shared::domain::Attachment,
        _now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<chat_shared::files::Presigned, chat_shared::files::FilesError> {
        let now = chat_shared::domain::Clock::now_ms(&chat_shared::domain::SystemClock);
        self.0
            .presign_download(key, attachment, now, expires_in_s)
            .await
    }
}
