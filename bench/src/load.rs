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

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::machine;
use crate::stats::{self, Summary};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

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

/// Per-direction flow control: messages one client sent that its peer has not received yet.
#[derive(Default)]
struct Flow {
    outstanding: AtomicI64,
    notify: Notify,
}

struct Shared {
    epoch: Instant,
    window_start_ns: u64,
    window_end_ns: u64,
    sent_in_window: AtomicU64,
    delivered_in_window: AtomicU64,
    errors_in_window: AtomicU64,
    received_during_window: AtomicU64,
    acks: AtomicU64,
    errors: AtomicU64,
    first_error: std::sync::Mutex<Option<String>>,
    closed: AtomicBool,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    fn in_window(&self, t_ns: u64) -> bool {
        (self.window_start_ns..self.window_end_ns).contains(&t_ns)
    }
}

/// The fields of a server frame the generator reads.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    message_text: Option<std::borrow::Cow<'a, str>>,
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

fn run_id() -> String {
    format!("{:06x}", fastrand::u32(..) & 0xff_ffff)
}

struct ClientSpec {
    receiver_id: String,
    /// `pad` appended to every `message_text`.
    pad: String,
    /// Messages this client sends per second (rate mode).
    per_second: f64,
    window: usize,
}

fn frame_for(spec: &ClientSpec, t_ns: u64) -> String {
    format!(
        r#"{{"receiver_id":"{}","appointment_id":"bench-appointment","service_id":"bench-service","message_text":"bench:{t_ns}:{}"}}"#,
        spec.receiver_id, spec.pad
    )
}

fn sent_one(shared: &Shared, t_ns: u64) {
    if shared.in_window(t_ns) {
        shared.sent_in_window.fetch_add(1, Ordering::Relaxed);
    }
}

