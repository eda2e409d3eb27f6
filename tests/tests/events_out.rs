//! Events out on DynamoDB Local's real streams: chat-local reads the Messages and Inbox
//! tables' streams into the events handler (as Lambda's event source mapping does), publishes
//! on its local bus and forwards every event, signed, to a webhook receiver in the test.
//! Offline notices come once per run of unread messages; a read conversation is an event;
//! every event validates against its schema in docs/events/v1/; a failing receiver gets
//! retries, then the event is dead-lettered.

use std::path::Path;
use std::time::Duration;

use chat_local::bus::WebhookOptions;
use chat_local::pipes::EventsOptions;
use chat_shared::events::NoticeDelays;
use chat_tests::events::frame;
use chat_tests::local::{eventually, http, http_with, start_with, WsClient};
use chat_tests::tools::{node, run, scratch, succeeded, workspace};
use chat_tests::webhook::Receiver;
use chat_tests::{dynamodb_endpoint, fresh_dynamo_tables};
use serde_json::{json, Value};
use tokio::sync::broadcast;

const SECRET: &str = "webhook-secret-for-tests-only";

async fn start(events: EventsOptions) -> chat_local::Running {
    let (store, prefix) = fresh_dynamo_tables().await;
    start_with(chat_local::Options {
        port: 0,
        store: Some(std::sync::Arc::new(store)),
        dynamodb_endpoint: Some(dynamodb_endpoint()),
        table_prefix: prefix,
        events: Some(events),
        ..chat_local::Options::default()
    })
    .await
}

fn options(delays: NoticeDelays, webhook: Option<&Receiver>, attempts: u32) -> EventsOptions {
    EventsOptions {
        print: false,
        include_text: false,
        delays,
        webhook: webhook.map(|receiver| WebhookOptions {
            url: receiver.url.clone(),
            secret: SECRET.to_owned(),
            attempts,
            retry_base: Duration::from_millis(50),
            dead_letters: None,
        }),
    }
}

/// Events from `bus` until `done` holds for what arrived, or `within` passes.
async fn collect(
    bus: &mut broadcast::Receiver<Value>,
    seen: &mut Vec<Value>,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    while !done(seen) {
        match tokio::time::timeout_at(deadline, bus.recv()).await {
            Ok(Ok(event)) => seen.push(event),
            Ok(Err(err)) => panic!("the bus closed: {err}"),
            Err(_) => return,
        }
    }
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["detail-type"] == kind).collect()
}

async fn send(from: &mut WsClient, to: &str, text: &str) -> Value {
    from.send_text(&frame(to, text)).await;
    let ack = from.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack
}

