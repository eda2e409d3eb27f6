//! chat-local's EventBridge: every event printed as the EventBridge event a rule would hand
//! its targets, sent to in-process subscribers, and forwarded, signed, to a webhook URL as the
//! deployed webhook function posts it: retried with a growing delay, and written to a
//! dead-letter file when every attempt failed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::broadcast;

use chat_edge::webhook::WebhookSender;
use chat_edge::wire::{event_envelope, EventFields};
use chat_shared::domain::Event;
use chat_shared::events::{EventSink, EventsError};

/// Where the bus forwards events.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    pub url: String,
    pub secret: String,
    /// Attempts before an event goes to the dead letters (the deployed queue's
    /// `maxReceiveCount`: 8).
    pub attempts: u32,
    /// The first retry's delay; each next one doubles (deployed: 30 s, at most an hour).
    pub retry_base: Duration,
    /// Where undeliverable events are appended, one JSON line each.
    pub dead_letters: Option<PathBuf>,
}

pub struct LocalBus {
    source: String,
    fields: EventFields,
    print: bool,
    subscribers: broadcast::Sender<Value>,
    webhook: Option<(Arc<WebhookSender>, WebhookOptions)>,
    dead: Arc<Mutex<Vec<Value>>>,
}

impl LocalBus {
    pub fn new(fields: EventFields, print: bool, webhook: Option<WebhookOptions>) -> Self {
        let webhook = webhook.and_then(|options| {
            let url = chat_edge::lambda::webhook::webhook_url(&options.url)?;
            let sender = WebhookSender::new(url, options.secret.clone().into_bytes());
            Some((Arc::new(sender), options))
        });
        Self {
            source: "chat".to_owned(),
            fields,
            print,
            subscribers: broadcast::channel(4096).0,
            webhook,
            dead: Arc::default(),
        }
    }

    /// Every event published from now on, as its EventBridge JSON.
    pub fn subscribe(&self) -> broadcast::Receiver<Value> {
        self.subscribers.subscribe()
    }

    /// Events whose every webhook attempt failed, as their dead-letter records.
    pub fn dead_letters(&self) -> Vec<Value> {
        self.dead.lock().expect("dead letters").clone()
    }

    fn forward(&self, envelope: &Value) {
        let Some((sender, options)) = &self.webhook else {
            return;
        };
        let (sender, options, dead) = (sender.clone(), options.clone(), self.dead.clone());
        let body = Bytes::from(envelope.to_string());
        let event_id = envelope["detail"]["event_id"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let envelope = envelope.clone();
        tokio::spawn(async move {
            let mut last_error = String::new();
            for attempt in 1..=options.attempts.max(1) {
                match sender.deliver(body.clone(), &event_id, now_s()).await {
                    Ok(()) => return,
                    Err(err) => last_error = err.to_string(),
                }
                tracing::warn!(%event_id, attempt, error = %last_error, "webhook delivery failed");
                if attempt < options.attempts {
                    tokio::time::sleep(options.retry_base * 2u32.pow(attempt - 1).min(1 << 16))
                        .await;
                }
            }
            let record = json!({
                "event": envelope,
                "attempts": options.attempts,
                "error": last_error,
            });
            if let Some(path) = &options.dead_letters {
                append_line(path, &record);
            }
            println!("chat-local dead letter: {record}");
            dead.lock().expect("dead letters").push(record);
        });
    }
}

impl LocalBus {
    /// An EventBridge event, published: printed, to subscribers, to the webhook.
    pub fn publish_envelope(&self, envelope: Value) {
        if self.print {
            println!("chat-local event: {envelope}");
        }
        self.forward(&envelope);
        let _ = self.subscribers.send(envelope);
    }
}

#[async_trait]
impl EventSink for LocalBus {
    async fn publish(&self, events: &[Event]) -> Result<(), EventsError> {
        for event in events {
            let bus_id = chat_shared::domain::MessageId::generate(event.at_ms)
                .as_str()
                .to_owned();
            self.publish_envelope(event_envelope(event, self.fields, &self.source, &bus_id));
        }
        Ok(())
    }
}

fn append_line(path: &PathBuf, record: &Value) {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{record}"));
    if let Err(err) = written {
        tracing::error!(path = %path.display(), error = %err, "cannot write a dead letter");
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
