//! The report's sections from the cold-start passes as on Lambda (`cold-start --tls
//! --cpu-share MB`, files `cold-start-lambda-<pass>.json`): the table of every pass, the two
//! cold-start targets, and each function's MemorySize with its cost.

use std::fmt::Write as _;

use serde_json::Value;

use super::{f, num, Inputs, Prices, Verdict};

/// The cold starts as on Lambda: TLS to every endpoint and the CPU share of each pass.
pub(super) fn cold_lambda_md(inputs: &Inputs) -> String {
    let mut md = String::from("\n## Cold starts as on Lambda: TLS and the CPU share\n\n");
    if inputs.cold_lambda.is_empty() {
        md.push_str("Not measured in this run.\n");
        return md;
    }
    md.push_str(
        "`cold-start --tls --cpu-share MB`: DynamoDB and the Management API are reached over \
         TLS (a throwaway CA the functions trust through `SSL_CERT_FILE`; a control start per \
         function trusts another CA, and every handshake it tries must fail), and each process \
         is held to the CPU share Lambda gives that memory size (a cgroup v1 CPU quota of \
         MB x 100,000 / 1,769 us per 100,000 us) from its first `GET /next` on, as init is not \
         throttled on Lambda. *cold* is exec to the first response (init + first invocation); \
         *first post* is the first event handed out to its first Management API post (the \
         receiver's frame); *warm crypto off* passes run the same binaries with \
         `CHAT_WARM_CRYPTO=0`, so the TLS stack's generator is seeded in the first invocation \
         instead of in init. Medians.\n\n",
    );
    md.push_str(
        "| pass | function | init ms | first ms | warm ms | cold ms | first CPU ms | warm CPU ms | first post ms | TLS handshakes | control |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (pass, run) in &inputs.cold_lambda {
        let label = pass_label(pass, run);
        for fun in run["functions"].as_array().into_iter().flatten() {
            let control = match fun.get("control").filter(|c| !c.is_null()) {
                Some(c) if c["verified"] == true => format!("{} refused", c["failed"]),
                Some(c) if c["completed"] == 0 && c["failed"] == 0 => "no connections".into(),
                Some(c) => format!("**{} completed**", c["completed"]),
                None => "-".into(),
            };
            let post = num(fun, "/first_post_ms/p50");
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {control} |",
                fun["name"].as_str().unwrap_or(""),
                f(num(fun, "/init_ms/p50"), 1),
                f(num(fun, "/first_invocation_ms/p50"), 1),
                f(num(fun, "/warm_invocation_ms/p50"), 1),
                f(num(fun, "/cold_total_ms/p50"), 1),
                f(num(fun, "/first_invocation_cpu_ms/p50"), 1),
                f(num(fun, "/warm_invocation_cpu_ms/p50"), 2),
                if post > 0.0 { f(post, 1) } else { "-".into() },
                f(num(fun, "/tls_handshakes"), 0),
            );
        }
    }
    md.push_str(
        "\nWhere the first invocation's time went before the TLS stack was warmed in init \
         (the *warm crypto off* rows): about 60-85 ms of CPU between the first TCP connect and \
         the first TLS ClientHello, inside aws-lc (the crypto provider of rustls, which the SDK \
         uses) seeding its random number generator from its CPU-jitter entropy source; at \
         7.2 % of a CPU that is about a second of waiting for the first caller. The handshakes \
         themselves take a few ms. Every function now seeds it in init \
         (`chat_edge::lambda::warm_crypto`), where Lambda does not throttle, so init grows by \
         that CPU at full speed (tens of ms) and the first invocation is about as long as a \
         warm one. Turning the jitter source off (`AWS_LC_SYS_NO_JITTER_ENTROPY=1` at build \
         time) would save the init time too, but weakens the generator's seeding: not taken. \
         What remains of a warm invocation at 128 MB is CPU throttling (a few ms of CPU spread \
         over 100 ms quota periods).\n",
    );
    md
}

/// "128 MB", "128 MB, warm crypto off" from a pass's name and its run.
fn pass_label(pass: &str, run: &Value) -> String {
    let mb = run["memory_mb"].as_u64().unwrap_or(0);
    let quota = if run["cpu_quota_us"].is_null() {
        ", full CPU"
    } else {
        ""
    };
    let off = if pass.contains("nowarm") {
        ", warm crypto off"
    } else {
        ""
    };
    format!("{mb} MB{quota}{off}")
}