/// One client: sends on its schedule and receives; returns the latencies (µs) of the messages
/// it received that were sent during the window.
async fn run_client(
    mut ws: Ws,
    spec: ClientSpec,
    mine: Arc<Flow>,
    peer: Arc<Flow>,
    shared: Arc<Shared>,
    saturate: bool,
    mut stop: watch::Receiver<bool>,
) -> Vec<u32> {
    let mut latencies = Vec::new();
    let period_ns = if spec.per_second > 0.0 {
        (1e9 / spec.per_second) as u64
    } else {
        u64::MAX / 4
    };
    // A random phase, so clients do not send in lockstep.
    let mut next_due_ns = fastrand::u64(0..period_ns.clamp(1, 1_000_000_000));
    loop {
        let now = shared.now_ns();
        let sending = now < shared.window_end_ns && !shared.closed.load(Ordering::Relaxed);
        let mut queued = 0usize;
        if sending && saturate {
            while mine.outstanding.load(Ordering::Relaxed) < spec.window as i64 {
                let t = shared.now_ns();
                if ws
                    .feed(Message::Text(frame_for(&spec, t).into()))
                    .await
                    .is_err()
                {
                    return latencies;
                }
                mine.outstanding.fetch_add(1, Ordering::Relaxed);
                sent_one(&shared, t);
                queued += 1;
            }
        } else if sending {
            // Everything due by now, each stamped with the time it was due.
            while next_due_ns <= now && next_due_ns < shared.window_end_ns {
                if ws
                    .feed(Message::Text(frame_for(&spec, next_due_ns).into()))
                    .await
                    .is_err()
                {
                    return latencies;
                }
                mine.outstanding.fetch_add(1, Ordering::Relaxed);
                sent_one(&shared, next_due_ns);
                next_due_ns += period_ns;
                queued += 1;
            }
        }
        if queued > 0 && ws.flush().await.is_err() {
            return latencies;
        }
        let wake = shared.epoch + Duration::from_nanos(next_due_ns);
        tokio::select! {
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return latencies,
                    Some(Ok(_)) => continue,
                };
                let Ok(frame) = serde_json::from_str::<Frame>(text.as_str()) else { continue };
                match frame.kind.as_deref() {
                    Some("message") => {
                        let now = shared.now_ns();
                        if shared.in_window(now) {
                            shared.received_during_window.fetch_add(1, Ordering::Relaxed);
                        }
                        let sent_at = frame
                            .message_text
                            .as_deref()
                            .and_then(|t| t.strip_prefix("bench:"))
                            .and_then(|t| t.split(':').next())
                            .and_then(|t| t.parse::<u64>().ok());
                        if let Some(t) = sent_at {
                            if shared.in_window(t) {
                                shared.delivered_in_window.fetch_add(1, Ordering::Relaxed);
                                latencies.push((now.saturating_sub(t) / 1000).min(u32::MAX as u64) as u32);
                            }
                            peer.outstanding.fetch_sub(1, Ordering::Relaxed);
                            peer.notify.notify_one();
                        }
                    }
                    Some("ack") => {
                        shared.acks.fetch_add(1, Ordering::Relaxed);
                    }
                    Some("error") => {
                        // One of this client's own messages was refused: it will never arrive.
                        if shared.errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            *shared.first_error.lock().unwrap() = Some(text.as_str().to_owned());
                        }
                        // Refusals come back at once: one received from the window's start
                        // to a second after its end answers a message of the window.
                        let now = shared.now_ns();
                        if now >= shared.window_start_ns
                            && now < shared.window_end_ns + 1_000_000_000
                        {
                            shared.errors_in_window.fetch_add(1, Ordering::Relaxed);
                        }
                        mine.outstanding.fetch_sub(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
            _ = mine.notify.notified(), if sending && saturate => {}
            _ = tokio::time::sleep_until(wake.into()), if sending && !saturate => {}
            _ = stop.changed() => {
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
                return latencies;
            }
        }
    }
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

#[derive(Debug, Clone)]
pub struct IdleOptions {
    pub target: Target,
    pub connections: usize,
    pub connect_concurrency: usize,
    /// How long every connection is held open before it is checked.
    pub hold: Duration,
    pub server_pid: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IdleResult {
    pub mode: String,
    pub target: String,
    pub connections: usize,
    /// Handshakes that succeeded.
    pub opened: usize,
    pub failed: usize,
    /// Connections that answered a ping after the hold.
    pub alive_after_hold: usize,
    pub hold_s: f64,
    pub connect_s: f64,
    pub connections_per_s: f64,
    pub handshake_ms: Summary,
    pub server_rss_before_kb: Option<u64>,
    pub server_rss_after_kb: Option<u64>,
    /// (after - before) / opened.
    pub server_bytes_per_connection: Option<f64>,
    pub client_rss_kb: Option<u64>,
    pub loadavg_before: [f64; 3],
    pub loadavg_after: [f64; 3],
}

/// Opens `connections` idle connections (users), holds them, checks each answers a ping, and
/// reads the server's memory before and after.
pub async fn idle(options: &IdleOptions) -> Result<IdleResult, String> {
    let run = run_id();
    let loadavg_before = machine::loadavg();
    let rss_before = options.server_pid.and_then(machine::rss_kb);
    let limit = Arc::new(Semaphore::new(options.connect_concurrency.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (ping_tx, ping_rx) = watch::channel(false);
    let alive = Arc::new(AtomicU64::new(0));
    let checked = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::channel::<Result<f64, String>>(1024);
    let mut tasks = Vec::with_capacity(options.connections);
    for i in 0..options.connections {
        let url = options.target.client_url(&format!("bi-{run}-{i}"), false);
        let limit = limit.clone();
        let opened = opened_tx.clone();
        let mut stop = stop_rx.clone();
        let mut ping = ping_rx.clone();
        let (alive, checked) = (alive.clone(), checked.clone());
        tasks.push(tokio::spawn(async move {
            let permit = limit.acquire_owned().await.expect("semaphore open");
            let t = Instant::now();
            let connected = connect(&url).await;
            drop(permit);
            let mut ws = match connected {
                Ok(ws) => ws,
                Err(e) => {
                    let _ = opened.send(Err(e)).await;
                    return;
                }
            };
            let _ = opened.send(Ok(t.elapsed().as_secs_f64() * 1000.0)).await;
            drop(opened);
            // Hold, then check the connection still answers a ping.
            let _ = ping.wait_for(|p| *p).await;
            let pong = async {
                ws.send(Message::Ping(Vec::new().into())).await.ok()?;
                while let Some(frame) = ws.next().await {
                    match frame {
                        Ok(Message::Pong(_)) => return Some(()),
                        Ok(Message::Close(_)) | Err(_) => return None,
                        Ok(_) => {}
                    }
                }
                None
            };
            if let Ok(Some(())) = tokio::time::timeout(Duration::from_secs(30), pong).await {
                alive.fetch_add(1, Ordering::Relaxed);
            }
            checked.fetch_add(1, Ordering::Relaxed);
            let _ = stop.wait_for(|s| *s).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        }));
    }
    drop(opened_tx);
    let mut handshakes = Vec::new();
    let mut failed = 0usize;
    let mut first_error = None;
    while let Some(result) = opened_rx.recv().await {
        match result {
            Ok(ms) => handshakes.push(ms),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let connect_s = started.elapsed().as_secs_f64();
    if let Some(e) = &first_error {
        eprintln!("chat-bench idle: {failed} handshakes failed, first: {e}");
    }
    // Let the server settle (writer tasks started, buffers allocated), then read its memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = options.server_pid.and_then(machine::rss_kb);
    tokio::time::sleep(options.hold).await;
    ping_tx.send_replace(true);
    let opened = handshakes.len();
    let check_until = Instant::now() + Duration::from_secs(35);
    while (checked.load(Ordering::Relaxed) as usize) < opened && Instant::now() < check_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let alive = alive.load(Ordering::Relaxed) as usize;
    let client_rss_kb = machine::rss_kb(std::process::id());
    stop_tx.send_replace(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(IdleResult {
        mode: "idle".into(),
        target: options.target.url.clone(),
        connections: options.connections,
        opened,
        failed,
        alive_after_hold: alive,
        hold_s: options.hold.as_secs_f64(),
        connect_s,
        connections_per_s: opened as f64 / connect_s.max(1e-9),
        handshake_ms: stats::summarize(&handshakes),
        server_rss_before_kb: rss_before,
        server_rss_after_kb: rss_after,
        server_bytes_per_connection: match (rss_before, rss_after) {
            (Some(b), Some(a)) if opened > 0 => {
                Some((a as f64 - b as f64) * 1024.0 / opened as f64)
            }
            _ => None,
        },
        client_rss_kb,
        loadavg_before,
        loadavg_after: machine::loadavg(),
    })
}
