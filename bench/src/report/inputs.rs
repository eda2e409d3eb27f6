//! What one benchmark run left in its results directory, read back for the report.

use std::path::Path;

use serde_json::Value;

use crate::load::{IdleResult, LoadResult};

/// Everything one run of `scripts/bench.sh` produced.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Where the results are.
    pub dir: std::path::PathBuf,
    pub meta: Value,
    /// Saturation runs, by number of pairs.
    pub saturate: Vec<LoadResult>,
    /// The same saturation run against each server (`side-<server>.json`), by server name.
    pub side_by_side: Vec<(String, LoadResult)>,
    /// Fixed-rate runs, by offered rate.
    pub rate: Vec<LoadResult>,
    pub idle: Option<IdleResult>,
    /// The overload pass: a fixed rate of twice the side-by-side saturation, guards on.
    pub overload: Option<LoadResult>,
    pub cold: Option<Value>,
    /// Cold starts as on Lambda (TLS, the CPU share): `cold-start-lambda-<pass>.json`, by name.
    pub cold_lambda: Vec<(String, Value)>,
    pub ddb: Option<Value>,
    /// Rounds the saturation and side-by-side runs were repeated in (the median is kept).
    pub rounds: usize,
    /// The last run of the test command before this one (`test-times.txt`).
    pub test_times: Option<super::test_times::TestTimes>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            eprintln!("bench-report: {} is not a result: {e}", path.display());
            None
        }
    }
}

pub fn load(dir: &Path) -> Inputs {
    let mut inputs = Inputs {
        dir: dir.to_path_buf(),
        meta: read_json(&dir.join("meta.json")).unwrap_or(Value::Null),
        idle: read_json(&dir.join("idle.json")),
        overload: read_json(&dir.join("overload.json")),
        cold: read_json(&dir.join("cold-start.json")),
        ddb: read_json(&dir.join("ddb-cost.json")),
        test_times: std::fs::read_to_string(dir.join("test-times.txt"))
            .ok()
            .and_then(|t| super::test_times::TestTimes::parse(&t)),
        ..Inputs::default()
    };
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    for path in names {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("saturate-") && name.ends_with(".json") {
            inputs.saturate.extend(read_json::<LoadResult>(&path));
        } else if let Some(server) = name
            .strip_prefix("side-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            if let Some(r) = read_json::<LoadResult>(&path) {
                inputs
                    .side_by_side
                    .push((super::rounds::without_round(server).to_owned(), r));
            }
        } else if name.starts_with("rate-") && name.ends_with(".json") {
            inputs.rate.extend(read_json::<LoadResult>(&path));
        } else if let Some(pass) = name
            .strip_prefix("cold-start-lambda-")
            .and_then(|n| n.strip_suffix(".json"))
        {
            if let Some(v) = read_json::<Value>(&path) {
                inputs.cold_lambda.push((pass.to_owned(), v));
            }
        }
    }
    inputs.saturate.sort_by_key(|r| r.pairs);
    let saturate = std::mem::take(&mut inputs.saturate);
    inputs.rounds = saturate
        .iter()
        .map(|r| saturate.iter().filter(|o| o.pairs == r.pairs).count())
        .max()
        .unwrap_or(0);
    inputs.saturate = super::rounds::median_rounds(saturate, |r| r.pairs, |r| r.messages_per_s)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let side = std::mem::take(&mut inputs.side_by_side);
    inputs.side_by_side =
        super::rounds::median_rounds(side, |(n, _)| n.clone(), |(_, r)| r.messages_per_s)
            .into_iter()
            .map(|(_, r)| r)
            .collect();
    // chat-local as it ships first, its variants, the reference last.
    inputs
        .side_by_side
        .sort_by_key(|(name, _)| (name == "relay", name != "chat-local", name.clone()));
    inputs
        .cold_lambda
        .sort_by_key(|(name, run)| (run["memory_mb"].as_u64(), !name.contains("noprime")));
    inputs.rate.sort_by(|a, b| {
        a.offered_rate
            .unwrap_or(0.0)
            .total_cmp(&b.offered_rate.unwrap_or(0.0))
    });
    inputs
}
