//! The WebSocket API: the handshake (authorizer, then `$connect`), route selection, one
//! reader and one writer per connection, the quotas, and `$disconnect` when it ends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use super::flow::{Flow, Replier};
use super::socket::{close_reason, ending_of, write_frames, Ending, Outbound};
use super::{now_ms, Gateway};
use crate::events::{self, WsConnectionInfo};
use crate::functions::Function;
use chat_edge::lambda::ws::frame_of;

/// A route of the WebSocket API: its key, the function behind it, and whether it is two-way
/// (has a route response, so the function's `body` goes back to the caller).
struct Route {
    key: &'static str,
    function: Function,
    two_way: bool,
}

/// The routes `template.yaml` declares.
const ROUTES: &[Route] = &[
    Route {
        key: "$default",
        function: Function::Message,
        two_way: true,
    },
    Route {
        key: "sendmessage",
        function: Function::Message,
        two_way: true,
    },
];

/// Route selection on `$request.body.action`, falling back to `$default`.
fn select_route(body: &[u8]) -> &'static Route {
    let action = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("action").and_then(Value::as_str).map(str::to_owned));
    action
        .and_then(|a| ROUTES.iter().find(|r| r.key == a))
        .unwrap_or(&ROUTES[0])
}

/// How many frames may wait for a slow client before posts to it are refused (429).
const OUTBOUND_QUEUE: usize = 1024;

/// An open connection, as the Management API sees it.
pub(super) struct Conn {
    pub(super) tx: mpsc::Sender<Outbound>,
    pub(super) info: WsConnectionInfo,
    pub(super) last_active: Arc<AtomicI64>,
    pub(super) flow: Arc<Flow>,
}

impl Gateway {
    /// One inbound message: route selection, invocation, and the route response if two-way.
    async fn dispatch(
        self: Arc<Self>,
        info: WsConnectionInfo,
        body: Bytes,
        binary: bool,
        reply_to: Replier,
    ) {
        let route = select_route(&body);
        let event = events::ws_message(&self.api, &info, route.key, &body, binary, now_ms());
        let request_id = event.request_context.request_id.clone();
        let reply = match self.invoke_ws(route.function, event).await {
            Some(response) if route.two_way => frame_of(&response).map(str::to_owned),
            Some(_) => None,
            // What API Gateway tells the caller when the integration fails.
            None => Some(
                json!({
                    "message": "Internal server error",
                    "connectionId": info.connection_id,
                    "requestId": request_id,
                })
                .to_string(),
            ),
        };
        if let Some(body) = reply {
            reply_to.send(body).await;
        }
    }

    /// Makes the connection reachable (Management API posts, `connection_ids_of`) before the
    /// handshake is answered, as API Gateway's is once the client has its 101: frames posted
    /// before the socket is up wait in its queue. Returns the queue's receiving end.
    fn register(&self, info: &WsConnectionInfo) -> mpsc::Receiver<Outbound> {
        let (tx, rx) = mpsc::channel::<Outbound>(OUTBOUND_QUEUE);
        self.connections.lock().unwrap().insert(
            info.connection_id.clone(),
            Conn {
                tx,
                info: info.clone(),
                last_active: Arc::new(AtomicI64::new(now_ms())),
                flow: Flow::new(&self.limits, self.in_flight_total.clone()),
            },
        );
        rx
    }

