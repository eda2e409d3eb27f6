//! cost.md's "Events out": what the events pipeline adds per million messages, from the
//! DynamoDB requests `ddb-cost` measured for it and list prices; the traffic shape (how many
//! unread runs, reads and changes a message brings) is an assumption, stated in the text.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ddb_row, f, num, Inputs, Prices};

/// EventBridge custom events (64 KB units) and SQS standard requests, per million.
const EVENTBRIDGE_PER_MILLION: f64 = 1.00;
const SQS_PER_MILLION: f64 = 0.40;

/// Per message: unread runs started (a run is ~3 messages), mark-reads, edits or reactions;
/// stream records (the message, the receiver's Inbox item, a share of mark-reads).
const RUNS: f64 = 0.3;
const READS: f64 = 0.5;
const CHANGES: f64 = 0.1;
const RECORDS: f64 = 2.0 + READS + CHANGES;
/// Modelled billed duration of an events invocation at 128 MB: PutEvents (10 ms), plus one
/// DynamoDB round trip (5 ms) when a run starts.
const INVOCATION_MS: f64 = 15.0;
const MEMORY_GB: f64 = 0.125;

fn units(row: &Option<Value>) -> f64 {
    row.as_ref().map_or(0.0, |r| {
        num(r, "/read_units").max(0.5) + num(r, "/write_units")
    })
}

pub fn events_out_md(inputs: &Inputs, p: &Prices) -> String {
    let mut md = String::new();
    let run = ddb_row(inputs, "events: a stream record that starts an unread run");
    let check = ddb_row(inputs, "events: a due notice check");
    let events = 1.0 + CHANGES + READS + RUNS;
    let eventbridge = events * EVENTBRIDGE_PER_MILLION;
    // DynamoDB bills at least 0.5 RRU a read (DynamoDB Local reports 0 for an empty Query).
    let ddb = RUNS * (units(&run) + units(&check)) * p.ddb_rru_per_million;
    // Notice checks: SendMessage, ReceiveMessage, DeleteMessage.
    let sqs = RUNS * 3.0 * SQS_PER_MILLION;
    let lambda = |invocations: f64| {
        invocations
            * (p.lambda_requests_per_million
                + INVOCATION_MS / 1000.0 * MEMORY_GB * p.lambda_gb_second * 1e6)
    };
    let alone = lambda(RECORDS + RUNS);
    let batched = lambda(RECORDS / 100.0 + RUNS / 10.0);
    let _ = writeln!(md, "## Events out\n");
    let _ = writeln!(
        md,
        "What `chat.*` events and offline notices add (docs/events.md). Assumed per message: \
         {RUNS} unread runs started (a run holds about three messages), {READS} mark-reads, \
         {CHANGES} edits or reactions, so {events:.1} events and {RECORDS:.1} stream records. \
         Measured by `ddb-cost`: a record that starts a run costs the events function {} \
         DynamoDB request, a due check {} ({} RCU); other records none. Lambda's reads of the \
         streams are free. Billed duration is modelled at {INVOCATION_MS} ms at 128 MB.\n",
        run.as_ref().map_or(0.0, |r| num(r, "/requests")),
        check.as_ref().map_or(0.0, |r| num(r, "/requests")),
        check.as_ref().map_or(0.0, |r| num(r, "/read_units")),
    );
    let _ = writeln!(
        md,
        "| per million messages | EventBridge | Lambda | SQS | DynamoDB | **total** |\n\
         |---|---:|---:|---:|---:|---:|"
    );
    for (shape, lambda) in [
        ("quiet traffic (every record its own invocation)", alone),
        ("busy traffic (batches of 100 records, 10 checks)", batched),
    ] {
        let _ = writeln!(
            md,
            "| {shape} | ${} | ${} | ${} | ${} | **${}** |",
            f(eventbridge, 2),
            f(lambda, 2),
            f(sqs, 2),
            f(ddb, 2),
            f(eventbridge + lambda + sqs + ddb, 2)
        );
    }
    // Webhooks: every event through SQS (send, receive, delete) and a post of ~50 ms.
    let webhook_sqs = events * 3.0 * SQS_PER_MILLION;
    let webhook_lambda = events / 10.0
        * (p.lambda_requests_per_million + 0.5 * MEMORY_GB * p.lambda_gb_second * 1e6);
    let _ = writeln!(
        md,
        "\nWith a webhook, every event also goes through `WebhookQueue` (3 SQS requests) and a \
         post (about 50 ms each, ten to an invocation): ${} SQS + ${} Lambda = **${}** more per \
         million messages, before retries. Without text in the events (the default), an event is \
         one 64 KB unit however long the message.\n",
        f(webhook_sqs, 2),
        f(webhook_lambda, 2),
        f(webhook_sqs + webhook_lambda, 2)
    );
    md
}
