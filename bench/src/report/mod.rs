//! `docs/performance.md` and `docs/cost.md` from the JSON results of one benchmark run.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::load::LoadResult;

mod attachments;
mod data_rules;
mod events;
mod inputs;
mod lambda;
mod rounds;
mod side_by_side;
mod test_times;
use lambda::{cold_lambda_md, cold_lambda_verdicts, memory_size_md};
use side_by_side::{scaling_verdicts, side_by_side_md, side_by_side_verdicts};

pub use inputs::{load, Inputs};

/// List prices used by the cost model (us-east-1, on-demand, no free tier).
pub struct Prices {
    pub as_of: &'static str,
    /// API Gateway WebSocket: per million messages (first billion a month; 32 KB units).
    pub ws_message_per_million: f64,
    /// Per million connection minutes.
    pub ws_connection_minutes_per_million: f64,
    /// Lambda arm64, per GB-second (first 7.5 billion GB-s a month).
    pub lambda_gb_second: f64,
    pub lambda_requests_per_million: f64,
    /// DynamoDB on-demand, per million write / read request units (since 2024-11-01).
    pub ddb_wru_per_million: f64,
    pub ddb_rru_per_million: f64,
}

pub const PRICES: Prices = Prices {
    as_of: "2026-11-24 (DynamoDB on-demand rates as cut on 2024-11-01; API Gateway and Lambda arm64 rates unchanged since their introduction)",
    ws_message_per_million: 1.00,
    ws_connection_minutes_per_million: 0.25,
    lambda_gb_second: 0.000_013_333_4,
    lambda_requests_per_million: 0.20,
    ddb_wru_per_million: 0.625,
    ddb_rru_per_million: 0.125,
};

/// Assumptions of the Lambda duration model (not measurable on this machine).
pub struct Model {
    pub memory_mb: f64,
    /// One DynamoDB request from Lambda in the same region.
    pub ddb_round_trip_ms: f64,
    /// One Management API `POST @connections` from Lambda.
    pub post_ms: f64,
    /// Lambda gives a function 1 vCPU at 1,769 MB, proportionally less below.
    pub full_vcpu_mb: f64,
}

pub const MODEL: Model = Model {
    // ws-message's MemorySize in template.yaml (chosen from "MemorySize, measured").
    memory_mb: 256.0,
    ddb_round_trip_ms: 5.0,
    post_ms: 15.0,
    full_vcpu_mb: 1769.0,
};

fn f(v: f64, digits: usize) -> String {
    format!("{v:.digits$}")
}

