//! End to end through chat-local: real WebSocket clients over loopback, the real handlers, the
//! real Management API client, on the embedded store and on DynamoDB Local.

use std::sync::Arc;
use std::time::Duration;

use chat_shared::domain::{ClientId, Connection, ConnectionId, Role};
use chat_shared::store::Store;
use chat_tests::local::{eventually, http, http_with, start_local, start_with, WsClient};
use chat_tests::{frame, on_both_stores, store_for, Backend};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn connections_in_store(store: &Arc<dyn Store>, client: &str) -> Vec<String> {
    chat_tests::connection_ids(store.as_ref(), client, now_s()).await
}

async fn two_users_and_an_administrator_with_two_devices_chat(backend: Backend) {
    let store = store_for(backend).await;
    let local = start_local(store.clone()).await;
    let mut desk = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut phone = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut alice = WsClient::connect(&local.ws_url("user123")).await;
    let mut bob = WsClient::connect(&local.ws_url("user777")).await;

    // A user writes to the administrator: ack to the sender, delivery to both devices.
    let body = json!({
        "receiver_id": "admin456", "appointment_id": "appointment789",
        "service_id": "service123", "message_text": "Hello, I need help with my appointment",
        "client_msg_id": "alice-1"
    });
    alice.send_text(&body.to_string()).await;
    let ack = alice.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["client_msg_id"], "alice-1");
    for device in [&mut desk, &mut phone] {
        let got = device.next_json().await;
        assert_eq!(got["type"], "message");
        assert_eq!(got["message_id"], ack["message_id"]);
        assert_eq!(got["sender_id"], "user123");
        assert_eq!(
            got["message_text"],
            "Hello, I need help with my appointment"
        );
        assert_eq!(got["timestamp"], ack["timestamp"]);
    }
    bob.expect_nothing(200).await;

    // The administrator answers Bob from the phone (via the explicit `sendmessage` route).
    let mut reply: serde_json::Value =
        serde_json::from_str(&frame("user777", "Your slot moved to 10:00")).unwrap();
    reply["action"] = json!("sendmessage");
    phone.send_text(&reply.to_string()).await;
    assert_eq!(phone.next_json().await["type"], "ack");
    let got = bob.next_json().await;
    assert_eq!(
        (got["sender_id"].as_str(), got["message_text"].as_str()),
        (Some("admin456"), Some("Your slot moved to 10:00"))
    );
    desk.expect_nothing(100).await;

    // Users cannot write to each other; the connection stays usable.
    alice.send_text(&frame("user777", "hi Bob")).await;
    let refused = alice.next_json().await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("forbidden"))
    );
    bob.expect_nothing(100).await;
    alice.send_text("{not json").await;
    assert_eq!(alice.next_json().await["code"], "invalid_json");
    alice.send_text(&frame("admin456", "still here")).await;
    assert_eq!(alice.next_json().await["type"], "ack");
    assert_eq!(desk.next_json().await["message_text"], "still here");
    assert_eq!(phone.next_json().await["message_text"], "still here");

    // HTTP: unread, mark-read (exact, then 0), history with read flags.
    let base = local.http_url();
    let (status, unread, _) = http_with(
        "GET",
        &format!("{base}/chat/unread/admin456"),
        None,
        &[("x-chat-role", "admin")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(unread, json!({"total": 2, "by_sender": {"user123": 2}}));
    let mark = r#"{"sender_id":"user123"}"#;
    let (status, body, _) = http("PUT", &format!("{base}/chat/read/admin456"), Some(mark)).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "Messages marked as read successfully", "updated_count": 2})
        )
    );
    let (_, body, _) = http("PUT", &format!("{base}/chat/read/admin456"), Some(mark)).await;
    assert_eq!(body["updated_count"], 0);
    let (_, unread, _) = http("GET", &format!("{base}/chat/unread/admin456"), None).await;
    assert_eq!(unread, json!({"total": 0, "by_sender": {}}));
    let (status, history, _) = http(
        "GET",
        &format!("{base}/chat/history/user123/admin456?limit=1"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(history["messages"][0]["message_text"], "still here");
    assert_eq!(history["messages"][0]["read"], true);
    let cursor = history["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let (_, older, _) = http(
        "GET",
        &format!("{base}/chat/history/user123/admin456?limit=1&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(older["messages"][0]["message_id"], ack["message_id"]);
    assert!(older["next_cursor"].is_null());
    let (status, _, _) = http(
        "PUT",
        &format!("{base}/chat/read/user123"),
        Some(r#"{"sender_id":"user777"}"#),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body, _) = http("PUT", &format!("{base}/chat/read/user123"), Some("nope")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_json")));

    for client in [desk, phone, alice, bob] {
        client.close().await;
    }
    local.shutdown().await;
}

async fn a_post_to_a_closed_connection_gives_410_and_the_handler_removes_it(backend: Backend) {
    let store = store_for(backend).await;
    let local = start_local(store.clone()).await;
    let mut desk = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    // A connection whose $disconnect was lost: still in the store, long gone from the gateway.
    let stale = Connection {
        connection_id: ConnectionId::parse("LostConnXYZ0=").unwrap(),
        client_id: ClientId::parse("admin456").unwrap(),
        role: Role::Admin,
        connected_at_ms: (now_s() - 600) * 1000,
        expires_at_s: now_s() + 3600,
    };
    store.put_connection(&stale).await.unwrap();
    assert_eq!(connections_in_store(&store, "admin456").await.len(), 2);

    // The Management API answers 410 GoneException for it...
    let (status, _, error_type) = http(
        "POST",
        &format!("{}/@connections/LostConnXYZ0%3D", local.http_url()),
        Some("{}"),
    )
    .await;
    assert_eq!(
        (status, error_type.as_deref()),
        (410, Some("GoneException"))
    );

    // ...and a send through the real SDK client removes it from the store.
    let mut alice = WsClient::connect(&local.ws_url("user123")).await;
    alice.send_text(&frame("admin456", "anyone there?")).await;
    assert_eq!(alice.next_json().await["type"], "ack");
    assert_eq!(desk.next_json().await["message_text"], "anyone there?");
    let live = local.gateway().connection_ids_of("admin456");
    assert_eq!(connections_in_store(&store, "admin456").await, live);
    local.shutdown().await;
}

async fn the_management_api_describes_and_closes_connections(backend: Backend) {
    let store = store_for(backend).await;
    let local = start_local(store.clone()).await;
    let mut desk = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let id = local.gateway().connection_ids_of("admin456").pop().unwrap();
    let encoded = id
        .replace('=', "%3D")
        .replace('+', "%2B")
        .replace('/', "%2F");
    let url = format!("{}/@connections/{encoded}", local.http_url());
    let (status, info, _) = http("GET", &url, None).await;
    assert_eq!(status, 200);
    assert!(info["connectedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(info["identity"]["sourceIp"], "127.0.0.1");
    // Also under the stage prefix, as the endpoint `https://{api}/{stage}` builds it.
    let (status, _, _) = http(
        "GET",
        &format!("{}/local/@connections/{encoded}", local.http_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // Another stage's endpoint is not this API's.
    let (status, _, error_type) = http(
        "GET",
        &format!("{}/prod/@connections/{encoded}", local.http_url()),
        None,
    )
    .await;
    assert_eq!(
        (status, error_type.as_deref()),
        (403, Some("ForbiddenException"))
    );
    let (status, _, _) = http("POST", &url, Some(r#"{"type":"hello"}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(desk.next_json().await, json!({"type": "hello"}));
    let (status, _, _) = http("DELETE", &url, None).await;
    assert_eq!(status, 204);
    assert_eq!(desk.closed().await.map(|f| u16::from(f.code)), Some(1000));
    // $disconnect ran: the store forgets it.
    eventually("the connection leaves the store", || async {
        connections_in_store(&store, "admin456").await.is_empty()
    })
    .await;
    let (status, _, error_type) = http("POST", &url, Some("{}")).await;
    assert_eq!(
        (status, error_type.as_deref()),
        (410, Some("GoneException"))
    );
    local.shutdown().await;
}

on_both_stores!(
    two_users_and_an_administrator_with_two_devices_chat,
    a_33_kb_frame_closes_the_connection_with_1009,
    a_post_to_a_closed_connection_gives_410_and_the_handler_removes_it,
    the_management_api_describes_and_closes_connections,
);

async fn a_33_kb_frame_closes_the_connection_with_1009(backend: Backend) {
    let local = start_local(store_for(backend).await).await;
    let mut client = WsClient::connect(&local.ws_url("user123")).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    // A frame just under 32 KB is answered (too long a text for the chat: a validation error).
    let under = frame("admin456", &"x".repeat(32 * 1024 - 200));
    assert!(under.len() < 32 * 1024);
    client.send_text(&under).await;
    assert_eq!(client.next_json().await["code"], "validation");
    client
        .send_text(&frame("admin456", &"x".repeat(3_000)))
        .await;
    assert_eq!(client.next_json().await["type"], "ack");
    assert_eq!(
        admin.next_json().await["message_text"]
            .as_str()
            .map(str::len),
        Some(3_000)
    );
    let _ = client
        .send_raw(Message::Text("y".repeat(33 * 1024).into()))
        .await;
    assert_eq!(client.closed().await.map(|f| u16::from(f.code)), Some(1009));
    local.shutdown().await;
}

#[tokio::test]
async fn a_failing_connect_handler_refuses_the_handshake_and_a_failed_store_answers_internal() {
    let faulty = chat_tests::FaultyStore::new(store_for(Backend::Memory).await);
    let local = start_local(faulty.clone()).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    // $connect answers 500 when it cannot record the connection: the handshake fails.
    faulty.fail("put_connection");
    let err = WsClient::try_connect(&local.ws_url("user999"))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("500"), "{err}");
    // A message that cannot be stored: an `internal` error frame, no delivery.
    faulty.fail("put_message");
    user.send_text(&frame("admin456", "lost?")).await;
    let reply = user.next_json().await;
    assert_eq!(
        (reply["type"].as_str(), reply["code"].as_str()),
        (Some("error"), Some("internal"))
    );
    assert!(
        !reply.to_string().contains("injected"),
        "internal causes stay internal: {reply}"
    );
    admin.expect_nothing(200).await;
    local.shutdown().await;
}

#[tokio::test]
async fn an_unverifiable_identity_is_refused_at_the_handshake() {
    let local = start_local(store_for(Backend::Memory).await).await;
    for url in [local.ws_url("bad%20id"), local.ws_url("user123?role=root")] {
        let err = WsClient::try_connect(&url).await.err().expect("refused");
        assert!(err.to_string().contains("401"), "{url}: {err}");
    }
    local.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_socket_with_1001_and_runs_disconnect() {
    let store = store_for(Backend::Memory).await;
    let local = start_local(store.clone()).await;
    let mut a = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut b = WsClient::connect(&local.ws_url("user123")).await;
    assert_eq!(connections_in_store(&store, "admin456").await.len(), 1);
    let shutdown = tokio::spawn(local.shutdown());
    assert_eq!(a.closed().await.map(|f| u16::from(f.code)), Some(1001));
    assert_eq!(b.closed().await.map(|f| u16::from(f.code)), Some(1001));
    shutdown.await.unwrap();
    assert!(connections_in_store(&store, "admin456").await.is_empty());
    assert!(connections_in_store(&store, "user123").await.is_empty());
}

/// chat-local with an idle timeout of `ms` milliseconds, on `store` or its own memory store.
async fn start_with_idle_timeout(store: Option<Arc<dyn Store>>, ms: u64) -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        store,
        limits: chat_local::Limits {
            idle_timeout: Duration::from_millis(ms),
            ..chat_local::Limits::default()
        },
        ..chat_local::Options::default()
    })
    .await
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let store = store_for(Backend::Memory).await;
    let local = start_with_idle_timeout(Some(store.clone()), 300).await;
    let mut client = WsClient::connect(&local.ws_url("user123")).await;
    assert_eq!(client.closed().await.map(|f| u16::from(f.code)), Some(1001));
    eventually("$disconnect removes the idle connection", || async {
        connections_in_store(&store, "user123").await.is_empty()
    })
    .await;
    local.shutdown().await;
}

#[tokio::test]
async fn activity_keeps_a_connection_open_past_the_idle_timeout_until_it_stops() {
    let local = start_with_idle_timeout(None, 400).await;
    let mut client = WsClient::connect(&local.ws_url("user123")).await;
    // A ping every 150 ms for three idle timeouts: the idle timer's deadline moves each time.
    for _ in 0..8 {
        client
            .send_raw(Message::Ping(vec![1].into()))
            .await
            .unwrap();
        client.expect_open(150).await;
    }
    let quiet = std::time::Instant::now();
    assert_eq!(client.closed().await.map(|f| u16::from(f.code)), Some(1001));
    let waited = quiet.elapsed();
    assert!(
        waited >= Duration::from_millis(200),
        "closed {waited:?} after the last ping"
    );
    local.shutdown().await;
}

#[tokio::test]
async fn the_dynamodb_endpoint_option_creates_the_tables_it_needs() {
    let prefix = format!("flag{:08x}-", fastrand::u32(..));
    let local = start_with(chat_local::Options {
        port: 0,
        dynamodb_endpoint: Some(chat_tests::dynamodb_endpoint()),
        table_prefix: prefix.clone(),
        ..chat_local::Options::default()
    })
    .await;
    assert!(local
        .banner
        .iter()
        .any(|l| l.contains(&format!("{prefix}messages"))));
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    user.send_text(&frame("admin456", "stored in DynamoDB Local"))
        .await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(
        admin.next_json().await["message_text"],
        "stored in DynamoDB Local"
    );
    // Another chat-local on the same tables sees the history.
    local.shutdown().await;
    let again = start_with(chat_local::Options {
        port: 0,
        dynamodb_endpoint: Some(chat_tests::dynamodb_endpoint()),
        table_prefix: prefix,
        ..chat_local::Options::default()
    })
    .await;
    let (status, history, _) = http(
        "GET",
        &format!("{}/chat/history/user123/admin456", again.http_url()),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        history["messages"][0]["message_text"],
        "stored in DynamoDB Local"
    );
    again.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_get_api_gateway_style_404s() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let (status, body, _) = http("GET", &format!("{}/nothing/here", local.http_url()), None).await;
    assert_eq!((status, body), (404, json!({"message": "Not Found"})));
    local.shutdown().await;
}
