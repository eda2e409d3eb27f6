//! Notice checks put off on SQS: each check a message with a delivery delay (at most 15
//! minutes, SQS's limit); the notice function receives it when the delay is over.

use async_trait::async_trait;

use chat_shared::domain::NoticeCheck;
use chat_shared::events::{EventsError, NoticeTimer, MAX_NOTICE_DELAY_S};

use super::check_body;

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