    async fn run_connection(
        self: Arc<Self>,
        socket: WebSocket,
        info: WsConnectionInfo,
        rx: mpsc::Receiver<Outbound>,
    ) {
        let (sink, stream) = socket.split();
        // Registered before the handshake was answered; only this task and a failed
        // upgrade (which never reaches it) take it out.
        let (tx, last_active, flow) = self
            .connections
            .lock()
            .unwrap()
            .get(&info.connection_id)
            .map(|c| (c.tx.clone(), c.last_active.clone(), c.flow.clone()))
            .expect("registered before the handshake was answered");
        // The writer tells the reader when it closed the socket itself (Management API DELETE),
        // so `$disconnect` does not wait on a client that never answers the close.
        let (closed_tx, closed_by_server) = oneshot::channel::<(u16, &'static str)>();
        let mut writer = tokio::spawn(write_frames(sink, rx, closed_tx));
        let (code, reason, we_close) = self
            .clone()
            .read_frames(stream, &info, (&tx, &flow), &last_active, closed_by_server)
            .await;

        self.connections.lock().unwrap().remove(&info.connection_id);
        flow.close();
        if we_close {
            // Bounded: a client that does not read may keep the queue full.
            let close = tx.send(Outbound::Close(code, close_reason(code)));
            let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
        }
        drop(tx);
        if tokio::time::timeout(Duration::from_secs(2), &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
        let event = events::ws_disconnect(&self.api, &info, code, &reason, now_ms());
        self.invoke_ws(Function::Disconnect, event).await;
        tracing::debug!(connection_id = %info.connection_id, code, "connection closed");
    }

    /// Reads frames (each dispatched on its own task) until the connection ends: closed by
    /// either side, lost, idle, too old, too big a frame, or the gateway shutting down.
    async fn read_frames(
        self: Arc<Self>,
        mut stream: SplitStream<WebSocket>,
        info: &WsConnectionInfo,
        (tx, flow): (&mpsc::Sender<Outbound>, &Arc<Flow>),
        last_active: &AtomicI64,
        mut closed_by_server: oneshot::Receiver<(u16, &'static str)>,
    ) -> Ending {
        // The timers and the shutdown wait are made once per connection, not once per frame:
        // a frame only stamps `last_active`, and the idle timer, when it fires, checks that
        // stamp and sleeps on to the new deadline (under load, per-frame timers and watch
        // registrations were shared locks that every frame of every connection took).
        let mut shutdown = self.shutdown.subscribe();
        let stopping = shutdown.wait_for(|stop| *stop);
        tokio::pin!(stopping);
        let lifetime = tokio::time::sleep(self.limits.max_connection);
        tokio::pin!(lifetime);
        let idle = self.limits.idle_timeout;
        let idle_ms = idle.as_millis() as i64;
        let idle_timer = tokio::time::sleep(idle);
        tokio::pin!(idle_timer);
        loop {
            tokio::select! {
                frame = stream.next() => match frame {
                    None => return (1006, "Connection lost".into(), false),
                    Some(Err(err)) => return ending_of(err),
                    Some(Ok(message)) => {
                        last_active.store(now_ms(), Ordering::Relaxed);
                        if let Some(ending) = self.clone().on_frame(message, info, tx, flow) {
                            return ending;
                        }
                    }
                },
                _ = &mut idle_timer => {
                    let idle_left = last_active.load(Ordering::Relaxed) + idle_ms - now_ms();
                    if idle_left <= 0 {
                        return (1001, "Going away".into(), true);
                    }
                    let left = Duration::from_millis(idle_left as u64);
                    idle_timer.as_mut().reset(tokio::time::Instant::now() + left);
                }
                _ = &mut lifetime => return (1001, "Going away".into(), true),
                // The writer closed the socket itself (Management API DELETE), or stopped
                // because writing failed (the socket is gone): either way the connection
                // ended. A oneshot must not be polled again once it has answered.
                closed = &mut closed_by_server => return match closed {
                    Ok((code, reason)) => (code, reason.into(), false),
                    Err(_) => (1006, "Connection lost".into(), false),
                },
                _ = &mut stopping => return (1001, "Going away".into(), true),
            }
        }
    }

    /// One frame from the client: a message to dispatch, or the client's close.
    fn on_frame(
        self: Arc<Self>,
        message: Message,
        info: &WsConnectionInfo,
        tx: &mpsc::Sender<Outbound>,
        flow: &Arc<Flow>,
    ) -> Option<Ending> {
        let (body, binary) = match message {
            Message::Text(text) => (Bytes::from(text), false),
            Message::Binary(data) => (data, true),
            Message::Close(frame) => {
                let (code, reason) = frame
                    .map(|f| (f.code, f.reason.as_str().to_owned()))
                    .unwrap_or((1005, String::new()));
                return Some((code, reason, false));
            }
            // Pings are answered by the WebSocket layer; both keep the connection alive.
            Message::Ping(_) | Message::Pong(_) => return None,
        };
        let Some(slot) = flow.admit() else {
            flow.refuse(tx);
            return None;
        };
        let reply_to = Replier {
            tx: tx.clone(),
            flow: flow.clone(),
            _slot: slot,
        };
        tokio::spawn(self.dispatch(info.clone(), body, binary, reply_to));
        None
    }
}

/// `GET /ws?token=...` (as on API Gateway, the identity comes from the token alone).
pub(super) async fn ws_upgrade_token_only(
    State(gw): State<Arc<Gateway>>,
    RawQuery(query): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    connect_and_upgrade(gw, None, query, peer, headers, upgrade).await
}

/// `GET /ws/{client_id}`: the seed's URL.
pub(super) async fn ws_upgrade(
    State(gw): State<Arc<Gateway>>,
    Path(client_id): Path<String>,
    RawQuery(query): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    connect_and_upgrade(gw, Some(client_id), query, peer, headers, upgrade).await
}

/// Authorize, run `$connect` (which may refuse), then upgrade.
async fn connect_and_upgrade(
    gw: Arc<Gateway>,
    client_id: Option<String>,
    query: Option<String>,
    peer: SocketAddr,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let query = events::url_pairs(query.as_deref().unwrap_or(""));
    let authorizer = match gw
        .identity
        .authorize_ws(client_id.as_deref(), &query, &headers)
        .await
    {
        Ok(context) => context,
        Err(status) => {
            let message = if status == StatusCode::FORBIDDEN {
                "Forbidden"
            } else {
                "Unauthorized"
            };
            return (status, axum::Json(json!({ "message": message }))).into_response();
        }
    };
    let connected_at = now_ms();
    let info = WsConnectionInfo {
        connection_id: events::connection_id(),
        connected_at,
        source_ip: peer.ip().to_string(),
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        authorizer,
    };
    let event = events::ws_connect(&gw.api, &info, &headers, &query, connected_at);
    let status = match gw.invoke_ws(Function::Connect, event).await {
        Some(response) => u16::try_from(response.status_code).unwrap_or(500),
        None => 500,
    };
    if !(200..300).contains(&status) {
        tracing::info!(status, "$connect refused the connection");
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, axum::Json(json!({"message": "Forbidden"}))).into_response();
    }
    upgrade_connected(gw, info, upgrade)
}

/// The handshake's answer once `$connect` accepted: the socket with API Gateway's quotas.
fn upgrade_connected(
    gw: Arc<Gateway>,
    info: WsConnectionInfo,
    upgrade: WebSocketUpgrade,
) -> Response {
    let rx = gw.register(&info);
    let failed_gw = gw.clone();
    let failed_info = info.clone();
    upgrade
        .max_frame_size(gw.limits.frame_bytes)
        .max_message_size(gw.limits.message_bytes)
        // Allocated up front for every connection: 2 KB holds a chat frame; larger frames
        // (up to 32 KB) grow it while they are read. 12 KB per idle connection instead of 18.
        .read_buffer_size(2 * 1024)
        // Frames are buffered until the writer flushes (it does after each batch): one
        // write per batch. The buffer only grows with what is queued.
        .write_buffer_size(64 * 1024)
        .on_failed_upgrade(move |_| {
            // $connect succeeded but the handshake did not: API Gateway still sends $disconnect.
            failed_gw
                .connections
                .lock()
                .unwrap()
                .remove(&failed_info.connection_id);
            tokio::spawn(async move {
                let event = events::ws_disconnect(&failed_gw.api, &failed_info, 1006, "", now_ms());
                failed_gw.invoke_ws(Function::Disconnect, event).await;
            });
        })
        .on_upgrade(move |socket| async move {
            gw.active.fetch_add(1, Ordering::SeqCst);
            gw.clone().run_connection(socket, info, rx).await;
            gw.active.fetch_sub(1, Ordering::SeqCst);
            gw.all_closed.notify_waiters();
        })
}
