//! System messages from the booking backend (`POST /chat/system/{receiver_id}`, IAM-authorized)
//! through the real HTTP and WebSocket handlers with API Gateway's event JSON, on both stores:
//! delivered live, in sync, history and the inbox; idempotent by the backend's key; refused to
//! anyone but the backend's signer, with nothing stored. Hostile bodies and path ids are the
//! HTTP corpus's (tests/src/hostile/http_system.rs, run by hostile_http.rs).

use chat_shared::domain::ClientId;
use chat_shared::principal::BackendPrincipal;
use chat_shared::store::RateRule;
use chat_shared::Settings;
use chat_tests::{on_both_stores, system_body, Backend, Harness, BACKEND_ROLE_ARN, BACKEND_SIGNER};
use serde_json::{json, Value};

const CONFIRMED: &str = "Your appointment on Friday at 10:00 is confirmed.";

/// The conversation between `user123` and the system, as the user reads it (newest first).
async fn history(app: &Harness) -> Vec<Value> {
    let (status, body) = app
        .user("user123")
        .http("GET", "/chat/history/user123/system?limit=100", None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().unwrap().clone()
}

async fn the_backend_posts_and_the_user_sees_it_live_in_sync_history_and_the_inbox(
    backend: Backend,
) {
    let app = Harness::on(backend).await;
    let user = app.user("user123").on("userPhone=").connected().await;
    let stored = app
        .system_message("user123", "appt-789-confirmed", CONFIRMED)
        .await;
    assert_eq!(stored["duplicate"], false);
    let id = stored["message_id"].as_str().unwrap();

    let live = user.frames_of("message");
    assert_eq!(live.len(), 1);
    let message = &live[0];
    assert_eq!(message["message_id"], id);
    assert_eq!(message["timestamp"], stored["timestamp"]);
    assert_eq!(message["kind"], "system");
    assert_eq!(message["sender_id"], "system");
    assert_eq!(message["receiver_id"], "user123");
    assert_eq!(message["appointment_id"], "appointment789");
    assert_eq!(message["message_text"], CONFIRMED);

    let sync = user
        .send(&json!({"action": "sync", "since": ""}).to_string())
        .await;
    let synced = sync["messages"].as_array().unwrap();
    assert_eq!(synced.len(), 1, "{sync}");
    assert_eq!(synced[0]["kind"], "system");

    let history = history(&app).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["message_id"], id);
    assert_eq!(history[0]["kind"], "system");
    assert_eq!(history[0]["read"], false);

    let (status, inbox) = user.http("GET", "/chat/conversations/user123", None).await;
    assert_eq!(status, 200, "{inbox}");
    let conversations = inbox["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "{inbox}");
    assert_eq!(conversations[0]["peer_id"], "system");
    assert_eq!(conversations[0]["unread"], 1);
    assert_eq!(conversations[0]["last_message"]["message_id"], id);

    let (status, read) = user.mark_read("system").await;
    assert_eq!(
        (status, read["updated_count"].clone()),
        (200, json!(1)),
        "{read}"
    );
    assert_eq!(user.unread().await.total, 0);
    // The system is one sender for everyone: it keeps no inbox of its own.
    let top = app
        .chat
        .store()
        .top_peer(&ClientId::system())
        .await
        .unwrap();
    assert_eq!(top, None);
}

async fn the_same_idempotency_key_stores_one_message(backend: Backend) {
    let app = Harness::on(backend).await;
    let user = app.user("user123").on("userPhone=").connected().await;
    let body = system_body("appt-789-confirmed", CONFIRMED);
    let (first, stored) = app
        .post_system("user123", Some(BACKEND_SIGNER), &body)
        .await;
    assert_eq!(first, 201, "{stored}");
    assert_eq!(stored["duplicate"], false);
    let (again, repeated) = app
        .post_system("user123", Some(BACKEND_SIGNER), &body)
        .await;
    assert_eq!(again, 200, "{repeated}");
    assert_eq!(repeated["duplicate"], true);
    assert_eq!(repeated["message_id"], stored["message_id"]);
    // The same key for another message is a conflict, and changes nothing.
    let other = system_body("appt-789-confirmed", "Your appointment is cancelled.");
    let (status, conflict) = app
        .post_system("user123", Some(BACKEND_SIGNER), &other)
        .await;
    assert_eq!(
        (status, conflict["code"].clone()),
        (409, json!("conflict")),
        "{conflict}"
    );
    assert_eq!(history(&app).await.len(), 1);
    assert_eq!(user.frames_of("message").len(), 1, "delivered once");
    assert_eq!(user.unread().await.total, 1, "counted once");
}

async fn only_the_backend_posts_and_refusals_change_nothing(backend: Backend) {
    let app = Harness::on(backend).await;
    let user = app.user("user123").on("userPhone=").connected().await;
    let body = system_body("k-1", CONFIRMED);
    // No signer: what a request with a user's or an administrator's token carries.
    let (status, refused) = app.post_system("user123", None, &body).await;
    assert_eq!(
        (status, refused["code"].clone()),
        (401, json!("unauthorized")),
        "{refused}"
    );
    for (who, role) in [("user123", "user"), ("admin456", "admin")] {
        let (status, refused) = app
            .as_who(Some((who, role)))
            .http("POST", "/chat/system/user123", Some(&body))
            .await;
        assert_eq!(
            status, 401,
            "{who}'s authorizer context does not count: {refused}"
        );
    }
    // Signed, but by another principal of the account.
    for signer in [
        "arn:aws:sts::123456789012:assumed-role/reporting/s-1",
        "arn:aws:sts::210987654321:assumed-role/booking-backend/s-1",
        "arn:aws:iam::123456789012:user/booking-backend",
    ] {
        let (status, refused) = app.post_system("user123", Some(signer), &body).await;
        assert_eq!(
            (status, refused["code"].clone()),
            (403, json!("forbidden")),
            "{signer}"
        );
    }
    assert!(history(&app).await.is_empty());
    assert!(user.frames().is_empty());
    assert_eq!(user.unread().await.total, 0);

    // A stack without a backend configured refuses every signer.
    let settings = Settings {
        system_principal: None,
        ..Settings::default()
    };
    let closed = Harness::with_settings(backend, settings).await;
    let (status, _) = closed
        .post_system("user123", Some(BACKEND_SIGNER), &body)
        .await;
    assert_eq!(status, 403);
}

async fn nobody_writes_to_the_system_or_acts_as_it(backend: Backend) {
    let app = Harness::on(backend).await;
    let user = app.user("user123").on("userPhone=").connected().await;
    let admin = app.admin("admin456").on("adminDesk=").connected().await;
    let message = app.system_message("user123", "k-1", CONFIRMED).await;
    let id = message["message_id"].as_str().unwrap();
    for who in [&user, &admin] {
        let reply = who.send_to("system", "thanks").await;
        assert_eq!(
            (reply["type"].clone(), reply["code"].clone()),
            (json!("error"), json!("forbidden")),
            "{reply}"
        );
        let typing = who
            .send(&json!({"action": "typing", "receiver_id": "system"}).to_string())
            .await;
        assert_eq!(typing["code"], "forbidden", "{typing}");
    }
    // Only the author edits, and nobody is the system's administrator: the message stays.
    for change in [
        json!({"action": "edit", "message_id": id, "peer_id": "system", "message_text": "x"}),
        json!({"action": "delete", "message_id": id, "peer_id": "system"}),
    ] {
        let refused = user.send(&change.to_string()).await;
        assert_eq!(refused["type"], "error", "{refused}");
    }
    // Not even an administrator it was sent to moderates it away.
    let to_admin = app.system_message("admin456", "k-2", CONFIRMED).await;
    let delete =
        json!({"action": "delete", "message_id": to_admin["message_id"], "peer_id": "system"});
    let refused = admin.send(&delete.to_string()).await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    // A person reacts to it like to any message.
    let react = json!({"action": "react", "message_id": id, "peer_id": "system", "emoji": "👍"});
    let ack = user.send(&react.to_string()).await;
    assert_eq!(
        ack["message"]["reactions"]["👍"],
        json!(["user123"]),
        "{ack}"
    );
    // An authorizer context naming the system is no identity.
    let fake = app.as_who(Some(("system", "admin"))).on("fake=");
    assert_eq!(fake.connect().await.status_code, 401);
    let (status, _) = fake.http("GET", "/chat/history/system/user123", None).await;
    assert_eq!(status, 401);
    let history = history(&app).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["message_text"], CONFIRMED);
    assert_eq!(history[0]["deleted"], false);
}

