//! The charts of docs/performance.md, drawn from the same results.

use std::path::Path;

use super::{cold_functions, ddb_rows, f, num, thousands, Inputs};

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
