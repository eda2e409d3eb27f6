//! Live read receipts and typing indicators, at the handler level, on both stores.

use chat_shared::chat::Settings;
use chat_shared::domain::rfc3339_millis;
use chat_shared::store::RateRule;
use chat_tests::{on_both_stores, Backend, Harness, Participant, T0};
use serde_json::{json, Value};

/// Connects the administrator's desk and phone, the user and another user.
async fn connect_all(app: &Harness) {
    app.admin("admin456").on("adminDesk=").connected().await;
    app.admin("admin456").on("adminPhone=").connected().await;
    app.user("user123").on("userConn=").connected().await;
    app.user("user999").on("otherConn=").connected().await;
}

/// Who sends in these tests, from a connection of their own.
fn user(app: &Harness) -> Participant<'_> {
    app.user("user123").on("anyConn=")
}

fn admin(app: &Harness) -> Participant<'_> {
    app.admin("admin456").on("anyConn=")
}

fn body_json(r: &chat_edge::lambda::ws::WsResponse) -> Value {
    serde_json::from_str(chat_edge::lambda::ws::frame_of(r).expect("a frame")).unwrap()
}

async fn marking_read_tells_every_connection_of_the_sender(backend: Backend) {
    let app = Harness::on(backend).await;
    connect_all(&app).await;
    let mut last = String::new();
    for text in ["one", "two"] {
        app.clock.advance(1);
        let ack = admin(&app).send_to("user123", text).await;
        last = ack["message_id"].as_str().unwrap().to_owned();
    }
    app.clock.advance(1_000);
    assert_eq!(user(&app).mark_read("admin456").await.1["updated_count"], 2);
    let receipt = json!({
        "type": "read", "reader_id": "user123", "up_to": last,
        "read_at": rfc3339_millis(T0 + 1_002)
    });
    for device in ["adminDesk=", "adminPhone="] {
        assert_eq!(
            admin(&app).on(device).frames_of("read"),
            vec![receipt.clone()],
            "{device}"
        );
    }
    assert!(
        app.user("user123")
            .on("userConn=")
            .frames_of("read")
            .is_empty(),
        "not to the reader"
    );
    assert!(app
        .user("user999")
        .on("otherConn=")
        .frames_of("read")
        .is_empty());
    // Nothing new to mark: no second receipt.
    assert_eq!(user(&app).mark_read("admin456").await.1["updated_count"], 0);
    assert_eq!(admin(&app).on("adminDesk=").frames_of("read").len(), 1);
}

async fn a_receipt_that_cannot_be_posted_does_not_fail_mark_read(backend: Backend) {
    let app = Harness::on(backend).await;
    connect_all(&app).await;
    admin(&app).send_to("user123", "one").await;
    app.notifier.mark_failing("adminDesk=");
    let (status, body) = user(&app).mark_read("admin456").await;
    assert_eq!((status, &body["updated_count"]), (200, &json!(1)));
    assert_eq!(admin(&app).on("adminPhone=").frames_of("read").len(), 1);
}

async fn typing_reaches_the_receiver_only_and_answers_nothing(backend: Backend) {
    let app = Harness::on(backend).await;
    connect_all(&app).await;
    let r = user(&app)
        .message(r#"{"action":"typing","receiver_id":"admin456"}"#)
        .await;
    assert_eq!(r.body, None, "no frame back to the typist");
    for device in ["adminDesk=", "adminPhone="] {
        assert_eq!(
            app.frames_to(device),
            vec![json!({"type": "typing", "sender_id": "user123"})]
        );
    }
    assert!(app.frames_to("otherConn=").is_empty());
    // Not stored: catch-up has nothing.
    let page = admin(&app).send(r#"{"action":"sync","since":""}"#).await;
    assert_eq!(page["messages"], json!([]));
}

async fn typing_is_authorized_and_validated_like_a_message(backend: Backend) {
    let app = Harness::on(backend).await;
    connect_all(&app).await;
    let cases = [
        (
            user(&app),
            r#"{"action":"typing","receiver_id":"user999"}"#,
            "forbidden",
        ),
        (
            user(&app),
            r#"{"action":"typing","receiver_id":"user123"}"#,
            "validation",
        ),
        (user(&app), r#"{"action":"typing"}"#, "validation"),
        (
            user(&app),
            r#"{"action":"typing","receiver_id":"a b"}"#,
            "validation",
        ),
        (
            app.anonymous().on("anyConn="),
            r#"{"action":"typing","receiver_id":"admin456"}"#,
            "unauthorized",
        ),
    ];
    for (who, body, code) in cases {
        let reply = who.send(body).await;
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{body}"
        );
    }
    assert!(app.frames_to("otherConn=").is_empty());
    // An administrator may signal anyone.
    let r = admin(&app)
        .message(r#"{"action":"typing","receiver_id":"user999"}"#)
        .await;
    assert_eq!(r.body, None);
    assert_eq!(app.frames_to("otherConn=").len(), 1);
}

async fn typing_counts_against_the_rate_limit(backend: Backend) {
    let settings = Settings {
        rate_limit: Some(RateRule {
            per_second: 1,
            burst: 2,
            period_s: 1,
        }),
        ..Settings::default()
    };
    let app = Harness::with_settings(backend, settings).await;
    connect_all(&app).await;
    let user = user(&app);
    let typing = r#"{"action":"typing","receiver_id":"admin456"}"#;
    assert_eq!(user.message(typing).await.body, None);
    assert_eq!(user.message(typing).await.body, None);
    let reply = body_json(&user.message(typing).await);
    assert_eq!(reply["code"], "rate_limited");
    app.clock.advance(1_000);
    assert_eq!(user.message(typing).await.body, None);
    assert_eq!(app.frames_to("adminDesk=").len(), 3);
}

on_both_stores!(
    marking_read_tells_every_connection_of_the_sender,
    a_receipt_that_cannot_be_posted_does_not_fail_mark_read,
    typing_reaches_the_receiver_only_and_answers_nothing,
    typing_is_authorized_and_validated_like_a_message,
    typing_counts_against_the_rate_limit,
);
