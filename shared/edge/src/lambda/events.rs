//! The events functions. One binary serves two: the stream function (the Messages and Inbox
//! tables' streams: events to EventBridge, notice checks put off on SQS) and the notice
//! function (the checks, when due); which one an invocation is for is read off its records'
//! `eventSource`. The webhook function is [`super::webhook`].

use aws_lambda_events::dynamodb;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde_json::Value;

use chat_shared::domain::Clock;
use chat_shared::events::{self, notice, EventsError, Pipes, Recorded};
use chat_shared::store::dynamodb::stream;

use crate::events::parse_check;

/// The events of a batch of stream records, published, and the checks of the unread runs they
/// start, scheduled. A record whose item does not decode is logged and skipped (retrying cannot
/// fix it, and it must not hold up the records behind it); any other failure fails the batch,
/// which Lambda retries (then bisects, then hands to the on-failure queue).
pub async fn handle_stream(
    pipes: &Pipes<'_>,
    event: dynamodb::Event,
    now_s: i64,
) -> Result<events::Processed, EventsError> {
    let records: Vec<Recorded> = (event.records.into_iter())
        .filter_map(|record| {
            let change = record.change;
            match stream::decode(Some(change.old_image), Some(change.new_image)) {
                Ok(decoded) => Some(Recorded {
                    id: record.event_id,
                    at_ms: change.approximate_creation_date_time.timestamp_millis(),
                    change: decoded,
                }),
                Err(err) => {
                    tracing::error!(event_id = %record.event_id, error = %err, "undecodable stream record skipped");
                    None
                }
            }
        })
        .collect();
    let processed = events::process(pipes, &records, now_s).await?;
    tracing::info!(
        records = records.len(),
        events = processed.events.len(),
        checks = processed.checks.len(),
        "stream batch"
    );
    Ok(processed)
}

/// Due notice checks (an SQS batch): each that still calls for a notice publishes one. A body
/// that is not a check is logged and dropped; a check that fails is reported for SQS to
/// deliver again.
pub async fn handle_notice_checks(
    pipes: &Pipes<'_>,
    event: SqsEvent,
    now_ms: i64,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.unwrap_or_default();
        let Some(check) = message.body.as_deref().and_then(parse_check) else {
            tracing::error!(message_id = %id, "not a notice check: dropped");
            continue;
        };
        match notice::run_checks(pipes, std::slice::from_ref(&check), now_ms).await {
            Ok(notices) => tracing::info!(notices = notices.len(), "notice check"),
            Err(err) => {
                tracing::error!(message_id = %id, error = ?err, "notice check failed");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

/// Which function an invocation is for, from its records' `eventSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    Stream,
    NoticeChecks,
    Unknown,
}

pub fn invocation_of(event: &Value) -> Invocation {
    match event["Records"][0]["eventSource"].as_str() {
        Some("aws:dynamodb") => Invocation::Stream,
        Some("aws:sqs") => Invocation::NoticeChecks,
        _ => Invocation::Unknown,
    }
}

/// Handles one invocation of either function.
pub async fn handle_events_invocation(
    pipes: &Pipes<'_>,
    clock: &dyn Clock,
    event: Value,
) -> Result<Value, EventsError> {
    let now_ms = clock.now_ms();
    match invocation_of(&event) {
        Invocation::Stream => {
            let event: dynamodb::Event = serde_json::from_value(event)
                .map_err(|e| EventsError::Publish(format!("not a stream event: {e}").into()))?;
            handle_stream(pipes, event, now_ms / 1000).await?;
            Ok(Value::Null)
        }
        Invocation::NoticeChecks => {
            let event: SqsEvent = serde_json::from_value(event)
                .map_err(|e| EventsError::Publish(format!("not an SQS event: {e}").into()))?;
            let response = handle_notice_checks(pipes, event, now_ms).await;
            Ok(serde_json::to_value(response).unwrap_or(Value::Null))
        }
        Invocation::Unknown => {
            tracing::warn!("an invocation that is neither a stream batch nor notice checks");
            Ok(Value::Null)
        }
    }
}

#[cfg(feature = "lambda")]
/// The whole `main` of the events binary: configuration (the tables, the bus, the notice
/// queue, the delays), clients built once, then the runtime loop.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = super::config_or_exit(false);
    let events_config = match events::EventsConfig::from_lookup(|k| std::env::var(k).ok()) {
        Ok(c) if c.bus.is_some() && c.notice_queue_url.is_some() => c,
        Ok(_) => exit_invalid("EVENT_BUS_NAME and NOTICE_QUEUE_URL are required"),
        Err(err) => exit_invalid(&err.to_string()),
    };
    super::warm_crypto();
    let sdk = super::sdk_config().await;
    let store = super::dynamo_store(&config, &sdk);
    let sink = crate::events::EventBridgeSink::new(
        aws_sdk_eventbridge::Client::new(&sdk),
        events_config.bus.clone().unwrap_or_default(),
        events_config.source.clone(),
        crate::wire::EventFields {
            include_text: events_config.include_text,
        },
    );
    let timer = crate::events::SqsNoticeTimer::new(
        aws_sdk_sqs::Client::new(&sdk),
        events_config.notice_queue_url.clone().unwrap_or_default(),
    );
    let pipes = Pipes {
        connections: &store,
        inbox: &store,
        sink: &sink,
        timer: &timer,
        delays: events_config.delays,
    };
    let (pipes, clock) = (&pipes, &chat_shared::domain::SystemClock);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| async move {
            handle_events_invocation(pipes, clock, event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(format!("{e:?}")))
        },
    ))
    .await
}

#[cfg(feature = "lambda")]
fn exit_invalid(why: &str) -> ! {
    tracing::error!(error = %why, "invalid configuration");
    eprintln!("invalid configuration: {why}");
    std::process::exit(1);
}
