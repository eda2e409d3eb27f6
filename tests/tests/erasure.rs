//! Erasure and export of one client's data (docs/data-rules.md) through the HTTP handlers, on
//! both stores, with files in chat-local's S3 (no mock): after an erasure nothing in any table
//! and no object in the bucket names the client but tombstones (a raw scan of DynamoDB Local's
//! tables, and the bucket's folder); the other party's history, catch-up and inbox stay
//! consistent; a second erasure changes nothing; an erasure cut short half way and resumed ends
//! the same; refused requests change nothing; an export holds what the store holds; each
//! export page and erasure step is one audit line, without content.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Once};

use chat_shared::domain::{ClientId, Identity, Role};
use chat_shared::store::dynamodb::{local_client, TableNames};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;
use chat_tests::events::fixture;
use chat_tests::files::{pdf, png, put};
use chat_tests::{
    dynamodb_endpoint, fresh_dynamo_tables, response_json, test_chat, Harness, BACKEND_SIGNER,
};
use serde_json::{json, Value};

const USER: &str = "user-e1";
const ADMIN: &str = "admin-e1";
const ADMIN2: &str = "admin-e2";
const OTHER: &str = "user-e2";

struct World {
    app: Harness,
    /// DynamoDB Local's table prefix (`None`: the in-memory store).
    prefix: Option<String>,
    /// Every attachment id the client's conversations and uploads hold.
    files: Vec<String>,
    /// Messages in the client's conversations.
    messages: usize,
}

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

async fn upload(app: &Harness, owner: &str, name: &str, kind: &str, bytes: Vec<u8>) -> String {
    let body = json!({"file_name": name, "content_type": kind, "size": bytes.len()}).to_string();
    let who = if owner.starts_with("admin") {
        app.admin(owner)
    } else {
        app.user(owner)
    };
    let (status, grant) = who
        .http("POST", &format!("/chat/attachments/{owner}"), Some(&body))
        .await;
    assert_eq!(status, 201, "{grant}");
    let (status, answer) = put(&grant, bytes).await;
    assert_eq!(status, 200, "{answer}");
    grant["attachment_id"].as_str().unwrap().to_owned()
}

fn send(to: &str, text: &str, files: &[&str], key: Option<&str>) -> String {
    json!({
        "action": "sendmessage", "receiver_id": to, "appointment_id": "appt-1",
        "service_id": "svc-1", "message_text": text, "attachments": files,
        "client_msg_id": key,
    })
    .to_string()
}

/// A client with two administrators, files both ways, an edit, a reaction, a read receipt, a
/// system message and a pending upload; and a conversation between two others.
async fn world(dynamo: bool) -> World {
    let (store, prefix): (Arc<dyn Store>, Option<String>) = if dynamo {
        let (store, prefix) = fresh_dynamo_tables().await;
        (Arc::new(store), Some(prefix))
    } else {
        (Arc::new(MemoryStore::new()), None)
    };
    let app = test_chat(store).with_local_s3().await;
    let user = app.user(USER).connected().await;
    let admin = app.admin(ADMIN).connected().await;
    let admin2 = app.admin(ADMIN2).connected().await;
    let other = app.user(OTHER).connected().await;

    let scan = upload(&app, USER, "scan.png", "image/png", png(3_000)).await;
    let ack = user
        .send(&send(ADMIN, "my results", &[&scan], Some("k-1")))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let first = ack["message_id"].as_str().unwrap().to_owned();
    user.send(&send(ADMIN, "is Friday fine?", &[], None)).await;
    let letter = upload(&app, ADMIN, "letter.pdf", "application/pdf", pdf(5_000)).await;
    let ack = admin
        .send(&send(USER, "your letter", &[&letter], Some("k-a")))
        .await;
    let reply = ack["message_id"].as_str().unwrap().to_owned();
    let edit = json!({"action": "edit", "message_id": reply, "peer_id": USER,
        "message_text": "your letter, signed"});
    assert_eq!(admin.send(&edit.to_string()).await["type"], "ack");
    let react = json!({"action": "react", "message_id": first, "peer_id": USER, "emoji": "👍"});
    let reacted = admin.send(&react.to_string()).await;
    assert_eq!(reacted["type"], "ack", "{reacted}");
    let (status, body) = user.mark_read(ADMIN).await;
    assert_eq!(status, 200, "{body}");
    user.send(&send(ADMIN2, "hello other desk", &[], None))
        .await;
    admin2
        .send(&send(USER, "hello from desk 2", &[], None))
        .await;
    app.system_message(USER, "appt-1-confirmed", "Friday 10:00 confirmed")
        .await;
    let pending = upload(&app, USER, "draft.pdf", "application/pdf", pdf(1_000)).await;
    other
        .send(&send(ADMIN, "not erased", &[], Some("k-o")))
        .await;
    admin.send(&send(OTHER, "nor this", &[], None)).await;
    World {
        app,
        prefix,
        files: vec![scan, letter, pending],
        messages: 6,
    }
}

