//! The report's side-by-side section (files `side-<server>.json`): chat-local and the bare
//! relay (`ws-relay`) measured in the same run with the same generator, clients and window,
//! the throughput target that compares them, and chat-local's scaling targets.

use std::fmt::Write as _;

use super::{best_saturation, f, thousands, Inputs, Verdict};
use crate::load::LoadResult;

/// chat-local's delivered messages/s at least this share of the relay's.
const SHARE_OF_RELAY: f64 = 0.4;

fn run<'a>(inputs: &'a Inputs, server: &str) -> Option<&'a LoadResult> {
    inputs
        .side_by_side
        .iter()
        .find(|(name, _)| name == server)
        .map(|(_, r)| r)
}

pub(super) fn side_by_side_verdicts(inputs: &Inputs) -> Vec<Verdict> {
    let (local, relay) = (run(inputs, "chat-local"), run(inputs, "relay"));
    let clients = local.or(relay).map(|r| r.clients).unwrap_or(0);
    let window = local.or(relay).and_then(|r| r.window).unwrap_or(0);
    let measured = match (local, relay) {
        (Some(l), Some(r)) if r.messages_per_s > 0.0 => format!(
            "{}x: chat-local {} messages/s, relay {} ({clients} clients x {window})",
            f(l.messages_per_s / r.messages_per_s, 2),
            thousands(l.messages_per_s),
            thousands(r.messages_per_s)
        ),
        _ => "not measured".into(),
    };
    vec![Verdict {
        target: format!(
            "chat-local >= {SHARE_OF_RELAY}x the bare relay's delivered messages/s, side by side \
             (40 clients x 16 in flight)"
        ),
        measured,
        met: local
            .zip(relay)
            .filter(|(_, r)| r.messages_per_s > 0.0)
            .map(|(l, r)| l.messages_per_s >= SHARE_OF_RELAY * r.messages_per_s && l.lost == 0),
    }]
}

/// chat-local's own scaling and small-load latency targets, from the saturation sweep, and the
/// overload target (not measured yet: it stays visible as a gap).
pub(super) fn scaling_verdicts(inputs: &Inputs) -> Vec<Verdict> {
    let best = best_saturation(inputs);
    let widest = inputs.saturate.iter().max_by_key(|r| r.clients);
    let two = inputs.saturate.iter().find(|r| r.clients == 2);
    vec![
        Verdict {
            target: "chat-local at 512 clients >= 0.8x its own best delivered messages/s".into(),
            measured: match (widest, best) {
                (Some(w), Some(b)) if b.messages_per_s > 0.0 => format!(
                    "{}x: {} messages/s at {} clients, best {} at {}",
                    f(w.messages_per_s / b.messages_per_s, 2),
                    thousands(w.messages_per_s),
                    w.clients,
                    thousands(b.messages_per_s),
                    b.clients
                ),
                _ => "not measured".into(),
            },
            met: widest
                .zip(best)
                .filter(|(w, _)| w.clients >= 512)
                .map(|(w, b)| w.messages_per_s >= 0.8 * b.messages_per_s),
        },
        Verdict {
            target: "chat-local p99 delivery latency <= 5 ms with 2 clients".into(),
            measured: two
                .map(|r| {
                    format!(
                        "p99 {} ms (p50 {}), window {}",
                        f(r.latency_ms.p99, 2),
                        f(r.latency_ms.p50, 2),
                        r.window.unwrap_or(0)
                    )
                })
                .unwrap_or_else(|| "not measured".into()),
            met: two.map(|r| r.latency_ms.p99 <= 5.0),
        },
        overload_verdict(inputs),
    ]
}

