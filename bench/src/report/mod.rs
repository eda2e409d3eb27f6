//! `docs/performance.md` and `docs/cost.md` from the JSON results of one benchmark run.

use serde_json::Value;

mod attachments;
mod cost;
mod data_rules;
mod draw;
mod events;
mod inputs;
mod lambda;
mod load_runs;
mod performance;
mod rounds;
mod side_by_side;
mod test_times;
mod verdicts;

pub use cost::{cost_md, send_billed_ms};
pub use draw::draw_charts;
pub use inputs::{load, Inputs};
pub use performance::performance_md;
use verdicts::{best_saturation, Verdict};

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

/// The DynamoDB cost rows whose operation starts with `prefix`, in the order measured.
fn ddb_rows_named(inputs: &Inputs, prefix: &str) -> Vec<Value> {
    ddb_rows(inputs)
        .into_iter()
        .filter(|r| {
            r["operation"]
                .as_str()
                .is_some_and(|o| o.starts_with(prefix))
        })
        .collect()
}

/// The first DynamoDB cost row whose operation starts with `prefix`.
fn ddb_row(inputs: &Inputs, prefix: &str) -> Option<Value> {
    ddb_rows_named(inputs, prefix).into_iter().next()
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

fn meta_str(inputs: &Inputs, key: &str) -> String {
    inputs.meta[key]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| inputs.meta[key].to_string())
}
