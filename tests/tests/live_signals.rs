//! Live read receipts and typing indicators, at the handler level, on both stores.

use chat_edge::lambda::http::handle_http;
use chat_edge::lambda::ws::{frame_of, handle_connect, handle_message, WsResponse};
use chat_shared::chat::Settings;
use chat_shared::domain::rfc3339_millis;
use chat_shared::store::RateRule;
use chat_tests::{
    frame, http_request, on_both_stores, response_json, store_for, test_chat, test_chat_with,
    ws_event, Backend, TestChat, T0,
};
use serde_json::{json, Value};

const USER: Option<(&str, &str)> = Some(("user123", "user"));
const OTHER_USER: Option<(&str, &str)> = Some(("user999", "user"));
const ADMIN: Option<(&str, &str)> = Some(("admin456", "admin"));

async fn connect_all(tc: &TestChat) {
    for (conn, who) in [
        ("adminDesk=", ADMIN),
        ("adminPhone=", ADMIN),
        ("userConn=", USER),
        ("otherConn=", OTHER_USER),
    ] {
        let r = handle_connect(&tc.chat, ws_event("connect", conn, who, None)).await;
        assert_eq!(r.status_code, 200);
    }
}

async fn ws(tc: &TestChat, who: Option<(&str, &str)>, body: &str) -> WsResponse {
    let r = handle_message(&tc.chat, ws_event("message", "anyConn=", who, Some(body))).await;
    assert_eq!(r.status_code, 200);
    r
}

fn body_json(r: &WsResponse) -> Value {
    serde_json::from_str(frame_of(r).expect("a frame")).unwrap()
}

async fn mark_read(tc: &TestChat, reader: &str, sender: &str) -> (u16, Value) {
    let body = json!({ "sender_id": sender }).to_string();
    let who = Some((
        reader,
        if reader.starts_with("admin") {
            "admin"
        } else {
            "user"
        },
    ));
    let target = format!("/chat/read/{reader}");
    response_json(handle_http(&tc.chat, http_request("PUT", &target, who, Some(&body))).await)
}

fn frames_of(tc: &TestChat, connection: &str, kind: &str) -> Vec<Value> {
    tc.notifier
        .frames_to(connection)
        .into_iter()
        .filter(|f| f["type"] == kind)
        .collect()
}

async fn marking_read_tells_every_connection_of_the_sender(backend: Backend) {
    let tc = test_chat(store_for(backend).await);
    connect_all(&tc).await;
    let mut last = String::new();
    for text in ["one", "two"] {
        tc.clock.advance(1);
        let ack = body_json(&ws(&tc, ADMIN, &frame("user123", text)).await);
        last = ack["message_id"].as_str().unwrap().to_owned();
    }
    tc.clock.advance(1_000);
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        2
    );
    let receipt = json!({
        "type": "read", "reader_id": "user123", "up_to": last,
        "read_at": rfc3339_millis(T0 + 1_002)
    });
    for device in ["adminDesk=", "adminPhone="] {
        assert_eq!(
            frames_of(&tc, device, "read"),
            vec![receipt.clone()],
            "{device}"
        );
    }
    assert!(
        frames_of(&tc, "userConn=", "read").is_empty(),
        "not to the reader"
    );
    assert!(frames_of(&tc, "otherConn=", "read").is_empty());
    // Nothing new to mark: no second receipt.
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        0
    );
    assert_eq!(frames_of(&tc, "adminDesk=", "read").len(), 1);
}

async fn a_receipt_that_cannot_be_posted_does_not_fail_mark_read(backend: Backend) {
    let tc = test_chat(store_for(backend).await);
    connect_all(&tc).await;
    ws(&tc, ADMIN, &frame("user123", "one")).await;
    tc.notifier.mark_failing("adminDesk=");
    let (status, body) = mark_read(&tc, "user123", "admin456").await;
    assert_eq!((status, &body["updated_count"]), (200, &json!(1)));
    assert_eq!(frames_of(&tc, "adminPhone=", "read").len(), 1);
}

async fn typing_reaches_the_receiver_only_and_answers_nothing(backend: Backend) {
    let tc = test_chat(store_for(backend).await);
    connect_all(&tc).await;
    let r = ws(&tc, USER, r#"{"action":"typing","receiver_id":"admin456"}"#).await;
    assert_eq!(r.body, None, "no frame back to the typist");
    for device in ["adminDesk=", "adminPhone="] {
        assert_eq!(
            tc.notifier.frames_to(device),
            vec![json!({"type": "typing", "sender_id": "user123"})]
        );
    }
    assert!(tc.notifier.frames_to("otherConn=").is_empty());
    // Not stored: catch-up has nothing.
    let page = body_json(&ws(&tc, ADMIN, r#"{"action":"sync","since":""}"#).await);
    assert_eq!(page["messages"], json!([]));
}

async fn typing_is_authorized_and_validated_like_a_message(backend: Backend) {
    let tc = test_chat(store_for(backend).await);
    connect_all(&tc).await;
    let cases = [
        (
            USER,
            r#"{"action":"typing","receiver_id":"user999"}"#,
            "forbidden",
        ),
        (
            USER,
            r#"{"action":"typing","receiver_id":"user123"}"#,
            "validation",
        ),
        (USER, r#"{"action":"typing"}"#, "validation"),
        (
            USER,
            r#"{"action":"typing","receiver_id":"a b"}"#,
            "validation",
        ),
        (
            None,
            r#"{"action":"typing","receiver_id":"admin456"}"#,
            "unauthorized",
        ),
    ];
    for (who, body, code) in cases {
        let reply = body_json(&ws(&tc, who, body).await);
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{body}"
        );
    }
    assert!(tc.notifier.frames_to("otherConn=").is_empty());
    // An administrator may signal anyone.
    let r = ws(&tc, ADMIN, r#"{"action":"typing","receiver_id":"user999"}"#).await;
    assert_eq!(r.body, None);
    assert_eq!(tc.notifier.frames_to("otherConn=").len(), 1);
}

async fn typing_counts_against_the_rate_limit(backend: Backend) {
    let tc = test_chat_with(
        store_for(backend).await,
        Settings {
            rate_limit: Some(RateRule {
                per_second: 1,
                burst: 2,
            }),
            ..Settings::default()
        },
    );
    connect_all(&tc).await;
    let typing = r#"{"action":"typing","receiver_id":"admin456"}"#;
    assert_eq!(ws(&tc, USER, typing).await.body, None);
    assert_eq!(ws(&tc, USER, typing).await.body, None);
    let reply = body_json(&ws(&tc, USER, typing).await);
    assert_eq!(reply["code"], "rate_limited");
    tc.clock.advance(1_000);
    assert_eq!(ws(&tc, USER, typing).await.body, None);
    assert_eq!(tc.notifier.frames_to("adminDesk=").len(), 3);
}

on_both_stores!(
    marking_read_tells_every_connection_of_the_sender,
    a_receipt_that_cannot_be_posted_does_not_fail_mark_read,
    typing_reaches_the_receiver_only_and_answers_nothing,
    typing_is_authorized_and_validated_like_a_message,
    typing_counts_against_the_rate_limit,
);
