//! The webhook function's handler called with the SQS event Lambda hands it (the body an
//! EventBridge event the rule put on `WebhookQueue`), posting to a receiver in the test: a
//! delivered event is not reported; a refused one is reported for SQS to deliver again and put
//! off by the delay of its attempt (30 s, doubling, at most an hour).

use std::sync::Mutex;

use async_trait::async_trait;
use chat_edge::lambda::webhook::{handle_webhook_batch, webhook_url, RetryLater};
use chat_edge::webhook::{retry_delay_s, verify, WebhookSender};
use chat_tests::events::fixture;
use chat_tests::webhook::Receiver;
use serde_json::json;

const SECRET: &str = "webhook-secret-for-tests-only";

#[derive(Default)]
struct Retries(Mutex<Vec<(String, u32)>>);

#[async_trait]
impl RetryLater for Retries {
    async fn later(&self, receipt_handle: &str, delay_s: u32) {
        self.0
            .lock()
            .unwrap()
            .push((receipt_handle.to_owned(), delay_s));
    }
}

/// The SQS event of the webhook queue: the notice fixture's record, carrying an EventBridge
/// event, delivered for the `receive`th time.
fn queue_event(receive: u32) -> (aws_lambda_events::sqs::SqsEvent, serde_json::Value) {
    let bus_event = json!({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "chat.notification.needed", "source": "chat",
        "account": "123456789012", "time": "2026-11-24T13:40:29Z", "region": "eu-west-1",
        "resources": [],
        "detail": {"schema_version": 1, "event_id": "notice:admin456:user123:01KAVG3Y8GA1B2C3D4E5F6G7H8",
                   "occurred_at": "2026-11-24T13:40:29.000Z", "conversation_id": "admin456#user123",
                   "receiver_id": "admin456", "sender_id": "user123", "sender_kind": "chat",
                   "reason": "offline", "waiting": 2, "first_message_id": "01KAVG3Y8GA1B2C3D4E5F6G7H8",
                   "last_message_id": "01KAVG3Y9HA1B2C3D4E5F6G7H8"}
    });
    let mut event = fixture("sqs_notice_check");
    event["Records"][0]["body"] = json!(bus_event.to_string());
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = json!(receive.to_string());
    (serde_json::from_value(event).unwrap(), bus_event)
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn a_delivered_event_is_done_and_a_refused_one_comes_back_later() {
    let receiver = Receiver::start(200).await;
    let sender = WebhookSender::new(webhook_url(&receiver.url).unwrap(), SECRET.into());
    let retries = Retries::default();
    let (event, bus_event) = queue_event(1);
    let response = handle_webhook_batch(&sender, &retries, event, now_s()).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(retries.0.lock().unwrap().is_empty());
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].json(),
        bus_event,
        "the EventBridge event as it is"
    );
    let signature = received[0].signature.as_deref().unwrap();
    assert!(verify(
        SECRET.as_bytes(),
        signature,
        &received[0].body,
        now_s()
    ));
    assert_eq!(
        received[0].event_id.as_deref(),
        bus_event["detail"]["event_id"].as_str()
    );

    receiver.answer(503);
    for receive in [1, 4, 9] {
        let (event, _) = queue_event(receive);
        let response = handle_webhook_batch(&sender, &retries, event, now_s()).await;
        let failed: Vec<&str> = (response.batch_item_failures.iter())
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["059f36b4-87a3-44ab-83d2-661975830a7d"]);
        let (_, delay) = retries.0.lock().unwrap().last().cloned().unwrap();
        assert_eq!(delay, retry_delay_s(receive), "attempt {receive}");
    }
    let delays: Vec<u32> = retries.0.lock().unwrap().iter().map(|(_, d)| *d).collect();
    assert_eq!(delays, [30, 240, 3600]);
    assert_eq!(receiver.received().len(), 4);
}

#[tokio::test]
async fn a_receiver_that_is_not_there_is_a_failure_to_retry() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", closed.local_addr().unwrap());
    drop(closed);
    let sender = WebhookSender::new(webhook_url(&url).unwrap(), SECRET.into());
    let retries = Retries::default();
    let (event, _) = queue_event(2);
    let response = handle_webhook_batch(&sender, &retries, event, now_s()).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(retries.0.lock().unwrap()[0].1, 60);
}