async fn system_messages_are_bounded_per_receiver(backend: Backend) {
    let settings = Settings {
        rate_limit: None,
        read_rate_limit: None,
        system_rate_limit: Some(RateRule {
            per_second: 1,
            burst: 2,
            period_s: 1,
        }),
        system_principal: BackendPrincipal::parse(BACKEND_ROLE_ARN),
        ..Settings::default()
    };
    let app = Harness::with_settings(backend, settings).await;
    let user = app.user("user123").on("userPhone=").connected().await;
    for key in ["k-1", "k-2"] {
        app.system_message("user123", key, CONFIRMED).await;
    }
    let body = system_body("k-3", CONFIRMED);
    let (status, refused) = app
        .post_system("user123", Some(BACKEND_SIGNER), &body)
        .await;
    assert_eq!(
        (status, refused["code"].clone()),
        (429, json!("rate_limited")),
        "{refused}"
    );
    assert_eq!(
        user.frames_of("message").len(),
        2,
        "the refused one is not delivered"
    );
    // Another receiver has a bucket of its own; the first one refills with time.
    app.system_message("user456", "k-4", CONFIRMED).await;
    app.clock.advance(1_000);
    app.system_message("user123", "k-3", CONFIRMED).await;
    assert_eq!(user.frames_of("message").len(), 3);
}

on_both_stores!(
    the_backend_posts_and_the_user_sees_it_live_in_sync_history_and_the_inbox,
    the_same_idempotency_key_stores_one_message,
    only_the_backend_posts_and_refusals_change_nothing,
    nobody_writes_to_the_system_or_acts_as_it,
    system_messages_are_bounded_per_receiver,
);
