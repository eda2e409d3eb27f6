//! The events functions' handler called with the event JSON Lambda hands it: a batch of the
//! tables' stream records (`fixtures/dynamodb_stream_batch.json`) and a due notice check from
//! SQS (`fixtures/sqs_notice_check.json`), on both stores. What the handler publishes and
//! schedules is recorded; every published event is rendered and checked against its schema.

use chat_shared::domain::{ClientId, Connection, ConnectionId, EventBody, NoticeReason, Role};
use chat_shared::events::NoticeDelays;
use chat_shared::store::Store;
use chat_tests::events::fixture;
use chat_tests::{invoke_events, preview, store_for, Backend, RecordingSink, RecordingTimer};
use serde_json::{json, Value};

const FIRST: &str = "01KAVG3Y8GA1B2C3D4E5F6G7H8";
const DELAYS: NoticeDelays = NoticeDelays {
    offline_s: 7,
    unread_s: 120,
};

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

async fn invoke(store: &dyn Store, event: Value) -> (RecordingSink, RecordingTimer, Value) {
    let (sink, timer) = (RecordingSink::default(), RecordingTimer::default());
    let answer = invoke_events(store, &sink, &timer, DELAYS, event)
        .await
        .expect("the invocation succeeds");
    (sink, timer, answer)
}

async fn a_stream_batch_publishes_the_message_and_schedules_one_check(backend: Backend) {
    let store = store_for(backend).await;
    let (sink, timer, answer) = invoke(&*store, fixture("dynamodb_stream_batch")).await;
    assert_eq!(answer, Value::Null);
    // The claim, its TTL removal and the sender's own Inbox item tell nobody anything.
    assert_eq!(sink.detail_types(), ["chat.message.created"]);
    let event = sink.published.lock().unwrap()[0].clone();
    assert_eq!(
        event.id, "f07f8ca8b1c34d7e9a1c3e2b4d5f6a70",
        "the stream record's id"
    );
    assert_eq!(event.at_ms, 1_795_527_619_000);
    let EventBody::MessageCreated(message) = &event.body else {
        panic!("{event:?}")
    };
    assert_eq!(message.message_id.as_str(), FIRST);
    let detail = chat_edge::wire::event_detail(&event, Default::default());
    assert_eq!(detail["message"]["sender_id"], "user123");
    assert_eq!(
        detail["message"].get("message_text"),
        None,
        "no text by default"
    );
    let with_text = chat_edge::wire::EventFields { include_text: true };
    let detail = chat_edge::wire::event_detail(&event, with_text);
    assert_eq!(
        detail["message"]["message_text"],
        "Can I move my appointment to Friday?"
    );
    // admin456 has no connection: the check waits the offline delay.
    let scheduled = timer.scheduled.lock().unwrap().clone();
    assert_eq!(scheduled.len(), 1);
    let (check, delay) = &scheduled[0];
    assert_eq!(
        (check.receiver.as_str(), check.sender.as_str()),
        ("admin456", "user123")
    );
    assert_eq!(check.first_unread.as_str(), FIRST);
    assert_eq!(
        (check.reason, *delay),
        (NoticeReason::Offline, DELAYS.offline_s)
    );

    // Connected, the same batch waits the unread delay instead.
    let now_s = 1_795_527_619;
    let connection = Connection {
        connection_id: ConnectionId::parse("abc123=").unwrap(),
        client_id: id("admin456"),
        role: Role::Admin,
        connected_at_ms: now_s * 1000,
        expires_at_s: i64::MAX / 2,
    };
    store.put_connection(&connection).await.unwrap();
    let (_, timer, _) = invoke(&*store, fixture("dynamodb_stream_batch")).await;
    let (check, delay) = timer.scheduled.lock().unwrap()[0].clone();
    assert_eq!(
        (check.reason, delay),
        (NoticeReason::Unread, DELAYS.unread_s)
    );
}

#[tokio::test]
async fn a_stream_batch_publishes_the_message_and_schedules_one_check_in_memory() {
    a_stream_batch_publishes_the_message_and_schedules_one_check(Backend::Memory).await;
}

#[tokio::test]
async fn a_stream_batch_publishes_the_message_and_schedules_one_check_on_dynamodb() {
    a_stream_batch_publishes_the_message_and_schedules_one_check(Backend::Dynamo).await;
}

async fn a_due_check_notices_only_what_is_still_unread(backend: Backend) {
    let store = store_for(backend).await;
    let (admin, user) = (id("admin456"), id("user123"));
    // Nothing recorded: nothing to notice.
    let (sink, _, answer) = invoke(&*store, fixture("sqs_notice_check")).await;
    assert!(sink.detail_types().is_empty());
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let second = "01KAVG3Y9HA1B2C3D4E5F6G7H8";
    store
        .record_unread(&admin, &user, &preview("user123", FIRST), true)
        .await
        .unwrap();
    store
        .record_unread(&admin, &user, &preview("user123", second), true)
        .await
        .unwrap();
    let (sink, _, _) = invoke(&*store, fixture("sqs_notice_check")).await;
    assert_eq!(sink.detail_types(), ["chat.notification.needed"]);
    let notice = sink.published.lock().unwrap()[0].clone();
    assert_eq!(notice.id, format!("notice:admin456:user123:{FIRST}"));
    let detail = chat_edge::wire::event_detail(&notice, Default::default());
    assert_eq!(detail["waiting"], 2);
    assert_eq!(detail["reason"], "offline");
    assert_eq!(detail["last_message_id"], second);
    assert_eq!(detail["sender_kind"], "chat");
    // Read meanwhile: the check finds nothing to say.
    let entry = store.inbox_entry(&admin, &user).await.unwrap().unwrap();
    assert!(store
        .mark_read_if_unchanged(&admin, &user, &entry, 1_795_527_700_000)
        .await
        .unwrap());
    let (sink, _, _) = invoke(&*store, fixture("sqs_notice_check")).await;
    assert!(sink.detail_types().is_empty());
}

#[tokio::test]
async fn a_due_check_notices_only_what_is_still_unread_in_memory() {
    a_due_check_notices_only_what_is_still_unread(Backend::Memory).await;
}

#[tokio::test]
async fn a_due_check_notices_only_what_is_still_unread_on_dynamodb() {
    a_due_check_notices_only_what_is_still_unread(Backend::Dynamo).await;
}

#[tokio::test]
async fn a_bus_that_refuses_fails_the_batch_so_lambda_retries_it() {
    let store = store_for(Backend::Memory).await;
    let (sink, timer) = (RecordingSink::default(), RecordingTimer::default());
    sink.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let batch = fixture("dynamodb_stream_batch");
    let failed = invoke_events(&*store, &sink, &timer, DELAYS, batch).await;
    assert!(failed.is_err());
    // A failing due check is reported for SQS to deliver again, not dropped.
    let (admin, user) = (id("admin456"), id("user123"));
    store
        .record_unread(&admin, &user, &preview("user123", FIRST), true)
        .await
        .unwrap();
    let answer = invoke_events(&*store, &sink, &timer, DELAYS, fixture("sqs_notice_check"))
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d"}]})
    );
}
