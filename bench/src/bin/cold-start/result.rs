//! One function's figures over all its cold starts, as printed and written to the JSON.

use std::path::Path;

use chat_bench::stats::{self, Summary};
use serde::Serialize;

use crate::run::Samples;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FunctionResult {
    pub(crate) name: String,
    pub(crate) binary: String,
    pub(crate) bytes: u64,
    pub(crate) runs: usize,
    pub(crate) failures: usize,
    pub(crate) first_failure: Option<String>,
    pub(crate) init_ms: Summary,
    pub(crate) first_invocation_ms: Summary,
    pub(crate) warm_invocation_ms: Summary,
    /// Init plus first invocation: what the first caller waits for beyond a warm call.
    pub(crate) cold_total_ms: Summary,
    /// Most DynamoDB requests seen during any init.
    pub(crate) init_dynamodb_requests: usize,
    pub(crate) max_rss_kb: Summary,
    /// CPU time (all threads) of init, of the first and of the warm invocation, ms.
    pub(crate) init_cpu_ms: Summary,
    pub(crate) first_invocation_cpu_ms: Summary,
    pub(crate) warm_invocation_cpu_ms: Summary,
    /// Median init / the floor's median init.
    pub(crate) init_vs_floor: Option<f64>,
    /// Event handed out -> the first Management API post, in the first invocation.
    pub(crate) first_post_ms: Summary,
    /// TLS handshakes completed per cold start (median; 0 without `--tls`).
    pub(crate) tls_handshakes: f64,
    /// Of those, in the first invocation (0 when init opened every connection it needs).
    pub(crate) first_tls_handshakes: f64,
    /// Of those, in the warm invocations (0 when connections are reused).
    pub(crate) warm_tls_handshakes: f64,
    /// The control start (trusting another CA): handshakes completed and failed.
    pub(crate) control: Option<Control>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Control {
    pub(crate) completed: usize,
    pub(crate) failed: usize,
    /// No handshake completed, and at least one was tried and failed.
    pub(crate) verified: bool,
}

impl FunctionResult {
    /// Summarises a function's samples; `floor_init` is the floor's median init, `control`
    /// its control start's handshakes.
    pub(crate) fn new(
        name: &str,
        binary: &Path,
        s: Samples,
        floor_init: Option<f64>,
        control: Option<Control>,
    ) -> Self {
        let init = stats::summarize(&s.init);
        Self {
            name: name.to_owned(),
            binary: binary.display().to_string(),
            bytes: std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0),
            runs: s.init.len(),
            failures: s.failures,
            first_failure: s.first_failure,
            init_vs_floor: floor_init.filter(|f| *f > 0.0).map(|f| init.p50 / f),
            init_ms: init,
            first_invocation_ms: stats::summarize(&s.first),
            warm_invocation_ms: stats::summarize(&s.warm),
            cold_total_ms: stats::summarize(&s.total),
            init_dynamodb_requests: s.init_requests,
            max_rss_kb: stats::summarize(&s.rss),
            init_cpu_ms: stats::summarize(&s.init_cpu),
            first_invocation_cpu_ms: stats::summarize(&s.first_cpu),
            warm_invocation_cpu_ms: stats::summarize(&s.warm_cpu),
            first_post_ms: stats::summarize(&s.first_post),
            tls_handshakes: median_or_zero(&s.handshakes),
            first_tls_handshakes: median_or_zero(&s.first_handshakes),
            warm_tls_handshakes: median_or_zero(&s.warm_handshakes),
            control,
        }
    }

    /// The columns of [`FunctionResult::print`].
    pub(crate) fn print_header() {
        println!(
            "{:<16} {:>9} {:>9} {:>10} {:>9} {:>8} {:>9} {:>8} {:>9}",
            "function",
            "init ms",
            "1st ms",
            "warm ms",
            "vs floor",
            "init DB",
            "RSS kB",
            "bytes",
            "warm CPU"
        );
    }

    /// One line of figures, and with TLS the handshakes and the control.
    pub(crate) fn print(&self, tls: bool) {
        println!(
            "{:<16} {:>9.2} {:>9.2} {:>10.2} {:>9} {:>8} {:>9.0} {:>8} {:>9.3}",
            self.name,
            self.init_ms.p50,
            self.first_invocation_ms.p50,
            self.warm_invocation_ms.p50,
            self.init_vs_floor
                .map(|x| format!("{x:.2}x"))
                .unwrap_or_default(),
            self.init_dynamodb_requests,
            self.max_rss_kb.p50,
            self.bytes,
            self.warm_invocation_cpu_ms.p50
        );
        if let Some(f) = &self.first_failure {
            println!("  {} failure(s), first: {f}", self.failures);
        }
        if tls {
            println!(
                "  first CPU {:.1} ms, first post {:.2} ms, {} TLS handshakes per start ({} in the first invocation, {} in the warm ones); control: {}",
                self.first_invocation_cpu_ms.p50,
                self.first_post_ms.p50,
                self.tls_handshakes,
                self.first_tls_handshakes,
                self.warm_tls_handshakes,
                self.control.as_ref().map_or("-".into(), |c| format!(
                    "{} completed, {} refused{}",
                    c.completed,
                    c.failed,
                    match (c.verified, c.completed + c.failed) {
                        (true, _) => " (verified)",
                        (false, 0) => " (no connections)",
                        (false, _) => " (NOT VERIFIED)",
                    }
                ))
            );
        }
    }
}

fn median_or_zero(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        stats::median(values)
    }
}
