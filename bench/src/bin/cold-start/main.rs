//! `cold-start`: starts each function's binary under a minimal Lambda Runtime API, again and
//! again, and measures
//!
//! - init: exec -> the first `GET /runtime/invocation/next`;
//! - first invocation: event handed out -> its response posted (first DynamoDB and Management
//!   API calls included: credentials, connection set-up);
//! - warm invocation: the same for the next events in the same process (`--warm N` of them,
//!   the median per start);
//! - DynamoDB requests made during init (through a counting proxy; must be 0);
//! - peak memory (VmHWM) and the binary's size.
//!
//! With `--tls`, DynamoDB and the Management API are reached over TLS (a throwaway CA the
//! functions trust through `SSL_CERT_FILE`, [`chat_bench::tls`]), and a control start per
//! function trusts another CA instead: every handshake it tries must fail, which shows the
//! handshakes are verified. With `--cpu-share MB`, each process runs at the CPU share Lambda
//! gives that memory size from its first `GET /next` on (init is not throttled on Lambda
//! either; [`chat_bench::cgroup`]); the cold first message is then also timed from the event
//! handed out to the first Management API post.
//!
//! Functions run round-robin (A, B, C, A, B, C, ...) so a busy moment hits all of them alike,
//! next to a hello-world `lambda_runtime` binary, the floor.
//!
//! ```text
//! cold-start --dynamodb-endpoint http://127.0.0.1:8001 --runs 25 \
//!   --function ws-connect=target/lambda/ws-connect/bootstrap ... \
//!   --function hello-lambda=target/lambda/hello-lambda/bootstrap --json target/bench/cold-start.json
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chat_bench::cgroup::{self, CpuQuota};
use chat_bench::proxy::Proxy;
use chat_bench::runtime_api::RuntimeApi;
use chat_bench::stats;
use chat_bench::tls::TlsEndpoints;
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::Store;
use clap::Parser;
use serde_json::Value;

mod events;
mod result;
mod run;

use events::{event_for, fixture, seed};
use result::{Control, FunctionResult};
use run::{one_run, Harness, Samples};

#[derive(Debug, Parser)]
#[command(name = "cold-start", about)]
struct Cli {
    /// `name=path` of a function binary (repeatable). The name picks the event fixture:
    /// ws-connect, ws-disconnect, ws-message, http-api, authorizer; anything else gets `{}`.
    /// A variant of a function is named `function+variant` (e.g. `ws-message+system-malloc`:
    /// the same source built another way) and gets the function's fixture.
    #[arg(long = "function", value_name = "NAME=PATH", required = true)]
    functions: Vec<String>,
    /// Name of the floor binary the others are compared with.
    #[arg(long, default_value = "hello-lambda")]
    floor: String,
    /// Cold starts per function (after one discarded warm-up start each).
    #[arg(long, default_value_t = 25)]
    runs: usize,
    /// Warm invocations per start, after the first; *warm* figures are their medians (a
    /// container's steady state, not only its second event).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    warm: u16,
    /// DynamoDB Local, behind a counting proxy.
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: String,
    /// Directory of the API Gateway event fixtures.
    #[arg(long, default_value = "tests/fixtures")]
    fixtures: PathBuf,
    /// Extra environment for every function, `KEY=VALUE` (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Each function's stderr goes to `<dir>/<name>.log`.
    #[arg(long, default_value = "target/bench/cold-start-logs")]
    logs: PathBuf,
    /// DynamoDB and the Management API over TLS, with a control start per function.
    #[arg(long)]
    tls: bool,
    /// Runs each process at the CPU share Lambda gives this memory size (MB), from its first
    /// `GET /next` on (cgroup v1 CPU quota; needs root).
    #[arg(long, value_name = "MB")]
    cpu_share: Option<u64>,
    /// Where cgroup v1's CPU controller is mounted.
    #[arg(long, default_value = "/sys/fs/cgroup/cpu")]
    cgroup_root: PathBuf,
    #[arg(long)]
    json: Option<PathBuf>,
}

