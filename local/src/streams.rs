//! chat-local's event source mapping: DynamoDB Local's streams of the Messages and Inbox
//! tables read as Lambda reads them (shards, iterators, GetRecords, in order per shard), each
//! batch handed to the events handler as the `aws_lambda_events` DynamoDB event Lambda sends.
//! A batch that fails is retried, as Lambda retries it, then skipped with an error logged.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::dynamodb;
use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use tokio::task::JoinHandle;

/// What a batch is handed to; `Err` makes the batch be retried.
pub type Handler = Arc<
    dyn Fn(dynamodb::Event) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

/// How often an idle shard is read, and how often new shards are looked for.
const IDLE: Duration = Duration::from_millis(100);
const SHARD_SCAN: Duration = Duration::from_secs(2);
/// Attempts at a batch before it is skipped (Lambda's default is until the record expires;
/// a local run should not stall on one).
const ATTEMPTS: u32 = 5;

#[derive(Debug, thiserror::Error)]
#[error("cannot read the stream of {table}: {why}")]
pub struct StreamError {
    table: String,
    why: String,
}

/// Reads `tables`' streams from now on (their stream is turned on if it is not), handing each
/// batch to `handler`. Returns once every shard's iterator is taken, so nothing written after
/// it returns is missed.
pub async fn start(
    endpoint: &str,
    tables: &[String],
    handler: Handler,
) -> Result<Vec<JoinHandle<()>>, StreamError> {
    let dynamo = chat_shared::store::dynamodb::local_client(endpoint);
    let streams = streams_client(endpoint);
    let mut tasks = Vec::new();
    for table in tables {
        let fail = |why: String| StreamError {
            table: table.clone(),
            why,
        };
        let arn = stream_arn(&dynamo, table).await.map_err(fail)?;
        let mut reader = Reader {
            streams: streams.clone(),
            arn,
            iterators: HashMap::new(),
            done: Vec::new(),
        };
        reader.scan(ShardIteratorType::Latest).await.map_err(fail)?;
        let handler = handler.clone();
        tasks.push(tokio::spawn(async move { reader.run(handler).await }));
    }
    Ok(tasks)
}

fn streams_client(endpoint: &str) -> aws_sdk_dynamodbstreams::Client {
    let config = aws_sdk_dynamodbstreams::config::Builder::new()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodbstreams::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "dynamodb-local",
        ))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodbstreams::Client::from_conf(config)
}

/// The table's stream, turned on (both images) if the table was made without one.
async fn stream_arn(dynamo: &aws_sdk_dynamodb::Client, table: &str) -> Result<String, String> {
    for _ in 0..2 {
        let described = (dynamo.describe_table().table_name(table).send().await)
            .map_err(|e| format!("{:?}", e.into_service_error()))?;
        let found = described.table().and_then(|t| t.latest_stream_arn());
        let enabled = (described.table())
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        if let (Some(arn), true) = (found, enabled) {
            return Ok(arn.to_owned());
        }
        let spec = StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::NewAndOldImages)
            .build()
            .map_err(|e| e.to_string())?;
        (dynamo
            .update_table()
            .table_name(table)
            .stream_specification(spec)
            .send()
            .await)
            .map_err(|e| format!("{:?}", e.into_service_error()))?;
    }
    Err("the stream did not turn on".into())
}

struct Reader {
    streams: aws_sdk_dynamodbstreams::Client,
    arn: String,
    /// Open shards and where reading them is.
    iterators: HashMap<String, String>,
    /// Shards read to their end.
    done: Vec<String>,
}