/// Every item of the three tables, as JSON, sorted.
async fn scan(prefix: &str) -> Vec<Value> {
    let client = local_client(&dynamodb_endpoint());
    let tables = TableNames::with_prefix(prefix);
    let mut items = Vec::new();
    for table in [&tables.connections, &tables.messages, &tables.inbox] {
        let mut pages = client
            .scan()
            .table_name(table)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item: serde_json::Map<String, Value> =
                serde_dynamo::from_item(item.unwrap()).unwrap();
            let mut item = Value::Object(item);
            item["#table"] = json!(table.trim_start_matches(prefix));
            items.push(item);
        }
    }
    items.sort_by_key(|i| i.to_string());
    items
}

fn names(item: &Value, client: &str) -> bool {
    item.to_string().contains(client)
}

/// What an erasure may leave that names the client: tombstones (messages without content,
/// deleted by the client), change records (ids only), and the other parties' inbox entries
/// whose preview is a tombstone.
fn is_tombstone(item: &Value) -> bool {
    let conversation = item["conversation_id"].as_str().unwrap_or("");
    match item["#table"].as_str().unwrap() {
        "messages" if conversation.starts_with("#chg#") => item.get("changed").is_some(),
        "messages" if !conversation.starts_with('#') => {
            item["deleted_by"] == USER
                && [
                    "message_text",
                    "attachments",
                    "reactions",
                    "client_msg_id",
                    "reply_to",
                ]
                .iter()
                .all(|k| item.get(*k).is_none())
        }
        "inbox" => {
            item["peer_id"] == USER
                && item["owner_id"] != USER
                && (item.get("last").is_none()
                    || (item["last"]["deleted"] == true && item["last"]["text"] == ""))
        }
        _ => false,
    }
}

/// The attachment ids still in the bucket.
fn objects(app: &Harness) -> BTreeSet<String> {
    let files = app.files.as_ref().unwrap();
    let dir = files.dir.join(&files.bucket).join("uploads");
    let mut found = BTreeSet::new();
    walk(&dir, &mut found);
    found
}

fn walk(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            found.insert(name.to_owned());
        }
    }
}

async fn erase_as(app: &Harness, caller: &str, role: &str, client: &str) -> (u16, Value) {
    let who = if role == "admin" {
        app.admin(caller)
    } else {
        app.user(caller)
    };
    who.http("POST", &format!("/chat/erasure/{client}"), None)
        .await
}

/// Erasure calls until done; the final answer and the number of calls.
async fn erase_all(app: &Harness, client: &str) -> (Value, usize) {
    for calls in 1..=50 {
        let (status, body) = erase_as(app, ADMIN, "admin", client).await;
        match status {
            200 => {
                assert_eq!(body["done"], true, "{body}");
                return (body, calls);
            }
            202 => assert_eq!(body["done"], false, "{body}"),
            _ => panic!("erasure answered {status}: {body}"),
        }
    }
    panic!("the erasure did not finish in 50 calls");
}

