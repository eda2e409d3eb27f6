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
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chat_bench::cgroup::{self, CpuQuota};
use chat_bench::machine;
use chat_bench::proxy::Proxy;
use chat_bench::runtime_api::{Record, RuntimeApi};
use chat_bench::stats::{self, Summary};
use chat_bench::tls::{Handshakes, TlsEndpoints};
use chat_edge::context::AuthorizerContext;
use chat_shared::domain::{
    AppointmentId, ClientId, Clock, Connection, ConnectionId, MessageId, MessagePreview, Role,
    ServiceId, SystemClock,
};
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::Store;
use clap::Parser;
use serde::Serialize;
use serde_json::Value;

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

#[derive(Debug, Clone, Serialize)]
struct FunctionResult {
    name: String,
    binary: String,
    bytes: u64,
    runs: usize,
    failures: usize,
    first_failure: Option<String>,
    init_ms: Summary,
    first_invocation_ms: Summary,
    warm_invocation_ms: Summary,
    /// Init plus first invocation: what the first caller waits for beyond a warm call.
    cold_total_ms: Summary,
    /// Most DynamoDB requests seen during any init.
    init_dynamodb_requests: usize,
    max_rss_kb: Summary,
    /// CPU time (all threads) of init, of the first and of the warm invocation, ms.
    init_cpu_ms: Summary,
    first_invocation_cpu_ms: Summary,
    warm_invocation_cpu_ms: Summary,
    /// Median init / the floor's median init.
    init_vs_floor: Option<f64>,
    /// Event handed out -> the first Management API post, in the first invocation.
    first_post_ms: Summary,
    /// TLS handshakes completed per cold start (median; 0 without `--tls`).
    tls_handshakes: f64,
    /// Of those, in the first invocation (0 when init opened every connection it needs).
    first_tls_handshakes: f64,
    /// Of those, in the warm invocations (0 when connections are reused).
    warm_tls_handshakes: f64,
    /// The control start (trusting another CA): handshakes completed and failed.
    control: Option<Control>,
}

#[derive(Debug, Clone, Serialize)]
struct Control {
    completed: usize,
    failed: usize,
    /// No handshake completed, and at least one was tried and failed.
    verified: bool,
}

/// What a run is measured with, beyond the function and its event.
struct Harness<'a> {
    api: &'a RuntimeApi,
    proxy: &'a Proxy,
    logs: &'a Path,
    tls: Option<&'a TlsEndpoints>,
    quota: Option<&'a CpuQuota>,
    /// Warm invocations per start.
    warm: usize,
}

#[derive(Default)]
struct Samples {
    init: Vec<f64>,
    first: Vec<f64>,
    warm: Vec<f64>,
    total: Vec<f64>,
    rss: Vec<f64>,
    init_cpu: Vec<f64>,
    first_cpu: Vec<f64>,
    warm_cpu: Vec<f64>,
    first_post: Vec<f64>,
    /// TLS handshakes completed per start, and in its warm invocation.
    handshakes: Vec<f64>,
    first_handshakes: Vec<f64>,
    warm_handshakes: Vec<f64>,
    /// TLS handshakes that completed and that failed, over all starts.
    handshakes_completed: usize,
    handshakes_failed: usize,
    init_requests: usize,
    failures: usize,
    first_failure: Option<String>,
}

