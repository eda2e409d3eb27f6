//! Running WebSocket cases: each frame goes through `handle_message` as API Gateway's event
//! JSON, and the reply, the store and the posts are checked against what the case expects.

use std::collections::BTreeMap;

use chat_edge::lambda::ws::handle_message;
use chat_shared::chat::Unread;
use chat_shared::domain::{ClientId, StoredMessage};
use serde_json::{json, Value};

use super::{
    base_delivered, check_against_the_rules, check_error_message, id_ok, with, ws, Delivered,
    Expect, Who, WsCase, ADMIN, ADMIN_CONN, OTHER_CONN, OTHER_USER, USER, USER_CONN,
};
use crate::{ws_event, Backend, Harness};

/// The administrator's desk, the user and another user, connected.
pub async fn setup(backend: Backend) -> Harness {
    // With a local S3, so attachments are checked as the deployed functions check them.
    let tc = Harness::on(backend).await.with_local_s3().await;
    for (conn, who) in [
        (ADMIN_CONN, ADMIN),
        (USER_CONN, USER),
        (OTHER_CONN, OTHER_USER),
    ] {
        tc.as_who(who).on(conn).connected().await;
    }
    tc
}

/// Sends a valid frame (seeds and follow-ups) and expects an ack.
pub async fn send_ok(tc: &Harness, connection: &str, who: Who, body: String) -> Value {
    let case = WsCase {
        who,
        ..ws("a valid frame", body, Expect::Accepted(base_delivered()))
    };
    let reply = call_ws(tc, connection, &case).await;
    assert_eq!(reply["type"], "ack", "a valid frame got {reply}");
    reply
}

pub async fn call_ws(tc: &Harness, connection: &str, case: &WsCase) -> Value {
    let mut event = ws_event("message", connection, case.who, case.body.as_deref());
    event.body = case.body.clone();
    event.is_base64_encoded = case.base64;
    let response = handle_message(&tc.chat, event).await;
    assert_eq!(response.status_code, 200, "{}", case.label);
    let body = chat_edge::lambda::ws::frame_of(&response)
        .expect("a frame for the sender")
        .to_owned();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: reply not JSON: {e}", case.label))
}

/// The newest `limit` messages between `a` and `b`, as any administrator reads them.
pub async fn history(tc: &Harness, a: &str, b: &str, limit: usize) -> Vec<StoredMessage> {
    tc.admin("admin000").history(a, b, limit).await
}

pub async fn unread(tc: &Harness, reader: &str) -> Unread {
    tc.user(reader).unread().await
}

/// Everything a refused frame must leave alone. (A refused frame naming another receiver is
/// also checked to have stored nothing for it: see `other_receiver`.)
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub conversation: Vec<StoredMessage>,
    pub unread: Vec<Unread>,
    pub receiver_connections: Vec<String>,
    pub posts: BTreeMap<String, usize>,
}

pub async fn snapshot(tc: &Harness) -> Snapshot {
    let mut receiver_connections = tc.connections("admin456").await;
    receiver_connections.sort();
    Snapshot {
        // New messages get the newest time (the clock moves before each case), so a few of the
        // newest are enough to see any addition.
        conversation: history(tc, "user123", "admin456", 5).await,
        unread: vec![unread(tc, "user123").await, unread(tc, "admin456").await],
        receiver_connections,
        posts: tc.notifier.counts().into_iter().collect(),
    }
}

/// The corpus reuses the base frame's `client_msg_id`s; a send is idempotent per key, so each
/// case gets keys of its own (`k-1` becomes `k-1.<i>`), in the body and in what it expects.
pub fn with_unique_keys(case: &WsCase, i: usize) -> WsCase {
    let mut case = case.clone();
    let unique = |key: &str| format!("{key}.{i}");
    for key in ["k-1", "k-2"] {
        case.body = case
            .body
            .map(|b| b.replace(&format!("\"{key}\""), &format!("\"{}\"", unique(key))));
        if let Expect::Accepted(want) = &mut case.expect {
            if want.client_msg_id.as_deref() == Some(key) {
                want.client_msg_id = Some(unique(key));
            }
        }
    }
    case
}