/// The 128 MB pass (warm crypto on): ws-message's cold first message against the floor's, and
/// its first invocation against its warm one.
pub(super) fn cold_lambda_verdicts(inputs: &Inputs) -> Vec<Verdict> {
    let pass = inputs.cold_lambda.iter().find(|(name, run)| {
        !name.contains("nowarm") && run["memory_mb"] == 128 && !run["cpu_quota_us"].is_null()
    });
    let function = |name: &str| {
        pass.and_then(|(_, run)| {
            run["functions"]
                .as_array()?
                .iter()
                .find(|f| f["name"] == name)
                .cloned()
        })
    };
    let (message, floor) = (function("ws-message"), function("hello-lambda"));
    let cold = |f: &Option<Value>| f.as_ref().map(|f| num(f, "/cold_total_ms/p50"));
    let (first, warm) = (
        message.as_ref().map(|m| num(m, "/first_invocation_ms/p50")),
        message.as_ref().map(|m| num(m, "/warm_invocation_ms/p50")),
    );
    vec![
        Verdict {
            target: "cold first message (init + first invocation) of ws-message at the 128 MB CPU share, with TLS, within 10x the floor's".into(),
            measured: match (cold(&message), cold(&floor)) {
                (Some(m), Some(fl)) => format!("{} ms vs {} ms: {}x", f(m, 1), f(fl, 1), f(m / fl, 1)),
                _ => "not measured".into(),
            },
            met: cold(&message).zip(cold(&floor)).map(|(m, fl)| m <= 10.0 * fl),
        },
        Verdict {
            target: "ws-message's first invocation within 2x its warm one at the 128 MB CPU share".into(),
            measured: match (first, warm) {
                (Some(a), Some(b)) => format!("{} ms vs {} ms: {}x", f(a, 1), f(b, 1), f(a / b, 1)),
                _ => "not measured".into(),
            },
            met: first.zip(warm).map(|(a, b)| a <= 2.0 * b),
        },
    ]
}

/// Each function's MemorySize from the cold-start passes as on Lambda: a warm invocation's
/// duration (TLS, the CPU share) at each memory size, and what a million of them cost.
pub(super) fn memory_size_md(inputs: &Inputs, p: &Prices) -> String {
    let mut md = String::new();
    let passes: Vec<&(String, Value)> = inputs
        .cold_lambda
        .iter()
        .filter(|(name, run)| !name.contains("nowarm") && !run["cpu_quota_us"].is_null())
        .collect();
    if passes.is_empty() {
        return md;
    }
    md.push_str(
        "### MemorySize, measured\n\nA warm invocation's duration at each memory size's CPU \
         share (cold-start passes with TLS, docs/performance.md), and Lambda's charge for a \
         million of them (duration x memory, plus requests). The CPU share is a quota per \
         100 ms period, so an invocation that needs a little more CPU than one period's \
         share waits for the next period: duration falls in steps, not in proportion. \
         DynamoDB Local answers more slowly than DynamoDB, so the waiting part is larger \
         here than on AWS.\n\n| function | memory | warm ms | warm CPU ms | Lambda per million |\n\
         |---|---:|---:|---:|---:|\n",
    );
    for name in [
        "ws-message",
        "http-api",
        "ws-connect",
        "ws-disconnect",
        "authorizer",
    ] {
        let mut rows: Vec<(u64, f64, f64)> = passes
            .iter()
            .filter_map(|(_, run)| {
                let fun = run["functions"]
                    .as_array()?
                    .iter()
                    .find(|f| f["name"] == name)?;
                Some((
                    run["memory_mb"].as_u64()?,
                    num(fun, "/warm_invocation_ms/p50"),
                    num(fun, "/warm_invocation_cpu_ms/p50"),
                ))
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        for (mb, warm, cpu) in rows {
            let dollars = 1e6 * mb as f64 / 1024.0 * warm.ceil() / 1000.0 * p.lambda_gb_second
                + p.lambda_requests_per_million;
            let _ = writeln!(
                md,
                "| {name} | {mb} MB | {} | {} | ${} |",
                f(warm, 1),
                f(cpu, 2),
                f(dollars, 2)
            );
        }
    }
    md.push('\n');
    md
}
