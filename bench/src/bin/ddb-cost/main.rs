//! `ddb-cost`: DynamoDB requests, capacity units and sequential round trips of each chat
//! operation, measured against DynamoDB Local through a recording proxy (`ReturnConsumedCapacity`
//! on every request). The chat runs unchanged (`chat_shared::Chat` over `DynamoStore`), with a
//! notifier that records when each post starts.
//!
//! ```text
//! ddb-cost --dynamodb-endpoint http://127.0.0.1:8001 --json target/bench/ddb-cost.json
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chat_bench::proxy::{sequential_round_trips, Call, Proxy};
use chat_shared::domain::{
    AppointmentId, ClientId, Clock, ConnectionId, Identity, MessageText, NewMessage, Role,
    ServiceId, SystemClock,
};
use chat_shared::notify::{Notifier, NotifyError};
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::Store;
use chat_shared::{Chat, Settings};
use clap::Parser;
use serde::Serialize;

mod attachments;
mod changes;
mod data_rules;
mod events_out;
mod reads;
mod sends;

use attachments::attachments;
use changes::changes_and_inbox;
use data_rules::data_rules;
use events_out::events_out;
use reads::reads;
use sends::connects_and_sends;

#[derive(Debug, Parser)]
#[command(name = "ddb-cost", about)]
struct Cli {
    /// DynamoDB Local (`bash scripts/dynamodb-local.sh start` prints it).
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: String,
    /// Numbers of unread messages marked read at once.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    mark_read: Vec<usize>,
    /// Peers of the administrator whose unread counts are read.
    #[arg(long, default_value_t = 1000)]
    admin_peers: usize,
    /// Messages in the conversation a history page is read from.
    #[arg(long, default_value_t = 200)]
    history_messages: usize,
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Milliseconds the proxy adds to each request (a network round trip), so concurrent and
    /// sequential requests are told apart without doubt; wall times then model that latency.
    #[arg(long, default_value_t = 5.0)]
    latency_ms: f64,
    /// Print every request with its timing.
    #[arg(long)]
    verbose: bool,
}

/// Records the time each post starts (on the proxy's clock); every post succeeds.
struct TimedNotifier {
    epoch: Instant,
    posts: Mutex<Vec<u64>>,
}

#[async_trait]
impl Notifier for TimedNotifier {
    async fn post(&self, _: &ConnectionId, _: &[u8]) -> Result<(), NotifyError> {
        self.posts
            .lock()
            .unwrap()
            .push(self.epoch.elapsed().as_nanos() as u64);
        Ok(())
    }

    async fn close(&self, _: &ConnectionId) -> Result<(), NotifyError> {
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
struct Row {
    operation: String,
    requests: usize,
    by_operation: BTreeMap<String, usize>,
    read_units: f64,
    write_units: f64,
    /// Failed conditional writes (not reported by DynamoDB Local; counted at 1 WCU each, the
    /// documented minimum, in `write_units`).
    failed_conditions: usize,
    /// Longest chain of requests that wait for each other.
    round_trips: usize,
    /// For sends: sequential round trips before the first post.
    round_trips_before_first_post: Option<usize>,
    /// Every request reported its consumed capacity.
    units_reported: bool,
    wall_ms: f64,
    /// Requests the local S3 served meanwhile, by operation (attachments).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    s3_requests: BTreeMap<String, usize>,
}

fn row(operation: &str, calls: &[Call], first_post_ns: Option<u64>, wall: Duration) -> Row {
    let mut by_operation = BTreeMap::new();
    let (mut read_units, mut write_units, mut failed) = (0.0, 0.0, 0);
    let mut reported = true;
    for c in calls {
        *by_operation.entry(c.operation.clone()).or_insert(0) += 1;
        match (c.consumed_units, c.error.as_deref()) {
            (Some(u), _) if c.is_write() => write_units += u,
            (Some(u), _) => read_units += u,
            (None, Some("ConditionalCheckFailedException")) => {
                failed += 1;
                write_units += 1.0;
            }
            (None, _) => reported = false,
        }
    }
    Row {
        operation: operation.to_owned(),
        requests: calls.len(),
        by_operation,
        read_units,
        write_units,
        failed_conditions: failed,
        round_trips: sequential_round_trips(calls, None),
        round_trips_before_first_post: first_post_ns
            .map(|p| sequential_round_trips(calls, Some(p))),
        units_reported: reported,
        wall_ms: wall.as_secs_f64() * 1000.0,
        s3_requests: BTreeMap::new(),
    }
}

struct Bench {
    proxy: Proxy,
    notifier: Arc<TimedNotifier>,
    /// Deployed settings (rate limit on).
    chat: Chat,
    /// Rate limit off, recorded: the chat's own cost.
    core: Chat,
    /// Rate limit off, straight to DynamoDB Local: set-up.
    unlimited: Chat,
    rows: Mutex<Vec<Row>>,
    run: String,
    verbose: bool,
    /// The local S3 the attachments go to (chat-local's), counting its requests.
    files: chat_local::files::LocalFiles,
}

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).expect("valid client id")
}

