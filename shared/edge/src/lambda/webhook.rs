//! The webhook function: EventBridge events (on an SQS queue a rule feeds) posted to the
//! business's URL, signed ([`crate::webhook`]). A failed post is reported back to SQS and put
//! off by [`retry_delay_s`] of the attempts so far; after the queue's `maxReceiveCount`
//! attempts SQS moves the event to the dead-letter queue.

use async_trait::async_trait;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use bytes::Bytes;

use crate::webhook::{event_id_of, retry_delay_s, WebhookSender};

/// Puts a failed message off: SQS's visibility timeout, deployed.
#[async_trait]
pub trait RetryLater: Send + Sync {
    async fn later(&self, receipt_handle: &str, delay_s: u32);
}

/// [`RetryLater`] on SQS: the message's visibility timeout moved (the `lambda` feature).
#[cfg(feature = "lambda")]
pub struct SqsRetries {
    pub client: aws_sdk_sqs::Client,
    pub queue_url: String,
}

#[cfg(feature = "lambda")]
#[async_trait]
impl RetryLater for SqsRetries {
    async fn later(&self, receipt_handle: &str, delay_s: u32) {
        let changed = (self.client.change_message_visibility())
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(delay_s as i32)
            .send()
            .await;
        // Not fatal: the message comes back after the queue's own visibility timeout instead.
        if let Err(err) = changed {
            tracing::warn!(error = ?err, "could not put a webhook retry off");
        }
    }
}

/// Posts each event of the batch; the ones that failed are reported (and put off).
pub async fn handle_webhook_batch(
    sender: &WebhookSender,
    retries: &dyn RetryLater,
    event: SqsEvent,
    now_s: i64,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let body = Bytes::from(message.body.unwrap_or_default());
        let event_id = event_id_of(&body);
        let Err(err) = sender.deliver(body, &event_id, now_s).await else {
            continue;
        };
        let attempts: u32 = (message.attributes.get("ApproximateReceiveCount"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        tracing::warn!(%event_id, attempts, error = %err, "webhook delivery failed");
        if let Some(receipt) = &message.receipt_handle {
            retries.later(receipt, retry_delay_s(attempts)).await;
        }
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = message.message_id.unwrap_or_default();
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(feature = "lambda")]
/// The whole `main` of the webhook function: `WEBHOOK_URL` (https, or http to loopback),
/// `WEBHOOK_SECRET` (at least 16 bytes) and `WEBHOOK_QUEUE_URL`, then the runtime loop.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let url = env("WEBHOOK_URL").and_then(|u| webhook_url(&u));
    let secret = env("WEBHOOK_SECRET").filter(|s| s.len() >= 16);
    let (Some(url), Some(secret), Some(queue_url)) = (url, secret, env("WEBHOOK_QUEUE_URL")) else {
        eprintln!("invalid configuration: WEBHOOK_URL (https), WEBHOOK_SECRET (16 bytes or more) and WEBHOOK_QUEUE_URL are required");
        std::process::exit(1);
    };
    super::warm_crypto();
    let sdk = super::sdk_config().await;
    let sender = WebhookSender::new(url, secret.into_bytes());
    let retries = SqsRetries {
        client: aws_sdk_sqs::Client::new(&sdk),
        queue_url,
    };
    let (sender, retries) = (&sender, &retries);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| async move {
            let now_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            Ok::<_, lambda_runtime::Error>(
                handle_webhook_batch(sender, retries, event.payload, now_s).await,
            )
        },
    ))
    .await
}

/// A webhook URL the function will post to: `https://`, or `http://` to a loopback host.
pub fn webhook_url(raw: &str) -> Option<hyper::Uri> {
    let parsed = url::Url::parse(raw.trim()).ok()?;
    let loopback = matches!(parsed.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(parsed.host(), Some(url::Host::Domain("localhost")));
    let allowed = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
    allowed.then(|| parsed.as_str().parse().ok()).flatten()
}
