//! Signed webhooks: the chat's events posted to a business's URL, each with a timestamp and an
//! HMAC-SHA256 signature over `"<timestamp>.<body>"` (the scheme Stripe and Slack use), so the
//! receiver can tell the chat sent it and refuse replays. Failed posts are retried later with
//! a growing delay ([`retry_delay_s`]); what never gets through ends in a dead-letter queue.

use std::time::Duration;

use aws_lc_rs::hmac;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::net::{https_client, HttpsClient};

/// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "chat-signature";
/// The event's id (`detail.event_id`), for receivers that drop repeats.
pub const EVENT_ID_HEADER: &str = "chat-event-id";
/// How far a receiver should let a signature's time be from its clock (and what
/// [`verify`] allows).
pub const TOLERANCE_S: i64 = 300;
/// A post that takes longer than this failed.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The signature header's value for `body` at `timestamp_s`.
pub fn signature(secret: &[u8], timestamp_s: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp_s.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp_s},v1={hex}")
}

/// What a receiver does: the header parses, its time is within [`TOLERANCE_S`] of `now_s`,
/// and the signature matches (compared in constant time).
pub fn verify(secret: &[u8], header: &str, body: &[u8], now_s: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signature = decode_hex(v),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    if (now_s - timestamp).abs() > TOLERANCE_S {
        return false;
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let signed = [timestamp.to_string().as_bytes(), b".", body].concat();
    hmac::verify(&key, &signed, &signature).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The delay before attempt `attempt + 1` after `attempt` failed ones: 30 s, doubling, at most
/// an hour (eight attempts span about two hours).
pub fn retry_delay_s(attempt: u32) -> u32 {
    let doubled = 30u32.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    doubled.min(3600)
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook answered {0}")]
    Status(u16),
    #[error("posting to the webhook failed")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Posts signed events to one URL.
pub struct WebhookSender {
    client: HttpsClient,
    url: hyper::Uri,
    secret: Vec<u8>,
}

impl WebhookSender {
    pub fn new(url: hyper::Uri, secret: Vec<u8>) -> Self {
        Self {
            client: https_client(),
            url,
            secret,
        }
    }

    /// One attempt: `body` (an EventBridge event's JSON) posted, signed at `now_s`. Any 2xx is
    /// delivered; anything else, or no answer in ten seconds, is a failure to retry.
    pub async fn deliver(
        &self,
        body: Bytes,
        event_id: &str,
        now_s: i64,
    ) -> Result<(), WebhookError> {
        let request = hyper::Request::post(self.url.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(&self.secret, now_s, &body))
            .header(EVENT_ID_HEADER, event_id)
            .body(Full::new(body))
            .map_err(|e| WebhookError::Transport(e.into()))?;
        let response = tokio::time::timeout(TIMEOUT, self.client.request(request))
            .await
            .map_err(|e| WebhookError::Transport(e.into()))?
            .map_err(|e| WebhookError::Transport(e.into()))?;
        let status = response.status();
        // Drain the answer so the connection can be reused.
        let _ = tokio::time::timeout(TIMEOUT, response.into_body().collect()).await;
        if status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(status.as_u16()))
        }
    }
}

/// `detail.event_id` of an EventBridge event's JSON, or `""`.
pub fn event_id_of(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["detail"]["event_id"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_secret_and_time_only() {
        let body = br#"{"detail":{"event_id":"e1"}}"#;
        let header = signature(b"s3cret", 1_800_000_000, body);
        assert!(header.starts_with("t=1800000000,v1="));
        assert!(verify(b"s3cret", &header, body, 1_800_000_100));
        assert!(!verify(b"other", &header, body, 1_800_000_100));
        assert!(!verify(b"s3cret", &header, b"{}", 1_800_000_100));
        // A replay after the tolerance, or a header from the future, is refused.
        assert!(!verify(
            b"s3cret",
            &header,
            body,
            1_800_000_000 + TOLERANCE_S + 1
        ));
        assert!(!verify(
            b"s3cret",
            &header,
            body,
            1_800_000_000 - TOLERANCE_S - 1
        ));
        for broken in [
            "",
            "t=1800000000",
            "v1=00",
            "t=x,v1=zz",
            "t=1800000000,v1=abc",
        ] {
            assert!(!verify(b"s3cret", broken, body, 1_800_000_000), "{broken}");
        }
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let delays: Vec<u32> = (1..=9).map(retry_delay_s).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay_s(0), 30);
        assert_eq!(retry_delay_s(u32::MAX), 3600);
    }
}
