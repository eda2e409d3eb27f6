//! The WebSocket handlers, called with API Gateway's own event JSON, on both stores.

use chat_edge::context::AuthorizerContext;
use chat_shared::chat::GONE_GRACE_MS;
use chat_tests::{frame, on_both_stores, ws_event, Backend, Harness, T0};
use serde_json::json;

const USER: Option<(&str, &str)> = Some(("user123", "user"));

/// Messages between `a` and `b`, as an administrator reads them.
async fn history_len(app: &Harness, a: &str, b: &str) -> usize {
    app.admin("admin456").history(a, b, 100).await.len()
}

/// The client's connections as the store lists them at T0.
async fn presence_ids(app: &Harness, client: &str) -> Vec<String> {
    app.connections_at(client, T0 / 1000).await
}

async fn connect_without_authorizer_context_is_refused(backend: Backend) {
    let app = Harness::on(backend).await;
    let response = app.anonymous().on("anon0001=").connect().await;
    assert_eq!(response.status_code, 401);
    assert!(presence_ids(&app, "user123").await.is_empty());
}

async fn connect_with_an_unknown_role_is_refused(backend: Backend) {
    let app = Harness::on(backend).await;
    let superuser = app.as_who(Some(("user123", "superuser"))).on("conn0001=");
    assert_eq!(superuser.connect().await.status_code, 401);
}

async fn connect_records_the_connection_with_a_ttl(backend: Backend) {
    let app = Harness::on(backend).await;
    let user = app.user("user123").on("BpNEYd7ODoECFyA=");
    assert_eq!(user.connect().await.status_code, 200);
    let presence = app
        .chat
        .store()
        .presence(&user.identity().client_id, T0 / 1000)
        .await
        .unwrap();
    assert_eq!(presence.role, Some(chat_shared::domain::Role::User));
    let c = &presence.connections[0];
    // connectedAt from the event; expiry 2 h 5 min later (API Gateway's 2 h limit + margin).
    assert_eq!(c.connected_at_ms, 1_795_527_619_000);
    assert_eq!(c.expires_at_s, 1_795_527_619 + 7_500);
    // Once expired, it is no longer listed even if the TTL sweep has not run.
    assert_eq!(
        app.connections_at("user123", 1_795_527_619 + 7_499)
            .await
            .len(),
        1
    );
    assert!(app
        .connections_at("user123", 1_795_527_619 + 7_500)
        .await
        .is_empty());
}

async fn a_message_reaches_every_connection_of_the_receiver_and_no_other(backend: Backend) {
    let app = Harness::on(backend).await;
    let desk = app.admin("admin456").on("adminDesk=").connected().await;
    let phone = app.admin("admin456").on("adminPhone=").connected().await;
    let user = app.user("user123").on("userConn=").connected().await;
    app.user("user999").on("otherUser=").connected().await;

    let ack = user.send_to(&desk, "Hello, I need help").await;
    assert_eq!(ack["type"], "ack");

    for device in [&desk, &phone] {
        let frames = device.frames();
        assert_eq!(frames.len(), 1, "{device}");
        assert_eq!(
            frames[0],
            json!({
                "type": "message",
                "message_id": ack["message_id"],
                "kind": "chat",
                "sender_id": "user123",
                "receiver_id": "admin456",
                "appointment_id": "appointment789",
                "service_id": "service123",
                "message_text": "Hello, I need help",
                "timestamp": ack["timestamp"],
                "version": 1,
                "deleted": false,
                "reactions": {},
            })
        );
    }
    let counts = app.notifier.counts();
    assert_eq!(counts.get("userConn="), None);
    assert_eq!(counts.get("otherUser="), None);
    assert_eq!(counts.len(), 2);
}

async fn the_ack_comes_after_the_message_is_stored(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    let user = app.user("user123").on("userConn=");
    let body = json!({
        "receiver_id": "admin456", "appointment_id": "ap1", "service_id": "sv1",
        "message_text": "hi", "client_msg_id": "c-42"
    })
    .to_string();
    let ack = user.send(&body).await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["client_msg_id"], "c-42");
    assert_eq!(ack["timestamp"], "2026-11-24T13:40:19.000Z");
    assert_eq!(ack["message_id"].as_str().unwrap().len(), 26);
    // By the time the ack exists, the message is in the store.
    let history = user.history("user123", "admin456", 10).await;
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].message.message_id.as_str(),
        ack["message_id"].as_str().unwrap()
    );
    // Without a client key, the ack has no client_msg_id field at all.
    let ack = user.send_to("admin456", "again").await;
    assert!(ack.get("client_msg_id").is_none());
}

