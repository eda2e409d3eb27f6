//! The API documents against the server. `docs/openapi.yaml` and `docs/asyncapi.yaml` must be
//! valid, and must say what chat-local really accepts and returns:
//!
//! - HTTP: schemathesis generates requests from `docs/openapi.yaml` (its examples, boundary
//!   values, fuzzed and schema-violating data, other methods) against an in-process chat-local
//!   holding seeded conversations, and checks status codes, content types, response schemas,
//!   that schema-violating requests are refused, and 405s with `Allow`.
//! - WebSocket: the document's own example client frames are sent and must be accepted; frames
//!   it declares invalid must be refused with the documented code; every server frame received
//!   (each kind, each error code, a send's ack and a change's ack) must validate against a
//!   schema of its `type`.
//!
//! The tools come from `bash scripts/setup.sh`: `.venv/bin/openapi-spec-validator`,
//! `.venv/bin/schemathesis`, and for `tests/api/*.mjs` Node with `tools/node_modules`
//! (`@asyncapi/parser`, `ajv`, `ajv-formats`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_edge::auth::{mint_hs256, AuthConfig, Authorizer};
use chat_shared::domain::{ClientId, Role};
use chat_shared::store::RateRule;
use chat_shared::Settings;
use chat_tests::local::{start_local, start_with, WsClient};
use chat_tests::tools::{installed, node, run, succeeded, workspace};
use chat_tests::{store_for, Backend, FaultyStore};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn openapi_yaml() -> PathBuf {
    workspace().join("docs/openapi.yaml")
}

fn asyncapi_yaml() -> PathBuf {
    workspace().join("docs/asyncapi.yaml")
}

/// A fresh scratch directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    chat_tests::tools::scratch(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        &format!("api_docs-{name}"),
    )
}

#[test]
fn openapi_yaml_is_a_valid_openapi_document() {
    let mut command = Command::new(installed(".venv/bin/openapi-spec-validator"));
    command.arg(openapi_yaml());
    let stdout = succeeded(
        &run(command, Duration::from_secs(60)),
        "openapi-spec-validator",
    );
    assert!(stdout.contains("OK"), "{stdout}");
}

