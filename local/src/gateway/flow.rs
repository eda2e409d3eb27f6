//! Backpressure on the WebSocket API, so a client that sends without reading cannot make
//! chat-local hold more than a bounded amount of memory:
//!
//! - each inbound frame (valid or not: a bad frame costs an invocation too) takes a slot in
//!   flight until its reply is queued; a connection has [`Limits::frames_in_flight`] slots
//!   and the gateway [`Limits::frames_in_flight_total`] in all. A frame that finds none is
//!   not invoked: the client gets `{"type":"error","code":"rate_limited",...}` if there is
//!   room to queue it, and nothing otherwise;
//! - frames queued for the client (replies, Management API posts, that error) may hold
//!   [`Limits::outbound_bytes`] until the socket takes them: a reply waits for room (in its
//!   slot), a post finds none and gets 429 `LimitExceededException`.
//!
//! When the connection ends, [`Flow::close`] wakes every waiting reply, which then drops.

use std::sync::{Arc, LazyLock};

use axum::extract::ws::{Message, Utf8Bytes};
use chat_shared::ChatError;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::socket::Outbound;
use super::Limits;

/// The `rate_limited` error frame every refusal sends.
static REFUSAL: LazyLock<Utf8Bytes> =
    LazyLock::new(|| chat_edge::wire::error_frame(&ChatError::RateLimited).into());

/// One connection's share of the limits.
pub(super) struct Flow {
    in_flight: Arc<Semaphore>,
    total: Arc<Semaphore>,
    outbound: Arc<Semaphore>,
    outbound_bytes: usize,
}

/// A frame in flight: held until its reply is queued or dropped.
pub(super) struct Slot {
    _connection: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

/// Bytes reserved in the outbound queue, given back once the writer has flushed the frame.
pub(super) struct Reserved(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Flow {
    pub(super) fn new(limits: &Limits, total: Arc<Semaphore>) -> Arc<Self> {
        Arc::new(Self {
            in_flight: Arc::new(Semaphore::new(limits.frames_in_flight)),
            total,
            outbound: Arc::new(Semaphore::new(limits.outbound_bytes)),
            outbound_bytes: limits.outbound_bytes,
        })
    }

    /// A slot for an inbound frame, if the connection and the gateway have one free.
    pub(super) fn admit(&self) -> Option<Slot> {
        let connection = self.in_flight.clone().try_acquire_owned().ok()?;
        let total = self.total.clone().try_acquire_owned().ok()?;
        Some(Slot {
            _connection: connection,
            _total: total,
        })
    }

    fn permits(&self, bytes: usize) -> u32 {
        // A frame larger than the whole budget takes all of it (frames are at most 128 KB).
        bytes.clamp(1, self.outbound_bytes) as u32
    }

    /// Room for `bytes` in the outbound queue, now or never.
    pub(super) fn try_reserve(&self, bytes: usize) -> Option<Reserved> {
        let permits = self.permits(bytes);
        let permit = self.outbound.clone().try_acquire_many_owned(permits).ok()?;
        Some(Reserved(Some(permit)))
    }

    /// Room for `bytes`, waiting for the client to read; `None` once the connection ended.
    pub(super) async fn reserve(&self, bytes: usize) -> Option<Reserved> {
        let permits = self.permits(bytes);
        let permit = self
            .outbound
            .clone()
            .acquire_many_owned(permits)
            .await
            .ok()?;
        Some(Reserved(Some(permit)))
    }

    /// Tells a client its frame was refused, if that fits in the queue now. Under overload
    /// this runs for most frames: the frame is built once and shared, not serialised anew.
    pub(super) fn refuse(&self, tx: &mpsc::Sender<Outbound>) {
        let text = REFUSAL.clone();
        if let Some(reserved) = self.try_reserve(text.len()) {
            let _ = tx.try_send(Outbound::Frame(Message::Text(text), reserved));
        }
    }

    /// The connection ended: waiting replies give up.
    pub(super) fn close(&self) {
        self.outbound.close();
    }
}

/// Where a dispatched frame's reply goes; holds the frame's slot until then.
pub(super) struct Replier {
    pub(super) tx: mpsc::Sender<Outbound>,
    pub(super) flow: Arc<Flow>,
    pub(super) _slot: Slot,
}

impl Replier {
    pub(super) async fn send(self, text: String) {
        if let Some(reserved) = self.flow.reserve(text.len()).await {
            let frame = Outbound::Frame(Message::Text(text.into()), reserved);
            let _ = self.tx.send(frame).await;
        }
    }
}
