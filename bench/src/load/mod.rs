//! The load generator. It speaks only the seed's protocol, so it can be pointed at any server
//! that implements that contract:
//!
//! - connect to `{url}{path}{client_id}{suffix}` (`/ws/{client_id}`; administrators add a
//!   suffix, `?role=admin` for chat-local);
//! - send the seed frame `{"receiver_id","appointment_id","service_id","message_text"}`;
//! - a delivered frame is any text frame with `"type":"message"` and a `message_text`.
//!
//! Clients come in pairs, one user and one administrator, that write to each other (users may
//! write only to administrators; administrators may write to anyone). Each `message_text`
//! carries the time the message was due to be sent, so delivery latency is measured from the
//! schedule (no coordinated omission in the fixed-rate mode). Acks (`"type":"ack"`) and errors
//! (`"type":"error"`) are counted but not needed: flow control in the saturation mode counts
//! deliveries, so a server that sends no acks can be measured too.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::machine;
use crate::stats::{self, Summary};

mod client;
mod idle;

use client::{run_client, ClientSpec, Flow, Shared};
pub use idle::{idle, IdleOptions, IdleResult};

pub(super) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where and how clients connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ws://host:port`
    pub url: String,
    /// Path before the client id: `/ws/`.
    pub path: String,
    /// Appended to an administrator's URL: `?role=admin` in chat-local.
    pub admin_suffix: String,
    /// Appended to a user's URL.
    pub user_suffix: String,
}

impl Target {
    pub fn client_url(&self, client_id: &str, admin: bool) -> String {
        let suffix = if admin {
            &self.admin_suffix
        } else {
            &self.user_suffix
        };
        format!(
            "{}{}{client_id}{suffix}",
            self.url.trim_end_matches('/'),
            self.path
        )
    }
}

/// How fast clients send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as the server delivers: each client keeps `window` messages sent but not yet
    /// delivered.
    Saturate { window: usize },
    /// Open loop: `per_second` messages in all, spread evenly over the clients.
    Rate { per_second: f64 },
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub target: Target,
    pub pairs: usize,
    pub pace: Pace,
    /// Sending before the measured window (not counted).
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// Longest wait after the window for messages still in flight; later ones are lost.
    pub drain: Duration,
    /// `message_text` is padded to about this many bytes.
    pub text_bytes: usize,
    /// Handshakes in progress at once.
    pub connect_concurrency: usize,
    /// The server's process id, to read its CPU time and memory (optional).
    pub server_pid: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadResult {
    pub mode: String,
    pub target: String,
    pub pairs: usize,
    pub clients: usize,
    pub window: Option<usize>,
    pub offered_rate: Option<f64>,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// How long after the window deliveries were still awaited.
    #[serde(default)]
    pub drain_s: f64,
    /// Messages sent during the window.
    pub sent: u64,
    /// Of those, delivered (before the drain ended).
    pub delivered: u64,
    /// Sent during the window and never delivered (errors included).
    pub lost: u64,
    /// Error frames (e.g. `rate_limited`) received from the window's start to a second after
    /// its end: refusals of the window's messages, each told to its sender (error frames name
    /// no message, so this is by time). `lost` beyond it vanished silently.
    #[serde(default)]
    pub refused: u64,
    pub acks: u64,
    pub errors: u64,
    /// The first error frame received, verbatim.
    pub first_error: Option<String>,
    /// Deliveries received during the window, per second.
    pub messages_per_s: f64,
    /// Messages sent during the window, per second.
    pub sent_per_s: f64,
    /// Delivery latency (ms) of the messages sent during the window, from their scheduled send
    /// time to their arrival.
    pub latency_ms: Summary,
    /// `(upper bound ms, count)`, logarithmic buckets.
    pub latency_histogram: Vec<(f64, u64)>,
    pub connect_s: f64,
    pub server_cpu_s: Option<f64>,
    /// Server CPU time per delivered message, microseconds.
    pub server_cpu_us_per_message: Option<f64>,
    pub server_rss_kb: Option<u64>,
    pub client_cpu_s: f64,
    pub loadavg_before: [f64; 3],
    pub loadavg_after: [f64; 3],
}

/// A small per-connection footprint on the client side too (10,000 connections in one process).
pub fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

pub async fn connect(url: &str) -> Result<Ws, String> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(client_config()), true)
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    Ok(ws)
}

/// Opens `urls` with at most `concurrency` handshakes at once, in order of the list.
async fn connect_all(urls: Vec<String>, concurrency: usize) -> Result<Vec<Ws>, String> {
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = urls
        .into_iter()
        .map(|url| {
            let limit = limit.clone();
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await.expect("semaphore open");
                connect(&url).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.map_err(|e| e.to_string())??);
    }
    Ok(out)
}

pub(super) fn run_id() -> String {
    format!("{:06x}", fastrand::u32(..) & 0xff_ffff)
}