/// What the store holds under the client, through its traits (both stores).
async fn held(store: &dyn Store, client: &str) -> Value {
    let c = id(client);
    let records = store.client_records(&c).await.unwrap();
    let mut messages = Vec::new();
    for d in [
        chat_shared::domain::Direction::Sent,
        chat_shared::domain::Direction::Received,
    ] {
        let page = store.messages_of(&c, d, None, 100).await.unwrap();
        messages.extend(page.messages.into_iter().map(|m| m.is_tombstone()));
    }
    json!({
        "role": records.role.map(|r| r.as_str()),
        "connections": records.connections.len(),
        "rate_limits": records.rate_limits.len(),
        "claims": store.claim_keys(&c).await.unwrap(),
        "inbox": store.inbox_entries(&c).await.unwrap().len(),
        "uploads": store.upload_ids_of(&c).await.unwrap().len(),
        "tombstones": messages.iter().filter(|t| **t).count(),
        "messages": messages.len(),
        "erasure": store.erasure(&c).await.unwrap().is_some(),
    })
}

async fn the_other_partys_view(app: &Harness) -> Value {
    let admin = Identity {
        client_id: id(ADMIN),
        role: Role::Admin,
    };
    let history = app.admin(ADMIN).history(ADMIN, USER, 100).await;
    let synced = app.chat.sync(&admin, None, Some(id(USER))).await.unwrap();
    let inbox = app
        .chat
        .conversations(
            &admin,
            &id(ADMIN),
            &chat_shared::domain::InboxQuery {
                limit: 50,
                after: None,
            },
        )
        .await
        .unwrap();
    let with_user = inbox.conversations.iter().find(|c| c.peer == id(USER));
    json!({
        "history": history.iter().map(|m| json!({
            "id": m.message.message_id.as_str(),
            "text": m.message.message_text.as_str(),
            "deleted": m.message.state.deleted.is_some(),
            "files": m.message.attachments.len(),
        })).collect::<Vec<_>>(),
        "sync": synced.messages.iter().map(|m| (m.message_id.as_str().to_owned(), m.is_tombstone())).collect::<Vec<_>>(),
        "inbox_last_deleted": with_user.and_then(|c| c.last.as_ref()).map(|l| l.deleted && l.text.is_empty()),
        "other_conversation": app.admin(ADMIN).history(ADMIN, OTHER, 100).await.len(),
    })
}

async fn an_erasure_leaves_only_tombstones_and_a_consistent_conversation(dynamo: bool) {
    let w = world(dynamo).await;
    let store = w.app.chat.store().clone();
    let before = the_other_partys_view(&w.app).await;
    assert_eq!(before["history"].as_array().unwrap().len(), 3);
    assert_eq!(objects(&w.app).len(), 3, "three files in the bucket");
    let open = w.app.connections(USER).await;
    assert_eq!(open.len(), 1);

    let (done, calls) = erase_all(&w.app, USER).await;
    let counts = &done["counts"];
    assert_eq!(counts["messages"], w.messages, "{done}");
    assert_eq!(counts["attachments"], 3, "{done}");
    assert_eq!(counts["connections"], 1, "{done}");
    assert_eq!(counts["profile"], 1, "{done}");
    assert_eq!(counts["claims"], 1, "{done}");
    assert_eq!(counts["read_state"], 3, "{done}");
    assert_eq!(counts["peer_entries"], 2, "{done}");
    assert!(
        calls <= 2,
        "a small history is erased in one or two calls ({calls})"
    );
    assert_eq!(
        w.app.notifier.closed(),
        open,
        "the client's connection is closed"
    );

    // Nothing names the client but tombstones.
    assert!(objects(&w.app).is_disjoint(&w.files.iter().cloned().collect()));
    let held_after = held(store.as_ref(), USER).await;
    assert_eq!(
        held_after,
        json!({"role": null, "connections": 0, "rate_limits": 0, "claims": [], "inbox": 0,
               "uploads": 0, "tombstones": w.messages, "messages": w.messages, "erasure": false})
    );
    if let Some(prefix) = &w.prefix {
        let left: Vec<Value> = (scan(prefix).await.into_iter())
            .filter(|i| names(i, USER) && !is_tombstone(i))
            .collect();
        assert!(left.is_empty(), "items still naming the client: {left:#?}");
    }

    // The other party's conversation keeps its shape: the same messages, as tombstones.
    let after = the_other_partys_view(&w.app).await;
    let ids = |v: &Value| -> Vec<Value> {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect()
    };
    assert_eq!(ids(&after), ids(&before));
    for m in after["history"].as_array().unwrap() {
        assert_eq!(m["deleted"], true, "{m}");
        assert_eq!(m["text"], "", "{m}");
        assert_eq!(m["files"], 0, "{m}");
    }
    for (_, tombstone) in
        serde_json::from_value::<Vec<(String, bool)>>(after["sync"].clone()).unwrap()
    {
        assert!(tombstone, "catch-up serves the tombstones: {after}");
    }
    assert_eq!(after["inbox_last_deleted"], true, "{after}");
    assert_eq!(
        after["other_conversation"], 2,
        "others' conversations are untouched"
    );

    // Erasing again finds nothing and changes nothing.
    w.app.clock.advance(1_000);
    let snapshot = match &w.prefix {
        Some(prefix) => json!(scan(prefix).await),
        None => held(store.as_ref(), USER).await,
    };
    let (again, calls) = erase_all(&w.app, USER).await;
    assert_eq!(calls, 1);
    for (name, n) in again["counts"].as_object().unwrap() {
        assert_eq!(n, 0, "{name}: {again}");
    }
    let unchanged = match &w.prefix {
        Some(prefix) => json!(scan(prefix).await),
        None => held(store.as_ref(), USER).await,
    };
    assert_eq!(unchanged, snapshot);
}