pub async fn run_ws(backend: Backend, category: &str, cases: Vec<WsCase>) {
    eprintln!("{category}: {} cases", cases.len());
    let tc = setup(backend).await;
    // Some history and unread state to compare against.
    for (conn, who, to) in [
        (USER_CONN, USER, "admin456"),
        (ADMIN_CONN, ADMIN, "user123"),
    ] {
        send_ok(&tc, conn, who, with("receiver_id", json!(to))).await;
    }
    let mut before = snapshot(&tc).await;
    for (i, case) in cases.iter().enumerate() {
        let label = format!("{category} #{i} {}", case.label);
        let label = label.as_str();
        check_against_the_rules(label, case);
        tc.clock.advance(1);
        let case = &with_unique_keys(case, i);
        let reply = call_ws(&tc, USER_CONN, case).await;
        match &case.expect {
            Expect::Refused { code, field } => {
                assert_eq!(reply["type"], "error", "{label}: {reply}");
                assert_eq!(reply["code"], *code, "{label}: {reply}");
                assert_eq!(reply.as_object().unwrap().len(), 3, "{label}: {reply}");
                check_error_message(
                    label,
                    reply["message"].as_str(),
                    *field,
                    case.body.as_deref().unwrap_or(""),
                    &reply.to_string(),
                );
                let after = snapshot(&tc).await;
                assert_eq!(
                    after, before,
                    "{label}: the store changed or a frame was posted"
                );
                if let Some(receiver) = other_receiver(case) {
                    assert!(
                        history(&tc, "user123", &receiver, 5).await.is_empty(),
                        "{label}: stored for {receiver}"
                    );
                }
                // The same connection still works.
                let follow_up = with("client_msg_id", json!(format!("after-{i}")));
                let ack = send_ok(&tc, USER_CONN, USER, follow_up).await;
                assert_eq!(ack["client_msg_id"], format!("after-{i}"));
            }
            Expect::Accepted(want) => check_accepted(&tc, label, &reply, want, &before).await,
        }
        before = snapshot(&tc).await;
    }
}

/// A receiver other than the two parties, named by a refused frame.
pub fn other_receiver(case: &WsCase) -> Option<String> {
    let v: Value = serde_json::from_str(case.body.as_deref()?).ok()?;
    let r = v.get("receiver_id")?.as_str()?;
    (id_ok(r) && r != "admin456" && r != "user123").then(|| r.to_owned())
}

pub async fn check_accepted(
    tc: &Harness,
    label: &str,
    ack: &Value,
    want: &Delivered,
    before: &Snapshot,
) {
    assert_eq!(ack["type"], "ack", "{label}: {ack}");
    let message_id = ack["message_id"].as_str().expect("message_id");
    assert_eq!(message_id.len(), 26, "{label}");
    assert_eq!(
        ack.get("client_msg_id").and_then(Value::as_str),
        want.client_msg_id.as_deref(),
        "{label}: client_msg_id not echoed exactly"
    );
    let keys = if want.client_msg_id.is_some() { 4 } else { 3 };
    assert_eq!(ack.as_object().unwrap().len(), keys, "{label}: {ack}");

    // Delivered exactly, once, to the administrator's connection only.
    let frames = tc.notifier.frames_to(ADMIN_CONN);
    assert_eq!(
        frames.len(),
        before.posts.get(ADMIN_CONN).copied().unwrap_or(0) + 1,
        "{label}"
    );
    let delivered = frames.last().unwrap();
    assert_eq!(
        *delivered,
        json!({
            "type": "message",
            "message_id": message_id,
            "kind": "chat",
            "sender_id": "user123",
            "receiver_id": "admin456",
            "appointment_id": want.appointment_id,
            "service_id": want.service_id,
            "message_text": want.message_text,
            "timestamp": ack["timestamp"],
            "version": 1,
            "deleted": false,
            "reactions": {},
        }),
        "{label}"
    );
    let total = |posts: &BTreeMap<String, usize>| posts.values().sum::<usize>();
    let now: BTreeMap<String, usize> = tc.notifier.counts().into_iter().collect();
    assert_eq!(
        total(&now),
        total(&before.posts) + 1,
        "{label}: posted elsewhere"
    );

    // Stored exactly.
    let newest = &history(tc, "user123", "admin456", 1).await[0];
    let m = &newest.message;
    assert_eq!(m.message_id.as_str(), message_id, "{label}");
    assert_eq!(m.sender_id.as_str(), "user123", "{label}");
    assert_eq!(m.receiver_id.as_str(), "admin456", "{label}");
    assert_eq!(m.appointment_id.as_str(), want.appointment_id, "{label}");
    assert_eq!(m.service_id.as_str(), want.service_id, "{label}");
    assert_eq!(
        m.message_text.as_str().as_bytes(),
        want.message_text.as_bytes(),
        "{label}: text not stored byte for byte"
    );
    assert!(!newest.read, "{label}");
    let admin_unread = unread(tc, "admin456").await;
    let was = before.unread[1]
        .by_sender
        .get(&ClientId::parse("user123").unwrap())
        .copied()
        .unwrap_or(0);
    assert_eq!(
        admin_unread
            .by_sender
            .get(&ClientId::parse("user123").unwrap())
            .copied(),
        Some(was + 1),
        "{label}"
    );
}
