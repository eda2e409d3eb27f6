//! Time to first run: `cargo build --release -p chat-local` in an empty target directory, as a
//! newcomer's first `cargo run --release -p chat-local` compiles (scripts/bench.sh, full runs
//! only). `first-build.json` holds the wall time; `first-build-timing.html` is cargo's
//! `--timings` report, whose units say where the time went.

use std::path::Path;

use serde_json::Value;

use super::{f, Verdict};

/// The same build measured on this machine before the work on time to first run (6 min 15 s).
pub const BEFORE_S: f64 = 375.0;

/// `(unit, seconds)` of cargo's `--timings` report, slowest first.
pub fn slowest_units(html: &str) -> Vec<(String, f64)> {
    let Some(start) = html.find("const UNIT_DATA = ") else {
        return Vec::new();
    };
    let rest = &html[start + "const UNIT_DATA = ".len()..];
    let Some(end) = rest.find("];") else {
        return Vec::new();
    };
    let Ok(Value::Array(units)) = serde_json::from_str::<Value>(&rest[..=end]) else {
        return Vec::new();
    };
    let mut out: Vec<(String, f64)> = (units.iter())
        .map(|u| {
            let name = u["name"].as_str().unwrap_or("?");
            let target = u["target"].as_str().unwrap_or("").trim();
            let label = if target.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {target}")
            };
            (label, u["duration"].as_f64().unwrap_or(0.0))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

pub fn verdict(dir: &Path, first_build: Option<&Value>) -> Verdict {
    let target = format!(
        "time to first run: `cargo build --release -p chat-local` in an empty target directory \
         faster than before ({} s)",
        f(BEFORE_S, 0)
    );
    let Some(wall) = first_build.and_then(|b| b["wall_s"].as_f64()) else {
        return Verdict {
            target,
            measured: "not measured (smoke runs skip it)".into(),
            met: None,
        };
    };
    let html = std::fs::read_to_string(dir.join("first-build-timing.html")).unwrap_or_default();
    let units = slowest_units(&html);
    let total: f64 = units.iter().map(|(_, s)| s).sum();
    let slowest = (units.iter().take(5))
        .map(|(name, s)| format!("{name} {} s", f(*s, 0)))
        .collect::<Vec<_>>()
        .join(", ");
    Verdict {
        target,
        measured: format!(
            "{} min {} s wall ({} units, {} s of unit time; slowest: {slowest})",
            (wall / 60.0).floor(),
            f(wall % 60.0, 0),
            units.len(),
            f(total, 0)
        ),
        met: Some(wall < BEFORE_S),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_units_come_from_cargos_timing_report() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"tokio","version":"1","mode":"todo","target":"","start":0.1,"duration":5.3},
{"i":1,"name":"chat-local","version":"0.1.0","mode":"todo","target":" bin \"chat-local\"","start":9.0,"duration":75.4}];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = slowest_units(html);
        assert_eq!(
            units,
            [
                ("chat-local bin \"chat-local\"".to_owned(), 75.4),
                ("tokio".to_owned(), 5.3)
            ]
        );
        assert!(slowest_units("no report").is_empty());
    }
}