async fn an_erasure_cut_short_and_resumed_ends_the_same(dynamo: bool) {
    let w = world(dynamo).await;
    // The first call dies after the messages are tombstones, before the read state goes.
    w.app.faults.fail("delete_inbox_entries");
    let (status, body) = erase_as(&w.app, ADMIN, "admin", USER).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["code"], "internal");
    let store = w.app.chat.store().clone();
    let half = held(store.as_ref(), USER).await;
    assert_eq!(half["erasure"], true, "the progress is kept: {half}");
    assert_eq!(half["tombstones"], w.messages);
    w.app.faults.heal("delete_inbox_entries");
    let (done, _) = erase_all(&w.app, USER).await;
    // The same counts as an erasure never interrupted.
    let counts = &done["counts"];
    assert_eq!(counts["messages"], w.messages, "{done}");
    assert_eq!(counts["read_state"], 3, "{done}");
    assert_eq!(counts["profile"], 1, "{done}");
    assert_eq!(
        held(store.as_ref(), USER).await,
        json!({"role": null, "connections": 0, "rate_limits": 0, "claims": [], "inbox": 0,
               "uploads": 0, "tombstones": w.messages, "messages": w.messages, "erasure": false})
    );
    if let Some(prefix) = &w.prefix {
        let left: Vec<Value> = (scan(prefix).await.into_iter())
            .filter(|i| names(i, USER) && !is_tombstone(i))
            .collect();
        assert!(left.is_empty(), "items still naming the client: {left:#?}");
    }
    assert!(objects(&w.app).is_disjoint(&w.files.iter().cloned().collect()));
}

