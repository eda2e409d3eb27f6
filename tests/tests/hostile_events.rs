//! Hostile input to the events functions: stream records whose items do not decode, queue
//! messages that are not notice checks, invocations of neither kind, webhook URLs the
//! function must not post to. A record or message that cannot be made sense of is logged and
//! dropped (retrying cannot fix it, and it must not hold up what comes after it); the rest of
//! its batch is handled as if it were not there, and nothing is published for it.

use chat_edge::lambda::webhook::webhook_url;
use chat_shared::domain::ClientId;
use chat_shared::events::NoticeDelays;
use chat_shared::store::Store;
use chat_tests::events::fixture;
use chat_tests::{invoke_events, preview, store_for, Backend, RecordingSink, RecordingTimer};
use serde_json::{json, Value};

const FIRST: &str = "01KAVG3Y8GA1B2C3D4E5F6G7H8";

struct Outcome {
    published: Vec<&'static str>,
    scheduled: usize,
    answer: Result<Value, String>,
}

async fn invoke(store: &dyn Store, event: Value) -> Outcome {
    let (sink, timer) = (RecordingSink::default(), RecordingTimer::default());
    let answer = invoke_events(store, &sink, &timer, NoticeDelays::default(), event)
        .await
        .map_err(|e| format!("{e:?}"));
    let scheduled = timer.scheduled.lock().unwrap().len();
    Outcome {
        published: sink.detail_types(),
        scheduled,
        answer,
    }
}

/// A change to a record's new image.
type Corruption = Box<dyn Fn(&mut Value)>;

/// The fixture batch with `change` applied to record `index`'s new image.
fn corrupted(index: usize, change: impl Fn(&mut Value)) -> Value {
    let mut batch = fixture("dynamodb_stream_batch");
    change(&mut batch["Records"][index]["dynamodb"]["NewImage"]);
    batch
}

#[tokio::test]
async fn a_record_that_does_not_decode_is_skipped_and_the_rest_of_its_batch_is_handled() {
    let store = store_for(Backend::Memory).await;
    // (what, record, change): record 0 is the message, 3 the receiver's Inbox item.
    let message_cases: Vec<(&str, Corruption)> = vec![
        (
            "a message id that is not a ULID",
            Box::new(|i| i["message_id"] = json!({"S": "../../etc"})),
        ),
        (
            "a sender id with a space",
            Box::new(|i| i["sender_id"] = json!({"S": "user 123"})),
        ),
        (
            "a receiver id of 129 characters",
            Box::new(|i| i["receiver_id"] = json!({"S": "a".repeat(129)})),
        ),
        (
            "an appointment id that is a number",
            Box::new(|i| i["appointment_id"] = json!({"N": "7"})),
        ),
        (
            "a version that is text",
            Box::new(|i| i["version"] = json!({"S": "two"})),
        ),
        (
            "a reaction that is not an emoji",
            Box::new(|i| i["reactions"] = json!({"M": {"<script>": {"L": [{"S": "admin456"}]}}})),
        ),
    ];
    for (what, change) in &message_cases {
        let outcome = invoke(&*store, corrupted(0, change)).await;
        assert!(outcome.answer.is_ok(), "{what}: {:?}", outcome.answer);
        assert_eq!(
            outcome.published,
            Vec::<&str>::new(),
            "{what}: the message is skipped"
        );
        assert_eq!(
            outcome.scheduled, 1,
            "{what}: the Inbox record still counts"
        );
    }
    let inbox_cases: Vec<(&str, Corruption)> = vec![
        (
            "an owner id that is empty",
            Box::new(|i| i["owner_id"] = json!({"S": ""})),
        ),
        (
            "no peer id",
            Box::new(|i| {
                i.as_object_mut().unwrap().remove("peer_id");
            }),
        ),
        (
            "an unread count that is text",
            Box::new(|i| i["unread"] = json!({"S": "many"})),
        ),
        (
            "a last message id that is not a ULID",
            Box::new(|i| i["last_message_id"] = json!({"S": "x"})),
        ),
        (
            "the system as the owner's peer, with a bad id",
            Box::new(|i| i["peer_id"] = json!({"S": "sys tem"})),
        ),
    ];
    for (what, change) in &inbox_cases {
        let outcome = invoke(&*store, corrupted(3, change)).await;
        assert!(outcome.answer.is_ok(), "{what}: {:?}", outcome.answer);
        assert_eq!(outcome.published, ["chat.message.created"], "{what}");
        assert_eq!(outcome.scheduled, 0, "{what}: the Inbox record is skipped");
    }
    // A batch that is not a stream event at all fails whole (Lambda retries it, bisects it,
    // then hands it to the stream's failure queue); nothing is published.
    for broken in [
        json!({"Records": [{"eventSource": "aws:dynamodb", "dynamodb": "nope"}]}),
        json!({"Records": [{"eventSource": "aws:dynamodb", "dynamodb": {"NewImage": {"a": {"Q": "?"}}}}]}),
    ] {
        let outcome = invoke(&*store, broken.clone()).await;
        assert!(outcome.answer.is_err(), "{broken}");
        assert!(outcome.published.is_empty() && outcome.scheduled == 0);
    }
}