/// Offered twice the saturation: what was delivered, and whether every message that was not
/// got an error back.
fn overload_verdict(inputs: &Inputs) -> Verdict {
    let saturation = run(inputs, "chat-local").map(|r| r.messages_per_s);
    let over = inputs.overload.as_ref();
    Verdict {
        target: "offered 2x saturation: delivered within 10 % of saturation, every refused \
                 message told to its sender"
            .into(),
        measured: match (over, saturation) {
            (Some(o), Some(s)) if s > 0.0 => format!(
                "{} offered, {} delivered/s ({}x saturation's {}); {} not delivered, {} refused \
                 to the sender",
                thousands(o.offered_rate.unwrap_or(0.0)),
                thousands(o.messages_per_s),
                f(o.messages_per_s / s, 2),
                thousands(s),
                thousands(o.lost as f64),
                thousands(o.refused as f64)
            ),
            _ => "not measured".into(),
        },
        met: over
            .zip(saturation)
            .filter(|(_, s)| *s > 0.0)
            .map(|(o, s)| o.messages_per_s >= 0.9 * s && o.lost <= o.refused),
    }
}

pub(super) fn side_by_side_md(inputs: &Inputs) -> String {
    let mut md = String::from("\n## Side by side: chat-local and a bare relay\n\n");
    if inputs.side_by_side.is_empty() {
        md.push_str("Not measured in this run.\n");
        return md;
    }
    md.push_str(
        "`chat-bench saturate` against each server in turn, in the same run, with the same \
         clients and window: chat-local (in-memory store, the real handlers, every delivery a \
         SigV4-signed Management API post through the SDK, handed to the gateway's router \
         in-process, with mimalloc as its allocator; *chat-local-tcp*: the same posts over \
         loopback TCP, `--management-over-tcp`, as before; *chat-local-system-malloc*: built \
         with `--no-default-features`, glibc's malloc) and `ws-relay` \
         (`bench/src/bin/ws-relay.rs`), a bare WebSocket relay that parses each send, acks it \
         and forwards it to the receiver's connections: nothing stored, checked or signed. \
         All on tokio with a worker per core and `TCP_NODELAY`. The ratio is what everything \
         beyond relaying costs. Each server runs fresh, once per round (",
    );
    let _ = write!(
        md,
        "{} here, interleaved with the saturation sweep): each row is its median round by \
         delivered messages/s.\n\n",
        inputs.rounds
    );
    md.push_str(
        "| server | clients | window | delivered | lost | delivered/s | p50 ms | p99 ms | server CPU µs/msg | load avg |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (server, r) in &inputs.side_by_side {
        let _ = writeln!(
            md,
            "| {server} | {} | {} | {} | {} | **{}** | {} | {} | {} | {} |",
            r.clients,
            r.window.unwrap_or(0),
            thousands(r.delivered as f64),
            r.lost,
            thousands(r.messages_per_s),
            f(r.latency_ms.p50, 2),
            f(r.latency_ms.p99, 2),
            r.server_cpu_us_per_message
                .map(|v| f(v, 1))
                .unwrap_or_default(),
            f(r.loadavg_after[0], 2)
        );
    }
    if let Some(o) = &inputs.overload {
        let _ = writeln!(
            md,
            "\nOverload: `chat-bench rate` at twice chat-local's delivered rate above ({} \
             messages/s offered over {} clients), on a fresh chat-local with its guards on (16 \
             frames in flight per connection, 1,000 in all, as Lambda's default concurrency): \
             sent {}, delivered {} ({} /s), refused with an error to the sender {}, vanished {}; \
             p50 {} ms, p99 {} ms for what was delivered; first error `{}`.",
            thousands(o.offered_rate.unwrap_or(0.0)),
            o.clients,
            thousands(o.sent as f64),
            thousands(o.delivered as f64),
            thousands(o.messages_per_s),
            thousands(o.refused as f64),
            thousands(o.lost.saturating_sub(o.refused) as f64),
            f(o.latency_ms.p50, 2),
            f(o.latency_ms.p99, 2),
            o.first_error.as_deref().unwrap_or("none")
        );
    }
    md
}
