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
use chat_shared::domain::NoticeCheck;
use chat_shared::domain::{
    AppointmentId, ClientId, Clock, ConnectionId, HistoryQuery, Identity, MessageText, NewMessage,
    Role, ServiceId, SystemClock,
};
use chat_shared::events::{
    self, notice, EventSink, EventsError, NoticeDelays, NoticeTimer, Pipes, Recorded, TableChange,
};
use chat_shared::notify::{Notifier, NotifyError};
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::Store;
use chat_shared::{Chat, Settings};
use clap::Parser;
use serde::Serialize;

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

/// Where the measured events functions publish and schedule: nowhere (EventBridge and SQS
/// are not DynamoDB; docs/cost.md prices them).
struct Nowhere;

#[async_trait]
impl EventSink for Nowhere {
    async fn publish(&self, _: &[chat_shared::domain::Event]) -> Result<(), EventsError> {
        Ok(())
    }
}

#[async_trait]
impl NoticeTimer for Nowhere {
    async fn schedule(&self, _: &NoticeCheck, _: u32) -> Result<(), EventsError> {
        Ok(())
    }
}

/// Events out: the events function's DynamoDB requests for a stream record that starts a run
/// of unread messages (the receiver's presence), and the notice function's for the due check
/// (the Inbox entry). Every other record costs the events function no DynamoDB request, and
/// Lambda's reads of the streams are not billed.
async fn events_out(b: &Bench) {
    let (sender, receiver) = (b.name("evsender"), b.name("evreceiver"));
    (b.unlimited
        .send(&who(&sender, Role::Admin), message(&receiver, TEXT)))
    .await
    .expect("set-up send");
    let entry = (b
        .unlimited
        .store()
        .inbox_entry(&id(&receiver), &id(&sender)))
    .await
    .expect("inbox entry")
    .expect("the receiver's entry");
    let record = Recorded {
        id: "ddb-cost".into(),
        at_ms: SystemClock.now_ms(),
        change: TableChange::Inbox {
            owner: id(&receiver),
            peer: id(&sender),
            old: None,
            new: Some(Box::new(entry)),
        },
    };
    let store = b.chat.store();
    let pipes = Pipes {
        connections: &**store,
        inbox: &**store,
        sink: &Nowhere,
        timer: &Nowhere,
        delays: NoticeDelays::default(),
    };
    let now_ms = SystemClock.now_ms();
    let processed = b
        .measure(
            "events: a stream record that starts an unread run",
            events::process(&pipes, &[record], now_ms / 1000),
        )
        .await
        .expect("events");
    assert_eq!(processed.checks.len(), 1);
    let notices = b
        .measure(
            "events: a due notice check",
            notice::run_checks(&pipes, &[processed.checks[0].0.clone()], now_ms),
        )
        .await
        .expect("notice check");
    assert_eq!(notices.len(), 1);
}