/// 12345.6 -> "12,346"
fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn ddb_rows(inputs: &Inputs) -> Vec<Value> {
    inputs
        .ddb
        .as_ref()
        .and_then(|d| d.get("rows"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn ddb_row(inputs: &Inputs, prefix: &str) -> Option<Value> {
    ddb_rows(inputs).into_iter().find(|r| {
        r["operation"]
            .as_str()
            .is_some_and(|o| o.starts_with(prefix))
    })
}

fn num(v: &Value, path: &str) -> f64 {
    v.pointer(path).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn cold_functions(inputs: &Inputs) -> Vec<Value> {
    inputs
        .cold
        .as_ref()
        .and_then(|c| c.get("functions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn cold_function(inputs: &Inputs, name: &str) -> Option<Value> {
    cold_functions(inputs)
        .into_iter()
        .find(|f| f["name"].as_str() == Some(name))
}

struct Verdict {
    target: String,
    measured: String,
    met: Option<bool>,
}

/// The saturation run that delivered the most messages a second.
fn best_saturation(inputs: &Inputs) -> Option<&LoadResult> {
    inputs
        .saturate
        .iter()
        .max_by(|a, b| a.messages_per_s.total_cmp(&b.messages_per_s))
}

fn verdicts(inputs: &Inputs) -> Vec<Verdict> {
    let mut out = Vec::new();
    let best = best_saturation(inputs);
    out.push(Verdict {
        target: "chat-local, embedded store: >= 20,000 delivered messages/s at saturation".into(),
        measured: best
            .map(|b| {
                format!(
                    "{} messages/s ({} clients){}",
                    thousands(b.messages_per_s),
                    b.clients,
                    if b.messages_per_s < 20_000.0 {
                        format!(", gap {} /s", thousands(20_000.0 - b.messages_per_s))
                    } else {
                        String::new()
                    }
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: best.map(|b| b.messages_per_s >= 20_000.0),
    });
    out.extend(side_by_side_verdicts(inputs));
    out.extend(scaling_verdicts(inputs));
    let at5000 = inputs
        .rate
        .iter()
        .find(|r| r.offered_rate.is_some_and(|x| (x - 5000.0).abs() < 1.0));
    out.push(Verdict {
        target: "p99 delivery latency <= 10 ms at 5,000 messages/s".into(),
        measured: at5000
            .map(|r| {
                format!(
                    "p99 {} ms (p50 {}, max {}), {} of {} delivered",
                    f(r.latency_ms.p99, 2),
                    f(r.latency_ms.p50, 2),
                    f(r.latency_ms.max, 1),
                    thousands(r.delivered as f64),
                    thousands(r.sent as f64)
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: at5000.map(|r| r.latency_ms.p99 <= 10.0 && r.lost == 0),
    });
    out.push(Verdict {
        target: "10,000 idle connections held, <= 16 KB of server memory each".into(),
        measured: inputs
            .idle
            .as_ref()
            .map(|i| {
                format!(
                    "{} opened, {} alive after {} s; {} KB each",
                    thousands(i.opened as f64),
                    thousands(i.alive_after_hold as f64),
                    i.hold_s,
                    i.server_bytes_per_connection
                        .map(|b| f(b / 1024.0, 1))
                        .unwrap_or_else(|| "?".into())
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: inputs.idle.as_ref().map(|i| {
            i.connections >= 10_000
                && i.alive_after_hold >= 10_000
                && i.server_bytes_per_connection
                    .is_some_and(|b| b <= 16.0 * 1024.0)
        }),
    });
    let functions = cold_functions(inputs);
    let chat: Vec<&Value> = functions
        .iter()
        .filter(|f| f["name"].as_str() != Some("hello-lambda"))
        .collect();
    // The deployed functions, not their reference builds (`ws-message+system-malloc`).
    let worst = chat
        .iter()
        .filter(|f| {
            crate::split_variant(f["name"].as_str().unwrap_or(""))
                .1
                .is_none()
        })
        .filter_map(|f| {
            f["init_vs_floor"]
                .as_f64()
                .map(|r| (r, f["name"].as_str().unwrap_or("")))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    out.push(Verdict {
        target: "function init within 1.5x the hello-world floor".into(),
        measured: worst
            .map(|(r, name)| {
                format!(
                    "worst {name}: {}x ({} ms vs {} ms)",
                    f(r, 2),
                    f(
                        num(
                            &cold_function(inputs, name).unwrap_or_default(),
                            "/init_ms/p50"
                        ),
                        2
                    ),
                    f(
                        num(
                            &cold_function(inputs, "hello-lambda").unwrap_or_default(),
                            "/init_ms/p50"
                        ),
                        2
                    )
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: worst.map(|(r, _)| r <= 1.5),
    });
    out.extend(cold_lambda_verdicts(inputs));
    let init_requests = chat
        .iter()
        .map(|f| f["init_dynamodb_requests"].as_u64().unwrap_or(0))
        .max();
    // Init's only requests are its primers (chat_edge::lambda::prime): at most four reads.
    out.push(Verdict {
        target: "init's only network calls are its primers: at most 4 DynamoDB reads".into(),
        measured: init_requests
            .map(|n| format!("at most {n} DynamoDB requests during any init"))
            .unwrap_or_else(|| "not measured".into()),
        met: init_requests.map(|n| n <= 4),
    });
    let marks: Vec<Value> = ddb_rows(inputs)
        .into_iter()
        .filter(|r| {
            r["operation"]
                .as_str()
                .is_some_and(|o| o.starts_with("mark read"))
        })
        .collect();
    let same = marks.windows(2).all(|w| {
        w[0]["requests"] == w[1]["requests"]
            && w[0]["read_units"] == w[1]["read_units"]
            && w[0]["write_units"] == w[1]["write_units"]
    });
    out.push(Verdict {
        target: "mark-read cost independent of the number of messages marked".into(),
        measured: if marks.is_empty() {
            "not measured".into()
        } else {
            marks
                .iter()
                .map(|r| {
                    format!(
                        "{}: {} req, {} RCU + {} WCU",
                        r["operation"]
                            .as_str()
                            .unwrap_or("")
                            .trim_start_matches("mark read, "),
                        r["requests"],
                        r["read_units"],
                        r["write_units"]
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        },
        met: (!marks.is_empty()).then_some(same),
    });
    let send = ddb_row(inputs, "send, user to administrator, one device");
    let core = ddb_row(
        inputs,
        "send, user to administrator, one device, rate limit off",
    );
    let send = send.filter(|s| {
        s["operation"]
            != Value::String("send, user to administrator, one device, rate limit off".into())
    });
    out.push(Verdict {
        target: "send within 2 write units".into(),
        measured: match (&send, &core) {
            (Some(s), Some(c)) => format!(
                "{} WCU as deployed (rate limiter on); {} WCU without the rate limiter",
                s["write_units"], c["write_units"]
            ),
            (Some(s), None) => format!("{} WCU", s["write_units"]),
            _ => "not measured".into(),
        },
        met: send
            .as_ref()
            .map(|s| s["write_units"].as_f64().unwrap_or(99.0) <= 2.0),
    });
    let steady = ddb_row(inputs, STEADY_SEND);
    out.push(Verdict {
        target: "send in an ongoing conversation within 5 write units (rate limiter on)".into(),
        measured: steady
            .as_ref()
            .map(|s| {
                format!(
                    "{} WCU, {} RCU ({STEADY_SEND})",
                    s["write_units"], s["read_units"]
                )
            })
            .unwrap_or_else(|| "not measured".into()),
        met: steady
            .as_ref()
            .map(|s| s["write_units"].as_f64().unwrap_or(99.0) <= 5.0),
    });
    let changes: Vec<Value> = ["edit, peer named (read directly)", "react", "delete"]
        .iter()
        .filter_map(|op| ddb_row(inputs, op))
        .collect();
    out.push(Verdict {
        target: "edit, delete and react within 2 round trips before the update is posted".into(),
        measured: changes
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r["operation"].as_str().unwrap_or(""),
                    r["round_trips_before_first_post"]
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        met: (!changes.is_empty()).then(|| {
            changes
                .iter()
                .all(|r| r["round_trips_before_first_post"].as_u64().unwrap_or(99) <= 2)
        }),
    });
    let inbox: Vec<Value> = inputs
        .ddb
        .as_ref()
        .and_then(|d| d["rows"].as_array())
        .map(|rows| {
            rows.iter()
                .filter(|r| {
                    r["operation"]
                        .as_str()
                        .is_some_and(|o| o.starts_with("inbox page"))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    out.push(Verdict {
        target: "inbox page: one Query plus at most one batched read, whatever the number of conversations".into(),
        measured: inbox
            .iter()
            .map(|r| format!("{}: {} req ({})", r["operation"].as_str().unwrap_or(""), r["requests"], r["by_operation"]))
            .collect::<Vec<_>>()
            .join("; "),
        met: (!inbox.is_empty()).then(|| {
            inbox.iter().all(|r| {
                r["by_operation"]["Query"].as_u64() == Some(1)
                    && r["by_operation"]["BatchGetItem"].as_u64().unwrap_or(0) <= 1
            })
        }),
    });
    out.push(Verdict {
        target: "send within 2 sequential DynamoDB round trips before the first post".into(),
        measured: send
            .as_ref()
            .map(|s| format!("{} round trips", s["round_trips_before_first_post"]))
            .unwrap_or_else(|| "not measured".into()),
        met: send
            .as_ref()
            .map(|s| s["round_trips_before_first_post"].as_u64().unwrap_or(99) <= 2),
    });
    out
}

fn status(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

fn meta_str(inputs: &Inputs, key: &str) -> String {
    inputs.meta[key]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| inputs.meta[key].to_string())
}

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

/// Lambda billed milliseconds of one `ws-message` invocation under the model: network waits on
/// the critical path plus the measured CPU time scaled to the memory size's CPU share.
/// The send the cost model and the write-unit target use: an answer in an ongoing conversation.
const STEADY_SEND: &str = "send, conversation on top of both inboxes (an answer)";

pub fn send_billed_ms(inputs: &Inputs) -> (f64, f64, f64) {
    let send = ddb_row(inputs, STEADY_SEND)
        .or_else(|| ddb_row(inputs, "send, user to administrator, one device"));
    let trips = send
        .as_ref()
        .and_then(|s| s["round_trips_before_first_post"].as_f64())
        .unwrap_or(2.0);
    let wait = trips * MODEL.ddb_round_trip_ms + MODEL.post_ms.max(MODEL.ddb_round_trip_ms);
    let cpu = cold_function(inputs, "ws-message")
        .map(|f| num(&f, "/warm_invocation_cpu_ms/p50"))
        .filter(|c| c.is_finite())
        .unwrap_or(2.0);
    let scaled = cpu * MODEL.full_vcpu_mb / MODEL.memory_mb;
    ((wait + scaled).ceil(), wait, scaled)
}

pub fn cost_md(inputs: &Inputs) -> String {
    let p = &PRICES;
    let mut md = String::new();
    // The typical message: an answer in an ongoing conversation (a first message also creates
    // both inbox entries; docs/cost.md's rows say what each costs).
    let send = ddb_row(inputs, STEADY_SEND)
        .or_else(|| ddb_row(inputs, "send, user to administrator, one device"));
    // More receiver devices cost posts, not units.
    let send3 = send.clone();
    let (wcu, rcu) = send
        .as_ref()
        .map(|s| (num(s, "/write_units"), num(s, "/read_units")))
        .unwrap_or((3.0, 0.5));
    let (wcu3, rcu3) = send3
        .as_ref()
        .map(|s| (num(s, "/write_units"), num(s, "/read_units")))
        .unwrap_or((wcu, rcu));
    let (billed_ms, wait_ms, cpu_ms) = send_billed_ms(inputs);
    let gb_s = MODEL.memory_mb / 1024.0 * billed_ms / 1000.0;
    let lambda = 1e6 * gb_s * p.lambda_gb_second + p.lambda_requests_per_million;
    let ours = |devices: f64, wcu: f64, rcu: f64| -> (f64, f64, f64, f64) {
        let messages = 2.0 + devices;
        let apigw = messages * p.ws_message_per_million;
        let ddb = wcu * p.ddb_wru_per_million + rcu * p.ddb_rru_per_million;
        (apigw, lambda, ddb, apigw + lambda + ddb)
    };
    let _ = writeln!(
        md,
        "# Cost per million messages\n\n\
         Generated by `bench-report` from the figures in [performance.md](performance.md) (run \
         {} from commit `{}`); do not edit by hand. What a user pays for is API Gateway \
         messages and connection minutes, Lambda requests and billed GB-seconds, and DynamoDB \
         request units. Storage, data transfer and logs are left out (below).\n",
        meta_str(inputs, "date"),
        meta_str(inputs, "commit")
    );
    let _ = writeln!(md, "## List prices used\n\nus-east-1, on-demand, no free tier; as of {}. Check the AWS pricing pages before relying on them; the constants are in `bench/src/report.rs`.\n", p.as_of);
    let _ = writeln!(md, "| item | price |\n|---|---:|");
    let _ = writeln!(
        md,
        "| API Gateway WebSocket messages (32 KB units; first billion a month) | ${} per million |",
        f(p.ws_message_per_million, 2)
    );
    let _ = writeln!(
        md,
        "| API Gateway WebSocket connection minutes | ${} per million |",
        f(p.ws_connection_minutes_per_million, 2)
    );
    let _ = writeln!(
        md,
        "| Lambda arm64 duration | ${} per GB-second |",
        p.lambda_gb_second
    );
    let _ = writeln!(
        md,
        "| Lambda requests | ${} per million |",
        f(p.lambda_requests_per_million, 2)
    );
    let _ = writeln!(
        md,
        "| DynamoDB on-demand writes | ${} per million WRU |",
        f(p.ddb_wru_per_million, 3)
    );
    let _ = writeln!(
        md,
        "| DynamoDB on-demand reads | ${} per million RRU |",
        f(p.ddb_rru_per_million, 3)
    );

    let _ = writeln!(md, "\n## This design\n");
    let _ = writeln!(
        md,
        "One chat message from a user to an administrator with one open device:\n\n\
         - **API Gateway**: {} messages, each under 32 KB: the frame in, the delivered frame out \
         (one Management API post per receiver device), and the ack (the two-way route's \
         response).\n\
         - **Lambda**: one `ws-message` invocation. Billed duration is modelled, not measured \
         (no AWS here): {} sequential DynamoDB round trips before the post at {} ms each, then \
         the post ({} ms) concurrently with the unread counter, plus the CPU time measured for a \
         warm invocation ({} ms on one core of this machine) scaled to the CPU share of {} MB \
         (Lambda gives 1 vCPU at {} MB): {} ms of waiting + {} ms of CPU = **{} ms billed** at \
         {} MB, {} GB-s.\n\
         - **DynamoDB** (measured): {} WCU + {} RCU.\n",
        3,
        send.as_ref()
            .map(|s| s["round_trips_before_first_post"].to_string())
            .unwrap_or_else(|| "2".into()),
        MODEL.ddb_round_trip_ms,
        MODEL.post_ms,
        f(
            cold_function(inputs, "ws-message")
                .map(|f| num(&f, "/warm_invocation_cpu_ms/p50"))
                .unwrap_or(f64::NAN),
            2
        ),
        MODEL.memory_mb,
        MODEL.full_vcpu_mb,
        f(wait_ms, 0),
        f(cpu_ms, 1),
        billed_ms,
        MODEL.memory_mb,
        f(gb_s, 5),
        wcu,
        rcu
    );
    let _ = writeln!(
        md,
        "| per million messages | API Gateway | Lambda | DynamoDB | **total** |\n|---|---:|---:|---:|---:|"
    );
    for (label, devices, w, r) in [
        ("receiver with one device", 1.0, wcu, rcu),
        ("receiver with three devices", 3.0, wcu3, rcu3),
    ] {
        let (a, l, d, t) = ours(devices, w, r);
        let _ = writeln!(
            md,
            "| {label} | ${} | ${} | ${} | **${}** |",
            f(a, 2),
            f(l, 2),
            f(d, 2),
            f(t, 2)
        );
    }
    let core = ddb_row(
        inputs,
        "send, user to administrator, one device, rate limit off",
    );
    if let Some(c) = &core {
        let d = num(c, "/write_units") * p.ddb_wru_per_million
            + num(c, "/read_units") * p.ddb_rru_per_million;
        let _ = writeln!(
            md,
            "\nWithout the per-sender rate limiter the DynamoDB share would be ${} ({} WCU + {} RCU): \
             the limiter's state item costs a write unit per message, more in bursts.",
            f(d, 2),
            c["write_units"],
            c["read_units"]
        );
    }
    let (apigw1, _, _, total1) = ours(1.0, wcu, rcu);
    let _ = writeln!(
        md,
        "\nAPI Gateway is {}% of the bill and is fixed by the protocol (a frame in, a frame out \
         per device, an ack). Dropping the ack would save $1 per million messages but the client \
         would lose its delivery receipt.\n",
        f(apigw1 / total1 * 100.0, 0)
    );
    let _ = writeln!(
        md,
        "At 128 MB most of the billed time is CPU (Lambda's CPU share grows with memory), so \
         more memory costs about the same per message and lowers latency and concurrency:\n"
    );
    let _ = writeln!(
        md,
        "| memory | billed ms | Lambda per million messages |\n|---:|---:|---:|"
    );
    for memory in [128.0f64, 256.0, 512.0, 1024.0] {
        let cpu = cold_function(inputs, "ws-message")
            .map(|f| num(&f, "/warm_invocation_cpu_ms/p50"))
            .filter(|c| c.is_finite())
            .unwrap_or(2.0)
            * (MODEL.full_vcpu_mb / memory).max(1.0);
        let billed = (wait_ms + cpu).ceil();
        let dollars = 1e6 * memory / 1024.0 * billed / 1000.0 * p.lambda_gb_second
            + p.lambda_requests_per_million;
        let _ = writeln!(md, "| {} MB | {} | ${} |", memory, billed, f(dollars, 2));
    }
    let _ = writeln!(md);
    md.push_str(&memory_size_md(inputs, p));
    let _ = writeln!(md, "### Per connected user\n");
    let minutes = 8.0 * 60.0 * 30.0;
    let connect = ddb_row(inputs, "connect");
    let disconnect = ddb_row(inputs, "disconnect");
    let connect_wcu = connect
        .as_ref()
        .map(|c| num(c, "/write_units"))
        .unwrap_or(2.0)
        + disconnect
            .as_ref()
            .map(|c| num(c, "/write_units"))
            .unwrap_or(1.0);
    let _ = writeln!(
        md,
        "Connection minutes are paid whether or not anything is said: a client connected 8 hours \
         a day for 30 days is {} minutes, **${}** a month. API Gateway closes every connection \
         after 2 hours, so that client also reconnects at least 4 times a day: each connection \
         costs the `$connect` authorizer and function invocations, the `$disconnect` invocation, \
         and {} WCU (${} per million connections in DynamoDB).\n",
        thousands(minutes),
        f(minutes * p.ws_connection_minutes_per_million / 1e6, 4),
        connect_wcu,
        f(connect_wcu * p.ddb_wru_per_million, 2)
    );

    let _ = writeln!(md, "## Next to a broadcast design\n");
    let _ = writeln!(
        md,
        "AWS's `simple-websockets-chat-app` sample keeps one item per connection and, for every \
         message, Scans the connections table and posts the message to every connection. Its \
         cost per message grows with the number of connected clients N: 1 + N API Gateway \
         messages, a Scan that reads every connection item (about 50 bytes each, eventually \
         consistent: 0.5 RCU per 4 KB read), and a Lambda invocation that waits for one Scan \
         page per MB and N posts (concurrent; modelled at the same {} ms per post plus the \
         measured CPU per post below). It stores nothing and has no read state, so the \
         comparison flatters it.\n",
        MODEL.post_ms
    );
    // CPU of one post, from chat-local's measured server CPU per message is not separable;
    // use the SDK post share of the ws-message warm CPU: the whole warm CPU over its 5 SDK calls.
    let per_call_cpu_ms = cold_function(inputs, "ws-message")
        .map(|f| num(&f, "/warm_invocation_cpu_ms/p50") / 5.0)
        .filter(|c| c.is_finite())
        .unwrap_or(0.4);
    let _ = writeln!(
        md,
        "| connected clients N | API Gateway msgs | Scan RCU | Lambda billed ms | per million messages | this design |\n|---:|---:|---:|---:|---:|---:|"
    );
    let (_, _, _, ours_total) = ours(1.0, wcu, rcu);
    for n in [10.0f64, 100.0, 1_000.0, 10_000.0] {
        let bytes = n * 50.0;
        let rcu_scan = 0.5 * (bytes / 4096.0).ceil().max(1.0);
        let pages = (bytes / 1_048_576.0).ceil().max(1.0);
        let cpu = (n + 1.0) * per_call_cpu_ms * MODEL.full_vcpu_mb / MODEL.memory_mb;
        let billed = (pages * MODEL.ddb_round_trip_ms + MODEL.post_ms + cpu).ceil();
        let lambda = 1e6 * MODEL.memory_mb / 1024.0 * billed / 1000.0 * p.lambda_gb_second
            + p.lambda_requests_per_million;
        let apigw = (1.0 + n) * p.ws_message_per_million;
        let ddb = rcu_scan * p.ddb_rru_per_million;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | **${}** | ${} |",
            thousands(n),
            thousands(1.0 + n),
            rcu_scan,
            thousands(billed),
            thousands(apigw + lambda + ddb),
            f(ours_total, 2)
        );
    }
    let _ = writeln!(
        md,
        "\nThe CPU per post ({} ms on one core here) is the measured warm `ws-message` CPU divided \
         by its five SDK calls. A broadcast design is cheaper only when nearly everyone must \
         receive every message; for one-to-one chat each message reaches one receiver's devices, \
         so this design's cost per message does not grow with the number of users.\n",
        f(per_call_cpu_ms, 3)
    );
    let _ = writeln!(md, "## Reading messages\n");
    let marks: Vec<Value> = ddb_rows(inputs)
        .into_iter()
        .filter(|r| {
            r["operation"]
                .as_str()
                .is_some_and(|o| o.starts_with("mark read"))
        })
        .collect();
    if let Some(last) = marks.last() {
        let _ = writeln!(
            md,
            "Marking messages read costs {} RCU + {} WCU however many there are (measured for {}). \
             A read flag per message, as in the seed design's `mark_messages_as_read`, costs at \
             least one write per message plus the query that finds them: 1,000 unread messages \
             would be 1,000 WCU (${} per million such mark-reads) instead of ${}.\n",
            last["read_units"],
            last["write_units"],
            marks
                .iter()
                .map(|r| r["operation"].as_str().unwrap_or("").trim_start_matches("mark read, ").to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            thousands(1000.0 * p.ddb_wru_per_million),
            f(
                num(last, "/write_units") * p.ddb_wru_per_million
                    + num(last, "/read_units") * p.ddb_rru_per_million,
                2
            )
        );
    }
    md.push_str(&events::events_out_md(inputs, p));
    md.push_str(&attachments::attachments_md(inputs, p));
    md.push_str(&data_rules::data_rules_md(inputs, p));
    let _ = writeln!(
        md,
        "## Left out\n\n\
         - DynamoDB storage ($0.25 per GB-month; a message item is about 0.3 KB + its text, so a \
         million messages are about 0.4 GB, $0.10 a month, kept for ever unless `RetentionDays` is \
         set: see Data rules), \
         point-in-time recovery (about $0.20 per GB-month).\n\
         - Data transfer out (frames are a few hundred bytes: 1 million delivered frames are \
         about 0.3 GB, $0.03 at $0.09/GB).\n\
         - CloudWatch Logs: every invocation writes Lambda's START/END/REPORT lines (about 300 \
         bytes) at $0.50 per GB ingested: $0.15 per million invocations, more if handlers log per \
         message.\n\
         - The HTTP API (mark read, history, unread) at $1.00 per million requests plus its \
         function and the units in performance.md.\n\
         - Free tiers and volume tiers (API Gateway messages beyond a billion a month cost $0.80 \
         per million)."
    );
    md
}

/// Draws every chart it has data for into `img`; returns the file names drawn.
pub fn draw_charts(inputs: &Inputs, img: &Path) -> Vec<String> {
    let mut drawn = Vec::new();
    if crate::charts::init_font().is_none() {
        eprintln!("bench-report: no TrueType font found (set BENCH_FONT): charts skipped");
        return drawn;
    }
    let _ = std::fs::create_dir_all(img);
    let mut record = |name: &str, result: Result<(), Box<dyn std::error::Error>>| match result {
        Ok(()) => drawn.push(name.to_owned()),
        Err(e) => eprintln!("bench-report: chart {name}: {e}"),
    };
    if !inputs.saturate.is_empty() {
        let points: Vec<(f64, f64)> = inputs
            .saturate
            .iter()
            .map(|r| (r.clients as f64, r.messages_per_s))
            .collect();
        record(
            "throughput-vs-clients.png",
            crate::charts::throughput_vs_clients(
                &img.join("throughput-vs-clients.png"),
                &points,
                20_000.0,
            ),
        );
    }
    if !inputs.rate.is_empty() {
        let series: Vec<(String, Vec<(f64, u64)>)> = inputs
            .rate
            .iter()
            .map(|r| {
                (
                    format!(
                        "{}/s offered (p99 {} ms)",
                        thousands(r.offered_rate.unwrap_or(0.0)),
                        f(r.latency_ms.p99, 1)
                    ),
                    r.latency_histogram.clone(),
                )
            })
            .collect();
        record(
            "latency-distribution.png",
            crate::charts::latency_distribution(
                &img.join("latency-distribution.png"),
                "chat-local: delivery latency at fixed rates",
                &series,
                Some(10.0),
            ),
        );
    }
    let rows = ddb_rows(inputs);
    if !rows.is_empty() {
        let labels: Vec<String> = rows
            .iter()
            .map(|r| r["operation"].as_str().unwrap_or("").to_owned())
            .collect();
        let rcu: Vec<f64> = rows
            .iter()
            .map(|r| r["read_units"].as_f64().unwrap_or(0.0))
            .collect();
        let wcu: Vec<f64> = rows
            .iter()
            .map(|r| r["write_units"].as_f64().unwrap_or(0.0))
            .collect();
        record(
            "ddb-capacity.png",
            crate::charts::horizontal_bars(
                &img.join("ddb-capacity.png"),
                "DynamoDB capacity units per operation (measured)",
                "capacity units",
                &labels,
                &[("WCU", wcu), ("RCU", rcu)],
            ),
        );
    }
    let functions = cold_functions(inputs);
    if !functions.is_empty() {
        let labels: Vec<String> = functions
            .iter()
            .map(|f| f["name"].as_str().unwrap_or("").to_owned())
            .collect();
        let init: Vec<f64> = functions
            .iter()
            .map(|f| (num(f, "/init_ms/p50") * 100.0).round() / 100.0)
            .collect();
        let first: Vec<f64> = functions
            .iter()
            .map(|f| (num(f, "/first_invocation_ms/p50") * 100.0).round() / 100.0)
            .collect();
        record(
            "cold-start.png",
            crate::charts::horizontal_bars(
                &img.join("cold-start.png"),
                "Cold start, median ms (hello-lambda is the floor)",
                "milliseconds",
                &labels,
                &[("init", init), ("first invocation", first)],
            ),
        );
    }
    drawn
}