#[test]
fn asyncapi_yaml_is_a_valid_asyncapi_document_with_valid_examples() {
    let command = node("validate-asyncapi.mjs", &[&asyncapi_yaml()]);
    let stdout = succeeded(
        &run(command, Duration::from_secs(60)),
        "validate-asyncapi.mjs",
    );
    assert!(stdout.contains("valid AsyncAPI"), "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// HTTP: schemathesis against chat-local

/// Sends a message and waits for its ack.
async fn send_ok(ws: &mut WsClient, to: &str, text: &str) -> Value {
    let frame = json!({
        "receiver_id": to, "appointment_id": "appointment789",
        "service_id": "service123", "message_text": text,
    });
    ws.send_text(&frame.to_string()).await;
    let ack = ws.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack
}

/// Sends a change frame (edit, delete, react) on `from`, waits for its ack there and for the
/// update on the other participant's connection `to`; returns the ack.
async fn change_ok(from: &mut WsClient, to: &mut WsClient, frame: Value) -> Value {
    from.send_text(&frame.to_string()).await;
    let ack = from.next_json().await;
    assert_eq!(
        (ack["type"].as_str(), ack["action"].as_str()),
        (Some("ack"), frame["action"].as_str()),
        "{frame} -> {ack}"
    );
    let update = to.next_json().await;
    assert_eq!(update["type"], "update", "{update}");
    assert_eq!(update["message"]["message_id"], frame["message_id"]);
    ack
}

/// What schemathesis' requests were answered, from its NDJSON event report: for each
/// `(method /chat/<route>, status)`, the number of answers and how many of them carried data
/// (messages, conversations, a non-zero unread total or updated count).
fn schemathesis_answers(report: &Path) -> BTreeMap<(String, u16), (usize, usize)> {
    use base64::Engine;
    let text = std::fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("no schemathesis report at {}: {e}", report.display()));
    let mut answers: BTreeMap<(String, u16), (usize, usize)> = BTreeMap::new();
    for line in text.lines() {
        let event: Value = serde_json::from_str(line).expect("NDJSON");
        let Some(interactions) = event
            .pointer("/ScenarioFinished/recorder/interactions")
            .and_then(Value::as_object)
        else {
            continue;
        };
        for interaction in interactions.values() {
            let Some(status) = interaction
                .pointer("/response/status_code")
                .and_then(Value::as_u64)
            else {
                continue;
            };
            let method = interaction["request"]["method"].as_str().unwrap_or("?");
            let uri = interaction["request"]["uri"].as_str().unwrap_or("");
            let route = uri.split('/').nth(4).unwrap_or("?");
            let body = interaction
                .pointer("/response/content/$base64")
                .and_then(Value::as_str)
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .unwrap_or(Value::Null);
            let has_data = body["messages"].as_array().is_some_and(|m| !m.is_empty())
                || body["conversations"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty())
                || body["total"].as_u64().is_some_and(|n| n > 0)
                || body["updated_count"].as_u64().is_some_and(|n| n > 0);
            let entry = answers
                .entry((format!("{method} /chat/{route}"), status as u16))
                .or_default();
            entry.0 += 1;
            entry.1 += usize::from(has_data);
        }
    }
    answers
}

/// What a schemathesis run was answered: `(method /chat/<route>, status)` -> (answers, answers
/// with data); and a printable summary.
struct Fuzzed {
    answers: BTreeMap<(String, u16), (usize, usize)>,
    summary: String,
}

impl Fuzzed {
    /// Asserts that `route` was answered `status` (with data, if `with_data`).
    fn saw(&self, route: &str, status: u16, with_data: bool) {
        let (n, data) = self
            .answers
            .get(&(route.to_owned(), status))
            .copied()
            .unwrap_or_default();
        let seen = if with_data { data } else { n };
        assert!(
            seen > 0,
            "{route}: never answered {status}{}\n{}",
            if with_data { " with data" } else { "" },
            self.summary
        );
    }

    /// Asserts that `path` (`/chat/<route>`) was answered `status` for some method other than
    /// `method` (schemathesis picks which).
    fn saw_another_method(&self, path: &str, method: &str, status: u16) {
        let seen = self.answers.iter().any(|((route, s), (n, _))| {
            *s == status
                && *n > 0
                && route
                    .split_once(' ')
                    .is_some_and(|(m, p)| m != method && p == path)
        });
        assert!(
            seen,
            "{path}: no method but {method} was answered {status}\n{}",
            self.summary
        );
    }
}

/// Runs schemathesis from docs/openapi.yaml against `local` (bounded: 50 examples per
/// operation, a fixed seed, 5 minutes at most) with every check but `skip_checks`, and
/// `extra` arguments; fails on any finding.
async fn fuzz_http(local: &chat_local::Running, skip_checks: &str, extra: &[&str]) -> Fuzzed {
    let dir = scratch("schemathesis");
    let report = dir.join("events.ndjson");
    let mut command = Command::new(installed(".venv/bin/schemathesis"));
    command
        // It keeps its caches in the working directory.
        .current_dir(&dir)
        .arg("run")
        .arg(openapi_yaml())
        .args(["--url", &local.http_url()])
        .args(["--checks", "all", "--exclude-checks", skip_checks])
        .args(["--max-examples", "50", "--seed", "20261124"])
        .args(["--workers", "1", "--request-timeout", "10"])
        .args(["--generation-database", "none", "--no-color"])
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&report)
        .args(extra);
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || run(command, Duration::from_secs(300)))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let stdout = succeeded(&output, "schemathesis");

    let answers = schemathesis_answers(&report);
    let requests: usize = answers.values().map(|(n, _)| n).sum();
    let mut summary = format!("schemathesis: {requests} requests in {elapsed:.1?}\n");
    for ((route, status), (n, with_data)) in &answers {
        summary += &format!("  {route:<22} {status}: {n:>4} ({with_data} with data)\n");
    }
    // schemathesis' own verdict: test cases generated and passed, seed, time.
    for line in stdout.lines().filter(|l| {
        ["generated", "Seed:", "issues", "failure"]
            .iter()
            .any(|w| l.contains(w))
    }) {
        summary += &format!("{}\n", line.trim());
    }
    println!("{summary}");
    // Kept only when schemathesis failed (its report names the failing cases).
    let _ = std::fs::remove_dir_all(&dir);
    Fuzzed { answers, summary }
}

/// Conversations for the document's examples (user123 and admin456): unread both ways, in
/// both inboxes, with messages that changed (an edit, a reaction, an administrator's deletion)
/// and a reply, so that history pages carry every field the document describes.
/// `url(id, role)` is the WebSocket URL to connect with.
async fn seed_conversation(url: impl Fn(&str, &str) -> String) {
    let mut admin = WsClient::connect(&url("admin456", "admin")).await;
    let mut user = WsClient::connect(&url("user123", "user")).await;
    let mut questions = Vec::new();
    let mut answers = Vec::new();
    for i in 0..3 {
        let ack = send_ok(&mut user, "admin456", &format!("question {i}")).await;
        questions.push(ack["message_id"].clone());
        assert_eq!(admin.next_json().await["type"], "message");
        let ack = send_ok(&mut admin, "user123", &format!("answer {i}")).await;
        answers.push(ack["message_id"].clone());
        assert_eq!(user.next_json().await["type"], "message");
    }
    let edit = json!({
        "action": "edit", "message_id": questions[0],
        "message_text": "question 0, edited", "peer_id": "admin456",
    });
    change_ok(&mut user, &mut admin, edit).await;
    let react = json!({
        "action": "react", "message_id": questions[0], "emoji": "👍", "peer_id": "user123",
    });
    change_ok(&mut admin, &mut user, react).await;
    let moderation = json!({"action": "delete", "message_id": questions[1], "peer_id": "user123"});
    change_ok(&mut admin, &mut user, moderation).await;
    let mut reply = send_frame("admin456", "thanks");
    reply["reply_to"] = answers[2].clone();
    user.send_text(&reply.to_string()).await;
    let ack = user.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let delivered = admin.next_json().await;
    assert_eq!(delivered["reply_to"], answers[2], "{delivered}");
    admin.close().await;
    user.close().await;
}