/// Every event validates against its schema in docs/events/v1/ (tests/api/check-events.mjs).
fn check_schemas(events: &[Value], name: &str) {
    let dir = scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), name);
    let path = dir.join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let schemas = workspace().join("docs/events/v1");
    let output = run(
        node("check-events.mjs", &[schemas.as_path(), path.as_path()]),
        Duration::from_secs(60),
    );
    println!("{}", succeeded(&output, "events against docs/events/v1"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the webhook received is what docs/openapi.yaml's `webhooks.chatEvent` says: the
/// signature header's shape and the body's schema (`ChatWebhookEvent`).
fn check_webhook_bodies(received: &[chat_tests::webhook::Received]) {
    let pattern = regex_lite::Regex::new("^t=[0-9]+,v1=[0-9a-f]{64}$").unwrap();
    let bodies: Vec<Value> = received
        .iter()
        .map(|r| {
            assert!(pattern.is_match(r.signature.as_deref().unwrap_or("")));
            json!({"schema": "ChatWebhookEvent", "body": r.json()})
        })
        .collect();
    let dir = scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), "webhook-bodies");
    let path = dir.join("bodies.json");
    std::fs::write(&path, Value::Array(bodies).to_string()).unwrap();
    let doc = workspace().join("docs/openapi.yaml");
    let output = run(
        node("check-openapi.mjs", &[doc.as_path(), path.as_path()]),
        Duration::from_secs(60),
    );
    println!(
        "{}",
        succeeded(&output, "webhook bodies against docs/openapi.yaml")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_to_an_offline_user_makes_one_notice_and_reading_it_one_read_event() {
    let receiver = Receiver::start(200).await;
    let delays = NoticeDelays {
        offline_s: 2,
        unread_s: 3,
    };
    let local = start(options(delays, Some(&receiver), 3)).await;
    let mut bus = local.bus().expect("events are on").subscribe();
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut acks = Vec::new();
    for i in 0..10 {
        acks.push(
            send(
                &mut admin,
                "user123",
                &format!("Reminder {i}: bring your card"),
            )
            .await,
        );
    }
    let mut seen = Vec::new();
    collect(&mut bus, &mut seen, Duration::from_secs(15), |seen| {
        !of_type(seen, "chat.notification.needed").is_empty()
    })
    .await;
    assert_eq!(
        of_type(&seen, "chat.message.created").len(),
        10,
        "{seen:#?}"
    );
    let notices = of_type(&seen, "chat.notification.needed");
    assert_eq!(notices.len(), 1, "{seen:#?}");
    let notice = &notices[0]["detail"];
    assert_eq!(notice["receiver_id"], "user123");
    assert_eq!(notice["sender_id"], "admin456");
    assert_eq!(notice["sender_kind"], "chat");
    assert_eq!(notice["reason"], "offline");
    assert_eq!(notice["waiting"], 10);
    assert_eq!(notice["conversation_id"], "admin456#user123");
    assert_eq!(notice["first_message_id"], acks[0]["message_id"]);
    assert_eq!(notice["last_message_id"], acks[9]["message_id"]);
    assert_eq!(notices[0]["source"], "chat");
    // The stack's default: no message text in any event.
    assert!(!seen
        .iter()
        .any(|e| e.to_string().contains("bring your card")));

    // Nothing more while the run stays unread (not even after the connected delay).
    collect(&mut bus, &mut seen, Duration::from_millis(3500), |_| false).await;
    assert_eq!(of_type(&seen, "chat.notification.needed").len(), 1);

    let base = local.http_url();
    let mark = r#"{"sender_id":"admin456"}"#;
    let (status, body, _) = http("PUT", &format!("{base}/chat/read/user123"), Some(mark)).await;
    assert_eq!((status, body["updated_count"].clone()), (200, json!(10)));
    let id = acks[3]["message_id"].as_str().unwrap().to_owned();
    let edit = json!({"action": "edit", "message_id": id, "peer_id": "user123", "message_text": "Reminder: bring your insurance card"});
    admin.send_text(&edit.to_string()).await;
    // The read receipt of the mark-read comes first.
    assert_eq!(admin.next_json().await["type"], "read");
    assert_eq!(admin.next_json().await["type"], "ack");
    collect(&mut bus, &mut seen, Duration::from_secs(10), |seen| {
        !of_type(seen, "chat.conversation.read").is_empty()
            && !of_type(seen, "chat.message.updated").is_empty()
    })
    .await;
    let read = of_type(&seen, "chat.conversation.read");
    assert_eq!(read.len(), 1, "{seen:#?}");
    let read = &read[0]["detail"];
    assert_eq!(
        (read["reader_id"].as_str(), read["peer_id"].as_str()),
        (Some("user123"), Some("admin456"))
    );
    assert_eq!(read["was_unread"], 10);
    assert_eq!(read["read_up_to"], acks[9]["message_id"]);
    let updated = of_type(&seen, "chat.message.updated");
    assert_eq!(updated[0]["detail"]["change"], "edited");
    assert_eq!(updated[0]["detail"]["message"]["message_id"], id.as_str());
    assert_eq!(updated[0]["detail"]["message"]["version"], 2);
    // Every event has its own id.
    let mut ids: Vec<&str> = seen
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len());

    // The webhook got each event once, signed with the secret.
    let published = seen.len();
    eventually("the webhook receives every event", || {
        let n = receiver.received().len();
        async move { n >= published }
    })
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), seen.len());
    let now_s = chrono_now_s();
    for r in &received {
        let signature = r.signature.as_deref().expect("a signature header");
        assert!(
            chat_edge::webhook::verify(SECRET.as_bytes(), signature, &r.body, now_s),
            "{signature}"
        );
        assert!(!chat_edge::webhook::verify(
            b"another-secret-entirely",
            signature,
            &r.body,
            now_s
        ));
        assert_eq!(
            r.event_id.as_deref(),
            r.json()["detail"]["event_id"].as_str()
        );
    }
    check_schemas(&seen, "events-offline");
    check_webhook_bodies(&received);
    admin.close().await;
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_receiver_is_noticed_only_when_they_leave_it_unread() {
    let delays = NoticeDelays {
        offline_s: 0,
        unread_s: 2,
    };
    let local = start(options(delays, None, 1)).await;
    let mut bus = local.bus().expect("events are on").subscribe();
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let mut busy = WsClient::connect(&local.ws_url("user123?role=user")).await;
    let mut quick = WsClient::connect(&local.ws_url("user777?role=user")).await;
    send(&mut admin, "user123", "Your results are in").await;
    send(&mut admin, "user777", "Your results are in").await;
    assert_eq!(busy.next_json().await["type"], "message");
    assert_eq!(quick.next_json().await["type"], "message");
    let base = local.http_url();
    let mark = r#"{"sender_id":"admin456"}"#;
    let (status, _, _) = http("PUT", &format!("{base}/chat/read/user777"), Some(mark)).await;
    assert_eq!(status, 200);
    let mut seen = Vec::new();
    collect(&mut bus, &mut seen, Duration::from_secs(6), |_| false).await;
    let notices = of_type(&seen, "chat.notification.needed");
    assert_eq!(notices.len(), 1, "{seen:#?}");
    assert_eq!(notices[0]["detail"]["receiver_id"], "user123");
    assert_eq!(notices[0]["detail"]["reason"], "unread");
    assert_eq!(notices[0]["detail"]["waiting"], 1);
    check_schemas(&seen, "events-connected");
    for client in [admin, busy, quick] {
        client.close().await;
    }
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_gets_retries_then_the_event_is_dead_lettered() {
    let receiver = Receiver::start(500).await;
    let delays = NoticeDelays {
        offline_s: 900,
        unread_s: 900,
    };
    let dir = scratch(Path::new(env!("CARGO_TARGET_TMPDIR")), "dead-letters");
    let dead_file = dir.join("dead.jsonl");
    let mut events = options(delays, Some(&receiver), 3);
    events.include_text = true;
    if let Some(w) = events.webhook.as_mut() {
        w.dead_letters = Some(dead_file.clone());
    }
    let local = start(events).await;
    let bus = local.bus().expect("events are on").clone();
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    let ack = send(&mut admin, "user123", "See you at 10").await;
    eventually("the event is dead-lettered", || {
        let n = bus.dead_letters().len();
        async move { n == 1 }
    })
    .await;
    let attempts = receiver.received();
    assert_eq!(attempts.len(), 3, "three attempts, then the dead letters");
    let first = attempts[0].json();
    assert_eq!(first["detail-type"], "chat.message.created");
    assert_eq!(first["detail"]["message"]["message_id"], ack["message_id"]);
    // With the stack's EventsIncludeText on, the text is there.
    assert_eq!(first["detail"]["message"]["message_text"], "See you at 10");
    let now_s = chrono_now_s();
    for attempt in &attempts {
        assert_eq!(
            attempt.event_id, attempts[0].event_id,
            "the same event each time"
        );
        let signature = attempt.signature.as_deref().unwrap();
        assert!(chat_edge::webhook::verify(
            SECRET.as_bytes(),
            signature,
            &attempt.body,
            now_s
        ));
    }
    let dead = &bus.dead_letters()[0];
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["error"], "the webhook answered 500");
    assert_eq!(
        dead["event"]["detail"]["event_id"],
        first["detail"]["event_id"]
    );
    let file = std::fs::read_to_string(&dead_file).unwrap();
    assert_eq!(file.lines().count(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(file.lines().next().unwrap()).unwrap(),
        *dead
    );

    // Once the receiver answers again, the next event goes through at the first attempt.
    receiver.answer(204);
    send(&mut admin, "user123", "Or at 11").await;
    eventually("the next event is delivered", || {
        let n = receiver.received().len();
        async move { n == 4 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 4);
    assert_eq!(bus.dead_letters().len(), 1);
    check_schemas(&[first], "events-dead");
    let _ = std::fs::remove_dir_all(&dir);
    admin.close().await;
    local.shutdown().await;
}

fn chrono_now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// chat-local's EventBridge and SQS endpoints (for the events binary under `cargo lambda
/// watch`) take only SigV4-signed calls when a key pair is required, only the two operations
/// they emulate, and refuse malformed ones without publishing or queueing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_eventbridge_and_sqs_take_only_signed_calls_they_emulate() {
    use chat_tests::local::http_with;
    use chat_tests::management::{sigv4_headers, Keys};
    let (store, prefix) = fresh_dynamo_tables().await;
    let secret = "local-aws-secret-for-tests";
    let local = start_with(chat_local::Options {
        port: 0,
        store: Some(std::sync::Arc::new(store)),
        dynamodb_endpoint: Some(dynamodb_endpoint()),
        table_prefix: prefix,
        events: Some(options(NoticeDelays::default(), None, 1)),
        management: chat_local::ManagementKeys {
            secret_access_key: Some(secret.to_owned()),
            ..chat_local::ManagementKeys::default()
        },
        ..chat_local::Options::default()
    })
    .await;
    let mut bus = local.bus().expect("events are on").subscribe();
    let url = format!("{}/aws", local.http_url());
    let keys = Keys::new("local", secret);
    let call = |target: &'static str, body: String, keys: Option<Keys>| {
        let url = url.clone();
        async move {
            let mut headers = keys
                .map(|k| {
                    sigv4_headers(
                        &k,
                        "POST",
                        &url,
                        body.as_bytes(),
                        std::time::SystemTime::now(),
                    )
                })
                .unwrap_or_default();
            headers.push(("x-amz-target".into(), target.into()));
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            http_with("POST", &url, Some(&body), &headers).await
        }
    };
    let entry = |detail: &str| {
        json!({"Entries": [{"Source": "chat", "DetailType": "chat.message.created", "Detail": detail, "EventBusName": "local"}]})
            .to_string()
    };
    let good = entry(r#"{"schema_version":1}"#);
    let (status, _, kind) = call("AWSEvents.PutEvents", good.clone(), None).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    let wrong = Keys::new("local", "not-the-secret-at-all");
    let (status, _, kind) = call("AWSEvents.PutEvents", good.clone(), Some(wrong)).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("InvalidSignatureException"))
    );
    let (status, _, kind) = call("AWSEvents.ListRules", "{}".into(), Some(keys.clone())).await;
    assert_eq!(
        (status, kind.as_deref()),
        (400, Some("UnknownOperationException"))
    );
    let (status, body, _) =
        call("AWSEvents.PutEvents", entry("not json"), Some(keys.clone())).await;
    assert_eq!((status, body["FailedEntryCount"].clone()), (200, json!(1)));
    let (status, _, _) = call("AWSEvents.PutEvents", "[]".into(), Some(keys.clone())).await;
    assert_eq!(status, 400);
    let too_late = json!({"QueueUrl": "q", "MessageBody": "{}", "DelaySeconds": 901}).to_string();
    let (status, _, _) = call("AmazonSQS.SendMessage", too_late, Some(keys.clone())).await;
    assert_eq!(status, 400);
    let mut seen = Vec::new();
    collect(&mut bus, &mut seen, Duration::from_millis(300), |_| false).await;
    assert!(seen.is_empty(), "{seen:#?}");

    let (status, body, _) = call("AWSEvents.PutEvents", good, Some(keys.clone())).await;
    assert_eq!((status, body["FailedEntryCount"].clone()), (200, json!(0)));
    collect(&mut bus, &mut seen, Duration::from_secs(5), |seen| {
        !seen.is_empty()
    })
    .await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["detail-type"], "chat.message.created");
    assert_eq!(seen[0]["detail"]["schema_version"], 1);
    assert_eq!(seen[0]["id"], body["Entries"][0]["EventId"]);
    local.shutdown().await;
}