async fn message_ids_sort_by_time(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    let user = app.user("user123").on("u=");
    let first = user.send_to("admin456", "one").await;
    app.clock.advance(1);
    let second = user.send_to("admin456", "two").await;
    assert!(first["message_id"].as_str() < second["message_id"].as_str());
    assert_eq!(second["timestamp"], "2026-11-24T13:40:19.001Z");
}

async fn a_user_cannot_write_to_another_user(backend: Backend) {
    let app = Harness::on(backend).await;
    app.user("user999").on("otherUser=").connected().await;
    let user = app.user("user123").on("userConn=");
    let reply = user.send_to("user999", "psst").await;
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "forbidden");
    assert!(app.notifier.counts().is_empty());
    assert_eq!(history_len(&app, "user123", "user999").await, 0);
    // Nor to a client the system has never seen (it cannot be known to be an administrator).
    let reply = user.send_to("stranger", "hello?").await;
    assert_eq!(reply["code"], "forbidden");
    assert_eq!(history_len(&app, "user123", "stranger").await, 0);
}

async fn an_administrator_writes_to_anyone_even_offline(backend: Backend) {
    let app = Harness::on(backend).await;
    let admin = app.admin("admin456").on("adminDesk=");
    let ack = admin.send_to("newuser", "Your appointment moved").await;
    assert_eq!(ack["type"], "ack");
    assert!(app.notifier.counts().is_empty());
    assert_eq!(history_len(&app, "admin456", "newuser").await, 1);
    assert_eq!(app.user("newuser").unread().await.total, 1);
}

async fn identity_comes_from_the_authorizer_never_the_body(backend: Backend) {
    let app = Harness::on(backend).await;
    app.user("user999").on("otherUser=").connected().await;
    // A user claims to be the administrator in the body: ignored.
    let body = json!({
        "sender_id": "admin456", "role": "admin",
        "receiver_id": "user999", "appointment_id": "a", "service_id": "s", "message_text": "x"
    })
    .to_string();
    let reply = app.user("user123").on("userConn=").send(&body).await;
    assert_eq!(reply["code"], "forbidden");
    assert!(app.notifier.counts().is_empty());
    // No authorizer context at all: refused, nothing stored.
    let reply = app.anonymous().on("anon=").send_to("admin456", "x").await;
    assert_eq!(reply["code"], "unauthorized");
    assert_eq!(history_len(&app, "admin456", "user999").await, 0);
}

async fn a_gone_connection_is_removed_and_the_others_still_get_the_message(backend: Backend) {
    let app = Harness::on(backend).await;
    let desk = app.admin("admin456").on("adminDesk=").connected().await;
    app.admin("admin456").on("adminStale=").connected().await;
    app.notifier.mark_gone("adminStale=");
    app.clock.advance(GONE_GRACE_MS);
    let ack = app
        .user("user123")
        .on("userConn=")
        .send_to(&desk, "hi")
        .await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(desk.frames().len(), 1);
    assert_eq!(presence_ids(&app, "admin456").await, vec!["adminDesk="]);
}

async fn a_410_during_the_handshake_grace_does_not_remove_the_connection(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminNew=").connected().await;
    app.notifier.mark_gone("adminNew=");
    app.clock.advance(GONE_GRACE_MS - 1);
    let ack = app
        .user("user123")
        .on("userConn=")
        .send_to("admin456", "hi")
        .await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(presence_ids(&app, "admin456").await, vec!["adminNew="]);
}

async fn a_failed_post_still_acks_and_keeps_the_message(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    app.notifier.mark_failing("adminDesk=");
    let ack = app
        .user("user123")
        .on("userConn=")
        .send_to("admin456", "hi")
        .await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(history_len(&app, "user123", "admin456").await, 1);
    // A transient failure is not a reason to forget the connection.
    assert_eq!(presence_ids(&app, "admin456").await, vec!["adminDesk="]);
}

