//! The chat's use cases, one file each (as mini-redis keeps one file per command): each takes
//! only the store traits it uses, checks authorization itself, and says what to deliver to
//! whom as domain values ([`crate::domain::Outbound`]); [`deliver`] posts them, rendered by
//! the edge's wire module. [`Chat`] is a thin facade holding the dependencies, so callers need
//! not know which use case needs which part of the store.

pub mod admit;
pub mod attachments;
pub mod change;
pub mod connect;
pub mod conversations;
pub mod deliver;
pub mod erase;
pub mod export;
pub mod history;
pub mod mark_read;
pub mod reply;
pub mod retention;
pub mod send;
pub mod sync;
pub mod system;
pub mod typing;
pub mod unread;

use std::sync::Arc;

use crate::domain::{
    AttachmentId, ClientId, Clock, ConnectionId, Erasure, ExportCursor, ExportPage, HistoryQuery,
    Identity, InboxPage, InboxQuery, MessageId, NewMessage, Requester, Retention, UploadRequest,
    DEFAULT_MAX_MESSAGE_CHARS,
};
use crate::error::ChatError;
use crate::files::Files;
use crate::notify::Notifier;
use crate::store::{MessageStore, RateBucket, RateRule, Store, UploadStore};

use admit::RateCheck;

pub use attachments::{DownloadGrant, UploadGrant};
pub use change::{ChangeRequest, Changed};
pub use deliver::{Deliverer, FrameEncoder, Outcomes, GONE_GRACE_MS};
pub use history::History;
pub use mark_read::MarkRead;
pub use send::{Sent, CLIENT_MSG_ID_TTL_S, TAKEOVER_AFTER_MS};
pub use sync::{SyncRequest, Synced, SYNC_PAGE_BYTES, SYNC_WINDOW_MS};
pub use system::SystemMessage;
pub use unread::Unread;

/// Tunables of the chat, from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub max_message_chars: usize,
    /// How long a connection item lives without a `$disconnect`: API Gateway closes every
    /// connection after 2 hours, so a little more than that.
    pub connection_ttl_s: i64,
    /// Messages a sender may send: a token bucket per sender (`None`: unlimited). Typing
    /// indicators draw from it too.
    pub rate_limit: Option<RateRule>,
    /// Reads a client may make (sync, history, unread counts, mark-read): a second token
    /// bucket per client, apart from the first so neither starves the other (`None`: unlimited).
    pub read_rate_limit: Option<RateRule>,
    /// System messages one client may receive: a token bucket per receiver, so a backend in a
    /// retry loop cannot flood a person (`None`: unlimited).
    pub system_rate_limit: Option<RateRule>,
    /// The booking backend, the one caller of `POST /chat/system/{receiver_id}`
    /// (`SYSTEM_PRINCIPAL_ARN`; `None`: the route refuses everyone).
    pub system_principal: Option<crate::principal::BackendPrincipal>,
    /// Upload requests a client may make: a slow bucket of its own, per hour (`None`:
    /// unlimited).
    pub upload_rate_limit: Option<RateRule>,
    /// How long messages live (`RETENTION_DAYS`; off by default): reads hide what is older.
    pub retention: Retention,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_message_chars: DEFAULT_MAX_MESSAGE_CHARS,
            connection_ttl_s: 2 * 3600 + 300,
            rate_limit: Some(RateRule {
                per_second: crate::settings::DEFAULT_RATE_PER_SECOND,
                burst: crate::settings::DEFAULT_RATE_BURST,
                period_s: 1,
            }),
            read_rate_limit: Some(RateRule {
                per_second: crate::settings::DEFAULT_READ_RATE_PER_SECOND,
                burst: crate::settings::DEFAULT_READ_RATE_BURST,
                period_s: 1,
            }),
            system_rate_limit: Some(RateRule {
                per_second: crate::settings::SYSTEM_RATE_PER_SECOND,
                burst: crate::settings::SYSTEM_RATE_BURST,
                period_s: 1,
            }),
            system_principal: None,
            upload_rate_limit: Some(crate::settings::UPLOAD_RATE),
            retention: Retention::default(),
        }
    }
}