impl Reader {
    /// Takes an iterator for every shard not yet read: `kind` for those open now (at start),
    /// the trim horizon for shards that appear later (their records are all new).
    async fn scan(&mut self, kind: ShardIteratorType) -> Result<(), String> {
        let described = (self
            .streams
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await)
            .map_err(|e| format!("{:?}", e.into_service_error()))?;
        let shards = described
            .stream_description()
            .map(|d| d.shards().to_vec())
            .unwrap_or_default();
        for shard in shards {
            let Some(id) = shard.shard_id() else { continue };
            if self.iterators.contains_key(id) || self.done.iter().any(|d| d == id) {
                continue;
            }
            let closed = shard
                .sequence_number_range()
                .is_some_and(|r| r.ending_sequence_number().is_some());
            if closed && kind == ShardIteratorType::Latest {
                self.done.push(id.to_owned());
                continue;
            }
            let iterator = (self.streams.get_shard_iterator())
                .stream_arn(&self.arn)
                .shard_id(id)
                .shard_iterator_type(kind.clone())
                .send()
                .await
                .map_err(|e| format!("{:?}", e.into_service_error()))?;
            if let Some(it) = iterator.shard_iterator() {
                self.iterators.insert(id.to_owned(), it.to_owned());
            }
        }
        Ok(())
    }

    async fn run(mut self, handler: Handler) {
        let mut last_scan = tokio::time::Instant::now();
        loop {
            let mut read_any = false;
            let shards: Vec<(String, String)> = self.iterators.clone().into_iter().collect();
            for (shard, iterator) in shards {
                let page = self
                    .streams
                    .get_records()
                    .shard_iterator(iterator)
                    .send()
                    .await;
                let page = match page {
                    Ok(page) => page,
                    Err(err) => {
                        tracing::warn!(shard, error = ?err.into_service_error(), "GetRecords failed");
                        self.iterators.remove(&shard);
                        continue;
                    }
                };
                let records = page.records();
                if !records.is_empty() {
                    read_any = true;
                    deliver(&handler, event_of(records)).await;
                }
                match page.next_shard_iterator() {
                    Some(next) => {
                        self.iterators.insert(shard, next.to_owned());
                    }
                    None => {
                        self.iterators.remove(&shard);
                        self.done.push(shard);
                    }
                }
            }
            if last_scan.elapsed() >= SHARD_SCAN || self.iterators.is_empty() {
                if let Err(err) = self.scan(ShardIteratorType::TrimHorizon).await {
                    tracing::warn!(error = %err, "DescribeStream failed");
                }
                last_scan = tokio::time::Instant::now();
            }
            if !read_any {
                tokio::time::sleep(IDLE).await;
            }
        }
    }
}

async fn deliver(handler: &Handler, event: dynamodb::Event) {
    for attempt in 1..=ATTEMPTS {
        match handler(event.clone()).await {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(attempt, error = %err, "the events handler failed a stream batch");
                tokio::time::sleep(Duration::from_millis(200) * attempt).await;
            }
        }
    }
    tracing::error!(
        records = event.records.len(),
        "stream batch skipped after {ATTEMPTS} attempts"
    );
}

/// A GetRecords page as the event Lambda's event source mapping hands the function.
fn event_of(records: &[Record]) -> dynamodb::Event {
    let mut event = dynamodb::Event::default();
    for record in records {
        let mut out = dynamodb::EventRecord::default();
        out.aws_region = "us-east-1".into();
        out.event_id = record.event_id().unwrap_or_default().to_owned();
        out.event_name = record
            .event_name()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default();
        out.event_source = Some("aws:dynamodb".into());
        out.event_version = record.event_version().map(str::to_owned);
        if let Some(change) = record.dynamodb() {
            let item =
                |image: Option<
                    &HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
                >| { serde_dynamo::Item::from(image.cloned().unwrap_or_default()) };
            let mut stream = dynamodb::StreamRecord::default();
            stream.keys = item(change.keys.as_ref());
            stream.new_image = item(change.new_image.as_ref());
            stream.old_image = item(change.old_image.as_ref());
            stream.sequence_number = change.sequence_number().map(str::to_owned);
            stream.size_bytes = change.size_bytes().unwrap_or(0);
            let created_ms = change
                .approximate_creation_date_time()
                .and_then(|t| t.to_millis().ok())
                .unwrap_or(0);
            stream.approximate_creation_date_time =
                chrono::DateTime::from_timestamp_millis(created_ms).unwrap_or_default();
            out.change = stream;
        }
        event.records.push(out);
    }
    event
}
