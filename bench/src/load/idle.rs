//! The idle mode: many connections opened and held, each checked with a ping, and the
//! server's memory per connection.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;

use super::{connect, run_id, Target};
use crate::machine;
use crate::stats::{self, Summary};

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