/// Settings for the fuzzed chat-local: schemathesis sends hundreds of requests a second as
/// the same few callers, which the read budget (5 a second) would answer with the documented
/// 429 and leave the success schemas unchecked. hostile_rate.rs tests the budget.
fn without_read_limit() -> Settings {
    Settings {
        read_rate_limit: None,
        ..Settings::default()
    }
}

/// chat-local's default dev identity mode: the caller is the id in the path, so every
/// operation can succeed.
#[tokio::test(flavor = "multi_thread")]
async fn the_http_api_answers_as_openapi_yaml_says() {
    let local = start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(Backend::Memory).await),
        settings: without_read_limit(),
        ..chat_local::Options::default()
    })
    .await;
    seed_conversation(|id, role| local.ws_url(&format!("{id}?role={role}"))).await;
    // Every check but positive_data_acceptance, which wants 2xx for every schema-valid
    // request: mark-read refuses a `sender_id` equal to the `reader_id` (a rule across the
    // path and the body that JSON Schema cannot state) with a documented 400; and
    // missing_required_header, which wants 401 for the system-message route's missing SigV4
    // `Authorization`, where API Gateway (and chat-local with it) answers a documented 403.
    let fuzzed = fuzz_http(
        &local,
        "positive_data_acceptance,missing_required_header",
        &[],
    )
    .await;
    // Each operation was answered 200 with real data, so the success schemas were checked;
    // and refusals were exercised: malformed input, a pair that never spoke, other methods.
    for route in [
        "PUT /chat/read",
        "GET /chat/history",
        "GET /chat/unread",
        "GET /chat/conversations",
    ] {
        fuzzed.saw(route, 200, true);
        fuzzed.saw(route, 400, false);
    }
    fuzzed.saw("PUT /chat/read", 404, false);
    fuzzed.saw("DELETE /chat/read", 405, false);
    fuzzed.saw_another_method("/chat/conversations", "GET", 405);
    // Unsigned system messages are refused at the gateway (the signed ones are checked in
    // system_messages_are_as_the_api_documents_say); another method is the function's 405.
    fuzzed.saw("POST /chat/system", 403, false);
    fuzzed.saw_another_method("/chat/system", "POST", 405);
    local.shutdown().await;
}

/// The deployed stack's identity: every request carries an administrator's bearer token, so
/// other readers' data is refused with 403 and requests without it with 401.
#[tokio::test(flavor = "multi_thread")]
async fn the_http_api_with_bearer_tokens_answers_as_openapi_yaml_says() {
    const SECRET: &str = "api-docs-test-secret-of-32-bytes-or-more";
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        ..AuthConfig::default()
    })
    .unwrap();
    let local = start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(Backend::Memory).await),
        identity: chat_local::IdentityMode::Jwt(Arc::new(auth)),
        settings: without_read_limit(),
        ..chat_local::Options::default()
    })
    .await;
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let token = |id: &str, role: &str| {
        let role = Role::parse(role).unwrap();
        let id = ClientId::parse(id).unwrap();
        mint_hs256(SECRET, &id, role, Duration::from_secs(900), now_s)
    };
    seed_conversation(|id, role| format!("ws://{}/ws?token={}", local.addr, token(id, role))).await;
    let bearer = format!("Authorization: Bearer {}", token("admin456", "admin"));
    // Also without negative_data_rejection: this stack ignores `X-Chat-Role`, which the
    // document constrains for chat-local's dev mode. Schema-violating requests are still
    // sent, and their answers checked against the document.
    let skip = "positive_data_acceptance,negative_data_rejection,missing_required_header";
    let fuzzed = fuzz_http(&local, skip, &["--header", &bearer]).await;
    // An administrator reads any history and its own unread counts (the document's example
    // reader), and may not read or mark other readers' state.
    fuzzed.saw("GET /chat/history", 200, true);
    fuzzed.saw("GET /chat/unread", 200, true);
    fuzzed.saw("GET /chat/unread", 403, false);
    fuzzed.saw("PUT /chat/read", 403, false);
    // Its own inbox (the document's example owner), and no one else's.
    fuzzed.saw("GET /chat/conversations", 200, true);
    fuzzed.saw("GET /chat/conversations", 403, false);
    local.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// WebSocket: real frames against docs/asyncapi.yaml

/// The document's examples of client frames, by message name (`send`, `syncRequest`, ...).
fn client_examples() -> BTreeMap<String, Vec<Value>> {
    let command = node(
        "check-frames.mjs",
        &[Path::new("examples"), &asyncapi_yaml()],
    );
    let stdout = succeeded(&run(command, Duration::from_secs(60)), "check-frames.mjs");
    serde_json::from_str(&stdout).expect("examples as JSON")
}

/// Every server frame received, and every client frame sent with what the document should
/// say of it; checked against docs/asyncapi.yaml by tests/api/check-frames.mjs.
#[derive(Default)]
struct Transcript {
    server: Vec<Value>,
    client: Vec<Value>,
}