/// A raw request to the local S3 as a client makes it: the status.
async fn s3_request(method: &str, url: &str, headers: &[(String, String)], body: Vec<u8>) -> u16 {
    use http_body_util::{BodyExt, Full};
    let client = chat_edge::net::http_client::<Full<bytes::Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let request = request.body(Full::new(body.into())).expect("a request");
    let response = client.request(request).await.expect("the local S3 answers");
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

/// An attachment's life (docs/attachments.md): the grant, the client's PUT, the send that
/// checks and tags it, the receiver's download URL and GET, and the deletion that retags it.
/// Deployed settings: the grant spends a token of the upload bucket.
async fn attachments(b: &Bench, admin: &str) {
    use chat_shared::chat::ChangeRequest;
    use chat_shared::domain::{Change, UploadRequest};
    let user = who(&b.name("patient"), Role::User);
    let a = who(admin, Role::Admin);
    let mut letter = b"%PDF-1.4\n".to_vec();
    letter.resize(200_000, b'x');
    let request = UploadRequest::parse("referral.pdf", "application/pdf", letter.len() as u64)
        .expect("a valid upload");
    let grant = b
        .measure(
            "attachments: an upload grant",
            b.chat.request_upload(&user, &user.client_id, request),
        )
        .await
        .expect("grant");
    let status = b
        .measure(
            "attachments: the client's upload (its PUT)",
            s3_request("PUT", &grant.upload.url, &grant.upload.headers, letter),
        )
        .await;
    assert_eq!(status, 200, "the upload");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let with_file = NewMessage {
        message_text: MessageText::empty(),
        attachments: vec![grant.attachment_id.clone()],
        ..message(admin, TEXT)
    };
    let sent = b
        .measure(
            "send, with one attachment, one device",
            b.chat.send(&user, with_file),
        )
        .await
        .expect("send");
    let link = b
        .measure(
            "attachments: a download URL",
            b.chat.download(&a, &a.client_id, &grant.attachment_id),
        )
        .await
        .expect("download");
    let status = b
        .measure(
            "attachments: the receiver's download (its GET)",
            s3_request("GET", &link.download.url, &[], Vec::new()),
        )
        .await;
    assert_eq!(status, 200, "the download");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let delete = ChangeRequest {
        message_id: sent.message.message_id.clone(),
        peer: Some(a.client_id.clone()),
        change: Change::Delete,
    };
    b.measure(
        "delete, a message with one attachment",
        b.chat.change(&user, None, delete),
    )
    .await
    .expect("delete");
}

/// Sends in a conversation already on top of both inboxes and in one that is not, a reply,
/// edits, a reaction and a deletion, and inbox pages of a user and of a busy administrator
/// (`owner` has 3 conversations, `busy` has `busy_peers`).
async fn changes_and_inbox(b: &Bench, admin: &str, owner: &str, busy: &str, busy_peers: usize) {
    use chat_shared::chat::ChangeRequest;
    use chat_shared::domain::{Change, Emoji, InboxQuery};
    let a = who(admin, Role::Admin);
    let user = who(&b.name("steady"), Role::User);
    b.connect(user.client_id.as_str(), Role::User).await;
    let first = b
        .unlimited
        .send(&user, message(admin, TEXT))
        .await
        .expect("send");
    b.unlimited
        .send(&a, message(user.client_id.as_str(), TEXT))
        .await
        .expect("send");
    // Past the rate limiter's interval, so the send takes the limiter's one-write path.
    tokio::time::sleep(Duration::from_millis(250)).await;
    b.measure(
        "send, conversation on top of both inboxes (an answer)",
        b.chat.send(&user, message(admin, TEXT)),
    )
    .await
    .expect("send");
    let other = who(&b.name("interleaver"), Role::User);
    b.unlimited
        .send(&other, message(admin, TEXT))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(250)).await;
    b.measure(
        "send, another conversation on top of the receiver's inbox",
        b.chat.send(&user, message(admin, TEXT)),
    )
    .await
    .expect("send");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let reply = NewMessage {
        reply_to: Some(first.message.message_id.clone()),
        ..message(admin, TEXT)
    };
    b.measure(
        "send, a reply (with its preview)",
        b.chat.send(&user, reply),
    )
    .await
    .expect("reply");
    tokio::time::sleep(Duration::from_millis(250)).await;
    // As the booking backend posts one (POST /chat/system/{receiver_id}): the receiver's
    // system-message bucket, then a keyed send without the sender's places.
    let system = chat_shared::chat::SystemMessage {
        receiver_id: user.client_id.clone(),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::parse("Your appointment is confirmed.", 4_000).expect("text"),
        idempotency_key: b.name("appt-confirmed"),
    };
    b.measure(
        "send, a system message from the booking backend",
        b.chat.post_system(system),
    )
    .await
    .expect("system message");
    let target = |peer: Option<&str>, change: Change| ChangeRequest {
        message_id: first.message.message_id.clone(),
        peer: peer.map(id),
        change,
    };
    let text = |t: &str| Change::Edit(MessageText::parse(t, 4_000).expect("text"));
    for (label, request) in [
        (
            "edit, peer named (read directly)",
            target(Some(admin), text("edited once")),
        ),
        (
            "edit, found through the index",
            target(None, text("edited twice")),
        ),
        (
            "react",
            target(
                Some(admin),
                Change::React {
                    emoji: Emoji::parse("👍").expect("emoji"),
                    remove: false,
                },
            ),
        ),
        ("delete", target(Some(admin), Change::Delete)),
    ] {
        tokio::time::sleep(Duration::from_millis(250)).await;
        b.measure(label, b.chat.change(&user, None, request))
            .await
            .expect("change");
    }
    for (label, who_owns, conversations) in
        [("user", owner, 3), ("administrator", busy, busy_peers)]
    {
        let o = who(who_owns, Role::Admin);
        let query = InboxQuery {
            limit: 20,
            after: None,
        };
        let page = b
            .measure(
                &format!("inbox page of 20, {label} with {conversations} conversations"),
                b.chat.conversations(&o, &o.client_id, &query),
            )
            .await
            .expect("inbox");
        assert_eq!(page.conversations.len(), 20.min(conversations));
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
        tables,
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

    // Connect and disconnect.
    let user = b.name("user");
    let conn = connection_id();
    let now = SystemClock.now_ms();
    let u = who(&user, Role::User);
    b.measure("connect", b.chat.connect(&u, conn.clone(), now))
        .await
        .expect("connect");
    b.measure("disconnect", b.chat.disconnect(&u, &conn))
        .await
        .expect("disconnect");

    // Sends from a user to an administrator: offline, one device, three devices.
    let admin = b.name("admin");
    let device = b.connect(&admin, Role::Admin).await;
    b.unlimited
        .disconnect(&who(&admin, Role::Admin), &device)
        .await
        .expect("disconnect");
    let sender = b.name("sender");
    let s = who(&sender, Role::User);
    b.measure(
        "send, user to administrator, receiver offline",
        b.chat.send(&s, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    b.connect(&admin, Role::Admin).await;
    let s2 = who(&b.name("sender2"), Role::User);
    b.measure(
        "send, user to administrator, one device",
        b.chat.send(&s2, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    // The same sender again within a second: the rate limiter's burst path.
    b.measure(
        "send, same sender again within the second (rate-limit burst)",
        b.chat.send(&s2, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    b.connect(&admin, Role::Admin).await;
    b.connect(&admin, Role::Admin).await;
    let s3 = who(&b.name("sender3"), Role::User);
    b.measure(
        "send, user to administrator, three devices",
        b.chat.send(&s3, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    let user1 = b.name("user1");
    b.connect(&user1, Role::User).await;
    let a = who(&admin, Role::Admin);
    b.measure(
        "send, administrator to user, one device",
        b.chat.send(&a, message(&user1, TEXT)),
    )
    .await
    .expect("send");
    let s4 = who(&b.name("sender4"), Role::User);
    b.measure(
        "send, user to administrator, one device, rate limit off",
        b.core.send(&s4, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    // An idempotent send (with client_msg_id), then its retry after a lost ack.
    let s6 = who(&b.name("sender6"), Role::User);
    let keyed = NewMessage {
        client_msg_id: Some("k-1".into()),
        ..message(&admin, TEXT)
    };
    b.measure(
        "send with client_msg_id, one device",
        b.chat.send(&s6, keyed.clone()),
    )
    .await
    .expect("send");
    b.measure(
        "retry of a stored send (same client_msg_id, within the second)",
        b.chat.send(&s6, keyed),
    )
    .await
    .expect("retry");
    let long: String = "x".repeat(2000);
    let s5 = who(&b.name("sender5"), Role::User);
    b.measure(
        "send, 2,000-character text, one device",
        b.chat.send(&s5, message(&admin, &long)),
    )
    .await
    .expect("send");

    // Mark read with N unread: the administrator sends N messages to a user.
    for &n in &cli.mark_read {
        let reader = b.name(&format!("reader{n}"));
        let writer = who(&b.name(&format!("writer{n}")), Role::Admin);
        for i in 0..n {
            b.unlimited
                .send(&writer, message(&reader, &format!("message {i}")))
                .await
                .expect("set-up send");
        }
        let r = who(&reader, Role::User);
        let updated = b
            .measure(
                &format!("mark read, {n} unread"),
                b.chat.mark_read(&r, &r.client_id, &writer.client_id),
            )
            .await
            .expect("mark read");
        assert_eq!(updated, n as u64, "mark-read counted every message");
    }

    // A history page of 50 from a longer conversation.
    let reader = b.name("historian");
    let writer = who(&b.name("chatty"), Role::Admin);
    for i in 0..cli.history_messages {
        b.unlimited
            .send(&writer, message(&reader, &format!("message {i}")))
            .await
            .expect("set-up send");
    }
    let r = who(&reader, Role::User);
    let query = HistoryQuery {
        limit: 50,
        before: None,
        appointment_id: None,
    };
    let page = b
        .measure(
            &format!(
                "history page of 50 ({} in the conversation)",
                cli.history_messages
            ),
            b.chat.history(&r, &r.client_id, &writer.client_id, &query),
        )
        .await
        .expect("history");
    assert_eq!(page.messages.len(), 50.min(cli.history_messages));

    // Catch-up: the first page (100) of the same reader's messages, across conversations.
    let synced = b
        .measure(
            &format!(
                "sync page of 100, all conversations ({} messages)",
                cli.history_messages
            ),
            b.chat.sync(&r, None, None),
        )
        .await
        .expect("sync");
    assert_eq!(synced.messages.len(), 100.min(cli.history_messages));

    // Unread counts: a user with 3 peers, an administrator with many.
    let owner = b.name("owner");
    for i in 0..3 {
        let peer = who(&b.name(&format!("peer{i}")), Role::Admin);
        b.unlimited
            .send(&peer, message(&owner, TEXT))
            .await
            .expect("set-up send");
    }
    let o = who(&owner, Role::User);
    b.measure(
        "unread counts, user with 3 peers",
        b.chat.unread(&o, &o.client_id),
    )
    .await
    .expect("unread");
    let busy = b.name("busyadmin");
    b.connect(&busy, Role::Admin).await;
    for i in 0..cli.admin_peers {
        let peer = who(&b.name(&format!("client{i}")), Role::User);
        b.unlimited
            .send(&peer, message(&busy, TEXT))
            .await
            .expect("set-up send");
    }
    let bz = who(&busy, Role::Admin);
    let counts = b
        .measure(
            &format!(
                "unread counts, administrator with {} peers",
                cli.admin_peers
            ),
            b.chat.unread(&bz, &bz.client_id),
        )
        .await
        .expect("unread");
    assert_eq!(counts.total, cli.admin_peers as u64);

    changes_and_inbox(&b, &admin, &owner, &busy, cli.admin_peers).await;
    events_out(&b).await;
    attachments(&b, &admin).await;

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