fn sqs_with(bodies: &[String]) -> Value {
    let mut event = fixture("sqs_notice_check");
    let template = event["Records"][0].clone();
    event["Records"] = bodies
        .iter()
        .enumerate()
        .map(|(n, body)| {
            let mut record = template.clone();
            record["messageId"] = json!(format!("m-{n}"));
            record["body"] = json!(body);
            record
        })
        .collect();
    event
}

#[tokio::test]
async fn a_queue_message_that_is_not_a_check_is_dropped_and_a_real_one_still_notices() {
    let store = store_for(Backend::Memory).await;
    let (admin, user) = (
        ClientId::parse("admin456").unwrap(),
        ClientId::parse("user123").unwrap(),
    );
    store
        .record_unread(&admin, &user, &preview("user123", FIRST), true)
        .await
        .unwrap();
    let check = |receiver: &str, sender: &str, first: &str, reason: &str| {
        json!({"receiver_id": receiver, "sender_id": sender, "first_unread": first, "reason": reason}).to_string()
    };
    let hostile: Vec<String> = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        "{}".into(),
        "{not json".into(),
        json!({"receiver_id": "admin456"}).to_string(),
        check("admin 456", "user123", FIRST, "offline"),
        check(&"a".repeat(129), "user123", FIRST, "offline"),
        check("admin456", "user123", "01KAVG3Y8G", "offline"),
        check("admin456", "user123", FIRST, "later"),
        check("admin456", "user123", FIRST, "OFFLINE"),
        json!({"receiver_id": ["admin456"], "sender_id": "user123", "first_unread": FIRST, "reason": "offline"}).to_string(),
        format!("{}{}", "[".repeat(200), "]".repeat(200)),
        "x".repeat(256 * 1024),
    ];
    let mut bodies = hostile.clone();
    bodies.push(check("admin456", "user123", FIRST, "offline"));
    let outcome = invoke(&*store, sqs_with(&bodies)).await;
    // Dropped, not reported: SQS would only deliver them again.
    assert_eq!(outcome.answer, Ok(json!({"batchItemFailures": []})));
    assert_eq!(
        outcome.published,
        ["chat.notification.needed"],
        "only the real check"
    );
    let alone = invoke(&*store, sqs_with(&hostile)).await;
    assert!(alone.published.is_empty());
}

#[tokio::test]
async fn an_invocation_of_neither_kind_does_nothing() {
    let store = store_for(Backend::Memory).await;
    for event in [
        json!({}),
        json!(null),
        json!({"Records": []}),
        json!({"Records": [{"eventSource": "aws:s3"}]}),
        json!({"Records": "aws:dynamodb"}),
    ] {
        let outcome = invoke(&*store, event.clone()).await;
        assert_eq!(outcome.answer, Ok(Value::Null), "{event}");
        assert!(
            outcome.published.is_empty() && outcome.scheduled == 0,
            "{event}"
        );
    }
}

#[test]
fn the_webhook_posts_only_to_https_or_to_loopback() {
    for refused in [
        "",
        "http://hooks.example.com/chat",
        "http://10.0.0.8/chat",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://hooks.example.com/chat",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "hooks.example.com/chat",
    ] {
        assert!(webhook_url(refused).is_none(), "{refused}");
    }
    for accepted in [
        "https://hooks.example.com/chat?tenant=42",
        "http://127.0.0.1:9000/hooks",
        "http://localhost:8080/",
    ] {
        assert!(webhook_url(accepted).is_some(), "{accepted}");
    }
}