impl Transcript {
    /// The next frame on `ws`, recorded.
    async fn next(&mut self, ws: &mut WsClient) -> Value {
        let frame = ws.next_json().await;
        self.server.push(frame.clone());
        frame
    }

    /// Sends `frame`, which the document must declare valid (`valid`) or invalid as its
    /// client message `message`.
    async fn send(&mut self, ws: &mut WsClient, message: &str, valid: bool, frame: &Value) {
        self.client
            .push(json!({"message": message, "valid": valid, "frame": frame}));
        ws.send_text(&frame.to_string()).await;
    }

    /// Sends `frame` and expects an error frame with `code` in reply.
    async fn refused(
        &mut self,
        ws: &mut WsClient,
        message: &str,
        valid: bool,
        frame: &Value,
        code: &str,
    ) {
        self.send(ws, message, valid, frame).await;
        let reply = self.next(ws).await;
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{frame} -> {reply}"
        );
    }

    /// Sends text that is not a JSON object at all and expects `invalid_json`.
    async fn not_json(&mut self, ws: &mut WsClient, message: Message) {
        ws.send_raw(message.clone()).await.expect("send");
        let reply = self.next(ws).await;
        assert_eq!(reply["code"], "invalid_json", "{message:?} -> {reply}");
    }

    fn kinds(&self) -> BTreeSet<&str> {
        self.server
            .iter()
            .filter_map(|f| f["type"].as_str())
            .collect()
    }

    fn error_codes(&self) -> BTreeSet<&str> {
        self.server
            .iter()
            .filter(|f| f["type"] == "error")
            .filter_map(|f| f["code"].as_str())
            .collect()
    }

    /// Every frame against the document; returns the checker's summary.
    fn check_against_the_document(&self) -> String {
        let dir = scratch("frames");
        let path = dir.join("frames.json");
        let frames = json!({"server": self.server, "client": self.client});
        std::fs::write(&path, frames.to_string()).unwrap();
        let command = node(
            "check-frames.mjs",
            &[Path::new("check"), &asyncapi_yaml(), &path],
        );
        let summary = succeeded(
            &run(command, Duration::from_secs(60)),
            "frames against docs/asyncapi.yaml",
        );
        // Kept only when the check failed.
        let _ = std::fs::remove_dir_all(&dir);
        summary
    }
}

fn send_frame(to: &str, text: &str) -> Value {
    json!({
        "receiver_id": to, "appointment_id": "appointment789",
        "service_id": "service123", "message_text": text,
    })
}

