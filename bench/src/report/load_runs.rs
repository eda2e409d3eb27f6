//! The load sections of docs/performance.md: throughput at saturation, latency at a fixed
//! rate, and idle connections.

use std::fmt::Write as _;

use super::performance::{chart, loadavg};
use super::{f, thousands, Inputs};
use crate::load::LoadResult;

/// `chat-bench saturate`: the sweep over clients, its chart, and where the time goes.
pub(super) fn saturation_md(inputs: &Inputs, charts: &[String]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## Throughput at saturation (chat-local, embedded store)\n"
    );
    let _ = writeln!(
        md,
        "`chat-bench saturate`: user/administrator pairs write to each other, each client keeping \
         its window of messages sent but not yet delivered. Deliveries are `{{\"type\":\"message\"}}` \
         frames; latency is from send to delivery. chat-local runs as its own process \
         (`--rate-limit 0`: the per-sender limit of 10 messages/s would otherwise be what is \
         measured), the generator on one thread. Each run measures {} s after {} s of warm-up; \
         *lost* counts messages sent during the window and not delivered within {} s after it \
         (a backlog that has not drained counts as lost). Every run is on a fresh chat-local, \
         in {} round(s) interleaved with the side-by-side runs below; each row is its median \
         round by delivered messages/s.\n",
        inputs.saturate.first().map(|r| r.duration_s).unwrap_or(0.0),
        inputs.saturate.first().map(|r| r.warmup_s).unwrap_or(0.0),
        inputs.saturate.first().map(|r| r.drain_s).unwrap_or(0.0),
        inputs.rounds
    );
    let _ = writeln!(
        md,
        "| clients | window | sent | delivered | lost | errors | delivered/s | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/msg | load avg |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in &inputs.saturate {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | **{}** | {} |",
            r.clients,
            r.window.unwrap_or(0),
            thousands(r.sent as f64),
            thousands(r.delivered as f64),
            r.lost,
            r.errors,
            thousands(r.messages_per_s),
            latency_cells(r, false)
        );
    }
    md.push_str(&chart(
        charts,
        "throughput-vs-clients.png",
        "delivered messages/s against the number of clients",
    ));
    if !inputs.saturate.is_empty() {
        let _ = writeln!(
            md,
            "\nWhere the time goes: chat-local delivers every message the way the deployed \
             function does, through the AWS SDK's Management API client (`POST \
             @connections/{{id}}`, signed with SigV4). The in-process handlers hand that request \
             to the gateway's router without a socket (`local/src/gateway/loopback.rs`; the \
             side-by-side section below measures the loopback TCP hop it replaced, and the \
             allocator), so what is left per message is the SDK's orchestration and signing, \
             the handlers' JSON and the store, and the WebSocket writes. \
             The generator's own CPU comes from the same two cores. The *server CPU µs/msg* \
             column is chat-local's CPU time per delivered message: at about {} µs, two cores \
             cannot deliver more than about {} messages/s even with no generator.",
            f(
                inputs
                    .saturate
                    .iter()
                    .filter_map(|r| r.server_cpu_us_per_message)
                    .fold(f64::INFINITY, f64::min),
                0
            ),
            thousands(
                2e6 / inputs
                    .saturate
                    .iter()
                    .filter_map(|r| r.server_cpu_us_per_message)
                    .fold(f64::INFINITY, f64::min)
            )
        );
        if let Some(small) = inputs.saturate.iter().find(|r| r.clients <= 8) {
            if small.latency_ms.p90 > 30.0 {
                let _ = writeln!(
                    md,
                    "\nWith few clients ({} here) the p90 latency is {} ms although the median is \
                     {} ms: the signature of Nagle's algorithm meeting delayed ACKs (about 40 ms \
                     on Linux), although chat-local sets `TCP_NODELAY` on every socket it accepts \
                     (`local/src/serve.rs`) and opens (`chat_edge::net`): look for a socket that \
                     misses it.",
                    small.clients,
                    f(small.latency_ms.p90, 1),
                    f(small.latency_ms.p50, 1)
                );
            }
        }
    }
    md
}