async fn refused_requests_change_nothing(dynamo: bool) {
    let w = world(dynamo).await;
    let store = w.app.chat.store().clone();
    let snapshot = match &w.prefix {
        Some(prefix) => json!(scan(prefix).await),
        None => held(store.as_ref(), USER).await,
    };
    for (caller, role, subject, status) in [
        (USER, "user", USER, 403),    // not even oneself
        (OTHER, "user", USER, 403),   // nor someone else
        (ADMIN, "admin", ADMIN, 403), // an administrator, not themselves
    ] {
        let (got, body) = erase_as(&w.app, caller, role, subject).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some("forbidden")),
            "{caller}: {body}"
        );
    }
    let (status, body) = w
        .app
        .user(OTHER)
        .http("GET", &format!("/chat/export/{USER}"), None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    for (method, path) in [
        ("POST", format!("/chat/erasure/{USER}")),
        ("GET", format!("/chat/export/{USER}")),
    ] {
        let (status, body) = w.app.anonymous().http(method, &path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{body}"
        );
    }
    // The booking backend's routes take a signature only: an unsigned or foreign one is refused.
    for signer in [
        None,
        Some("arn:aws:sts::123456789012:assumed-role/intruder/s"),
    ] {
        let mut event = fixture("http_post_erasure_iam");
        event["rawPath"] = json!(format!("/chat/system/erasure/{USER}"));
        match signer {
            Some(arn) => event["requestContext"]["authorizer"]["iam"]["userArn"] = json!(arn),
            None => {
                event["requestContext"]
                    .as_object_mut()
                    .unwrap()
                    .remove("authorizer");
            }
        }
        let request = serde_json::from_value(event).unwrap();
        let (status, body) =
            response_json(chat_edge::lambda::http::handle_http(&w.app.chat, request).await);
        let expected = if signer.is_some() { 403 } else { 401 };
        assert_eq!(status, expected, "{body}");
    }
    for (path, field) in [
        ("/chat/export/bad%23id", "client_id"),
        ("/chat/export/u1?cursor=x.", "cursor"),
    ] {
        let (status, body) = w.app.admin(ADMIN).http("GET", path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation")),
            "{path}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains(field), "{body}");
    }
    let unchanged = match &w.prefix {
        Some(prefix) => json!(scan(prefix).await),
        None => held(store.as_ref(), USER).await,
    };
    assert_eq!(unchanged, snapshot);
}

/// The booking backend's erasure, from API Gateway's event as it arrives (IAM-authorized).
async fn the_booking_backend_erases_with_its_signature(dynamo: bool) {
    let w = world(dynamo).await;
    let mut event = fixture("http_post_erasure_iam");
    event["rawPath"] = json!(format!("/chat/system/erasure/{USER}"));
    event["requestContext"]["authorizer"]["iam"]["userArn"] = json!(BACKEND_SIGNER);
    let request = serde_json::from_value(event).unwrap();
    let (status, body) =
        response_json(chat_edge::lambda::http::handle_http(&w.app.chat, request).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["counts"]["messages"], w.messages);
}

/// An export holds what the store holds about the client: compared with a raw scan.
async fn an_export_holds_everything_the_store_holds(dynamo: bool) {
    let w = world(dynamo).await;
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/chat/export/{USER}?cursor={c}"),
            None => format!("/chat/export/{USER}"),
        };
        let (status, page) = w.app.user(USER).http("GET", &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["format"], "chat-export/1");
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        pages.push(page);
        if cursor.is_none() {
            break;
        }
    }
    assert!(cursor.is_none(), "the export ends");
    let first = &pages[0];
    assert_eq!(first["profile"]["role"], "user");
    assert_eq!(first["connections"].as_array().unwrap().len(), 1);
    assert_eq!(first["read_state"].as_array().unwrap().len(), 3);
    let pending: Vec<&Value> = first["uploads"].as_array().unwrap().iter().collect();
    assert_eq!(pending.len(), 1, "{first}");
    assert_eq!(pending[0]["state"], "pending");
    for later in &pages[1..] {
        assert_eq!(later["profile"], Value::Null);
        assert!(later["read_state"].as_array().unwrap().is_empty());
    }
    let messages: Vec<&Value> = pages
        .iter()
        .flat_map(|p| p["messages"].as_array().unwrap())
        .collect();
    let files: Vec<&Value> = pages
        .iter()
        .flat_map(|p| p["attachments"].as_array().unwrap())
        .collect();
    assert_eq!(messages.len(), w.messages);
    assert!(messages
        .iter()
        .all(|m| m["sender_id"] == USER || m["receiver_id"] == USER));
    assert!(
        messages
            .iter()
            .any(|m| m["reactions"]["👍"] == json!([ADMIN])),
        "reactions"
    );
    assert!(
        messages
            .iter()
            .any(|m| m["message_text"] == "your letter, signed"),
        "edits"
    );
    assert_eq!(files.len(), 2, "the two attached files, with links");
    for f in &files {
        let url = f["download_url"].as_str().unwrap();
        let (status, _, bytes) = chat_tests::files::request("GET", url, &[], Vec::new()).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(bytes.len() as u64, f["size"].as_u64().unwrap());
    }
    // Every message item in the tables that names the client is in the export, and nothing
    // of the conversation between two others is.
    if let Some(prefix) = &w.prefix {
        let exported: BTreeSet<&str> = messages
            .iter()
            .map(|m| m["message_id"].as_str().unwrap())
            .collect();
        let stored: BTreeSet<String> = (scan(prefix).await.into_iter())
            .filter(|i| {
                i["#table"] == "messages"
                    && i.get("sender_id").is_some()
                    && i.get("changed").is_none()
            })
            .filter(|i| i["sender_id"] == USER || i["receiver_id"] == USER)
            .map(|i| i["message_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(exported, stored.iter().map(String::as_str).collect());
    }
    // An administrator may export too, and the export changed nothing it reports.
    let (status, page) = w
        .app
        .admin(ADMIN)
        .http("GET", &format!("/chat/export/{USER}"), None)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["read_state"], first["read_state"]);
}

