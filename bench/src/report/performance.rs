//! `docs/performance.md`: the machine, the targets, and each benchmark's section.

use std::fmt::Write as _;

use serde_json::Value;

use super::lambda::cold_lambda_md;
use super::load_runs::{fixed_rate_md, idle_md, saturation_md};
use super::side_by_side::side_by_side_md;
use super::verdicts::{status, verdicts};
use super::{cold_functions, ddb_rows, f, meta_str, num, thousands, Inputs};

pub(super) fn loadavg(v: &Value) -> String {
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
    md.push_str(&saturation_md(inputs, charts));

    md.push_str(&side_by_side_md(inputs));

    md.push_str(&fixed_rate_md(inputs, charts));
    md.push_str(&idle_md(inputs));

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
        md.push_str(&chart(
            charts,
            "cold-start.png",
            "median init time per function",
        ));
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
        md.push_str(&chart(
            charts,
            "ddb-capacity.png",
            "capacity units per operation",
        ));
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

/// The chart `name` as an image line, if it was drawn.
pub(super) fn chart(charts: &[String], name: &str, alt: &str) -> String {
    if charts.iter().any(|c| c == name) {
        format!("\n![{alt}](img/{name})\n")
    } else {
        String::new()
    }
}
