//! A store that counts the reads it serves, over any other store: what a test needs to show
//! that a refused request read nothing (the rate-limit tests). Only the reads are counted;
//! every operation is delegated unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chat_shared::domain::{
    AttachmentId, ClientId, ClientRecords, Connection, ConnectionId, Direction, EpochMillis,
    Erasure, HistoryPage, HistoryQuery, InboxEntry, InboxPage, InboxQuery, Message, MessageId,
    MessagePreview, MessagesOf, SendClaim, SyncPage, SyncQuery, Upload,
};
use chat_shared::store::{
    ConnectionStore, InboxStore, MessageStore, Presence, PrivacyStore, RateBucket, RateLimitStore,
    RateRule, SendClaimStore, Store, StoreError, UploadStore,
};

pub struct CountingStore {
    inner: Arc<dyn Store>,
    reads: Mutex<HashMap<&'static str, usize>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            reads: Mutex::default(),
        })
    }

    /// How many times the read `operation` (`sync`, `history`, `inbox_entry`,
    /// `unread_counts`, `presence`, `message`) reached the store.
    pub fn reads(&self, operation: &str) -> usize {
        self.reads
            .lock()
            .unwrap()
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    fn count(&self, operation: &'static str) {
        *self.reads.lock().unwrap().entry(operation).or_default() += 1;
    }
}

/// Implements each listed trait by delegating to `inner`; methods marked `read` are counted.
macro_rules! delegate_counting {
    ($($trait:ident { $($kind:ident $method:ident($($arg:ident: $ty:ty),*) -> $out:ty;)+ })+) => {
        $(
            #[async_trait]
            impl $trait for CountingStore {
                $(
                    async fn $method(&self, $($arg: $ty),*) -> Result<$out, StoreError> {
                        delegate_counting!(@count $kind self $method);
                        self.inner.$method($($arg),*).await
                    }
                )+
            }
        )+
    };
    (@count read $self:ident $method:ident) => { $self.count(stringify!($method)) };
    (@count write $self:ident $method:ident) => {};
}

delegate_counting! {
    ConnectionStore {
        write put_connection(c: &Connection) -> ();
        write delete_connection(client: &ClientId, connection: &ConnectionId) -> ();
        read presence(client: &ClientId, now_s: i64) -> Presence;
    }
    MessageStore {
        write put_message(m: &Message) -> ();
        read history(a: &ClientId, b: &ClientId, q: &HistoryQuery) -> HistoryPage;
        read message(a: &ClientId, b: &ClientId, id: &MessageId) -> Option<Message>;
        read sync(owner: &ClientId, q: &SyncQuery) -> SyncPage;
        read find_message(participant: &ClientId, id: &MessageId) -> Option<Message>;
        write replace_message(m: &Message, expected: u64) -> bool;
        write put_change(change_id: &MessageId, m: &Message) -> ();
        read messages(a: &ClientId, b: &ClientId, ids: &[MessageId]) -> Vec<Message>;
    }
    SendClaimStore {
        write claim_send(s: &ClientId, k: &str, c: &SendClaim, exp: i64) -> Option<SendClaim>;
        write reclaim_send(
            s: &ClientId, k: &str, x: &MessageId, c: &SendClaim, exp: i64
        ) -> bool;
    }
    InboxStore {
        write record_unread(owner: &ClientId, peer: &ClientId, l: &MessagePreview, top: bool) -> ();
        write touch(owner: &ClientId, peer: &ClientId, activity: &MessageId) -> ();
        read top_peer(owner: &ClientId) -> Option<ClientId>;
        write refresh_last(owner: &ClientId, peer: &ClientId, l: &MessagePreview) -> bool;
        read conversations(owner: &ClientId, q: &InboxQuery) -> InboxPage;
        read inbox_entry(owner: &ClientId, peer: &ClientId) -> Option<InboxEntry>;
        write mark_read_if_unchanged(
            owner: &ClientId, peer: &ClientId, e: &InboxEntry, at: EpochMillis
        ) -> bool;
        read unread_counts(owner: &ClientId) -> Vec<(ClientId, u64)>;
    }
    RateLimitStore {
        write admit(client: &ClientId, b: RateBucket, rule: RateRule, now_ms: EpochMillis) -> bool;
    }
    UploadStore {
        write put_upload(u: &Upload) -> ();
        read uploads(ids: &[AttachmentId]) -> Vec<Upload>;
    }
    PrivacyStore {
        read client_records(client: &ClientId) -> ClientRecords;
        write delete_client_records(client: &ClientId, profile: bool, b: &[RateBucket]) -> ();
        read messages_of(
            client: &ClientId, d: Direction, after: Option<&MessageId>, limit: usize
        ) -> MessagesOf;
        read claim_keys(sender: &ClientId) -> Vec<String>;
        write delete_claims(sender: &ClientId, keys: &[String]) -> ();
        read inbox_entries(owner: &ClientId) -> Vec<(ClientId, InboxEntry)>;
        write delete_inbox_entries(owner: &ClientId, peers: &[ClientId]) -> ();
        read upload_ids_of(owner: &ClientId) -> Vec<AttachmentId>;
        write delete_uploads(owner: &ClientId, ids: &[AttachmentId]) -> ();
        read erasure(client: &ClientId) -> Option<Erasure>;
        write put_erasure(e: &Erasure) -> ();
        write delete_erasure(client: &ClientId) -> ();
    }
}
