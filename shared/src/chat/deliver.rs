//! Delivery: posting a frame to every open connection of a client, forgetting connections
//! that are gone (after a grace period), and counting what happened. The use cases say what
//! to deliver to whom ([`Outbound`]); the edge's wire module renders it ([`FrameEncoder`]).

use std::sync::Arc;

use futures_util::future::join_all;

use crate::domain::{Connection, EpochMillis, Outbound};
use crate::error::Chain;
use crate::notify::{Notifier, NotifyError};
use crate::store::ConnectionStore;

/// API Gateway answers 410 to posts for a connection whose `$connect` has not returned yet.
/// A 410 within this long of `connectedAt` is therefore not taken as proof the connection is
/// gone: removing it would orphan a client that is completing its handshake (TTL still
/// removes it if it really is gone).
pub const GONE_GRACE_MS: i64 = 10_000;

/// Renders a server frame for the wire. Implemented at the edge (`chat_edge::wire`), so this
/// crate never spells out the JSON contract.
pub trait FrameEncoder: Send + Sync {
    fn encode(&self, frame: &Outbound<'_>) -> String;
}

/// What happened to the posts of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcomes {
    /// Connections the frame was posted to.
    pub delivered: usize,
    /// Stale connections found (410); removed unless still within [`GONE_GRACE_MS`].
    pub gone: usize,
    /// Posts that failed otherwise (throttling, timeouts): logged, nothing else changes.
    pub failed: usize,
}

/// Posts rendered frames to connections through the [`Notifier`].
pub struct Deliverer {
    notifier: Arc<dyn Notifier>,
    connections: Arc<dyn ConnectionStore>,
    encoder: Arc<dyn FrameEncoder>,
}

impl Deliverer {
    pub fn new(
        notifier: Arc<dyn Notifier>,
        connections: Arc<dyn ConnectionStore>,
        encoder: Arc<dyn FrameEncoder>,
    ) -> Self {
        Self {
            notifier,
            connections,
            encoder,
        }
    }

    /// The notifier frames are posted with (an erasure closes connections through it).
    pub fn notifier(&self) -> &dyn Notifier {
        &*self.notifier
    }

    /// The frame as the wire carries it (its length bounds catch-up pages).
    pub fn render(&self, frame: &Outbound<'_>) -> String {
        self.encoder.encode(frame)
    }

    /// Posts `frame` to every connection, concurrently.
    pub async fn deliver(
        &self,
        to: &[Connection],
        frame: &Outbound<'_>,
        now_ms: EpochMillis,
    ) -> Outcomes {
        if to.is_empty() {
            return Outcomes::default();
        }
        let payload = self.render(frame);
        let posts = join_all(to.iter().map(|c| self.post(c, payload.as_bytes(), now_ms))).await;
        let mut outcomes = Outcomes::default();
        for post in posts {
            match post {
                Post::Delivered => outcomes.delivered += 1,
                Post::Gone => outcomes.gone += 1,
                Post::Failed => outcomes.failed += 1,
            }
        }
        outcomes
    }

    /// Posts to one connection; a connection that is gone is forgotten. Connection ids are
    /// logged at `debug` only: knowing one is enough to post to it where the Management API is open.
    async fn post(&self, connection: &Connection, payload: &[u8], now_ms: EpochMillis) -> Post {
        let connection_id = &connection.connection_id;
        match self.notifier.post(connection_id, payload).await {
            Ok(()) => Post::Delivered,
            Err(NotifyError::Gone) if now_ms - connection.connected_at_ms < GONE_GRACE_MS => {
                tracing::debug!(%connection_id, "connection not established yet; kept");
                Post::Gone
            }
            Err(NotifyError::Gone) => {
                match self
                    .connections
                    .delete_connection(&connection.client_id, connection_id)
                    .await
                {
                    Ok(()) => tracing::debug!(%connection_id, "stale connection removed"),
                    Err(err) => {
                        tracing::warn!(error = %Chain(&err), client_id = %connection.client_id, "stale connection not removed")
                    }
                }
                Post::Gone
            }
            Err(err) => {
                tracing::warn!(error = %Chain(&err), client_id = %connection.client_id, "post failed");
                Post::Failed
            }
        }
    }
}

enum Post {
    Delivered,
    Gone,
    Failed,
}