const JWT_SECRET: &str = "cold-start-benchmark-secret-0123456789abcdef";
const ORIGIN: &str = "https://booking.example.com";

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let mut functions: Vec<(String, PathBuf)> = Vec::new();
    for spec in &cli.functions {
        let Some((name, path)) = spec.split_once('=') else {
            eprintln!("cold-start: --function wants NAME=PATH, got {spec}");
            std::process::exit(2);
        };
        if !Path::new(path).is_file() {
            eprintln!("cold-start: {path} does not exist (build it first)");
            std::process::exit(2);
        }
        functions.push((name.to_owned(), PathBuf::from(path)));
    }
    let _ = std::fs::create_dir_all(&cli.logs);
    for (name, _) in &functions {
        let _ = std::fs::remove_file(cli.logs.join(format!("{name}.log")));
    }

    let proxy = Proxy::start(&cli.dynamodb_endpoint, Duration::ZERO)
        .await
        .expect("proxy");
    let api = RuntimeApi::start().await.expect("runtime API");
    let run_id = format!("{:06x}", fastrand::u32(..) & 0xff_ffff);
    let tables = TableNames::with_prefix(&format!("cold{run_id}-"));
    let client = local_client(&cli.dynamodb_endpoint);
    if let Err(e) = create_tables(&client, &tables).await {
        eprintln!("cold-start: cannot create tables: {e:?}");
        std::process::exit(1);
    }
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, tables.clone()));

    let tls = if cli.tls {
        let endpoints = TlsEndpoints::start(&cli.logs.join("tls"), proxy.addr, api.addr).await;
        Some(endpoints.expect("TLS endpoints"))
    } else {
        None
    };
    let quota = cli.cpu_share.map(|mb| {
        let quota_us = cgroup::lambda_quota_us(mb);
        CpuQuota::create(
            &cli.cgroup_root,
            &format!("chat-cold-start-{run_id}"),
            quota_us,
        )
        .unwrap_or_else(|e| {
            eprintln!(
                "cold-start: cannot make a CPU group under {} ({e}); --cpu-share needs \
                     root and cgroup v1's CPU controller",
                cli.cgroup_root.display()
            );
            std::process::exit(1);
        })
    });
    let memory_mb = cli.cpu_share.unwrap_or(128);
    let (dynamodb_url, management_url) = match &tls {
        Some(t) => (t.dynamodb.url(), t.management.url()),
        None => (proxy.url(), format!("http://{}", api.addr)),
    };

    let mut env: Vec<(String, String)> = [
        ("AWS_LAMBDA_RUNTIME_API", api.host_port()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("CONNECTIONS_TABLE", tables.connections.clone()),
        ("MESSAGES_TABLE", tables.messages.clone()),
        ("INBOX_TABLE", tables.inbox.clone()),
        ("DYNAMODB_ENDPOINT", dynamodb_url),
        ("MANAGEMENT_ENDPOINT", management_url),
        ("JWT_SECRET", JWT_SECRET.into()),
        ("ALLOWED_ORIGINS", ORIGIN.into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(t) = &tls {
        env.push(("SSL_CERT_FILE".into(), t.ca.ca_file.display().to_string()));
    }
    for kv in &cli.env {
        if let Some((k, v)) = kv.split_once('=') {
            env.retain(|(key, _)| key != k);
            env.push((k.to_owned(), v.to_owned()));
        }
    }

    let templates: BTreeMap<String, Value> = functions
        .iter()
        .map(|(name, _)| (name.clone(), fixture(&cli.fixtures, name)))
        .collect();
    let mut samples: BTreeMap<String, Samples> = BTreeMap::new();
    println!(
        "cold starts: {} functions x {} runs (round-robin, one warm-up start each first), {} warm invocations each{}{}",
        functions.len(),
        cli.runs,
        cli.warm,
        if tls.is_some() {
            ", TLS to every endpoint"
        } else {
            ""
        },
        quota
            .as_ref()
            .map(|q| format!(
                ", CPU quota {} of {} us from the first /next ({memory_mb} MB)",
                q.quota_us,
                cgroup::PERIOD_US
            ))
            .unwrap_or_default()
    );
    let harness = Harness {
        api: &api,
        proxy: &proxy,
        logs: &cli.logs,
        tls: tls.as_ref(),
        quota: quota.as_ref(),
        warm: usize::from(cli.warm),
    };
    for run in 0..=cli.runs {
        for (name, binary) in &functions {
            seed(store.as_ref()).await;
            let event = event_for(&templates[name], name, run);
            let mut scratch = Samples::default();
            let target = if run == 0 {
                &mut scratch
            } else {
                samples.entry(name.clone()).or_default()
            };
            one_run(&harness, name, binary, &env, &event, target).await;
        }
    }
    // The control: trusting only a stranger's CA, no handshake may complete.
    let mut controls: BTreeMap<String, Control> = BTreeMap::new();
    if let Some(t) = &tls {
        let mut control_env = env.clone();
        control_env.retain(|(k, _)| k != "SSL_CERT_FILE");
        control_env.push(("SSL_CERT_FILE".into(), t.stranger.display().to_string()));
        for (name, binary) in functions.iter().filter(|(n, _)| *n != cli.floor) {
            seed(store.as_ref()).await;
            let event = event_for(&templates[name], name, cli.runs + 1);
            let mut control = Samples::default();
            one_run(&harness, name, binary, &control_env, &event, &mut control).await;
            let (completed, failed) = (control.handshakes_completed, control.handshakes_failed);
            controls.insert(
                name.clone(),
                Control {
                    completed,
                    failed,
                    verified: completed == 0 && failed > 0,
                },
            );
        }
    }

    let floor_init = samples.get(&cli.floor).map(|s| stats::median(&s.init));
    let mut results = Vec::new();
    FunctionResult::print_header();
    for (name, binary) in &functions {
        let s = samples.remove(name).unwrap_or_default();
        let r = FunctionResult::new(name, binary, s, floor_init, controls.remove(name));
        r.print(tls.is_some());
        results.push(r);
    }
    if let Some(path) = &cli.json {
        let out = serde_json::json!({
            "runs": cli.runs,
            "floor": cli.floor,
            "tls": tls.is_some(),
            "memory_mb": memory_mb,
            "cpu_quota_us": quota.as_ref().map(|q| q.quota_us),
            "cpu_period_us": cgroup::PERIOD_US,
            "functions": results,
        });
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&out).unwrap() + "\n") {
            eprintln!("cold-start: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    if results.iter().any(|r| r.runs == 0) {
        eprintln!("cold-start: a function never completed a run");
        std::process::exit(1);
    }
    // A handshake that completed while trusting only the stranger, or a function that made
    // handshakes but whose control tried none: TLS was not shown to be verified.
    let unverified: Vec<&str> = results
        .iter()
        .filter(|r| {
            r.control
                .as_ref()
                .is_some_and(|c| c.completed > 0 || (r.tls_handshakes > 0.0 && c.failed == 0))
        })
        .map(|r| r.name.as_str())
        .collect();
    if !unverified.is_empty() {
        eprintln!("cold-start: TLS not shown to be verified for {unverified:?}");
        std::process::exit(1);
    }
}