fn who(raw: &str, role: Role) -> Identity {
    Identity {
        client_id: id(raw),
        role,
    }
}

fn message(to: &str, text: &str) -> NewMessage {
    NewMessage {
        receiver_id: id(to),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::parse(text, 30_000).expect("valid text"),
        client_msg_id: None,
        reply_to: None,
        attachments: Vec::new(),
    }
}

fn connection_id() -> ConnectionId {
    let raw: String = (0..15)
        .map(|_| fastrand::alphanumeric())
        .chain(std::iter::once('='))
        .collect();
    ConnectionId::parse(&raw).expect("valid connection id")
}

const TEXT: &str = "Hello, I need help with my appointment";

impl Bench {
    fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.run)
    }

    /// Runs `f` with the proxy and notifier cleared, and records what it did.
    async fn measure<T, F: Future<Output = T>>(&self, operation: &str, f: F) -> T {
        // Idle pooled connections for every concurrent request, so requests that the chat
        // issues together also reach DynamoDB together (no connection set-up in the figures).
        let (a, b) = (id("warm-a"), id("warm-b"));
        futures_util::future::join_all((0..8).map(|_| self.chat.store().inbox_entry(&a, &b))).await;
        self.proxy.take();
        self.files.s3.take_requests();
        self.notifier.posts.lock().unwrap().clear();
        let started = Instant::now();
        let out = f.await;
        let wall = started.elapsed();
        let calls = self.proxy.take();
        let first_post = self.notifier.posts.lock().unwrap().iter().min().copied();
        // Sends post the message; changes post the update: both count trips before the post.
        let is_send = ["send", "edit", "react", "delete"]
            .iter()
            .any(|kind| operation.starts_with(kind));
        let mut r = row(
            operation,
            &calls,
            if is_send { first_post } else { None },
            wall,
        );
        r.s3_requests = (self.files.s3.take_requests().into_iter())
            .map(|(op, n)| (op.to_owned(), n))
            .collect();
        println!(
            "{:<58} {:>3} req  {:>6.1} RCU {:>6.1} WCU  {} round trip(s){}",
            r.operation,
            r.requests,
            r.read_units,
            r.write_units,
            r.round_trips,
            r.round_trips_before_first_post
                .map(|n| format!(", {n} before the first post"))
                .unwrap_or_default()
        );
        if !r.s3_requests.is_empty() {
            println!("{:<58} S3: {:?}", "", r.s3_requests);
        }
        if self.verbose {
            let t0 = calls.first().map(|c| c.start_ns).unwrap_or(0);
            for c in &calls {
                println!(
                    "    {:<12} {:>8.3} ms -> {:>8.3} ms  {:?} {}",
                    c.operation,
                    (c.start_ns - t0) as f64 / 1e6,
                    (c.end_ns - t0) as f64 / 1e6,
                    c.consumed_units,
                    c.error.as_deref().unwrap_or("")
                );
            }
        }
        self.rows.lock().unwrap().push(r);
        out
    }

    async fn connect(&self, client: &str, role: Role) -> ConnectionId {
        let c = connection_id();
        self.unlimited
            .connect(&who(client, role), c.clone(), SystemClock.now_ms())
            .await
            .expect("connect");
        c
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let proxy = match Proxy::start(
        &cli.dynamodb_endpoint,
        Duration::from_secs_f64(cli.latency_ms / 1000.0),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ddb-cost: cannot start the proxy: {e}");
            std::process::exit(1);
        }
    };
    let run = format!("{:06x}", fastrand::u32(..) & 0xff_ffff);
    let client = local_client(&proxy.url());
    let tables = TableNames::with_prefix(&format!("cost{run}-"));
    if let Err(e) = create_tables(&client, &tables).await {
        eprintln!(
            "ddb-cost: cannot create tables at {}: {e:?}",
            cli.dynamodb_endpoint
        );
        std::process::exit(1);
    }
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, tables.clone()));
    // Set-up goes straight to DynamoDB Local (not recorded, no added latency).
    let direct: Arc<dyn Store> = Arc::new(DynamoStore::new(
        local_client(&cli.dynamodb_endpoint),
        tables.clone(),
    ));
    let notifier = Arc::new(TimedNotifier {
        epoch: proxy.epoch(),
        posts: Mutex::new(Vec::new()),
    });
    let keys = chat_local::files::Credentials {
        access_key_id: "local".into(),
        secret_access_key: "local".into(),
    };
    let any_origin = Arc::new(chat_shared::origin::OriginAllowlist::default());
    let files = match chat_local::files::start(
        &chat_local::files::FilesOptions::default(),
        "127.0.0.1",
        &keys,
        any_origin,
    )
    .await
    {
        Ok(files) => files,
        Err(e) => {
            eprintln!("ddb-cost: cannot start the local S3: {e}");
            std::process::exit(1);
        }
    };
    let settings = Settings::default();
    let chat = Chat::new(
        store.clone(),
        notifier.clone(),
        Arc::new(chat_edge::wire::JsonFrames),
        Arc::new(SystemClock),
        settings.clone(),
    )
    .with_files(files.client_files(&keys));
    let core = Chat::new(
        store.clone(),
        notifier.clone(),
        Arc::new(chat_edge::wire::JsonFrames),
        Arc::new(SystemClock),
        Settings {
            rate_limit: None,
            ..settings.clone()
        },
    );
    let unlimited = Chat::new(
        direct,
        notifier.clone(),
        Arc::new(chat_edge::wire::JsonFrames),
        Arc::new(SystemClock),
        Settings {
            rate_limit: None,
            ..settings.clone()
        },
    )
    .with_files(files.client_files(&keys));
    let b = Bench {
        proxy,
        notifier,
        chat,
        core,
        unlimited,
        rows: Mutex::new(Vec::new()),
        verbose: cli.verbose,
        run,
        files,
    };
    println!(
        "DynamoDB cost per operation (DynamoDB Local at {}; rate limit {:?})",
        cli.dynamodb_endpoint, settings.rate_limit
    );

    let admin = connects_and_sends(&b).await;
    let (owner, busy) = reads(&b, &cli.mark_read, cli.history_messages, cli.admin_peers).await;
    changes_and_inbox(&b, &admin, &owner, &busy, cli.admin_peers).await;
    events_out(&b).await;
    attachments(&b, &admin).await;
    data_rules(&b, &admin, &tables).await;

    let rows = b.rows.lock().unwrap().clone();
    let units_reported = rows.iter().all(|r| r.units_reported);
    let out = serde_json::json!({
        "units_source": if units_reported {
            "ConsumedCapacity reported by DynamoDB Local (ReturnConsumedCapacity TOTAL); failed conditional writes counted at 1 WCU"
        } else {
            "some requests reported no ConsumedCapacity: see units_reported per row"
        },
        "added_latency_ms": cli.latency_ms,
        "rate_limit": settings.rate_limit.map(|r| serde_json::json!({"per_second": r.per_second, "burst": r.burst})),
        "rows": rows,
    });
    if let Some(path) = &cli.json {
        if let Err(e) = std::fs::write(path, serde_json::to_string_pretty(&out).unwrap() + "\n") {
            eprintln!("ddb-cost: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