/// The use cases over one store, notifier, frame encoder and clock.
pub struct Chat {
    store: Arc<dyn Store>,
    deliverer: Deliverer,
    clock: Arc<dyn Clock>,
    settings: Settings,
    /// Object storage for attachments (`None`: attachments are refused as unavailable).
    files: Option<Arc<dyn Files>>,
}

impl Chat {
    pub fn new(
        store: Arc<dyn Store>,
        notifier: Arc<dyn Notifier>,
        encoder: Arc<dyn FrameEncoder>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Self {
        let deliverer = Deliverer::new(notifier, store.clone(), encoder);
        Self {
            store,
            deliverer,
            clock,
            settings,
            files: None,
        }
    }

    /// The same chat with attachments kept in `files`.
    pub fn with_files(mut self, files: Arc<dyn Files>) -> Self {
        self.files = Some(files);
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The oldest message id reads show now (`None`: no retention).
    fn floor(&self) -> Option<MessageId> {
        self.settings.retention.floor(self.now_ms())
    }

    /// A token from the caller's read bucket, now.
    fn reads(&self) -> RateCheck<'_> {
        RateCheck {
            limits: &*self.store,
            bucket: RateBucket::Reads,
            rule: self.settings.read_rate_limit,
            now_ms: self.now_ms(),
        }
    }

    /// Records a verified client's new connection.
    pub async fn connect(
        &self,
        who: &Identity,
        connection_id: ConnectionId,
        connected_at_ms: i64,
    ) -> Result<(), ChatError> {
        let ttl_s = self.settings.connection_ttl_s;
        connect::connect(&*self.store, ttl_s, who, connection_id, connected_at_ms).await
    }

    pub async fn disconnect(
        &self,
        who: &Identity,
        connection_id: &ConnectionId,
    ) -> Result<(), ChatError> {
        connect::disconnect(&*self.store, who, connection_id).await
    }

    /// See [`send::send`].
    pub async fn send(&self, who: &Identity, new: NewMessage) -> Result<Sent, ChatError> {
        let (store, rule, now_ms) = (&*self.store, self.settings.rate_limit, self.now_ms());
        let budget = admit::Budget::Sender(rule);
        let keep = (self.files.as_deref(), self.settings.retention);
        send::send(store, keep, &self.deliverer, budget, who, new, now_ms).await
    }

    /// See [`system::post_system`]: the caller has verified that the booking backend asks.
    pub async fn post_system(&self, message: SystemMessage) -> Result<Sent, ChatError> {
        let (store, rule, now_ms) = (&*self.store, self.settings.system_rate_limit, self.now_ms());
        system::post_system(store, &self.deliverer, rule, message, now_ms).await
    }

    /// See [`sync::sync`].
    pub async fn sync(
        &self,
        who: &Identity,
        since: Option<MessageId>,
        peer: Option<ClientId>,
    ) -> Result<Synced, ChatError> {
        let floor = self.floor();
        let since = retention::since(since, floor.clone());
        let request = SyncRequest { since, peer };
        let (store, clock) = (&*self.store, &*self.clock);
        let synced = sync::sync(store, self.reads(), &self.deliverer, clock, who, request).await?;
        Ok(retention::synced(synced, floor.as_ref()))
    }

    /// See [`mark_read::mark_read`].
    pub async fn mark_read(
        &self,
        who: &Identity,
        reader: &ClientId,
        sender: &ClientId,
    ) -> Result<u64, ChatError> {
        let (store, clock) = (&*self.store, &*self.clock);
        let what = MarkRead { reader, sender };
        let reads = self.reads();
        mark_read::mark_read(store, store, reads, &self.deliverer, clock, who, what).await
    }

    /// See [`typing::typing`].
    pub async fn typing(&self, who: &Identity, receiver: &ClientId) -> Result<usize, ChatError> {
        let (store, rule, now_ms) = (&*self.store, self.settings.rate_limit, self.now_ms());
        typing::typing(store, store, &self.deliverer, rule, who, receiver, now_ms).await
    }

    /// See [`history::history`].
    pub async fn history(
        &self,
        who: &Identity,
        a: &ClientId,
        b: &ClientId,
        query: &HistoryQuery,
    ) -> Result<History, ChatError> {
        let floor = self.floor();
        let history =
            history::history(&*self.store, &*self.store, self.reads(), who, a, b, query).await?;
        Ok(retention::history(history, floor.as_ref()))
    }

    /// See [`change::change`]: `from` is the connection that asked (it gets the ack, not
    /// the update).
    pub async fn change(
        &self,
        who: &Identity,
        from: Option<&ConnectionId>,
        request: ChangeRequest,
    ) -> Result<Changed, ChatError> {
        let (store, rule, now_ms) = (&*self.store, self.settings.rate_limit, self.now_ms());
        if self.settings.retention.expired(&request.message_id, now_ms) {
            return Err(ChatError::NotFound("no such message in your conversations"));
        }
        let (files, deliverer) = (self.files.as_deref(), &self.deliverer);
        change::change(store, files, deliverer, rule, who, from, request, now_ms).await
    }

    /// See [`conversations::conversations`].
    pub async fn conversations(
        &self,
        who: &Identity,
        owner: &ClientId,
        query: &InboxQuery,
    ) -> Result<InboxPage, ChatError> {
        let floor = self.floor();
        let page =
            conversations::conversations(&*self.store, self.reads(), who, owner, query).await?;
        Ok(retention::inbox(page, floor.as_ref()))
    }

    /// See [`attachments::request_upload`].
    pub async fn request_upload(
        &self,
        who: &Identity,
        owner: &ClientId,
        request: UploadRequest,
    ) -> Result<UploadGrant, ChatError> {
        let rate = RateCheck {
            limits: &*self.store,
            bucket: RateBucket::Uploads,
            rule: self.settings.upload_rate_limit,
            now_ms: self.now_ms(),
        };
        let files = self.files.as_deref();
        attachments::request_upload(&*self.store, files, rate, who, owner, request).await
    }

    /// See [`attachments::download`].
    pub async fn download(
        &self,
        who: &Identity,
        client: &ClientId,
        id: &AttachmentId,
    ) -> Result<DownloadGrant, ChatError> {
        let store = (
            &*self.store as &dyn UploadStore,
            &*self.store as &dyn MessageStore,
        );
        let files = self.files.as_deref();
        let floor = self.floor();
        attachments::download(store, files, self.reads(), who, client, id, floor.as_ref()).await
    }

    /// See [`unread::unread`].
    pub async fn unread(&self, who: &Identity, reader: &ClientId) -> Result<Unread, ChatError> {
        let floor = self.floor();
        unread::unread(&*self.store, self.reads(), who, reader, floor.as_ref()).await
    }

    /// See [`export::export`].
    pub async fn export(
        &self,
        requester: &Requester,
        subject: &ClientId,
        cursor: Option<ExportCursor>,
    ) -> Result<ExportPage, ChatError> {
        let request = export::ExportRequest {
            requester,
            subject,
            cursor,
        };
        let (files, retention) = (self.files.as_deref(), self.settings.retention);
        let page = export::export(&*self.store, files, self.reads(), retention, request).await?;
        tracing::info!(
            target: "audit",
            action = "export",
            actor_role = requester.role(),
            actor = requester.client_id().map(ClientId::as_str),
            subject = %subject,
            first_page = page.records.is_some(),
            messages = page.messages.len(),
            attachments = page.attachments.len(),
            more = page.next.is_some(),
            "privacy request"
        );
        Ok(page)
    }

    /// See [`erase::erase`]: one bounded step of `subject`'s erasure.
    pub async fn erase(
        &self,
        requester: &Requester,
        subject: &ClientId,
    ) -> Result<Erasure, ChatError> {
        let eraser = erase::Eraser {
            store: &*self.store,
            files: self.files.as_deref(),
            notifier: self.deliverer.notifier(),
            now_ms: self.now_ms(),
        };
        erase::erase(&eraser, requester, subject).await
    }
}
