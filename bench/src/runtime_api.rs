//! A minimal Lambda Runtime API (`/2018-06-01/runtime/...`) for measuring cold starts: it hands
//! out queued events on `invocation/next`, and records when each request arrives. It also
//! answers Management API posts (`POST /@connections/{id}` -> 200) so a function that posts can
//! be pointed at it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::Notify;

/// What the function did, when.
#[derive(Debug, Clone)]
pub enum Record {
    /// `GET invocation/next` arrived.
    Next(Instant),
    /// An event was handed out.
    Delivered(String, Instant),
    Response(String, Instant, Bytes),
    Error(String, Instant, Bytes),
    InitError(Instant, Bytes),
    /// A Management API post.
    Post(Instant),
}

#[derive(Default)]
struct Inner {
    queue: VecDeque<(String, Bytes)>,
    log: Vec<Record>,
}

struct ApiState {
    inner: Mutex<Inner>,
    /// Wakes `next` calls waiting for an event and controllers waiting for a record.
    changed: Notify,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    state: Arc<ApiState>,
    task: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(ApiState {
            inner: Mutex::new(Inner::default()),
            changed: Notify::new(),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .route("/@connections/{id}", post(management_post))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Forgets the log and queues `events` (`(request id, body)`).
    pub fn reset(&self, events: Vec<(String, Bytes)>) {
        let mut inner = self.state.inner.lock().unwrap();
        inner.log.clear();
        inner.queue = events.into();
    }

    /// Queues one more event.
    pub fn push(&self, id: &str, body: Bytes) {
        self.state
            .inner
            .lock()
            .unwrap()
            .queue
            .push_back((id.to_owned(), body));
        self.state.changed.notify_waiters();
    }

    pub fn log(&self) -> Vec<Record> {
        self.state.inner.lock().unwrap().log.clone()
    }

    /// Waits until `done` holds for the log, or `timeout`; returns whether it held.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&[Record]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.state.changed.notified();
            if done(&self.state.inner.lock().unwrap().log) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done(&self.state.inner.lock().unwrap().log);
            }
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn record(state: &ApiState, r: Record) {
    state.inner.lock().unwrap().log.push(r);
    state.changed.notify_waiters();
}

async fn next(State(state): State<Arc<ApiState>>) -> Response {
    record(&state, Record::Next(Instant::now()));
    loop {
        let notified = state.changed.notified();
        let event = state.inner.lock().unwrap().queue.pop_front();
        if let Some((id, body)) = event {
            record(&state, Record::Delivered(id.clone(), Instant::now()));
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                + 30_000;
            let mut headers = HeaderMap::new();
            let mut set = |name: &'static str, value: String| {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    headers.insert(name, v);
                }
            };
            set("lambda-runtime-aws-request-id", id);
            set("lambda-runtime-deadline-ms", deadline.to_string());
            set(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:bench".into(),
            );
            set(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0".into(),
            );
            set("content-type", "application/json".into());
            return (StatusCode::OK, headers, body).into_response();
        }
        // No event: long-poll, as Lambda does while the environment is frozen.
        notified.await;
    }
}

async fn response(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    record(&state, Record::Response(id, Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn error(
    State(state): State<Arc<ApiState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    record(&state, Record::Error(id, Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn init_error(State(state): State<Arc<ApiState>>, body: Bytes) -> StatusCode {
    record(&state, Record::InitError(Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn management_post(State(state): State<Arc<ApiState>>) -> StatusCode {
    record(&state, Record::Post(Instant::now()));
    StatusCode::OK
}
