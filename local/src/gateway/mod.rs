//! The local API Gateway: WebSocket API (`/ws/{client_id}`, [`websocket`]), its Management API
//! (`/@connections/{id}`, [`management`]), and the HTTP API (`/chat/...`, [`http`]), in front of
//! the [`Functions`].

mod backend;
pub use backend::LOCAL_BACKEND_ARN;
mod flow;
pub(crate) mod guard;
mod http;
pub mod loopback;
mod management;
pub(crate) mod sigv4;
mod socket;
mod websocket;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{any, get};
use axum::Router;
use tokio::sync::{watch, Notify};

use crate::events::Api;
use crate::faults::{Fate, Faults};
use crate::functions::{Function, Functions, InvokeError};
use crate::identity::IdentityMode;
use crate::management_auth::ManagementAuth;
use chat_edge::lambda::http::{HttpRequest, HttpResponse};
use chat_edge::lambda::ws::{WsEvent, WsResponse};
use websocket::Conn;

/// API Gateway's WebSocket quotas, emulated.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest WebSocket frame (32 KB); a larger one closes the connection with 1009.
    pub frame_bytes: usize,
    /// Largest message (128 KB), also the largest Management API post.
    pub message_bytes: usize,
    /// Idle timeout (10 minutes).
    pub idle_timeout: Duration,
    /// Longest connection (2 hours).
    pub max_connection: Duration,
    /// Inbound frames one connection may have in flight (invoked, reply not yet queued);
    /// more are refused with a `rate_limited` error frame ([`flow`]).
    pub frames_in_flight: usize,
    /// Inbound frames in flight across all connections (Lambda's default concurrency).
    pub frames_in_flight_total: usize,
    /// Bytes that may wait in a connection's outbound queue for a client that is not reading.
    pub outbound_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            frame_bytes: 32 * 1024,
            message_bytes: 128 * 1024,
            idle_timeout: Duration::from_secs(600),
            max_connection: Duration::from_secs(7200),
            frames_in_flight: 16,
            frames_in_flight_total: 1000,
            outbound_bytes: 1024 * 1024,
        }
    }
}

pub struct Gateway {
    api: Api,
    functions: Arc<dyn Functions>,
    identity: IdentityMode,
    limits: Limits,
    connections: Mutex<HashMap<String, Conn>>,
    shutdown: watch::Sender<bool>,
    active: AtomicUsize,
    all_closed: Notify,
    faults: Mutex<(Faults, fastrand::Rng)>,
    /// Frames in flight across all connections ([`Limits::frames_in_flight_total`]).
    in_flight_total: Arc<tokio::sync::Semaphore>,
    /// What a Management API caller must show.
    management_auth: ManagementAuth,
    /// The keys a system message's SigV4 signature is checked with ([`backend`]).
    backend_keys: sigv4::Credentials,
}

fn now_ms() -> i64 {
    use chat_shared::domain::Clock;
    chat_shared::domain::SystemClock.now_ms()
}

impl Gateway {
    pub fn new(
        api: Api,
        functions: Arc<dyn Functions>,
        identity: IdentityMode,
        limits: Limits,
        management_auth: ManagementAuth,
        backend_keys: sigv4::Credentials,
    ) -> Arc<Self> {
        let in_flight_total = Arc::new(tokio::sync::Semaphore::new(limits.frames_in_flight_total));
        Arc::new(Self {
            in_flight_total,
            api,
            functions,
            identity,
            limits,
            connections: Mutex::new(HashMap::new()),
            shutdown: watch::channel(false).0,
            active: AtomicUsize::new(0),
            all_closed: Notify::new(),
            faults: Mutex::new((Faults::default(), fastrand::Rng::with_seed(0))),
            management_auth,
            backend_keys,
        })
    }

    /// Switches Management API faults on (or off, with `Faults::default()`), at any time.
    pub fn set_faults(&self, faults: Faults) {
        let rng = fastrand::Rng::with_seed(faults.seed);
        *self.faults.lock().unwrap() = (faults, rng);
    }

    fn fate_of_a_post(&self) -> Fate {
        let mut guard = self.faults.lock().unwrap();
        let (faults, rng) = &mut *guard;
        if !faults.any() {
            return Fate::Deliver;
        }
        let r = rng.f64();
        faults.fate(r)
    }

    /// The gateway's routes and the browser client's, served with `csp`.
    pub fn router(self: &Arc<Self>, csp: &str) -> Router {
        Router::new()
            .route("/ws", get(websocket::ws_upgrade_token_only))
            .route("/ws/{client_id}", get(websocket::ws_upgrade))
            .route("/@connections/{id}", any(management::management))
            .route("/{stage}/@connections/{id}", any(management::management))
            .merge(crate::web::routes(csp))
            .fallback(http::http_api)
            .with_state(self.clone())
    }

    /// The ids of the open connections of `client_id` (for tests and diagnostics).
    pub fn connection_ids_of(&self, client_id: &str) -> Vec<String> {
        let connections = self.connections.lock().unwrap();
        let mut ids: Vec<String> = connections
            .values()
            .filter(|c| c.info.authorizer.client_id == client_id)
            .map(|c| c.info.connection_id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Closes every connection with 1001 and runs its `$disconnect`, waiting up to `wait`.
    pub async fn close_all(&self, wait: Duration) {
        self.shutdown.send_replace(true);
        let drained = async {
            loop {
                let notified = self.all_closed.notified();
                if self.active.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(wait, drained).await.is_err() {
            tracing::warn!(
                left = self.active.load(Ordering::SeqCst),
                "connections still closing at shutdown"
            );
        }
    }

    /// Runs a WebSocket function; `None` (logged) when the invocation failed.
    async fn invoke_ws(&self, function: Function, event: WsEvent) -> Option<WsResponse> {
        let result = self.functions.invoke_ws(function, event).await;
        Self::logged(function, result)
    }

    /// Runs the HTTP function; `None` (logged) when the invocation failed.
    async fn invoke_http(&self, event: HttpRequest) -> Option<HttpResponse> {
        let result = self.functions.invoke_http(event).await;
        Self::logged(Function::Http, result)
    }

    fn logged<T>(function: Function, result: Result<T, InvokeError>) -> Option<T> {
        result
            .map_err(|err| {
                tracing::error!(function = function.name(), error = %err, "invocation failed");
            })
            .ok()
    }
}