/// An erasure through chat-local tells other systems once (`chat.client.erased`, with its
/// counts and who asked), and each tombstone as a deletion; every event validates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_is_one_client_erased_event_and_a_deletion_per_message() {
    let delays = NoticeDelays {
        offline_s: 60,
        unread_s: 60,
    };
    let local = start(options(delays, None, 1)).await;
    let mut bus = local.bus().expect("events are on").subscribe();
    let mut user = WsClient::connect(&local.ws_url("user-gone?role=user")).await;
    let mut admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    send(&mut user, "admin456", "please erase me").await;
    assert_eq!(admin.next_json().await["type"], "message");
    send(&mut admin, "user-gone", "will do").await;
    let erase = format!("{}/chat/erasure/user-gone", local.http_url());
    let headers = [("x-chat-role", "admin"), ("x-chat-client", "admin456")];
    let (status, body, _) = http_with("POST", &erase, None, &headers).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["counts"]["messages"], 2, "{body}");
    let mut seen = Vec::new();
    collect(&mut bus, &mut seen, Duration::from_secs(15), |seen| {
        !of_type(seen, "chat.client.erased").is_empty()
            && of_type(seen, "chat.message.updated").len() >= 2
    })
    .await;
    let erased = of_type(&seen, "chat.client.erased");
    assert_eq!(erased.len(), 1, "{seen:#?}");
    let detail = &erased[0]["detail"];
    assert_eq!(detail["client_id"], "user-gone");
    assert_eq!(
        detail["requested_by"],
        json!({"role": "admin", "client_id": "admin456"})
    );
    assert_eq!(detail["counts"]["messages"], 2);
    let deleted: Vec<&Value> = of_type(&seen, "chat.message.updated")
        .into_iter()
        .filter(|e| e["detail"]["change"] == "deleted")
        .collect();
    assert_eq!(deleted.len(), 2, "{seen:#?}");
    // Erasing again tells again, with nothing done.
    let (status, body, _) = http_with("POST", &erase, None, &headers).await;
    assert_eq!(
        (status, &body["counts"]["messages"]),
        (200, &json!(0)),
        "{body}"
    );
    collect(&mut bus, &mut seen, Duration::from_secs(15), |seen| {
        of_type(seen, "chat.client.erased").len() == 2
    })
    .await;
    assert_eq!(of_type(&seen, "chat.client.erased").len(), 2);
    check_schemas(&seen, "erasure-events");
}