fn fixture(dir: &Path, name: &str) -> Value {
    let file = match base_name(name) {
        "ws-connect" => "ws_connect.json",
        "ws-disconnect" => "ws_disconnect.json",
        "ws-message" => "ws_message.json",
        "http-api" => "http_put_read.json",
        "authorizer" => "ws_authorizer.json",
        _ => return serde_json::json!({ "hello": "world" }),
    };
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The function a `function+variant` name is a build of.
fn base_name(name: &str) -> &str {
    chat_bench::split_variant(name).0
}

/// The event for one run: WebSocket events get a sender of their own per run (so the rate
/// limiter treats every cold start alike); the authorizer gets a freshly minted token.
fn event_for(template: &Value, name: &str, run: usize) -> Value {
    let mut event = template.clone();
    if let Some(auth) = event
        .pointer_mut("/requestContext/authorizer")
        .and_then(Value::as_object_mut)
    {
        if base_name(name).starts_with("ws-") {
            let role = AuthorizerContext::from_fields(&*auth).map_or("user".into(), |c| c.role);
            // A variant has senders of its own: its sends start conversations as the
            // function's do, instead of continuing theirs.
            let sender = match chat_bench::split_variant(name).1 {
                Some(variant) => format!("coldstart{run}.{variant}"),
                None => format!("coldstart{run}"),
            };
            let context = AuthorizerContext::new(sender, role);
            auth.extend(context.with_principal_id().to_fields());
        }
    }
    if base_name(name) == "authorizer" {
        let now = SystemClock.now_ms() / 1000;
        let token = chat_edge::auth::mint_hs256(
            JWT_SECRET,
            &ClientId::parse("user123").expect("id"),
            Role::User,
            Duration::from_secs(3600),
            now,
        );
        event["queryStringParameters"]["token"] = Value::String(token.clone());
        event["multiValueQueryStringParameters"]["token"] = serde_json::json!([token]);
    }
    event
}

fn median_or_zero(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        stats::median(values)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn one_run(
    harness: &Harness<'_>,
    name: &str,
    binary: &Path,
    env: &[(String, String)],
    event: &Value,
    samples: &mut Samples,
) {
    let Harness {
        api,
        proxy,
        logs,
        tls,
        quota,
        warm,
    } = *harness;
    let body = Bytes::from(event.to_string());
    // TLS handshakes in each phase: init, the first invocation, each warm one, the rest.
    let mut handshakes = Vec::new();
    let take_handshakes = |into: &mut Vec<Handshakes>| {
        if let Some(t) = tls {
            into.push(t.handshakes());
        }
    };
    if let Some(t) = tls {
        t.handshakes();
    }
    api.reset(Vec::new());
    proxy.take();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join(format!("{name}.log")))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            samples.failures += 1;
            samples
                .first_failure
                .get_or_insert(format!("cannot start {}: {e}", binary.display()));
            return;
        }
    };
    let pid = child.id().unwrap_or(0);
    // Events are handed out one at a time, and the process's CPU time is read while it waits
    // in `next` (idle): before the first event (init), after the first, after the second.
    let nexts = |log: &[Record]| log.iter().filter(|r| matches!(r, Record::Next(_))).count();
    let failed = |log: &[Record]| {
        log.iter()
            .any(|r| matches!(r, Record::InitError(..) | Record::Error(..)))
    };
    let mut cpu = Vec::new();
    let mut exited = false;
    let ids: Vec<String> = std::iter::once("cold-1".to_string())
        .chain((2..=warm + 1).map(|n| format!("warm-{n}")))
        .chain(std::iter::once(String::new()))
        .collect();
    for (step, id) in ids.iter().enumerate() {
        let reached = tokio::select! {
            ok = api.wait_for(Duration::from_secs(30), |log| nexts(log) > step || failed(log)) => ok,
            _ = child.wait() => { exited = true; false }
        };
        if !reached || failed(&api.log()) {
            break;
        }
        cpu.push(machine::cpu_ns(pid).unwrap_or(0));
        take_handshakes(&mut handshakes);
        if step == 0 {
            if let Some(quota) = quota {
                if let Err(e) = quota.admit(pid) {
                    samples.failures += 1;
                    samples
                        .first_failure
                        .get_or_insert(format!("cannot apply the CPU quota: {e}"));
                    break;
                }
            }
        }
        if !id.is_empty() {
            api.push(id, body.clone());
        }
    }
    let rss = machine::status_kb(pid, "VmHWM");
    let _ = child.start_kill();
    let _ = child.wait().await;
    take_handshakes(&mut handshakes);
    samples.handshakes_failed += handshakes.iter().map(|h| h.failed).sum::<usize>();
    samples.handshakes_completed += handshakes.iter().map(|h| h.completed).sum::<usize>();
    let completed: Vec<usize> = handshakes.iter().map(|h| h.completed).collect();
    let log = api.log();
    let calls = proxy.take();

    let first_next = log.iter().find_map(|r| match r {
        Record::Next(t) => Some(*t),
        _ => None,
    });
    let delivered = |id: &str| {
        log.iter().find_map(|r| match r {
            Record::Delivered(i, t) if i == id => Some(*t),
            _ => None,
        })
    };
    let answered = |id: &str| {
        log.iter().find_map(|r| match r {
            Record::Response(i, t, _) if i == id => Some(Ok(*t)),
            Record::Error(i, _, body) if i == id => {
                Some(Err(String::from_utf8_lossy(body).into_owned()))
            }
            _ => None,
        })
    };
    let failure = |why: String, samples: &mut Samples| {
        samples.failures += 1;
        samples.first_failure.get_or_insert(why);
    };
    let Some(first_next) = first_next else {
        let init_error = log.iter().find_map(|r| match r {
            Record::InitError(_, b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        });
        failure(
            init_error.unwrap_or_else(|| {
                format!(
                    "no /next call (exited: {exited}); see {}",
                    logs.join(format!("{name}.log")).display()
                )
            }),
            samples,
        );
        return;
    };
    // Event handed out and response posted, for the first and each warm invocation.
    let mut spans = Vec::new();
    for id in &ids[..ids.len() - 1] {
        let Some(d) = delivered(id) else {
            failure(format!("event {id} was not taken"), samples);
            return;
        };
        match answered(id) {
            Some(Ok(r)) => spans.push((d, r)),
            Some(Err(e)) => {
                failure(format!("invocation error: {e}"), samples);
                return;
            }
            None => {
                failure("no response".into(), samples);
                return;
            }
        }
    }
    let (d1, r1) = spans[0];
    let init_requests = calls
        .iter()
        .filter(|c| proxy.epoch() + Duration::from_nanos(c.start_ns) < first_next)
        .count();
    samples.init_requests = samples.init_requests.max(init_requests);
    samples.init.push(ms(first_next - started));
    samples.first.push(ms(r1 - d1));
    let warm_ms: Vec<f64> = spans[1..].iter().map(|(d, r)| ms(*r - *d)).collect();
    samples.warm.push(stats::median(&warm_ms));
    samples.total.push(ms(r1 - started));
    let first_post = log.iter().find_map(|r| match r {
        Record::Post(t) if *t >= d1 && *t <= r1 => Some(*t),
        _ => None,
    });
    if let Some(t) = first_post {
        samples.first_post.push(ms(t - d1));
    }
    if tls.is_some() {
        samples
            .handshakes
            .push(completed.iter().sum::<usize>() as f64);
        // Phases: [init, first invocation, each warm invocation, after].
        let first = completed.get(1).copied().unwrap_or(0);
        samples.first_handshakes.push(first as f64);
        let in_warm: usize = completed.iter().skip(2).take(warm).sum();
        samples.warm_handshakes.push(in_warm as f64);
    }

    if cpu.len() == warm + 2 {
        let phase = |i: usize| cpu[i + 1].saturating_sub(cpu[i]) as f64 / 1e6;
        samples.init_cpu.push(cpu[0] as f64 / 1e6);
        samples.first_cpu.push(phase(0));
        let warm_cpu: Vec<f64> = (1..=warm).map(phase).collect();
        samples.warm_cpu.push(stats::median(&warm_cpu));
    }
    if let Some(kb) = rss {
        samples.rss.push(kb as f64);
    }
}