/// Saturation or fixed-rate run over `pairs` user/administrator pairs.
pub async fn run(options: &LoadOptions) -> Result<LoadResult, String> {
    let run = run_id();
    let loadavg_before = machine::loadavg();
    let connect_started = Instant::now();
    let admins: Vec<String> = (0..options.pairs)
        .map(|i| format!("ba-{run}-{i}"))
        .collect();
    let users: Vec<String> = (0..options.pairs)
        .map(|i| format!("bu-{run}-{i}"))
        .collect();
    // Administrators first: a user may only write to a client known as an administrator.
    let admin_ws = connect_all(
        admins
            .iter()
            .map(|id| options.target.client_url(id, true))
            .collect(),
        options.connect_concurrency,
    )
    .await?;
    let user_ws = connect_all(
        users
            .iter()
            .map(|id| options.target.client_url(id, false))
            .collect(),
        options.connect_concurrency,
    )
    .await?;
    let connect_s = connect_started.elapsed().as_secs_f64();

    let clients = options.pairs * 2;
    let (saturate, window, per_client) = match options.pace {
        Pace::Saturate { window } => (true, window, 0.0),
        Pace::Rate { per_second } => (false, 0, per_second / clients as f64),
    };
    let pad: String = "x".repeat(options.text_bytes.saturating_sub(30));
    let epoch = Instant::now();
    let shared = Arc::new(Shared {
        epoch,
        window_start_ns: options.warmup.as_nanos() as u64,
        window_end_ns: (options.warmup + options.duration).as_nanos() as u64,
        sent_in_window: AtomicU64::new(0),
        delivered_in_window: AtomicU64::new(0),
        errors_in_window: AtomicU64::new(0),
        received_during_window: AtomicU64::new(0),
        acks: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        first_error: std::sync::Mutex::new(None),
        closed: AtomicBool::new(false),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(clients);
    for (i, (admin, user)) in admin_ws.into_iter().zip(user_ws).enumerate() {
        let admin_flow = Arc::new(Flow::default());
        let user_flow = Arc::new(Flow::default());
        let spec = |receiver: &str| ClientSpec {
            receiver_id: receiver.to_owned(),
            pad: pad.clone(),
            per_second: per_client,
            window,
        };
        tasks.push(tokio::spawn(run_client(
            user,
            spec(&admins[i]),
            user_flow.clone(),
            admin_flow.clone(),
            shared.clone(),
            saturate,
            stop_rx.clone(),
        )));
        tasks.push(tokio::spawn(run_client(
            admin,
            spec(&users[i]),
            admin_flow,
            user_flow,
            shared.clone(),
            saturate,
            stop_rx.clone(),
        )));
    }

    let cpu_at = |pid: Option<u32>| pid.and_then(machine::cpu_seconds);
    tokio::time::sleep_until((epoch + options.warmup).into()).await;
    let server_cpu_start = cpu_at(options.server_pid);
    let client_cpu_start = machine::own_cpu_seconds();
    tokio::time::sleep_until((epoch + options.warmup + options.duration).into()).await;
    let server_cpu_end = cpu_at(options.server_pid);
    let client_cpu_end = machine::own_cpu_seconds();
    let server_rss_kb = options.server_pid.and_then(machine::rss_kb);
    let loadavg_after = machine::loadavg();

    // Drain: wait for what was sent during the window, up to `drain`.
    let drain_until = Instant::now() + options.drain;
    while Instant::now() < drain_until {
        let sent = shared.sent_in_window.load(Ordering::Relaxed);
        let done = shared.delivered_in_window.load(Ordering::Relaxed)
            + shared.errors_in_window.load(Ordering::Relaxed);
        if done >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shared.closed.store(true, Ordering::Relaxed);
    stop_tx.send_replace(true);
    let mut latencies_us = Vec::new();
    for task in tasks {
        if let Ok(mut l) = task.await {
            latencies_us.append(&mut l);
        }
    }

    let sent = shared.sent_in_window.load(Ordering::Relaxed);
    let delivered = shared.delivered_in_window.load(Ordering::Relaxed);
    let duration_s = options.duration.as_secs_f64();
    let latencies_ms: Vec<f64> = latencies_us.iter().map(|&us| us as f64 / 1000.0).collect();
    let received = shared.received_during_window.load(Ordering::Relaxed);
    let server_cpu_s = match (server_cpu_start, server_cpu_end) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Ok(LoadResult {
        mode: if saturate { "saturate" } else { "rate" }.into(),
        target: options.target.url.clone(),
        pairs: options.pairs,
        clients,
        window: saturate.then_some(window),
        offered_rate: (!saturate).then_some(per_client * clients as f64),
        warmup_s: options.warmup.as_secs_f64(),
        duration_s,
        drain_s: options.drain.as_secs_f64(),
        sent,
        delivered,
        lost: sent.saturating_sub(delivered),
        refused: shared.errors_in_window.load(Ordering::Relaxed),
        acks: shared.acks.load(Ordering::Relaxed),
        errors: shared.errors.load(Ordering::Relaxed),
        first_error: shared
            .first_error
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default(),
        messages_per_s: received as f64 / duration_s,
        sent_per_s: sent as f64 / duration_s,
        latency_ms: stats::summarize(&latencies_ms),
        latency_histogram: stats::log_histogram(&latencies_ms, 0.05),
        connect_s,
        server_cpu_s,
        server_cpu_us_per_message: server_cpu_s
            .filter(|_| received > 0)
            .map(|s| s * 1e6 / received as f64),
        server_rss_kb,
        client_cpu_s: client_cpu_end - client_cpu_start,
        loadavg_before,
        loadavg_after,
    })
}