/// `frame` with `field` set to `value` (`Value::Null`: removed).
fn with(frame: &Value, field: &str, value: Value) -> Value {
    let mut frame = frame.clone();
    if value.is_null() {
        frame.as_object_mut().unwrap().remove(field);
    } else {
        frame[field] = value;
    }
    frame
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_frames_are_as_asyncapi_yaml_says() {
    let examples = client_examples();
    // A tight rate limit, so that a burst is refused however slow the machine: 1 message a
    // second, bursts of 10 (this test sends fewer than 10 otherwise).
    let local = start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(Backend::Memory).await),
        settings: Settings {
            rate_limit: Some(RateRule {
                per_second: 1,
                burst: 10,
                period_s: 1,
            }),
            ..Settings::default()
        },
        ..chat_local::Options::default()
    })
    .await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    let mut t = Transcript::default();

    // The document's send examples are accepted: an ack to the sender (echoing
    // `client_msg_id` exactly when given), the message on the receiver's connection.
    let sends = &examples["send"];
    assert!(!sends.is_empty(), "asyncapi.yaml has no send example");
    let mut first_id: Option<Value> = None;
    for example in sends {
        // A reply must name a message of this conversation: the first one sent here.
        let example = match (example.get("reply_to"), &first_id) {
            (Some(_), Some(id)) => with(example, "reply_to", id.clone()),
            _ => example.clone(),
        };
        t.send(&mut user, "send", true, &example).await;
        let ack = t.next(&mut user).await;
        assert_eq!(ack["type"], "ack", "{example} -> {ack}");
        assert_eq!(ack.get("client_msg_id"), example.get("client_msg_id"));
        let delivered = t.next(&mut admin).await;
        assert_eq!(delivered["type"], "message");
        assert_eq!(delivered["message_id"], ack["message_id"]);
        assert_eq!(delivered["message_text"], example["message_text"]);
        assert_eq!(delivered.get("reply_to"), example.get("reply_to"));
        first_id.get_or_insert_with(|| ack["message_id"].clone());
    }
    // An administrator may write to anyone.
    let frame = send_frame("user123", "Your appointment is confirmed.");
    t.send(&mut admin, "send", true, &frame).await;
    assert_eq!(t.next(&mut admin).await["type"], "ack");
    assert_eq!(t.next(&mut user).await["type"], "message");

    // Frames the document declares invalid are refused with the documented code.
    let good = send_frame("admin456", "hello");
    t.not_json(&mut user, Message::Text("not json".into()))
        .await;
    t.not_json(&mut user, Message::Binary(b"{}".to_vec().into()))
        .await;
    for frame in [json!([]), json!("text"), json!(42)] {
        t.refused(&mut user, "send", false, &frame, "invalid_json")
            .await;
    }
    let dance = with(&good, "action", json!("dance"));
    t.refused(&mut user, "send", false, &dance, "unknown_action")
        .await;
    let long = "x".repeat(4001);
    let invalid_sends = [
        with(&good, "message_text", Value::Null),
        with(&good, "receiver_id", json!(5)),
        with(&good, "receiver_id", json!("admin 456")),
        with(&good, "receiver_id", json!("a".repeat(129))),
        with(&good, "appointment_id", json!("")),
        with(&good, "service_id", json!("service#1")),
        with(&good, "message_text", json!(" \n\t ")),
        with(&good, "message_text", json!("bell \u{7}")),
        with(&good, "message_text", json!(long)),
        with(&good, "client_msg_id", json!("")),
        with(&good, "client_msg_id", json!("has space")),
        with(&good, "client_msg_id", json!(7)),
        with(&good, "action", json!(1)),
    ];
    for frame in &invalid_sends {
        t.refused(&mut user, "send", false, frame, "validation")
            .await;
    }
    // Valid frames the server refuses by rule: writing to oneself (validation), a user
    // writing to a client that is not an administrator (forbidden).
    let to_self = send_frame("user123", "me");
    t.refused(&mut user, "send", true, &to_self, "validation")
        .await;
    let to_stranger = send_frame("someone-else", "hello?");
    t.refused(&mut user, "send", true, &to_stranger, "forbidden")
        .await;
    // Also valid: null for absent optional fields, unknown fields ignored, the 4,000th char.
    let mut lenient = good.clone();
    lenient["extra"] = json!({"ignored": [1, 2]});
    lenient["action"] = Value::Null;
    lenient["client_msg_id"] = Value::Null;
    lenient["message_text"] = json!("é".repeat(4000));
    t.send(&mut user, "send", true, &lenient).await;
    let ack = t.next(&mut user).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert!(ack.get("client_msg_id").is_none(), "{ack}");
    assert_eq!(t.next(&mut admin).await["type"], "message");

    // rate_limited: an administrator bursting past its budget.
    let mut burst = WsClient::connect(&local.ws_url("burst-admin?role=admin")).await;
    let frame = send_frame("offline-user", "spam");
    for _ in 0..30 {
        t.send(&mut burst, "send", true, &frame).await;
    }
    let mut replies = BTreeMap::<String, usize>::new();
    for _ in 0..30 {
        let reply = t.next(&mut burst).await;
        let kind = reply["code"].as_str().or(reply["type"].as_str()).unwrap();
        *replies.entry(kind.to_owned()).or_default() += 1;
    }
    assert!(replies.contains_key("rate_limited"), "{replies:?}");
    assert!(replies.contains_key("ack"), "{replies:?}");

    // internal: a store that fails.
    let faulty = FaultyStore::new(store_for(Backend::Memory).await);
    let broken = start_local(faulty.clone()).await;
    let mut desk = WsClient::connect(&broken.ws_url("admin789?role=admin")).await;
    faulty.fail("put_message");
    let frame = send_frame("user123", "lost");
    t.refused(&mut desk, "send", true, &frame, "internal").await;

    let summary = t.check_against_the_document();
    println!("{summary}");
    for kind in ["message", "ack", "error"] {
        assert!(t.kinds().contains(kind), "no {kind} frame: {:?}", t.kinds());
    }
    for code in [
        "invalid_json",
        "unknown_action",
        "validation",
        "forbidden",
        "rate_limited",
        "internal",
    ] {
        assert!(t.error_codes().contains(code), "no {code} error frame");
    }
    desk.close().await;
    broken.shutdown().await;
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn catch_up_typing_read_receipts_and_idempotency_are_as_asyncapi_yaml_says() {
    let examples = client_examples();
    let local = start_local(store_for(Backend::Memory).await).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    let mut t = Transcript::default();

    // Idempotency: the document's keyed send example, sent twice, gets the same ack and is
    // delivered once; the same key for another message is a conflict.
    let keyed = examples["send"]
        .iter()
        .find(|e| e.get("client_msg_id").is_some())
        .expect("asyncapi.yaml has a send example with a client_msg_id");
    t.send(&mut user, "send", true, keyed).await;
    let ack = t.next(&mut user).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(t.next(&mut admin).await["message_id"], ack["message_id"]);
    t.send(&mut user, "send", true, keyed).await;
    assert_eq!(
        t.next(&mut user).await,
        ack,
        "a retried send gets the same ack"
    );
    admin.expect_nothing(300).await;
    let other = with(keyed, "message_text", json!("another message"));
    t.refused(&mut user, "send", true, &other, "conflict").await;
    let answer = send_frame("user123", "Your appointment is confirmed.");
    t.send(&mut admin, "send", true, &answer).await;
    let answer_ack = t.next(&mut admin).await;
    assert_eq!(answer_ack["type"], "ack", "{answer_ack}");
    assert_eq!(t.next(&mut user).await["type"], "message");

    // The document's sync examples, and a sync without `since`: the conversation, oldest
    // first, each message once.
    let mut syncs = examples["syncRequest"].clone();
    assert!(!syncs.is_empty(), "asyncapi.yaml has no sync example");
    syncs.push(json!({"action": "sync"}));
    for example in &syncs {
        t.send(&mut user, "syncRequest", true, example).await;
        let sync = t.next(&mut user).await;
        assert_eq!(sync["type"], "sync", "{example} -> {sync}");
        let ids: Vec<&Value> = sync["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| &m["message_id"])
            .collect();
        assert_eq!(
            ids,
            [&ack["message_id"], &answer_ack["message_id"]],
            "{sync}"
        );
        assert_eq!(sync["has_more"], false, "{sync}");
    }

    // The document's typing examples: no reply; the receiver is told who is typing.
    let typings = &examples["typingRequest"];
    assert!(!typings.is_empty(), "asyncapi.yaml has no typing example");
    for example in typings {
        t.send(&mut user, "typingRequest", true, example).await;
        let typing = t.next(&mut admin).await;
        assert_eq!(typing, json!({"type": "typing", "sender_id": "user123"}));
        user.expect_nothing(300).await;
    }

    // A read receipt: the administrator reads the user's message over HTTP; the user's
    // connection is told up to which message.
    let (status, body, _) = chat_tests::local::http_with(
        "PUT",
        &format!("{}/chat/read/admin456", local.http_url()),
        Some(r#"{"sender_id":"user123"}"#),
        &[("X-Chat-Role", "admin")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let read = t.next(&mut user).await;
    assert_eq!(read["type"], "read", "{read}");
    assert_eq!(read["reader_id"], "admin456");
    assert_eq!(read["up_to"], ack["message_id"]);

    // Sync and typing frames the document declares invalid, and a refused valid one.
    let sync = json!({"action": "sync", "since": ""});
    for frame in [
        with(&sync, "since", json!("not-a-message-id")),
        with(&sync, "since", json!("81M86WJCHK8Q6W2N4T5Y7Z9B1C")),
        with(&sync, "since", json!(5)),
        with(&sync, "peer_id", json!("a b")),
    ] {
        t.refused(&mut user, "syncRequest", false, &frame, "validation")
            .await;
    }
    let with_self = with(&sync, "peer_id", json!("user123"));
    t.refused(&mut user, "syncRequest", true, &with_self, "validation")
        .await;
    let typing = json!({"action": "typing", "receiver_id": "admin456"});
    for frame in [
        with(&typing, "receiver_id", Value::Null),
        with(&typing, "receiver_id", json!("admin 456")),
    ] {
        t.refused(&mut user, "typingRequest", false, &frame, "validation")
            .await;
    }
    let to_self = with(&typing, "receiver_id", json!("user123"));
    t.refused(&mut user, "typingRequest", true, &to_self, "validation")
        .await;
    let to_stranger = with(&typing, "receiver_id", json!("someone-else"));
    t.refused(&mut user, "typingRequest", true, &to_stranger, "forbidden")
        .await;

    let summary = t.check_against_the_document();
    println!("{summary}");
    for kind in ["sync", "typing", "read"] {
        assert!(t.kinds().contains(kind), "no {kind} frame: {:?}", t.kinds());
    }
    assert!(t.error_codes().contains("conflict"));
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn message_changes_are_as_asyncapi_yaml_says() {
    let examples = client_examples();
    let local = start_local(store_for(Backend::Memory).await).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    let mut t = Transcript::default();

    // A message of the user's to change.
    t.send(
        &mut user,
        "send",
        true,
        &send_frame("admin456", "Hello, I need help"),
    )
    .await;
    let sent = t.next(&mut user).await;
    assert_eq!(sent["type"], "ack", "{sent}");
    let id = sent["message_id"].clone();
    let delivered = t.next(&mut admin).await;
    assert_eq!(delivered["message_id"], id);
    assert_eq!(delivered["version"], 1, "{delivered}");

    // The document's edit, react and delete examples, naming that message (its author sends
    // them): each is acked with its action and the message's new state, one version higher,
    // and the other participant gets an update. The deletion leaves a tombstone.
    let mut version: u64 = 1;
    for (message, action) in [
        ("editRequest", "edit"),
        ("reactRequest", "react"),
        ("deleteRequest", "delete"),
    ] {
        let frames = &examples[message];
        assert!(!frames.is_empty(), "asyncapi.yaml has no {message} example");
        for example in frames {
            let frame = with(example, "message_id", id.clone());
            t.send(&mut user, message, true, &frame).await;
            let ack = t.next(&mut user).await;
            assert_eq!(
                (ack["type"].as_str(), ack["action"].as_str()),
                (Some("ack"), Some(action)),
                "{frame} -> {ack}"
            );
            version += 1;
            assert_eq!(ack["message_id"], id, "{ack}");
            assert_eq!(ack["version"], version, "{frame} -> {ack}");
            assert_eq!(ack["message"]["version"], version, "{ack}");
            let update = t.next(&mut admin).await;
            assert_eq!(update["type"], "update", "{update}");
            assert_eq!(update["message"]["message_id"], id, "{update}");
            assert_eq!(update["message"]["version"], version, "{update}");
        }
    }
    let tombstone = &t.server[t.server.len() - 1]["message"];
    assert_eq!(tombstone["deleted"], true, "{tombstone}");
    assert_eq!(tombstone["deleted_by"], "user123", "{tombstone}");
    assert_eq!(tombstone["message_text"], "", "{tombstone}");

    // An answer from the administrator, and a second message of the user's.
    t.send(
        &mut admin,
        "send",
        true,
        &send_frame("user123", "How can I help?"),
    )
    .await;
    let answer = t.next(&mut admin).await;
    assert_eq!(answer["type"], "ack", "{answer}");
    let answer_id = answer["message_id"].clone();
    assert_eq!(t.next(&mut user).await["message_id"], answer_id);
    t.send(&mut user, "send", true, &send_frame("admin456", "Spam"))
        .await;
    let second = t.next(&mut user).await;
    assert_eq!(second["type"], "ack", "{second}");
    let second_id = second["message_id"].clone();
    assert_eq!(t.next(&mut admin).await["message_id"], second_id);

    // A reply: its receiver gets it with `reply_to` (and a preview of the answer).
    let mut reply = send_frame("admin456", "Thank you");
    reply["reply_to"] = answer_id.clone();
    t.send(&mut user, "send", true, &reply).await;
    let reply_ack = t.next(&mut user).await;
    assert_eq!(reply_ack["type"], "ack", "{reply_ack}");
    let delivered = t.next(&mut admin).await;
    assert_eq!(delivered["reply_to"], answer_id, "{delivered}");
    if let Some(preview) = delivered.get("reply_preview") {
        assert_eq!(preview["message_id"], answer_id, "{delivered}");
    }

    // Moderation: an administrator deletes a user's message of its conversation.
    let moderation = json!({"action": "delete", "message_id": second_id, "peer_id": "user123"});
    t.send(&mut admin, "deleteRequest", true, &moderation).await;
    let ack = t.next(&mut admin).await;
    assert_eq!(
        (
            ack["action"].as_str(),
            ack["message"]["deleted_by"].as_str()
        ),
        (Some("delete"), Some("admin456")),
        "{ack}"
    );
    let update = t.next(&mut user).await;
    assert_eq!(update["type"], "update", "{update}");
    assert_eq!(update["message"]["deleted"], true, "{update}");

    // Frames the document declares invalid are refused with `validation`.
    let edit = json!({"action": "edit", "message_id": id, "message_text": "x"});
    let delete = json!({"action": "delete", "message_id": id});
    let react = json!({"action": "react", "message_id": id, "emoji": "👍"});
    let invalid = [
        ("editRequest", with(&edit, "message_id", Value::Null)),
        (
            "editRequest",
            with(&edit, "message_id", json!("not-a-message-id")),
        ),
        ("editRequest", with(&edit, "message_id", json!(5))),
        ("editRequest", with(&edit, "message_text", Value::Null)),
        ("editRequest", with(&edit, "message_text", json!(" \n "))),
        ("editRequest", with(&edit, "peer_id", json!("admin 456"))),
        ("deleteRequest", with(&delete, "message_id", Value::Null)),
        ("deleteRequest", with(&delete, "peer_id", json!(7))),
        ("reactRequest", with(&react, "emoji", Value::Null)),
        ("reactRequest", with(&react, "emoji", json!(""))),
        ("reactRequest", with(&react, "emoji", json!("ok"))),
        ("reactRequest", with(&react, "emoji", json!("1"))),
        ("reactRequest", with(&react, "emoji", json!(" 👍"))),
        (
            "reactRequest",
            with(&react, "emoji", json!("👍".repeat(33))),
        ),
        ("reactRequest", with(&react, "remove", json!("yes"))),
        ("reactRequest", with(&react, "remove", json!(1))),
        (
            "send",
            with(&send_frame("admin456", "hi"), "reply_to", json!("nope")),
        ),
    ];
    for (message, frame) in &invalid {
        t.refused(&mut user, message, false, frame, "validation")
            .await;
    }

    // Valid frames the server refuses by rule.
    let unknown = json!("01M86WJCHK8Q6W2N4T5Y7Z9B1C");
    // not_found: no such message in the caller's conversations (read directly, and through
    // the catch-up indexes).
    let nowhere = with(&react, "message_id", unknown.clone());
    t.refused(&mut user, "reactRequest", true, &nowhere, "not_found")
        .await;
    let nowhere = with(&nowhere, "peer_id", json!("admin456"));
    t.refused(&mut user, "reactRequest", true, &nowhere, "not_found")
        .await;
    // conflict: an edit of, or a reaction to, a deleted message.
    let with_peer = |frame: &Value| with(frame, "peer_id", json!("admin456"));
    t.refused(
        &mut user,
        "editRequest",
        true,
        &with_peer(&edit),
        "conflict",
    )
    .await;
    t.refused(
        &mut user,
        "reactRequest",
        true,
        &with_peer(&react),
        "conflict",
    )
    .await;
    // forbidden: editing another's message; a user deleting an administrator's.
    let admins_edit = json!({
        "action": "edit", "message_id": id, "message_text": "x", "peer_id": "user123",
    });
    t.refused(&mut admin, "editRequest", true, &admins_edit, "forbidden")
        .await;
    let not_mine = json!({"action": "delete", "message_id": answer_id, "peer_id": "admin456"});
    t.refused(&mut user, "deleteRequest", true, &not_mine, "forbidden")
        .await;
    // validation: naming oneself as the peer; a reply to a deleted message.
    let to_self = with(&delete, "peer_id", json!("user123"));
    t.refused(&mut user, "deleteRequest", true, &to_self, "validation")
        .await;
    let to_tombstone = with(
        &send_frame("admin456", "about that"),
        "reply_to",
        id.clone(),
    );
    t.refused(&mut user, "send", true, &to_tombstone, "validation")
        .await;

    // Catch-up returns each message once, in its current state: the tombstones too.
    let sync = json!({"action": "sync", "since": ""});
    t.send(&mut user, "syncRequest", true, &sync).await;
    let page = t.next(&mut user).await;
    assert_eq!(page["type"], "sync", "{page}");
    let messages = page["messages"].as_array().expect("messages");
    let ids: BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    assert_eq!(ids.len(), messages.len(), "each message once: {page}");
    let first = messages
        .iter()
        .find(|m| m["message_id"] == id)
        .expect("the changed message");
    assert_eq!(
        (first["version"].as_u64(), first["deleted"].as_bool()),
        (Some(version), Some(true)),
        "{first}"
    );

    // A repeated change is acked with the unchanged version (last: whether the other
    // participant is posted the unchanged state again is not this test's business).
    t.send(&mut user, "deleteRequest", true, &with_peer(&delete))
        .await;
    let again = t.next(&mut user).await;
    assert_eq!(
        (again["type"].as_str(), again["version"].as_u64()),
        (Some("ack"), Some(version)),
        "{again}"
    );

    let summary = t.check_against_the_document();
    println!("{summary}");
    for kind in ["message", "update", "ack", "sync", "error"] {
        assert!(t.kinds().contains(kind), "no {kind} frame: {:?}", t.kinds());
    }
    // Both kinds of ack matched their own schema.
    for name in ["\"ack\"", "\"changeAck\"", "\"update\""] {
        assert!(summary.contains(name), "no frame matched {name}: {summary}");
    }
    for code in ["validation", "not_found", "conflict", "forbidden"] {
        assert!(t.error_codes().contains(code), "no {code} error frame");
    }
    local.shutdown().await;
}

/// System messages need a SigV4 signature per request, which schemathesis cannot make: the
/// signed answers (201, a repeated key's 200) and the gateway's refusal of an unsigned one are
/// checked against docs/openapi.yaml here, and the delivered `message` frame (`kind: "system"`)
/// against docs/asyncapi.yaml.
#[tokio::test(flavor = "multi_thread")]
async fn system_messages_are_as_the_api_documents_say() {
    use chat_tests::management::{post_system, Keys};
    let local = start_local(store_for(Backend::Memory).await).await;
    let base = local.http_url();
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    let mut t = Transcript::default();
    let keys = Keys::new("local", "local");
    let body = chat_tests::system_body("appt-789-confirmed", "Your appointment is confirmed.");
    let mut bodies = Vec::new();
    let (status, stored, _) = post_system(&base, "user123", &body, Some(&keys), &[]).await;
    assert_eq!(status, 201, "{stored}");
    bodies.push(json!({"schema": "SystemMessageResponse", "body": stored}));
    let delivered = t.next(&mut user).await;
    assert_eq!(
        (delivered["type"].as_str(), delivered["kind"].as_str()),
        (Some("message"), Some("system"))
    );
    let (status, repeated, _) = post_system(&base, "user123", &body, Some(&keys), &[]).await;
    assert_eq!(status, 200, "{repeated}");
    bodies.push(json!({"schema": "SystemMessageResponse", "body": repeated}));
    let (status, refused, _) = post_system(&base, "user123", &body, None, &[]).await;
    assert_eq!(status, 403, "{refused}");
    bodies.push(json!({"schema": "GatewayMessage", "body": refused}));
    let other = chat_tests::system_body("appt-789-confirmed", "Another text.");
    let (status, conflict, _) = post_system(&base, "user123", &other, Some(&keys), &[]).await;
    assert_eq!(status, 409, "{conflict}");
    bodies.push(json!({"schema": "ConflictError", "body": conflict}));
    let (status, invalid, _) = post_system(&base, "user123", "{}", Some(&keys), &[]).await;
    assert_eq!(status, 400, "{invalid}");
    bodies.push(json!({"schema": "BadRequestError", "body": invalid}));
    // And answering one is refused as the document says.
    t.refused(
        &mut user,
        "send",
        true,
        &send_frame("system", "thanks"),
        "forbidden",
    )
    .await;

    let dir = scratch("openapi-bodies");
    let path = dir.join("bodies.json");
    std::fs::write(&path, Value::Array(bodies).to_string()).unwrap();
    let doc = openapi_yaml();
    let command = node("check-openapi.mjs", &[doc.as_path(), path.as_path()]);
    println!(
        "{}",
        succeeded(
            &run(command, Duration::from_secs(60)),
            "bodies against docs/openapi.yaml"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", t.check_against_the_document());
    user.close().await;
    local.shutdown().await;
}
