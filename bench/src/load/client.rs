//! One client of a load run: its schedule, its flow control against its peer, and what it
//! counts of what it receives.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::{watch, Notify};
use tokio_tungstenite::tungstenite::Message;

use super::Ws;

/// Per-direction flow control: messages one client sent that its peer has not received yet.
#[derive(Default)]
pub(super) struct Flow {
    outstanding: AtomicI64,
    notify: Notify,
}

pub(super) struct Shared {
    pub(super) epoch: Instant,
    pub(super) window_start_ns: u64,
    pub(super) window_end_ns: u64,
    pub(super) sent_in_window: AtomicU64,
    pub(super) delivered_in_window: AtomicU64,
    pub(super) errors_in_window: AtomicU64,
    pub(super) received_during_window: AtomicU64,
    pub(super) acks: AtomicU64,
    pub(super) errors: AtomicU64,
    pub(super) first_error: std::sync::Mutex<Option<String>>,
    pub(super) closed: AtomicBool,
}

impl Shared {
    pub(super) fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub(super) fn in_window(&self, t_ns: u64) -> bool {
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

pub(super) struct ClientSpec {
    pub(super) receiver_id: String,
    /// `pad` appended to every `message_text`.
    pub(super) pad: String,
    /// Messages this client sends per second (rate mode).
    pub(super) per_second: f64,
    pub(super) window: usize,
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
pub(super) async fn run_client(
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
