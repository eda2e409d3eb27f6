//! chat-local's events pipeline, as deployed but on one machine: DynamoDB Local's streams
//! ([`crate::streams`]) into the events function (its handler in this process, or the events
//! binary through the Lambda Invoke API), its events onto the local bus ([`crate::bus`]), and
//! its notice checks onto a local queue that delivers each when its delay is over, as SQS's
//! delivery delay does, to the notice function (again in-process or through the Invoke API).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use tokio::task::JoinHandle;

use chat_edge::events::{check_body, parse_check};
use chat_edge::lambda::events::handle_stream;
use chat_edge::wire::EventFields;
use chat_shared::domain::{Clock, MessageId, NoticeCheck, SystemClock};
use chat_shared::events::{notice, EventsError, NoticeDelays, NoticeTimer, Pipes};
use chat_shared::store::Store;

use crate::bus::{LocalBus, WebhookOptions};
use crate::functions::InvokeApi;
use crate::streams::{self, StreamError};

/// The pipeline's options (`--events`, `--events-include-text`, `--notice-*`, `--webhook-*`).
#[derive(Debug, Clone)]
pub struct EventsOptions {
    /// Print every event on stdout.
    pub print: bool,
    pub include_text: bool,
    pub delays: NoticeDelays,
    pub webhook: Option<WebhookOptions>,
}

impl Default for EventsOptions {
    fn default() -> Self {
        Self {
            print: true,
            include_text: false,
            delays: NoticeDelays::default(),
            webhook: None,
        }
    }
}

/// Deliveries of a queued check before it is dropped (the notice queue's `maxReceiveCount`).
const RECEIVES: u32 = 5;

/// Where the events and notice functions run.
enum Runner {
    InProcess {
        store: Arc<dyn Store>,
        delays: NoticeDelays,
    },
    Invoke(Arc<InvokeApi>),
}

/// A running pipeline: its bus (subscribe to see events), its queue and its stream readers.
pub struct Pipeline {
    pub bus: Arc<LocalBus>,
    pub queue: Arc<LocalQueue>,
    readers: Vec<JoinHandle<()>>,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

/// Starts reading `tables`' streams at `endpoint` (DynamoDB Local); returns once reading has
/// begun. With `invoke`, the events binary handles them (configured with chat-local's local
/// EventBridge and SQS endpoints, [`crate::aws_api`]); without, its handler over `store`.
pub async fn start(
    endpoint: &str,
    tables: &[String],
    store: Arc<dyn Store>,
    options: &EventsOptions,
    invoke: Option<Arc<InvokeApi>>,
) -> Result<Pipeline, StreamError> {
    let fields = EventFields {
        include_text: options.include_text,
    };
    let bus = Arc::new(LocalBus::new(
        fields,
        options.print,
        options.webhook.clone(),
    ));
    let runner = Arc::new(match invoke {
        Some(api) => Runner::Invoke(api),
        None => Runner::InProcess {
            store,
            delays: options.delays,
        },
    });
    let queue = Arc::new(LocalQueue {
        runner: runner.clone(),
        bus: bus.clone(),
    });
    let handler_queue = queue.clone();
    let handler: streams::Handler = Arc::new(move |event| {
        let queue = handler_queue.clone();
        Box::pin(async move {
            match &*queue.runner {
                Runner::InProcess { store, delays } => {
                    let pipes = queue.pipes(store, *delays);
                    let now_s = SystemClock.now_ms() / 1000;
                    (handle_stream(&pipes, event, now_s).await)
                        .map(|_| ())
                        .map_err(|e| format!("{e:?}"))
                }
                Runner::Invoke(api) => {
                    let event = serde_json::to_value(event).map_err(|e| e.to_string())?;
                    api.invoke_events(&event)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            }
        })
    });
    let readers = streams::start(endpoint, tables, handler).await?;
    Ok(Pipeline {
        bus,
        queue,
        readers,
    })
}

/// chat-local's notice queue: a message is delivered to the notice function when its delay
/// is over, and again (up to five times) while the function reports it failed.
pub struct LocalQueue {
    runner: Arc<Runner>,
    bus: Arc<LocalBus>,
}

impl LocalQueue {
    fn pipes<'a>(&'a self, store: &'a Arc<dyn Store>, delays: NoticeDelays) -> Pipes<'a> {
        Pipes {
            connections: &**store,
            inbox: &**store,
            sink: &*self.bus,
            timer: self,
            delays,
        }
    }

    /// Queues `body` for delivery in `delay_s` seconds; returns its message id.
    pub fn send(self: &Arc<Self>, body: String, delay_s: u32) -> String {
        let id = MessageId::generate(SystemClock.now_ms())
            .as_str()
            .to_owned();
        let (queue, message_id) = (self.clone(), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(delay_s.into())).await;
            for receive in 1..=RECEIVES {
                if queue.deliver(&message_id, &body, receive).await {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            tracing::error!(%message_id, "notice check dropped after {RECEIVES} deliveries");
        });
        id
    }

    /// One delivery; whether it is done with (handled, or not a check at all).
    async fn deliver(&self, message_id: &str, body: &str, receive: u32) -> bool {
        match &*self.runner {
            Runner::InProcess { store, delays } => {
                let Some(check) = parse_check(body) else {
                    tracing::error!(%message_id, "not a notice check: dropped");
                    return true;
                };
                let pipes = self.pipes(store, *delays);
                let ran = notice::run_checks(&pipes, &[check], SystemClock.now_ms()).await;
                ran.map_err(|e| tracing::warn!(error = ?e, "notice check failed"))
                    .is_ok()
            }
            Runner::Invoke(api) => {
                let event = sqs_event(message_id, body, receive);
                let answer = match serde_json::to_value(event) {
                    Ok(event) => api.invoke_events(&event).await,
                    Err(_) => return true,
                };
                match answer.map(serde_json::from_value::<SqsBatchResponse>) {
                    Ok(Ok(response)) => response.batch_item_failures.is_empty(),
                    Ok(Err(_)) => true,
                    Err(err) => {
                        tracing::warn!(error = %err, "the notice function failed");
                        false
                    }
                }
            }
        }
    }
}

/// The SQS event Lambda hands the notice function for one message.
fn sqs_event(message_id: &str, body: &str, receive: u32) -> SqsEvent {
    let mut message = SqsMessage::default();
    message.message_id = Some(message_id.to_owned());
    message.receipt_handle = Some(format!("{message_id}#{receive}"));
    message.body = Some(body.to_owned());
    message.attributes = [("ApproximateReceiveCount".to_owned(), receive.to_string())].into();
    message.event_source = Some("aws:sqs".into());
    message.event_source_arn = Some("arn:aws:sqs:us-east-1:000000000000:notices".into());
    message.aws_region = Some("us-east-1".into());
    let mut event = SqsEvent::default();
    event.records.push(message);
    event
}

#[async_trait]
impl NoticeTimer for LocalQueue {
    async fn schedule(&self, check: &NoticeCheck, delay_s: u32) -> Result<(), EventsError> {
        // Through an Arc the queue's own tasks can hold: the timer is borrowed here.
        let queue = Arc::new(LocalQueue {
            runner: self.runner.clone(),
            bus: self.bus.clone(),
        });
        queue.send(check_body(check), delay_s);
        Ok(())
    }
}