thread_local! {
    /// What this thread logged to the `audit` target.
    static AUDIT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The global subscriber's writer: each thread's lines into its own buffer. A test's tasks all
/// run on its thread (`#[tokio::test]`), so it reads exactly its own lines. (A global
/// subscriber, not `set_default` per test: scoped subscribers in parallel tests share the
/// callsites' cached interest and can miss events.)
struct ThisThread;

impl Write for ThisThread {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        AUDIT.with(|lines| lines.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing this thread's audit lines, from nothing.
fn capture_audit() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("audit=info")
            .with_writer(|| ThisThread)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
    AUDIT.with(|lines| lines.borrow_mut().clear());
}

fn audit_lines() -> String {
    AUDIT.with(|lines| String::from_utf8(lines.borrow().clone()).unwrap())
}

/// Who, whom, when and how much, for every export page and every erasure step; never a
/// message's text, a file's name or a URL.
async fn every_export_and_erasure_is_one_audit_line_without_content(dynamo: bool) {
    let w = world(dynamo).await;
    capture_audit();
    let (status, page) = (w.app.user(USER))
        .http("GET", &format!("/chat/export/{USER}"), None)
        .await;
    assert_eq!(status, 200, "{page}");
    let (_, calls) = erase_all(&w.app, USER).await;
    // A refusal is not a request carried out: no audit line.
    let (status, _) = erase_as(&w.app, OTHER, "user", USER).await;
    assert_eq!(status, 403);

    let logs = audit_lines();
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(
        lines.len(),
        1 + calls,
        "one per export page and erasure step:\n{logs}"
    );
    let export = lines[0];
    for field in [
        "audit:",
        "privacy request",
        "action=\"export\"",
        "actor_role=\"user\"",
        &format!("actor=\"{USER}\""),
        &format!("subject={USER}"),
        "messages=",
    ] {
        assert!(export.contains(field), "{field} in {export}");
    }
    let last = lines[calls];
    for field in [
        "action=\"erasure\"",
        "actor_role=\"admin\"",
        &format!("actor=\"{ADMIN}\""),
        &format!("subject={USER}"),
        "done=true",
        "messages=",
        "attachments=3",
    ] {
        assert!(last.contains(field), "{field} in {last}");
    }
    // The line's time is the "when".
    assert!(last.starts_with("20"), "{last}");
    for content in [
        "my results",
        "is Friday fine",
        "your letter",
        "Friday 10:00 confirmed",
        "scan.png",
        "letter.pdf",
        "draft.pdf",
        "http",
    ] {
        assert!(
            !logs.contains(content),
            "{content:?} reached the audit lines:\n{logs}"
        );
    }
}

macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod memory { $( #[tokio::test] async fn $name() { super::$name(false).await } )+ }
        mod dynamodb { $( #[tokio::test] async fn $name() { super::$name(true).await } )+ }
    };
}

both!(
    an_erasure_leaves_only_tombstones_and_a_consistent_conversation,
    an_erasure_cut_short_and_resumed_ends_the_same,
    refused_requests_change_nothing,
    the_booking_backend_erases_with_its_signature,
    an_export_holds_everything_the_store_holds,
    every_export_and_erasure_is_one_audit_line_without_content,
);
