//! The report's sections from the cold-start passes as on Lambda (`cold-start --tls
//! --cpu-share MB`, files `cold-start-lambda-<pass>.json`): the table of every pass, the two
//! cold-start targets, and each function's MemorySize with its cost.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ddb_row, f, num, Inputs, Prices, Verdict};

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
         receiver's frame); *warm* is the median of each start's next invocations; *TLS \
         handshakes* counts a start's handshakes, and in brackets those of its first \
         invocation; *not primed* passes run the same binaries with `CHAT_PRIME=0`, so the \
         connections are opened by the first invocation instead of in init. Medians.\n\n",
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
                "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {control} |",
                fun["name"].as_str().unwrap_or(""),
                f(num(fun, "/init_ms/p50"), 1),
                f(num(fun, "/first_invocation_ms/p50"), 1),
                f(num(fun, "/warm_invocation_ms/p50"), 1),
                f(num(fun, "/cold_total_ms/p50"), 1),
                f(num(fun, "/first_invocation_cpu_ms/p50"), 1),
                f(num(fun, "/warm_invocation_cpu_ms/p50"), 2),
                if post > 0.0 { f(post, 1) } else { "-".into() },
                f(num(fun, "/tls_handshakes"), 0),
                f(num(fun, "/first_tls_handshakes"), 0),
            );
        }
    }
    md.push_str(
        "\nWhere a first invocation's time goes at 128 MB: the CPU share is a quota of 7.2 ms \
         per 100 ms period, so an invocation that needs more CPU than what is left of one \
         period waits for the next. Two things used to push the first one over: aws-lc (the \
         crypto provider of rustls, which the SDK uses) seeding its random generator from its \
         CPU-jitter entropy source, 60-85 ms of CPU, about a second at 7.2 %; and the TLS \
         handshakes of the connections the first event opens (four to DynamoDB, one to the \
         Management API for ws-message: about 5 ms of CPU with the SDK's first requests). \
         The first is gone at build time (`AWS_LC_SYS_NO_JITTER_ENTROPY=1` in \
         `.cargo/config.toml`: the generator is seeded from the operating system and the \
         CPU's generator, as aws-lc does itself in VMs that have a generation counter; \
         docs/security.md says why that is sound); the second moved to init \
         (`chat_edge::lambda::prime`: ws-message and http-api open their connections with \
         requests whose answers are dropped, where Lambda does not throttle; the *not primed* \
         rows show the difference). What remains of a warm invocation at 128 MB is CPU \
         throttling of a few ms of CPU, and DynamoDB Local's latency.\n",
    );
    md.push_str(&request_cost_md(inputs));
    md
}

/// "128 MB", "128 MB, not primed" from a pass's name and its run.
fn pass_label(pass: &str, run: &Value) -> String {
    let mb = run["memory_mb"].as_u64().unwrap_or(0);
    let quota = if run["cpu_quota_us"].is_null() {
        ", full CPU"
    } else {
        ""
    };
    let off = if pass.contains("noprime") {
        ", not primed"
    } else {
        ""
    };
    format!("{mb} MB{quota}{off}")
}

/// The 128 MB pass with the CPU share, primed: what the targets are read from.
fn pass_128(inputs: &Inputs) -> Option<&Value> {
    let (_, run) = inputs.cold_lambda.iter().find(|(name, run)| {
        !name.contains("noprime") && run["memory_mb"] == 128 && !run["cpu_quota_us"].is_null()
    })?;
    Some(run)
}

