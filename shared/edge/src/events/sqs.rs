//! Notice checks put off on SQS: each check a message with a delivery delay (at most 15
//! minutes, SQS's limit); the notice function receives it when the delay is over.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use chat_shared::domain::{ClientId, MessageId, NoticeCheck, NoticeReason};
use chat_shared::events::{EventsError, NoticeTimer, MAX_NOTICE_DELAY_S};

pub struct SqsNoticeTimer {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsNoticeTimer {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }
}

#[async_trait]
impl NoticeTimer for SqsNoticeTimer {
    async fn schedule(&self, check: &NoticeCheck, delay_s: u32) -> Result<(), EventsError> {
        let delay = delay_s.min(MAX_NOTICE_DELAY_S) as i32;
        (self.client.send_message())
            .queue_url(&self.queue_url)
            .message_body(check_body(check))
            .delay_seconds(delay)
            .send()
            .await
            .map_err(|e| EventsError::Schedule(e.into()))?;
        Ok(())
    }
}

/// A check as a queue message's body.
#[derive(Debug, Serialize, Deserialize)]
struct CheckBody {
    receiver_id: String,
    sender_id: String,
    first_unread: String,
    reason: String,
}

pub fn check_body(check: &NoticeCheck) -> String {
    serde_json::to_string(&CheckBody {
        receiver_id: check.receiver.as_str().to_owned(),
        sender_id: check.sender.as_str().to_owned(),
        first_unread: check.first_unread.as_str().to_owned(),
        reason: check.reason.as_str().to_owned(),
    })
    .expect("a check serializes")
}

/// A queue message's body as a check; `None` for anything that is not one (logged and
/// dropped by the caller: retrying cannot make it one).
pub fn parse_check(body: &str) -> Option<NoticeCheck> {
    let raw: CheckBody = serde_json::from_str(body).ok()?;
    Some(NoticeCheck {
        receiver: ClientId::parse(&raw.receiver_id).ok()?,
        sender: ClientId::parse(&raw.sender_id).ok()?,
        first_unread: MessageId::parse(&raw.first_unread).ok()?,
        reason: NoticeReason::parse(&raw.reason)?,
    })
}
