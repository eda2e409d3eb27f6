//! The targets' table: each target of docs/performance.md, what was measured against it, and
//! whether it is met.

use serde_json::Value;

use super::cost::STEADY_SEND;
use super::lambda::cold_lambda_verdicts;
use super::side_by_side::{scaling_verdicts, side_by_side_verdicts};
use super::{cold_function, cold_functions, ddb_row, ddb_rows_named, f, num, thousands, Inputs};
use crate::load::LoadResult;

pub(super) struct Verdict {
    pub(super) target: String,
    pub(super) measured: String,
    pub(super) met: Option<bool>,
}

/// The saturation run that delivered the most messages a second.
pub(super) fn best_saturation(inputs: &Inputs) -> Option<&LoadResult> {
    inputs
        .saturate
        .iter()
        .max_by(|a, b| a.messages_per_s.total_cmp(&b.messages_per_s))
}

pub(super) fn verdicts(inputs: &Inputs) -> Vec<Verdict> {
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
    let marks = ddb_rows_named(inputs, "mark read");
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

pub(super) fn status(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    }
}
