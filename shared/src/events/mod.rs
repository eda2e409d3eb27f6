//! Events out: what the Messages and Inbox tables' streams mean for other systems
//! ([`changes`]), and the offline notices a run of unread messages leads to ([`notice`]).
//! Where events go and how a check is put off are traits: EventBridge and SQS in the deployed
//! stack (`chat_edge::events`), chat-local's bus and timers on one machine.

pub mod changes;
pub mod config;
pub mod notice;

use async_trait::async_trait;

use crate::domain::{ClientId, Event, InboxEntry, Message, NoticeCheck};
use crate::store::{BoxError, StoreError};

pub use changes::{process, Processed, Recorded};
pub use config::EventsConfig;

/// What one stream record changed, decoded from its images (`store::dynamodb::stream`).
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    /// A message item: `old` absent for a new message, both present for a change.
    Message {
        old: Option<Box<Message>>,
        new: Option<Box<Message>>,
    },
    /// `owner`'s read state for `peer`.
    Inbox {
        owner: ClientId,
        peer: ClientId,
        old: Option<Box<InboxEntry>>,
        new: Option<Box<InboxEntry>>,
    },
    /// An erasure's progress record (`None`: absent in that image).
    Erasure {
        old: Option<Box<crate::domain::Erasure>>,
        new: Option<Box<crate::domain::Erasure>>,
    },
    /// Send claims, change records: nothing other systems are told about.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("publishing events failed")]
    Publish(#[source] BoxError),
    #[error("scheduling a notice check failed")]
    Schedule(#[source] BoxError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where events go: an EventBridge bus deployed, chat-local's bus locally.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Publishes every event or fails (then the whole batch is retried: consumers drop
    /// duplicates by [`Event::id`]).
    async fn publish(&self, events: &[Event]) -> Result<(), EventsError>;
}

/// Runs a notice check later: SQS's delivery delay deployed, a timer locally.
#[async_trait]
pub trait NoticeTimer: Send + Sync {
    async fn schedule(&self, check: &NoticeCheck, delay_s: u32) -> Result<(), EventsError>;
}

/// How long a run of unread messages waits before its notice check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeDelays {
    /// The receiver had no open connection: a short window that gathers a burst into one
    /// notice (and lets a device that is reconnecting fetch the messages itself).
    pub offline_s: u32,
    /// The receiver was connected but may not be looking.
    pub unread_s: u32,
}

/// SQS's longest delivery delay, so the longest either delay may be.
pub const MAX_NOTICE_DELAY_S: u32 = 900;

impl Default for NoticeDelays {
    fn default() -> Self {
        Self {
            offline_s: 10,
            unread_s: 300,
        }
    }
}

/// The events function's dependencies.
pub struct Pipes<'a> {
    pub connections: &'a dyn crate::store::ConnectionStore,
    pub inbox: &'a dyn crate::store::InboxStore,
    pub sink: &'a dyn EventSink,
    pub timer: &'a dyn NoticeTimer,
    pub delays: NoticeDelays,
}