/// `chat-bench rate`: latency at each offered rate, its chart, and what overload did.
pub(super) fn fixed_rate_md(inputs: &Inputs, charts: &[String]) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "\n## Latency at a fixed rate\n");
    let _ = writeln!(
        md,
        "`chat-bench rate`: open loop, each client sending on a fixed schedule; latency is counted \
         from the time a message was *due*, so a stalled server cannot hide its queue \
         (no coordinated omission).\n"
    );
    let _ = writeln!(
        md,
        "| offered/s | clients | sent | delivered | lost | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/msg | load avg |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in &inputs.rate {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            thousands(r.offered_rate.unwrap_or(0.0)),
            r.clients,
            thousands(r.sent as f64),
            thousands(r.delivered as f64),
            r.lost,
            latency_cells(r, true)
        );
    }
    md.push_str(&chart(
        charts,
        "latency-distribution.png",
        "distribution of delivery latency at fixed rates",
    ));
    let overloaded: Vec<&LoadResult> = inputs
        .rate
        .iter()
        .filter(|r| (r.delivered as f64) < 0.9 * r.sent as f64)
        .collect();
    if !overloaded.is_empty() {
        let failed_posts = std::fs::read_to_string(inputs.dir.join("chat-local-rate.err"))
            .map(|log| log.lines().filter(|l| l.contains("post failed")).count())
            .ok();
        let _ = writeln!(
            md,
            "\nPast its capacity chat-local does not degrade gracefully: at {} messages/s offered \
             it delivered {} of {} messages ({} /s). Its own Management API posts queue up \
             behind the saturated cores until the SDK's bounds (1 s an attempt, 3 s per post) \
             expire, and each failed post is a message that is stored but never delivered{}. \
             API Gateway itself would throttle instead (the deployed stage allows 1,000 \
             messages/s, burst 500), which chat-local does not emulate.",
            overloaded
                .iter()
                .map(|r| thousands(r.offered_rate.unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join(", "),
            thousands(overloaded[0].delivered as f64),
            thousands(overloaded[0].sent as f64),
            thousands(overloaded[0].messages_per_s),
            failed_posts
                .filter(|n| *n > 0)
                .map(|n| format!(
                    " (chat-local logged {} failed posts during the load runs)",
                    thousands(n as f64)
                ))
                .unwrap_or_default()
        );
    }
    md
}

/// `chat-bench idle`: connections held and the server's memory per connection.
pub(super) fn idle_md(inputs: &Inputs) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "\n## Idle connections\n");
    if let Some(i) = &inputs.idle {
        let _ = writeln!(
            md,
            "`chat-bench idle`: {} connections opened ({} at a time), held {} s, then each must \
             answer a ping. Server memory is chat-local's resident set (`VmRSS`) before and after, \
             on a freshly started process.\n",
            thousands(i.connections as f64),
            64,
            i.hold_s
        );
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(
            md,
            "| opened / failed | {} / {} |",
            thousands(i.opened as f64),
            i.failed
        );
        let _ = writeln!(
            md,
            "| alive after the hold | {} |",
            thousands(i.alive_after_hold as f64)
        );
        let _ = writeln!(
            md,
            "| handshakes | {} /s; p50 {} ms, p99 {} ms |",
            thousands(i.connections_per_s),
            f(i.handshake_ms.p50, 2),
            f(i.handshake_ms.p99, 2)
        );
        let _ = writeln!(
            md,
            "| server RSS | {} kB before, {} kB after |",
            i.server_rss_before_kb
                .map(|v| thousands(v as f64))
                .unwrap_or_default(),
            i.server_rss_after_kb
                .map(|v| thousands(v as f64))
                .unwrap_or_default()
        );
        let _ = writeln!(
            md,
            "| **server memory per connection** | **{} KB** |",
            i.server_bytes_per_connection
                .map(|b| f(b / 1024.0, 2))
                .unwrap_or_else(|| "?".into())
        );
        let _ = writeln!(
            md,
            "| load average after | {} |",
            loadavg(&serde_json::json!(i.loadavg_after))
        );
    } else {
        let _ = writeln!(md, "Not measured in this run.");
    }
    md
}

/// A load row's last cells: p50, p90 and p99 (bold when the table is about it), max, server
/// CPU per message and the load average after the run.
fn latency_cells(r: &LoadResult, bold_p99: bool) -> String {
    let p99 = f(r.latency_ms.p99, 2);
    format!(
        "{} | {} | {} | {} | {} | {}",
        f(r.latency_ms.p50, 2),
        f(r.latency_ms.p90, 2),
        if bold_p99 { format!("**{p99}**") } else { p99 },
        f(r.latency_ms.max, 1),
        r.server_cpu_us_per_message
            .map(|v| f(v, 0))
            .unwrap_or_default(),
        f(r.loadavg_after[0], 2)
    )
}
