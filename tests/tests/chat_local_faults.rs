//! Faults end to end through chat-local: Management API posts lost, refused or late (the
//! fault switches), and DynamoDB Local stopped and started again under a running chat-local.

use std::time::Duration;

use chat_local::Faults;
use chat_tests::dynamo_process::DynamoProcess;
use chat_tests::local::{eventually, http, start_local, start_with, WsClient};
use chat_tests::{store_for, Backend};
use serde_json::{json, Value};

fn keyed(receiver: &str, text: &str, key: &str) -> String {
    json!({
        "receiver_id": receiver, "appointment_id": "appointment789",
        "service_id": "service123", "message_text": text, "client_msg_id": key
    })
    .to_string()
}

/// Reads frames until one of type `kind` arrives (others are collected too).
async fn next_of(client: &mut WsClient, kind: &str, seen: &mut Vec<Value>) -> Value {
    loop {
        let frame = client.next_json().await;
        seen.push(frame.clone());
        if frame["type"] == kind {
            return frame;
        }
    }
}

async fn sync_ids(client: &mut WsClient) -> Vec<String> {
    client
        .send_text(&json!({"action": "sync", "since": ""}).to_string())
        .await;
    let mut seen = Vec::new();
    let page = next_of(client, "sync", &mut seen).await;
    assert_eq!(page["has_more"], false);
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect()
}

/// For each kind of Management API fault: the send is acked at once and stored; the receiver
/// does not get it live (or gets it late), and catch-up returns it.
#[tokio::test]
async fn management_api_faults_never_fail_a_send_and_catch_up_recovers_the_message() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    let cases = [
        (
            "dropped",
            Faults {
                drop: 1.0,
                ..Faults::default()
            },
        ),
        (
            "429",
            Faults {
                throttle: 1.0,
                ..Faults::default()
            },
        ),
        (
            "500",
            Faults {
                error: 1.0,
                ..Faults::default()
            },
        ),
        // 410 right after connecting: kept (the handshake grace), so the next case still runs.
        (
            "410",
            Faults {
                gone: 1.0,
                ..Faults::default()
            },
        ),
    ];
    for (i, (label, faults)) in cases.into_iter().enumerate() {
        local.gateway().set_faults(faults);
        user.send_text(&keyed("admin456", label, &format!("k{i}")))
            .await;
        let ack = user.next_json().await;
        assert_eq!(ack["type"], "ack", "{label}: {ack}");
        local.gateway().set_faults(Faults::default());
        admin.expect_nothing(300).await;
        let ids = sync_ids(&mut admin).await;
        assert_eq!(
            ids.last().map(String::as_str),
            ack["message_id"].as_str(),
            "{label}"
        );
    }
    // A post slower than the SDK's 1 s attempt timeout: the send is still acked (the post
    // gives up after the SDK's retries), and the frame arrives late, perhaps more than once.
    local.gateway().set_faults(Faults {
        delay: 1.0,
        delay_by: Duration::from_millis(1_500),
        ..Faults::default()
    });
    let started = std::time::Instant::now();
    user.send_text(&keyed("admin456", "slow", "k-slow")).await;
    let ack = user.next_json().await;
    assert_eq!(ack["type"], "ack");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let late = admin.next_json().await;
    assert_eq!(late["message_id"], ack["message_id"]);
    local.gateway().set_faults(Faults::default());
    local.shutdown().await;
}

/// A retried send after a lost ack, end to end: the same ack, one stored message, one delivery.
#[tokio::test]
async fn a_retried_send_after_a_lost_ack_is_stored_and_delivered_once() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    user.send_text(&keyed("admin456", "hello", "k-1")).await;
    let ack = user.next_json().await;
    // The ack "was lost": the client reconnects and sends again with the same key.
    user.close().await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    user.send_text(&keyed("admin456", "hello", "k-1")).await;
    assert_eq!(user.next_json().await, ack);
    assert_eq!(admin.next_json().await["message_id"], ack["message_id"]);
    admin.expect_nothing(300).await;
    assert_eq!(sync_ids(&mut admin).await.len(), 1);
    local.shutdown().await;
}

/// chat-local on a DynamoDB Local of the test's own, an administrator and a user connected, and
/// one message exchanged.
async fn on_own_dynamodb() -> (DynamoProcess, chat_local::Running, WsClient, WsClient) {
    let ddb = DynamoProcess::start().await;
    let local = start_with(chat_local::Options {
        port: 0,
        dynamodb_endpoint: Some(ddb.endpoint()),
        ..chat_local::Options::default()
    })
    .await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    user.send_text(&keyed("admin456", "before", "k-1")).await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(admin.next_json().await["message_text"], "before");
    (ddb, local, admin, user)
}

/// DynamoDB Local stops under a running chat-local: sends get `internal` error frames and HTTP
/// calls 500 while it is down; once it is back, everything works again without restarting
/// chat-local, and nothing stored before is lost.
#[tokio::test]
async fn chat_local_survives_a_dynamodb_restart() {
    let (mut ddb, local, mut admin, mut user) = on_own_dynamodb().await;

    ddb.stop().await;
    let started = std::time::Instant::now();
    user.send_text(&keyed("admin456", "during", "k-2")).await;
    let reply = user.next_json().await;
    assert_eq!(
        reply,
        json!({"type": "error", "code": "internal", "message": "internal error; try again"})
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let (status, body, _) = http(
        "GET",
        &format!("{}/chat/unread/admin456", local.http_url()),
        None,
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (500, Some("internal")));

    ddb.resume().await;
    // The SDK reconnects by itself; the retry of the failed send (same key) now succeeds.
    let mut acked = None;
    for _ in 0..50 {
        user.send_text(&keyed("admin456", "during", "k-2")).await;
        let reply = user.next_json().await;
        if reply["type"] == "ack" {
            acked = Some(reply);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let acked = acked.expect("sends work again after the restart");
    assert_eq!(admin.next_json().await["message_id"], acked["message_id"]);
    let url = format!("{}/chat/history/admin456/user123", local.http_url());
    eventually("history has both messages", || async {
        let (status, body, _) = http("GET", &url, None).await;
        status == 200 && body["messages"].as_array().map(Vec::len) == Some(2)
    })
    .await;
    local.shutdown().await;
}

/// DynamoDB stops answering (frozen, connections open): the SDK's timeouts turn a hung call
/// into an `internal` error frame within seconds instead of a send that never returns.
#[tokio::test]
async fn a_hung_dynamodb_gives_internal_errors_within_the_sdk_timeouts() {
    let (ddb, local, mut admin, mut user) = on_own_dynamodb().await;

    ddb.freeze(true);
    let started = std::time::Instant::now();
    user.send_text(&keyed("admin456", "during", "k-2")).await;
    let reply = user.next_json().await;
    let waited = started.elapsed();
    ddb.freeze(false);
    assert_eq!(reply["code"], "internal", "{reply}");
    // One DynamoDB operation gives up after 5 s (chat_shared::sdk).
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(12),
        "{waited:?}"
    );
    println!("a send against a hung DynamoDB answered internal after {waited:.1?}");
    admin.expect_nothing(200).await;
    user.send_text(&keyed("admin456", "during", "k-2")).await;
    let ack = user.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    local.shutdown().await;
}
