//! `docs/performance.md`: the machine, the targets, and each benchmark's section.

use std::fmt::Write as _;

use serde_json::Value;

use super::lambda::cold_lambda_md;
use super::side_by_side::side_by_side_md;
use super::verdicts::{status, verdicts};
use super::{cold_functions, ddb_rows, f, meta_str, num, thousands, Inputs};
use crate::load::LoadResult;

fn loadavg(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| f(x.as_f64().unwrap_or(0.0), 2))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "?".into())
}

pub fn performance_md(inputs: &Inputs, charts: &[String]) -> String {
    let mut md = String::new();
    let m = &inputs.meta["machine"];
    let chart = |name: &str, alt: &str| -> String {
        if charts.iter().any(|c| c == name) {
            format!("\n![{alt}](img/{name})\n")
        } else {
            String::new()
        }
    };
    let _ = writeln!(
        md,
        "# Performance\n\n\
         Every figure here was measured by `bash scripts/bench.sh` (the whole run: build, servers, \
         load, report) and written by `bench-report`; do not edit by hand. Figures are reported, \
         not asserted: a target that is not met stays visible below with its gap.\n\n\
         Run: {} from commit `{}`{}.\n",
        meta_str(inputs, "date"),
        meta_str(inputs, "commit"),
        if inputs.meta["smoke"].as_bool() == Some(true) {
            " — **smoke run (seconds per mode): these figures are not the reference ones**"
        } else {
            ""
        }
    );
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| CPU | {} |", m["cpu_model"].as_str().unwrap_or("?"));
    let _ = writeln!(md, "| cores | {} |", m["cores"]);
    let _ = writeln!(md, "| memory | {} GiB |", m["memory_gib"]);
    let _ = writeln!(
        md,
        "| OS, kernel | {}, {} |",
        m["os"].as_str().unwrap_or("?"),
        m["kernel"].as_str().unwrap_or("?")
    );
    let _ = writeln!(md, "| compiler | {} |", m["rustc"].as_str().unwrap_or("?"));
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} at the start, {} at the end |",
        loadavg(&inputs.meta["loadavg_start"]),
        loadavg(&inputs.meta["loadavg_end"])
    );
    let _ = writeln!(
        md,
        "\nThe load generator runs on the same machine as the server and competes with it for \
         the same cores; the load average beside each figure shows what else was running.\n"
    );

    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| target | measured | |\n|---|---|---|");
    for v in verdicts(inputs) {
        let _ = writeln!(md, "| {} | {} | {} |", v.target, v.measured, status(v.met));
    }

    let _ = writeln!(
        md,
        "\nTime to first run (`cargo build --release -p chat-local` from an empty target \
         directory, beside a reference commit) is measured apart, by `scripts/build-times.sh`: \
         [build-times.md](build-times.md).\n"
    );
    if let Some(t) = &inputs.test_times {
        let _ = writeln!(md, "{}\n", t.summary());
    }
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
            "| {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} | {} | {} | {} |",
            r.clients,
            r.window.unwrap_or(0),
            thousands(r.sent as f64),
            thousands(r.delivered as f64),
            r.lost,
            r.errors,
            thousands(r.messages_per_s),
            f(r.latency_ms.p50, 2),
            f(r.latency_ms.p90, 2),
            f(r.latency_ms.p99, 2),
            f(r.latency_ms.max, 1),
            r.server_cpu_us_per_message
                .map(|v| f(v, 0))
                .unwrap_or_default(),
            f(r.loadavg_after[0], 2)
        );
    }
    md.push_str(&chart(
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

    md.push_str(&side_by_side_md(inputs));

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
            "| {} | {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} |",
            thousands(r.offered_rate.unwrap_or(0.0)),
            r.clients,
            thousands(r.sent as f64),
            thousands(r.delivered as f64),
            r.lost,
            f(r.latency_ms.p50, 2),
            f(r.latency_ms.p90, 2),
            f(r.latency_ms.p99, 2),
            f(r.latency_ms.max, 1),
            r.server_cpu_us_per_message
                .map(|v| f(v, 0))
                .unwrap_or_default(),
            f(r.loadavg_after[0], 2)
        );
    }
    md.push_str(&chart(
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

    let _ = writeln!(md, "\n## Cold starts\n");
    let functions = cold_functions(inputs);
    if functions.is_empty() {
        let _ = writeln!(md, "Not measured in this run.");
    } else {
        let runs = inputs
            .cold
            .as_ref()
            .map(|c| c["runs"].clone())
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "`cold-start`: each binary is started {runs} times (round-robin, after one discarded \
             start) under a minimal Lambda Runtime API on loopback, with DynamoDB Local behind a \
             counting proxy. *init* is exec to the first `GET /runtime/invocation/next`; *first* \
             and *warm* are event handed out to response posted, for the first event of the \
             process and the next one; CPU is the process's CPU time (all threads) in that phase. \
             Medians; `hello-lambda` (`lambda_runtime` returning its event) is the floor. Sizes are \
             of the binaries measured (stripped release builds for this machine's architecture; \
             the deployed ones are arm64). Every function's allocator is mimalloc; \
             `ws-message+system-malloc` is the same source built `--no-default-features`, with \
             glibc's malloc, measured beside it in the same runs (here and in the passes below).\n"
        );
        let _ = writeln!(
            md,
            "| function | init ms | init vs floor | init CPU ms | first ms | warm ms | warm CPU ms | p90 init ms | DynamoDB requests in init | peak RSS kB | size |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for fun in &functions {
            let _ = writeln!(
                md,
                "| {} | {} | {}x | {} | {} | {} | {} | {} | {} | {} | {} MB |",
                fun["name"].as_str().unwrap_or(""),
                f(num(fun, "/init_ms/p50"), 2),
                f(fun["init_vs_floor"].as_f64().unwrap_or(f64::NAN), 2),
                f(num(fun, "/init_cpu_ms/p50"), 2),
                f(num(fun, "/first_invocation_ms/p50"), 2),
                f(num(fun, "/warm_invocation_ms/p50"), 2),
                f(num(fun, "/warm_invocation_cpu_ms/p50"), 3),
                f(num(fun, "/init_ms/p90"), 2),
                fun["init_dynamodb_requests"],
                thousands(num(fun, "/max_rss_kb/p50")),
                f(num(fun, "/bytes") / 1e6, 1),
            );
        }
        for fun in &functions {
            if let Some(e) = fun["first_failure"].as_str() {
                let _ = writeln!(
                    md,
                    "\n{}: {} failed run(s), first: `{}`",
                    fun["name"].as_str().unwrap_or(""),
                    fun["failures"],
                    e.replace('`', "'")
                );
            }
        }
        md.push_str(&chart("cold-start.png", "median init time per function"));
        let _ = writeln!(
            md,
            "\nWhere a function's init goes beyond the floor (traced with `strace` on this \
             machine): the AWS SDK's HTTPS client loads the system's trusted roots when the \
             DynamoDB client is built: the bundle file and then every file in `/etc/ssl/certs` \
             (about 290 on Debian). With `SSL_CERT_FILE` pointing at the bundle alone, init \
             drops by about 2 ms here; the rest is building the SDK configuration. On Lambda's \
             `provided.al2023` the certificate directory holds a few bundle files, so the scan \
             costs less there than on this machine.\n"
        );
    }

    md.push_str(&cold_lambda_md(inputs));

    let _ = writeln!(md, "\n## DynamoDB cost per operation\n");
    let rows = ddb_rows(inputs);
    if rows.is_empty() {
        let _ = writeln!(md, "Not measured in this run.");
    } else {
        let d = inputs.ddb.as_ref().unwrap();
        let _ = writeln!(
            md,
            "`ddb-cost`: the chat's own code (`Chat` over `DynamoStore`) against DynamoDB Local, \
             through a proxy that adds `\"ReturnConsumedCapacity\":\"TOTAL\"` to every request and \
             reads the answer. Units: {}. Settings as deployed (rate limit {}) unless the row \
             says otherwise. *Round trips* is the longest chain of requests that wait for one \
             another (the proxy adds {} ms to each request so that concurrent and sequential \
             requests cannot be confused; *wall ms* includes it).\n",
            d["units_source"].as_str().unwrap_or("?"),
            d["rate_limit"],
            d["added_latency_ms"]
        );
        let _ = writeln!(
            md,
            "| operation | requests | by type | RCU | WCU | round trips | before first post | wall ms |\n|---|---:|---|---:|---:|---:|---:|---:|"
        );
        for r in &rows {
            let by: Vec<String> = r["by_operation"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| format!("{v} {k}")).collect())
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r["operation"].as_str().unwrap_or(""),
                r["requests"],
                by.join(", "),
                r["read_units"],
                r["write_units"],
                r["round_trips"],
                r["round_trips_before_first_post"]
                    .as_u64()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "".into()),
                f(r["wall_ms"].as_f64().unwrap_or(0.0), 1)
            );
        }
        md.push_str(&chart("ddb-capacity.png", "capacity units per operation"));
        let _ = writeln!(
            md,
            "\nThe rate limiter (a GCRA state item per sender, one conditional `UpdateItem` that \
             runs concurrently with the receiver lookup) adds one write unit to every send, and \
             a second request and unit when a sender is inside a burst (the first, \"fresh\" \
             condition fails, then the burst update runs). A failed condition is not reported by \
             DynamoDB Local and is counted here at DynamoDB's documented minimum of 1 WCU.\n"
        );
    }

    let _ = writeln!(md, "\n## Reproduce\n");
    let _ = writeln!(
        md,
        "```sh\nbash scripts/bench.sh            # everything above, about 5 minutes; rewrites this file and docs/cost.md\n\
         bash scripts/bench.sh --smoke    # every mode for a few seconds (CI), results in target/bench/smoke\n\
         target/release/chat-bench --url ws://HOST:PORT saturate --pairs 16   # any server with the seed protocol\n```\n\n\
         Raw results (JSON) are in `target/bench/results/`. `docs/cost.md` turns these figures \
         into dollars; `docs/scaling.md` says where the deployed system breaks first."
    );
    md
}
