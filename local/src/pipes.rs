//! chat-local's events pipeline, as deployed but on one machine: DynamoDB Local's streams
//! ([`crate::streams`]) into the events function's handler, its events onto the local bus
//! ([`crate::bus`]), and its notice checks on timers instead of an SQS delivery delay.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::task::JoinHandle;

use chat_edge::lambda::events::handle_stream;
use chat_edge::wire::EventFields;
use chat_shared::domain::{Clock, NoticeCheck, SystemClock};
use chat_shared::events::{notice, EventsError, NoticeDelays, NoticeTimer, Pipes};
use chat_shared::store::Store;

use crate::bus::{LocalBus, WebhookOptions};
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

/// A running pipeline: its bus (subscribe to see events) and its stream readers.
pub struct Pipeline {
    pub bus: Arc<LocalBus>,
    _readers: Vec<JoinHandle<()>>,
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        for reader in &self._readers {
            reader.abort();
        }
    }
}

/// Starts reading `tables`' streams at `endpoint` (DynamoDB Local) into the handler over
/// `store`; returns once reading has begun.
pub async fn start(
    endpoint: &str,
    tables: &[String],
    store: Arc<dyn Store>,
    options: &EventsOptions,
) -> Result<Pipeline, StreamError> {
    let fields = EventFields {
        include_text: options.include_text,
    };
    let bus = Arc::new(LocalBus::new(
        fields,
        options.print,
        options.webhook.clone(),
    ));
    let timer = Arc::new(LocalTimer {
        store: store.clone(),
        bus: bus.clone(),
        delays: options.delays,
    });
    let handler: streams::Handler = Arc::new(move |event| {
        let timer = timer.clone();
        Box::pin(async move {
            let pipes = timer.pipes();
            let now_s = SystemClock.now_ms() / 1000;
            handle_stream(&pipes, event, now_s)
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
    });
    let readers = streams::start(endpoint, tables, handler).await?;
    Ok(Pipeline {
        bus,
        _readers: readers,
    })
}

/// Notice checks on tokio timers: the check runs when its delay is over, as the notice
/// function runs when SQS delivers it.
struct LocalTimer {
    store: Arc<dyn Store>,
    bus: Arc<LocalBus>,
    delays: NoticeDelays,
}

impl LocalTimer {
    fn pipes(self: &Arc<Self>) -> Pipes<'_> {
        Pipes {
            connections: &*self.store,
            inbox: &*self.store,
            sink: &*self.bus,
            timer: &**self,
            delays: self.delays,
        }
    }
}

#[async_trait]
impl NoticeTimer for LocalTimer {
    async fn schedule(&self, check: &NoticeCheck, delay_s: u32) -> Result<(), EventsError> {
        let (store, bus, check) = (self.store.clone(), self.bus.clone(), check.clone());
        let delays = self.delays;
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(delay_s.into())).await;
            let timer = LocalTimer {
                store: store.clone(),
                bus: bus.clone(),
                delays,
            };
            let pipes = Pipes {
                connections: &*store,
                inbox: &*store,
                sink: &*bus,
                timer: &timer,
                delays,
            };
            let now_ms = SystemClock.now_ms();
            if let Err(err) = notice::run_checks(&pipes, &[check], now_ms).await {
                tracing::error!(error = ?err, "notice check failed");
            }
        });
        Ok(())
    }
}
