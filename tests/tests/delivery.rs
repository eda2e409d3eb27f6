//! Delivery guarantees at the handler level, on both stores: idempotent sends (a retry after a
//! lost ack, after a failed or half-done write), catch-up pages, and the fault paths.

use chat_shared::chat::{Settings, SYNC_WINDOW_MS, TAKEOVER_AFTER_MS};
use chat_shared::domain::MessageId;
use chat_tests::{frame, on_both_stores, Backend, Harness, Participant, T0};
use serde_json::{json, Value};

/// The harness with the administrator's desk and the user connected.
async fn setup(backend: Backend) -> Harness {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    app.user("user123").on("userConn=").connected().await;
    app
}

fn user(app: &Harness) -> Participant<'_> {
    app.user("user123").on("userConn=")
}

fn keyed(text: &str, key: &str) -> String {
    let mut frame: Value = serde_json::from_str(&frame("admin456", text)).unwrap();
    frame["client_msg_id"] = json!(key);
    frame.to_string()
}

/// Every page of the caller's catch-up from `since`, as a client reads it.
async fn sync_all(who: &Participant<'_>, since: &str) -> (Vec<Value>, Vec<Value>) {
    let mut since = since.to_owned();
    let mut messages = Vec::new();
    let mut pages = Vec::new();
    loop {
        let body = json!({"action": "sync", "since": since}).to_string();
        let page = who.send(&body).await;
        assert_eq!(page["type"], "sync", "{page}");
        let items = page["messages"].as_array().unwrap().clone();
        messages.extend(items.iter().cloned());
        let has_more = page["has_more"].as_bool().unwrap();
        pages.push(page.clone());
        if !has_more {
            return (messages, pages);
        }
        since = items.last().unwrap()["message_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(page["next_since"], since.as_str());
    }
}

async fn unread_of_admin(app: &Harness) -> u64 {
    app.admin("admin456").unread().await.total
}

async fn stored_texts(app: &Harness) -> Vec<String> {
    let (messages, _) = sync_all(&app.admin("admin456").on("anyConn="), "").await;
    messages
        .iter()
        .map(|m| m["message_text"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_retry_after_a_lost_ack_gets_the_same_ack_and_nothing_twice(backend: Backend) {
    let app = setup(backend).await;
    let first = user(&app).send(&keyed("hello", "k-1")).await;
    assert_eq!(first["type"], "ack");
    assert_eq!(first["client_msg_id"], "k-1");
    app.clock.advance(2_000);
    let retry = user(&app).send(&keyed("hello", "k-1")).await;
    assert_eq!(retry, first, "the same ack, same message_id and timestamp");
    assert_eq!(app.frames_to("adminDesk=").len(), 1, "delivered once");
    assert_eq!(stored_texts(&app).await, ["hello"]);
    assert_eq!(unread_of_admin(&app).await, 1, "counted once");
    // A new key is a new message.
    let other = user(&app).send(&keyed("hello", "k-2")).await;
    assert_ne!(other["message_id"], first["message_id"]);
    assert_eq!(unread_of_admin(&app).await, 2);
}

async fn a_client_msg_id_reused_for_another_message_is_a_conflict(backend: Backend) {
    let app = setup(backend).await;
    user(&app).send(&keyed("hello", "k-1")).await;
    let reply = user(&app).send(&keyed("something else", "k-1")).await;
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "conflict");
    assert_eq!(stored_texts(&app).await, ["hello"]);
}

async fn a_failed_store_gives_internal_and_delivers_nothing(backend: Backend) {
    let app = setup(backend).await;
    app.faults.fail("put_message");
    let reply = user(&app).send(&frame("admin456", "lost?")).await;
    assert_eq!(
        reply,
        json!({"type": "error", "code": "internal", "message": "internal error; try again"})
    );
    assert!(app.frames_to("adminDesk=").is_empty());
    app.faults.heal("put_message");
    assert!(stored_texts(&app).await.is_empty());
    assert_eq!(unread_of_admin(&app).await, 0);
}

async fn a_quick_retry_of_a_claimed_but_unstored_send_stores_it_under_the_claimed_id(
    backend: Backend,
) {
    let app = setup(backend).await;
    app.faults.fail("put_message");
    let reply = user(&app).send(&keyed("hello", "k-1")).await;
    assert_eq!(reply["code"], "internal");
    app.faults.heal("put_message");
    app.clock.advance(5_000);
    let ack = user(&app).send(&keyed("hello", "k-1")).await;
    assert_eq!(ack["type"], "ack");
    let id = MessageId::parse(ack["message_id"].as_str().unwrap()).unwrap();
    assert_eq!(id.timestamp_ms(), T0, "the id the first attempt claimed");
    assert_eq!(app.frames_to("adminDesk=").len(), 1);
    assert_eq!(unread_of_admin(&app).await, 1);
    assert_eq!(user(&app).send(&keyed("hello", "k-1")).await, ack);
    assert_eq!(stored_texts(&app).await, ["hello"]);
}

async fn a_late_retry_of_a_claimed_but_unstored_send_stores_it_under_a_new_id(backend: Backend) {
    let app = setup(backend).await;
    app.faults.fail("put_message");
    user(&app).send(&keyed("hello", "k-1")).await;
    app.faults.heal("put_message");
    app.clock.advance(TAKEOVER_AFTER_MS + 1);
    let ack = user(&app).send(&keyed("hello", "k-1")).await;
    let id = MessageId::parse(ack["message_id"].as_str().unwrap()).unwrap();
    assert_eq!(id.timestamp_ms(), T0 + TAKEOVER_AFTER_MS + 1, "a fresh id");
    app.clock.advance(1_000);
    assert_eq!(user(&app).send(&keyed("hello", "k-1")).await, ack);
    assert_eq!(stored_texts(&app).await, ["hello"]);
    assert_eq!(unread_of_admin(&app).await, 1);
}

async fn a_retry_after_a_write_whose_reply_was_lost_gets_the_stored_message(backend: Backend) {
    let app = setup(backend).await;
    app.faults.fail_after("put_message");
    let reply = user(&app).send(&keyed("hello", "k-1")).await;
    assert_eq!(reply["code"], "internal");
    app.faults.heal("put_message");
    app.clock.advance(TAKEOVER_AFTER_MS * 2);
    let ack = user(&app).send(&keyed("hello", "k-1")).await;
    let id = MessageId::parse(ack["message_id"].as_str().unwrap()).unwrap();
    assert_eq!(
        id.timestamp_ms(),
        T0,
        "the stored message's id, even after the takeover time"
    );
    assert_eq!(stored_texts(&app).await, ["hello"]);
}

async fn concurrent_attempts_of_one_send_store_it_once(backend: Backend) {
    let app = setup(backend).await;
    let body = keyed("hello", "k-1");
    let user = user(&app);
    let attempts = (0..8).map(|_| user.send(&body));
    let acks = futures_util::future::join_all(attempts).await;
    assert!(
        acks.iter()
            .all(|a| a["type"] == "ack" && a["message_id"] == acks[0]["message_id"]),
        "{acks:?}"
    );
    assert_eq!(stored_texts(&app).await, ["hello"]);
    assert_eq!(app.frames_to("adminDesk=").len(), 1);
    assert_eq!(unread_of_admin(&app).await, 1);
}

async fn a_message_whose_delivery_failed_is_acked_and_reachable_by_sync(backend: Backend) {
    let app = setup(backend).await;
    app.notifier.mark_failing("adminDesk=");
    let ack = user(&app).send(&frame("admin456", "are you there?")).await;
    assert_eq!(ack["type"], "ack");
    let (messages, _) = sync_all(&app.admin("admin456").on("anyConn="), "").await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        m["type"], "message",
        "each item is a delivered-message frame"
    );
    assert_eq!(m["message_id"], ack["message_id"]);
    assert_eq!(m["timestamp"], ack["timestamp"]);
    assert_eq!(m["sender_id"], "user123");
    assert_eq!(m["message_text"], "are you there?");
}

async fn sync_pages_both_directions_and_resumes_a_window_back(backend: Backend) {
    let app = setup(backend).await;
    let desk = app.admin("admin456").on("adminDesk=");
    let mut ids = Vec::new();
    for i in 0..130 {
        app.clock.advance(1);
        let ack = if i % 2 == 0 {
            user(&app).send(&frame("admin456", &format!("u{i}"))).await
        } else {
            desk.send_to("user123", &format!("a{i}")).await
        };
        ids.push(ack["message_id"].as_str().unwrap().to_owned());
    }
    for who in [app.user("user123"), app.admin("admin456")] {
        let (messages, pages) = sync_all(&who.on("anyConn="), "").await;
        let got: Vec<&str> = messages
            .iter()
            .map(|m| m["message_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            got, ids,
            "oldest first, both directions, no gaps or repeats"
        );
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0]["messages"].as_array().unwrap().len(), 100);
        let resume = pages[1]["next_since"].as_str().unwrap();
        assert_eq!(
            resume,
            MessageId::floor_of(T0 + 130 - SYNC_WINDOW_MS).as_str()
        );
    }
    // From a point in the middle, only what follows it; with peer_id, only that conversation.
    let (messages, _) = sync_all(&app.user("user123").on("anyConn="), &ids[99]).await;
    assert_eq!(messages.len(), 30);
    let body = json!({"action": "sync", "since": "", "peer_id": "admin999"}).to_string();
    let page = user(&app).send(&body).await;
    assert_eq!(page["messages"], json!([]));
    assert_eq!(page["has_more"], false);
}

async fn a_sync_page_stays_under_128_kib(backend: Backend) {
    let settings = Settings {
        rate_limit: None,
        max_message_chars: 30_000,
        ..Settings::default()
    };
    let app = Harness::with_settings(backend, settings).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    // Four-byte characters: 4,000 of them are 16,000 bytes a message; 30,000 of them 120,000.
    for chars in [
        4_000, 4_000, 30_000, 4_000, 4_000, 4_000, 4_000, 4_000, 4_000, 30_000,
    ] {
        app.clock.advance(1);
        let ack = user(&app)
            .send_to("admin456", &"\u{1F600}".repeat(chars))
            .await;
        assert_eq!(ack["type"], "ack");
    }
    let mut since = String::new();
    let mut total = 0;
    loop {
        let body = json!({"action": "sync", "since": since}).to_string();
        let response = app.admin("admin456").on("c=").message(&body).await;
        let raw = chat_edge::lambda::ws::frame_of(&response)
            .unwrap()
            .to_owned();
        assert!(raw.len() <= 128 * 1024, "a page of {} bytes", raw.len());
        let page: Value = serde_json::from_str(&raw).unwrap();
        let items = page["messages"].as_array().unwrap();
        assert!(!items.is_empty() || page["has_more"] == false);
        total += items.len();
        if page["has_more"] == false {
            break;
        }
        since = items.last().unwrap()["message_id"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    assert_eq!(total, 10);
}

async fn bad_sync_frames_are_refused_clearly(backend: Backend) {
    let app = setup(backend).await;
    let cases = [
        (
            json!({"action": "sync", "since": "yesterday"}),
            "validation",
            "since must be a message_id, or empty for the start",
        ),
        (
            json!({"action": "sync", "since": 42}),
            "validation",
            "since must be a string",
        ),
        (
            json!({"action": "sync", "since": "", "peer_id": "user123"}),
            "validation",
            "peer_id must differ from the caller",
        ),
        (
            json!({"action": "sync", "since": "", "peer_id": "no spaces"}),
            "validation",
            "peer_id may contain only letters, digits and _ - . : @ |",
        ),
    ];
    for (body, code, message) in cases {
        let reply = user(&app).send(&body.to_string()).await;
        assert_eq!(reply["type"], "error", "{body}");
        assert_eq!(reply["code"], code, "{body}");
        assert_eq!(reply["message"], message, "{body}");
    }
    app.faults.fail("sync");
    let reply = user(&app)
        .send(&json!({"action": "sync", "since": ""}).to_string())
        .await;
    assert_eq!(reply["code"], "internal");
    let anonymous = app.anonymous().on("x=");
    let unauthenticated = anonymous.message(r#"{"action":"sync"}"#).await;
    assert!(chat_edge::lambda::ws::frame_of(&unauthenticated)
        .unwrap()
        .contains("unauthorized"));
}

on_both_stores!(
    a_retry_after_a_lost_ack_gets_the_same_ack_and_nothing_twice,
    a_client_msg_id_reused_for_another_message_is_a_conflict,
    a_failed_store_gives_internal_and_delivers_nothing,
    a_quick_retry_of_a_claimed_but_unstored_send_stores_it_under_the_claimed_id,
    a_late_retry_of_a_claimed_but_unstored_send_stores_it_under_a_new_id,
    a_retry_after_a_write_whose_reply_was_lost_gets_the_stored_message,
    concurrent_attempts_of_one_send_store_it_once,
    a_message_whose_delivery_failed_is_acked_and_reachable_by_sync,
    sync_pages_both_directions_and_resumes_a_window_back,
    a_sync_page_stays_under_128_kib,
    bad_sync_frames_are_refused_clearly,
);