async fn bad_frames_get_an_error_and_the_connection_stays_usable(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    let user = app.user("user123").on("userConn=");
    let long = "x".repeat(4_001);
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "invalid_json"),
        ("".into(), "invalid_json"),
        ("[1,2]".into(), "invalid_json"),
        (r#"{"receiver_id":"admin456"}"#.into(), "validation"),
        (
            r#"{"receiver_id":7,"appointment_id":"a","service_id":"s","message_text":"x"}"#.into(),
            "validation",
        ),
        (frame("admin 456", "x"), "validation"),
        (frame("admin456", ""), "validation"),
        (frame("admin456", "nul\u{0}byte"), "validation"),
        (frame("admin456", &long), "validation"),
        (frame("user123", "to myself"), "validation"),
        (r#"{"action":"dance"}"#.into(), "unknown_action"),
    ];
    for (body, code) in &cases {
        let reply = user.send(body).await;
        assert_eq!(reply["type"], "error", "{body}");
        assert_eq!(reply["code"], *code, "{body}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(history_len(&app, "user123", "admin456").await, 0);
    assert!(app.notifier.counts().is_empty());
    // Binary frames are refused too (an event the harness does not build: assembled here).
    let mut event = ws_event("message", "userConn=", USER, Some("e30="));
    event.is_base64_encoded = true;
    let reply = chat_edge::lambda::ws::handle_message(&app.chat, event).await;
    assert!(chat_edge::lambda::ws::frame_of(&reply)
        .unwrap()
        .contains("invalid_json"));
    // The same connection still sends fine.
    let ack = user.send_to("admin456", "now properly").await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(history_len(&app, "user123", "admin456").await, 1);
}

async fn disconnect_forgets_only_that_connection(backend: Backend) {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    let phone = app.admin("admin456").on("adminPhone=").connected().await;
    assert_eq!(phone.disconnect().await.status_code, 200);
    assert_eq!(presence_ids(&app, "admin456").await, vec!["adminDesk="]);
    // Without an identity there is nothing to do, and the handler still answers 200.
    let response = app.anonymous().on("x=").disconnect().await;
    assert_eq!(response.status_code, 200);
    assert_eq!(presence_ids(&app, "admin456").await, vec!["adminDesk="]);
}

async fn a_sender_over_the_rate_limit_gets_rate_limited_and_nothing_is_stored(backend: Backend) {
    let app = Harness::with_settings(backend, chat_shared::Settings::default()).await;
    let desk = app.admin("admin456").on("adminDesk=").connected().await;
    let user = app.user("user123").on("userConn=");
    for i in 0..20 {
        let ack = user.send_to(&desk, &format!("m{i}")).await;
        assert_eq!(ack["type"], "ack", "message {}", i + 1);
    }
    let reply = user.send_to(&desk, "one too many").await;
    assert_eq!(
        (reply["type"].as_str(), reply["code"].as_str()),
        (Some("error"), Some("rate_limited"))
    );
    assert_eq!(history_len(&app, "user123", "admin456").await, 20);
    assert_eq!(desk.frames().len(), 20);
    // Tokens refill at 10 a second.
    app.clock.advance(100);
    let ack = user.send_to(&desk, "after refill").await;
    assert_eq!(ack["type"], "ack");
}

on_both_stores!(
    a_sender_over_the_rate_limit_gets_rate_limited_and_nothing_is_stored,
    connect_without_authorizer_context_is_refused,
    connect_with_an_unknown_role_is_refused,
    connect_records_the_connection_with_a_ttl,
    a_message_reaches_every_connection_of_the_receiver_and_no_other,
    the_ack_comes_after_the_message_is_stored,
    message_ids_sort_by_time,
    a_user_cannot_write_to_another_user,
    an_administrator_writes_to_anyone_even_offline,
    identity_comes_from_the_authorizer_never_the_body,
    a_gone_connection_is_removed_and_the_others_still_get_the_message,
    a_410_during_the_handshake_grace_does_not_remove_the_connection,
    a_failed_post_still_acks_and_keeps_the_message,
    bad_frames_get_an_error_and_the_connection_stays_usable,
    disconnect_forgets_only_that_connection,
);

/// The real event JSON deserializes without loss of the fields the handlers read.
#[test]
fn fixtures_carry_what_api_gateway_sends() {
    let event = ws_event("connect", "BpNEYd7ODoECFyA=", USER, None);
    let ctx = &event.request_context;
    assert_eq!(ctx.route_key.as_deref(), Some("$connect"));
    assert_eq!(ctx.event_type.as_deref(), Some("CONNECT"));
    assert_eq!(ctx.connected_at, 1_795_527_619_000);
    assert_eq!(ctx.request_time_epoch, 1_795_527_619_021);
    assert_eq!(ctx.stage.as_deref(), Some("prod"));
    assert!(AuthorizerContext::from_fields(&ctx.authorizer.fields).is_some());
}