/// One function's figures in a pass.
fn in_pass(run: Option<&Value>, name: &str) -> Option<Value> {
    run?["functions"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
        .cloned()
}

/// What one SDK request costs a warm invocation at 128 MB, read from the functions that make
/// one, two and eight of them (their requests from the DynamoDB cost rows of the same run),
/// against the warm-CPU target.
fn request_cost_md(inputs: &Inputs) -> String {
    let run = pass_128(inputs);
    let warm = |name: &str| in_pass(run, name).map(|f| num(&f, "/warm_invocation_cpu_ms/p50"));
    let requests = |operation: &str| ddb_row(inputs, operation).map(|r| num(&r, "/requests"));
    let (Some(floor), Some(one), Some(two), Some(message)) = (
        warm("hello-lambda"),
        warm("ws-disconnect"),
        warm("ws-connect"),
        warm("ws-message"),
    ) else {
        return String::new();
    };
    let (Some(disconnect), Some(connect), Some(send)) = (
        requests("disconnect"),
        requests("connect"),
        requests("send, user to administrator, one device"),
    ) else {
        return String::new();
    };
    // A send's DynamoDB requests and its one Management API post.
    let per_request = (message - floor) / (send + 1.0);
    let target = 4.0 * floor;
    let verdict = if one > target {
        format!(
            "The warm-CPU target, 4x the floor ({} ms), is less than what one SDK request \
             costs here: a send looks its receiver up, stores the message and posts it, each \
             through the SDK, and only a function that makes no request at all is within that \
             target.",
            f(target, 2)
        )
    } else {
        format!(
            "The warm-CPU target, 4x the floor ({} ms), holds ws-disconnect's request; within \
             it, a send's {} requests and post would have {} ms each over the floor.",
            f(target, 2),
            f(send, 0),
            f((target - floor) / (send + 1.0), 2)
        )
    };
    format!(
        "\nWhat one request costs a warm invocation at 128 MB (CPU time, this pass): \
         ws-disconnect, whose event makes {} DynamoDB request{} (*disconnect* in the DynamoDB \
         cost table), takes {} ms, {}x the floor's {} ms; ws-connect, {} requests, {} ms \
         ({}x); ws-message, {} DynamoDB requests and one Management API post per send \
         (*send, user to administrator, one device*), {} ms: about {} ms per request over \
         the floor. {verdict}\n",
        f(disconnect, 0),
        if disconnect == 1.0 { "" } else { "s" },
        f(one, 2),
        f(one / floor, 1),
        f(floor, 2),
        f(connect, 0),
        f(two, 2),
        f(two / floor, 1),
        f(send, 0),
        f(message, 2),
        f(per_request, 2),
    )
}

/// The 128 MB pass (primed): ws-message's cold first message against the floor's, its first
/// invocation against its warm one, and its warm CPU against the floor's.
pub(super) fn cold_lambda_verdicts(inputs: &Inputs) -> Vec<Verdict> {
    let run = pass_128(inputs);
    let function = |name: &str| in_pass(run, name);
    let (message, floor) = (function("ws-message"), function("hello-lambda"));
    let cold = |f: &Option<Value>| f.as_ref().map(|f| num(f, "/cold_total_ms/p50"));
    let (first, warm) = (
        message.as_ref().map(|m| num(m, "/first_invocation_ms/p50")),
        message.as_ref().map(|m| num(m, "/warm_invocation_ms/p50")),
    );
    let warm_cpu = |f: &Option<Value>| f.as_ref().map(|f| num(f, "/warm_invocation_cpu_ms/p50"));
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
        Verdict {
            target: "warm ws-message CPU per message within 4x the floor's warm CPU (128 MB CPU share, TLS)".into(),
            measured: match (warm_cpu(&message), warm_cpu(&floor)) {
                (Some(m), Some(fl)) => format!("{} ms vs {} ms: {}x", f(m, 2), f(fl, 2), f(m / fl, 1)),
                _ => "not measured".into(),
            },
            met: warm_cpu(&message).zip(warm_cpu(&floor)).map(|(m, fl)| m <= 4.0 * fl),
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
        .filter(|(name, run)| !name.contains("noprime") && !run["cpu_quota_us"].is_null())
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inputs(message_cpu_ms: f64) -> Inputs {
        with_disconnect(0.30, message_cpu_ms)
    }

    fn with_disconnect(disconnect_cpu_ms: f64, message_cpu_ms: f64) -> Inputs {
        let function = |name: &str, cpu: f64| json!({ "name": name, "warm_invocation_cpu_ms": { "p50": cpu } });
        let run = json!({
            "memory_mb": 128,
            "cpu_quota_us": 7200,
            "functions": [
                function("hello-lambda", 0.05),
                function("ws-disconnect", disconnect_cpu_ms),
                function("ws-connect", 0.45),
                function("ws-message", message_cpu_ms),
            ],
        });
        let row = |operation: &str, requests: u64| json!({ "operation": operation, "requests": requests });
        Inputs {
            cold_lambda: vec![("128".into(), run)],
            ddb: Some(json!({ "rows": [
                row("connect", 2),
                row("disconnect", 1),
                row("send, user to administrator, one device", 7),
            ] })),
            ..Inputs::default()
        }
    }

    #[test]
    fn a_requests_cost_is_the_sends_cpu_over_the_floor_per_request_and_post() {
        // (1.65 - 0.05) / (7 requests + 1 post) = 0.20 ms.
        let md = request_cost_md(&inputs(1.65));
        assert!(
            md.contains("takes 0.30 ms, 6.0x the floor's 0.05 ms"),
            "{md}"
        );
        assert!(md.contains("2 requests, 0.45 ms (9.0x)"), "{md}");
        assert!(
            md.contains("about 0.20 ms per request over the floor"),
            "{md}"
        );
        assert!(md.contains("4x the floor (0.20 ms), is less than"), "{md}");
        assert!(
            md.contains("makes 1 DynamoDB request (*disconnect*"),
            "{md}"
        );
    }

    #[test]
    fn a_request_within_the_target_is_said_to_be_within_it() {
        // ws-disconnect's one request at 0.15 ms, under 4x the floor (0.20 ms): the report
        // says what a send's 7 requests and post would have each, (0.20 - 0.05) / 8 = 0.02 ms.
        let md = request_cost_md(&with_disconnect(0.15, 1.65));
        assert!(!md.contains("is less than"), "{md}");
        assert!(
            md.contains("4x the floor (0.20 ms), holds ws-disconnect's request"),
            "{md}"
        );
        assert!(
            md.contains("would have 0.02 ms each over the floor"),
            "{md}"
        );
    }

    #[test]
    fn without_the_128_mb_pass_or_the_cost_rows_nothing_is_said() {
        let mut no_rows = inputs(1.65);
        no_rows.ddb = None;
        assert_eq!(request_cost_md(&no_rows), "");
        let mut full_cpu = inputs(1.65);
        full_cpu.cold_lambda[0].1["cpu_quota_us"] = Value::Null;
        assert_eq!(request_cost_md(&full_cpu), "");
    }
}