/// State the events need: the administrator `admin456` online (ws-message posts to it) and an
/// unread message from it for `user123` (http-api marks it read).
async fn seed(store: &dyn Store) {
    let admin = ClientId::parse("admin456").expect("id");
    let user = ClientId::parse("user123").expect("id");
    let now = SystemClock.now_ms();
    store
        .put_connection(&Connection {
            connection_id: ConnectionId::parse("AdminDevice1234=").expect("connection id"),
            client_id: admin.clone(),
            role: Role::Admin,
            connected_at_ms: now - 60_000,
            expires_at_s: now / 1000 + 7200,
        })
        .await
        .expect("seed connection");
    let last = MessagePreview {
        message_id: MessageId::generate(now),
        sender_id: admin.clone(),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").expect("id"),
        service_id: ServiceId::parse_field("service_id", "service123").expect("id"),
        text: "Your appointment is confirmed".into(),
        edited: false,
        deleted: false,
        version: 1,
    };
    store
        .record_unread(&user, &admin, &last, true)
        .await
        .expect("seed unread");
}

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
    for (name, binary) in &functions {
        let s = samples.remove(name).unwrap_or_default();
        let init = stats::summarize(&s.init);
        let r = FunctionResult {
            name: name.clone(),
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
            control: controls.remove(name),
        };
        println!(
            "{:<16} {:>9.2} {:>9.2} {:>10.2} {:>9} {:>8} {:>9.0} {:>8} {:>9.3}",
            r.name,
            r.init_ms.p50,
            r.first_invocation_ms.p50,
            r.warm_invocation_ms.p50,
            r.init_vs_floor
                .map(|x| format!("{x:.2}x"))
                .unwrap_or_default(),
            r.init_dynamodb_requests,
            r.max_rss_kb.p50,
            r.bytes,
            r.warm_invocation_cpu_ms.p50
        );
        if let Some(f) = &r.first_failure {
            println!("  {} failure(s), first: {f}", r.failures);
        }
        if tls.is_some() {
            println!(
                "  first CPU {:.1} ms, first post {:.2} ms, {} TLS handshakes per start ({} in the first invocation, {} in the warm ones); control: {}",
                r.first_invocation_cpu_ms.p50,
                r.first_post_ms.p50,
                r.tls_handshakes,
                r.first_tls_handshakes,
                r.warm_tls_handshakes,
                r.control.as_ref().map_or("-".into(), |c| format!(
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
