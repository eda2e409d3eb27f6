//! The local API Gateway: WebSocket API (`/ws/{client_id}`), its Management API
//! (`/@connections/{id}`), and the HTTP API (`/chat/...`), in front of the [`Functions`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch, Notify};

use crate::events::{self, Api, WsConnectionInfo};
use crate::faults::{Fate, Faults};
use crate::functions::{Function, Functions};
use crate::identity::IdentityMode;

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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            frame_bytes: 32 * 1024,
            message_bytes: 128 * 1024,
            idle_timeout: Duration::from_secs(600),
            max_connection: Duration::from_secs(7200),
        }
    }
}

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

/// Frames for a connection's writer task.
enum Outbound {
    Frame(Message),
    Close(u16, &'static str),
}

/// How many frames may wait for a slow client before posts to it are refused (429).
const OUTBOUND_QUEUE: usize = 1024;

struct Conn {
    tx: mpsc::Sender<Outbound>,
    info: WsConnectionInfo,
    last_active: Arc<AtomicI64>,
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
}

fn now_ms() -> i64 {
    use chat_shared::domain::Clock;
    chat_shared::domain::SystemClock.now_ms()
}

fn gone() -> Response {
    (
        StatusCode::GONE,
        [("x-amzn-errortype", "GoneException")],
        axum::Json(json!({ "message": null })),
    )
        .into_response()
}

fn json_error(status: StatusCode, error_type: &'static str, message: &str) -> Response {
    (
        status,
        [("x-amzn-errortype", error_type)],
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}

impl Gateway {
    pub fn new(
        api: Api,
        functions: Arc<dyn Functions>,
        identity: IdentityMode,
        limits: Limits,
    ) -> Arc<Self> {
        Arc::new(Self {
            api,
            functions,
            identity,
            limits,
            connections: Mutex::new(HashMap::new()),
            shutdown: watch::channel(false).0,
            active: AtomicUsize::new(0),
            all_closed: Notify::new(),
            faults: Mutex::new((Faults::default(), fastrand::Rng::with_seed(0))),
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

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/ws", get(ws_upgrade_token_only))
            .route("/ws/{client_id}", get(ws_upgrade))
            .route("/@connections/{id}", any(management))
            .route("/{stage}/@connections/{id}", any(management_in_stage))
            .merge(crate::web::routes())
            .fallback(http_api)
            .with_state(self.clone())
    }

    /// The ids of the open connections of `client_id` (for tests and diagnostics).
    pub fn connection_ids_of(&self, client_id: &str) -> Vec<String> {
        let connections = self.connections.lock().unwrap();
        let mut ids: Vec<String> = connections
            .values()
            .filter(|c| {
                c.info.authorizer.get("client_id").and_then(Value::as_str) == Some(client_id)
            })
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

    async fn invoke_logged(&self, function: Function, event: Value) -> Option<Value> {
        match self.functions.invoke(function, event).await {
            Ok(v) => Some(v),
            Err(err) => {
                tracing::error!(function = function.name(), error = %err, "invocation failed");
                None
            }
        }
    }

    /// One inbound message: route selection, invocation, and the route response if two-way.
    async fn dispatch(
        self: Arc<Self>,
        info: WsConnectionInfo,
        body: Bytes,
        binary: bool,
        tx: mpsc::Sender<Outbound>,
    ) {
        let route = select_route(&body);
        let event = events::ws_message(&self.api, &info, route.key, &body, binary, now_ms());
        let request_id = event["requestContext"]["requestId"].clone();
        let reply = match self.invoke_logged(route.function, event).await {
            Some(response) if route.two_way => response
                .get("body")
                .and_then(Value::as_str)
                .map(str::to_owned),
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
            let _ = tx.send(Outbound::Frame(Message::Text(body.into()))).await;
        }
    }

    async fn run_connection(self: Arc<Self>, socket: WebSocket, info: WsConnectionInfo) {
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::channel::<Outbound>(OUTBOUND_QUEUE);
        let last_active = Arc::new(AtomicI64::new(now_ms()));
        self.connections.lock().unwrap().insert(
            info.connection_id.clone(),
            Conn {
                tx: tx.clone(),
                info: info.clone(),
                last_active: last_active.clone(),
            },
        );
        // The writer tells the reader when it closed the socket itself (Management API DELETE),
        // so `$disconnect` does not wait on a client that never answers the close.
        let (closed_tx, mut closed_by_server) =
            tokio::sync::oneshot::channel::<(u16, &'static str)>();
        let writer = tokio::spawn(async move {
            let mut next = rx.recv().await;
            while let Some(out) = next.take() {
                match out {
                    Outbound::Frame(message) => {
                        // Frames already queued go out together, in one write.
                        let mut ok = sink.feed(message).await.is_ok();
                        while ok {
                            match rx.try_recv() {
                                Ok(Outbound::Frame(m)) => ok = sink.feed(m).await.is_ok(),
                                Ok(close) => {
                                    next = Some(close);
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                        if !ok || sink.flush().await.is_err() {
                            break;
                        }
                        if next.is_none() {
                            next = rx.recv().await;
                        }
                    }
                    Outbound::Close(code, reason) => {
                        let frame = CloseFrame {
                            code,
                            reason: reason.into(),
                        };
                        let _ = sink.send(Message::Close(Some(frame))).await;
                        let _ = sink.close().await;
                        let _ = closed_tx.send((code, reason));
                        break;
                    }
                }
            }
        });

        let mut shutdown = self.shutdown.subscribe();
        let lifetime = tokio::time::sleep(self.limits.max_connection);
        tokio::pin!(lifetime);
        let idle_ms = self.limits.idle_timeout.as_millis() as i64;
        // Why the connection ended, and whether we (not the client) close it.
        let (code, reason, we_close): (u16, String, bool) = loop {
            let idle_left = (last_active.load(Ordering::Relaxed) + idle_ms - now_ms()).max(0);
            tokio::select! {
                frame = stream.next() => match frame {
                    None => break (1006, "Connection lost".into(), false),
                    Some(Err(err)) => {
                        if is_too_big(err) {
                            break (1009, "Message too big".into(), true);
                        }
                        break (1006, "Connection lost".into(), false);
                    }
                    Some(Ok(message)) => {
                        last_active.store(now_ms(), Ordering::Relaxed);
                        match message {
                            Message::Text(text) => {
                                let body = Bytes::from(text);
                                tokio::spawn(self.clone().dispatch(info.clone(), body, false, tx.clone()));
                            }
                            Message::Binary(data) => {
                                tokio::spawn(self.clone().dispatch(info.clone(), data, true, tx.clone()));
                            }
                            Message::Close(frame) => {
                                let (code, reason) = frame
                                    .map(|f| (f.code, f.reason.as_str().to_owned()))
                                    .unwrap_or((1005, String::new()));
                                break (code, reason, false);
                            }
                            // Pings are answered by the WebSocket layer; both keep the connection alive.
                            Message::Ping(_) | Message::Pong(_) => {}
                        }
                    }
                },
                _ = tokio::time::sleep(Duration::from_millis(idle_left as u64)) => {
                    if last_active.load(Ordering::Relaxed) + idle_ms <= now_ms() {
                        break (1001, "Going away".into(), true);
                    }
                }
                _ = &mut lifetime => break (1001, "Going away".into(), true),
                Ok((code, reason)) = &mut closed_by_server => break (code, reason.into(), false),
                _ = shutdown.wait_for(|stop| *stop) => break (1001, "Going away".into(), true),
            }
        };

        self.connections.lock().unwrap().remove(&info.connection_id);
        if we_close {
            let reason: &'static str = if code == 1009 {
                "Message too big"
            } else {
                "Going away"
            };
            let _ = tx.send(Outbound::Close(code, reason)).await;
        }
        drop(tx);
        let mut writer = writer;
        if tokio::time::timeout(Duration::from_secs(2), &mut writer)
            .await
            .is_err()
        {
            writer.abort();
        }
        let event = events::ws_disconnect(&self.api, &info, code, &reason, now_ms());
        self.invoke_logged(Function::Disconnect, event).await;
        tracing::info!(connection_id = %info.connection_id, code, "connection closed");
    }
}

fn is_too_big(err: axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    matches!(
        err.into_inner().downcast_ref::<Error>(),
        Some(Error::Capacity(_))
    )
}

/// `GET /ws?token=...` (as on API Gateway, the identity comes from the token alone).
async fn ws_upgrade_token_only(
    State(gw): State<Arc<Gateway>>,
    RawQuery(query): RawQuery,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    connect_and_upgrade(gw, None, query, peer, headers, upgrade).await
}

/// `GET /ws/{client_id}`: the seed's URL.
async fn ws_upgrade(
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
    let status = match gw.invoke_logged(Function::Connect, event).await {
        Some(response) => response
            .get("statusCode")
            .and_then(Value::as_u64)
            .unwrap_or(200) as u16,
        None => 500,
    };
    if !(200..300).contains(&status) {
        tracing::info!(status, "$connect refused the connection");
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, axum::Json(json!({"message": "Forbidden"}))).into_response();
    }
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
            tokio::spawn(async move {
                let event = events::ws_disconnect(&failed_gw.api, &failed_info, 1006, "", now_ms());
                failed_gw.invoke_logged(Function::Disconnect, event).await;
            });
        })
        .on_upgrade(move |socket| async move {
            gw.active.fetch_add(1, Ordering::SeqCst);
            gw.clone().run_connection(socket, info).await;
            gw.active.fetch_sub(1, Ordering::SeqCst);
            gw.all_closed.notify_waiters();
        })
}

async fn management_in_stage(
    State(gw): State<Arc<Gateway>>,
    Path((stage, id)): Path<(String, String)>,
    method: Method,
    body: Bytes,
) -> Response {
    if stage != gw.api.stage {
        return json_error(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden");
    }
    management_call(gw, id, method, body).await
}

async fn management(
    State(gw): State<Arc<Gateway>>,
    Path(id): Path<String>,
    method: Method,
    body: Bytes,
) -> Response {
    management_call(gw, id, method, body).await
}

/// The Management API: `POST` sends, `GET` describes, `DELETE` closes; 410 for unknown ids.
async fn management_call(gw: Arc<Gateway>, id: String, method: Method, body: Bytes) -> Response {
    let found = {
        let connections = gw.connections.lock().unwrap();
        connections.get(&id).map(|c| {
            (
                c.tx.clone(),
                c.info.clone(),
                c.last_active.load(Ordering::Relaxed),
            )
        })
    };
    let Some((tx, info, last_active)) = found else {
        return gone();
    };
    match method {
        Method::POST => {
            if body.len() > gw.limits.message_bytes {
                return json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PayloadTooLargeException",
                    "Message too long",
                );
            }
            let message = match std::str::from_utf8(&body) {
                Ok(text) => Message::Text(text.into()),
                Err(_) => Message::Binary(body),
            };
            match gw.fate_of_a_post() {
                Fate::Deliver => {}
                Fate::Drop => return StatusCode::OK.into_response(),
                Fate::Status(410) => return gone(),
                Fate::Status(429) => {
                    return json_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        "LimitExceededException",
                        "injected fault",
                    )
                }
                Fate::Status(_) => {
                    return json_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalServerErrorException",
                        "injected fault",
                    )
                }
                Fate::Delay(by) => {
                    // Delivered after `by` even if the caller gives up waiting meanwhile (as
                    // a slow API Gateway would); the answer comes after `by` too.
                    tokio::spawn(async move {
                        tokio::time::sleep(by).await;
                        let _ = tx.send(Outbound::Frame(message)).await;
                    });
                    tokio::time::sleep(by).await;
                    return StatusCode::OK.into_response();
                }
            }
            match tx.try_send(Outbound::Frame(message)) {
                Ok(()) => StatusCode::OK.into_response(),
                Err(mpsc::error::TrySendError::Full(_)) => json_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "LimitExceededException",
                    "the client is not reading fast enough",
                ),
                Err(mpsc::error::TrySendError::Closed(_)) => gone(),
            }
        }
        Method::GET => axum::Json(json!({
            "ConnectedAt": chat_shared::domain::rfc3339_millis(info.connected_at),
            "Identity": { "SourceIp": info.source_ip, "UserAgent": info.user_agent },
            "LastActiveAt": chat_shared::domain::rfc3339_millis(last_active),
        }))
        .into_response(),
        Method::DELETE => {
            let _ = tx.try_send(Outbound::Close(1000, "Connection closed by server"));
            // The reader loop sees the close and runs $disconnect.
            StatusCode::NO_CONTENT.into_response()
        }
        _ => json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "method not allowed",
        ),
    }
}

/// The HTTP API: every request under `/chat/` becomes a payload 2.0 event for the HTTP function.
async fn http_api(
    State(gw): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !uri.path().starts_with("/chat/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Not Found" })),
        )
            .into_response();
    }
    let authorizer = match gw.identity.authorize_http(&uri, &headers) {
        Ok(context) => context,
        Err(status) => {
            return (status, axum::Json(json!({ "message": "Unauthorized" }))).into_response()
        }
    };
    let event = events::http_v2(
        &gw.api,
        &method,
        &uri,
        &headers,
        &body,
        peer,
        authorizer,
        now_ms(),
    );
    match gw.invoke_logged(Function::Http, event).await {
        Some(response) => http_response(&response),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "message": "Internal Server Error" })),
        )
            .into_response(),
    }
}

/// A payload 2.0 Lambda response as an HTTP response.
fn http_response(response: &Value) -> Response {
    use base64::Engine;
    let status = response
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let text = response.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if response.get("isBase64Encoded") == Some(&Value::Bool(true)) {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let mut out = (status, body).into_response();
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                axum::http::HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                out.headers_mut().insert(name, value);
            }
        }
    }
    out
}
