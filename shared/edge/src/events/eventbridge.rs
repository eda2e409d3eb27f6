//! Publishing to an EventBridge bus: PutEvents in batches of ten (its limit), entries the bus
//! refused retried, the whole call failing if some are still refused (the stream batch is then
//! retried, and consumers drop repeats by `detail.event_id`).

use async_trait::async_trait;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use chat_shared::domain::Event;
use chat_shared::events::{EventSink, EventsError};

use crate::wire::{event_detail, EventFields};

/// PutEvents takes at most ten entries.
const BATCH: usize = 10;
/// Rounds of PutEvents for entries the bus refused (throttling, an internal failure).
const ROUNDS: usize = 3;

pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    source: String,
    fields: EventFields,
}

impl EventBridgeSink {
    pub fn new(
        client: aws_sdk_eventbridge::Client,
        bus: String,
        source: String,
        fields: EventFields,
    ) -> Self {
        Self {
            client,
            bus,
            source,
            fields,
        }
    }

    fn entry(&self, event: &Event) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&self.source)
            .detail_type(event.body.detail_type())
            .detail(event_detail(event, self.fields).to_string())
            .time(DateTime::from_millis(event.at_ms))
            .build()
    }
}

#[async_trait]
impl EventSink for EventBridgeSink {
    async fn publish(&self, events: &[Event]) -> Result<(), EventsError> {
        for chunk in events.chunks(BATCH) {
            let mut pending: Vec<PutEventsRequestEntry> =
                chunk.iter().map(|e| self.entry(e)).collect();
            for round in 1..=ROUNDS {
                let out = (self.client.put_events())
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .map_err(|e| EventsError::Publish(e.into()))?;
                if out.failed_entry_count == 0 {
                    break;
                }
                // Results come in the order of the entries; a failed one has an error code.
                pending = (pending.into_iter().zip(out.entries()))
                    .filter(|(_, result)| result.error_code().is_some())
                    .map(|(entry, _)| entry)
                    .collect();
                tracing::warn!(
                    refused = pending.len(),
                    round,
                    "EventBridge refused entries"
                );
                if round == ROUNDS {
                    return Err(EventsError::Publish(
                        format!("{} entries refused after {ROUNDS} rounds", pending.len()).into(),
                    ));
                }
            }
        }
        Ok(())
    }
}
