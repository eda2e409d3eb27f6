//! chat-local's events-out flags (docs/events.md, "Locally"): the stack's parameters and the
//! local bus's webhook forwarding.

use std::time::Duration;

use chat_local::bus::WebhookOptions;
use chat_local::pipes::EventsOptions;
use chat_shared::events::NoticeDelays;

#[derive(Debug, clap::Args)]
pub struct EventsFlags {
    /// Turns events out off (on by default with --dynamodb-endpoint: its streams are read
    /// into the events handler and a local EventBridge that prints them).
    #[arg(long)]
    no_events: bool,
    /// Events are not printed (they still reach the webhook).
    #[arg(long)]
    quiet_events: bool,
    /// Message text in chat.message.* events (the stack's EventsIncludeText).
    #[arg(long)]
    events_include_text: bool,
    /// Seconds before a notice for a receiver who was offline (0 to 900).
    #[arg(long, default_value_t = NoticeDelays::default().offline_s,
          value_parser = clap::value_parser!(u32).range(0..=900))]
    notice_offline_delay: u32,
    /// Seconds before a notice for a receiver who was connected but did not read (0 to 900).
    #[arg(long, default_value_t = NoticeDelays::default().unread_s,
          value_parser = clap::value_parser!(u32).range(0..=900))]
    notice_unread_delay: u32,
    /// Forwards every event, signed, to this URL (https, or http to loopback).
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook_url: Option<String>,
    /// The webhooks' HMAC secret (at least 16 bytes).
    #[arg(long, env = "CHAT_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Attempts at a webhook delivery before the event goes to the dead letters.
    #[arg(long, default_value_t = 8)]
    webhook_attempts: u32,
    /// The first webhook retry's delay in milliseconds; each next one doubles.
    #[arg(long, default_value_t = 1000)]
    webhook_retry_base_ms: u64,
    /// Appends undeliverable events here, one JSON line each.
    #[arg(long, value_name = "PATH")]
    webhook_dead_letters: Option<std::path::PathBuf>,
}

impl EventsFlags {
    /// Events out from the flags (`None`: `--no-events`), or what is wrong with the webhook.
    pub fn options(&self) -> Result<Option<EventsOptions>, &'static str> {
        if self.no_events {
            return Ok(None);
        }
        let webhook = match &self.webhook_url {
            None => None,
            Some(url) => {
                if chat_edge::lambda::webhook::webhook_url(url).is_none() {
                    return Err("--webhook-url must be https, or http to a loopback host");
                }
                let secret = self.webhook_secret.clone().unwrap_or_default();
                if secret.len() < 16 {
                    return Err("--webhook-secret must be at least 16 bytes");
                }
                Some(WebhookOptions {
                    url: url.clone(),
                    secret,
                    attempts: self.webhook_attempts.max(1),
                    retry_base: Duration::from_millis(self.webhook_retry_base_ms),
                    dead_letters: self.webhook_dead_letters.clone(),
                })
            }
        };
        Ok(Some(EventsOptions {
            print: !self.quiet_events,
            include_text: self.events_include_text,
            delays: NoticeDelays {
                offline_s: self.notice_offline_delay,
                unread_s: self.notice_unread_delay,
            },
            webhook,
        }))
    }
}
