//! cost.md's "Attachments": what one file costs through its life (docs/attachments.md), from
//! the DynamoDB units and the S3 requests `ddb-cost` measured for each step (the S3 requests
//! counted by chat-local's S3) and list prices. Lambda durations are modelled, stated below.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ddb_row, f, num, Inputs, Prices, MODEL};

/// S3 Standard, us-east-1: per million PUT-class (PUT, COPY, POST, LIST, PutObjectTagging)
/// and GET-class (GET, HEAD, GetObjectTagging) requests, per GB-month stored, per GB out.
const S3_PUT_PER_MILLION: f64 = 5.00;
const S3_GET_PER_MILLION: f64 = 0.40;
const S3_GB_MONTH: f64 = 0.023;
const TRANSFER_OUT_GB: f64 = 0.09;
/// HTTP API requests, per million (first 300 million a month).
const HTTP_API_PER_MILLION: f64 = 1.00;
/// The http-api function's MemorySize (template.yaml) and its CPU per request, modelled.
const HTTP_MEMORY_MB: f64 = 256.0;
const HTTP_CPU_MS: f64 = 2.0;

const GET_CLASS: [&str; 3] = ["GetObject", "HeadObject", "GetObjectTagging"];

/// (PUT-class, GET-class) S3 requests of a row.
fn s3_requests(row: &Value) -> (f64, f64) {
    let Some(by_op) = row.get("s3_requests").and_then(Value::as_object) else {
        return (0.0, 0.0);
    };
    by_op.iter().fold((0.0, 0.0), |(put, get), (op, n)| {
        let n = n.as_f64().unwrap_or(0.0);
        if GET_CLASS.contains(&op.as_str()) {
            (put, get + n)
        } else {
            (put + n, get)
        }
    })
}

fn s3_text(row: &Value) -> String {
    row.get("s3_requests")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(op, n)| format!("{n} {op}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".into())
}

/// One HTTP API request and its invocation: the request, and the duration modelled as the
/// measured sequential DynamoDB round trips plus the CPU, per million.
fn http_call(row: &Value, p: &Prices) -> f64 {
    let ms = num(row, "/round_trips") * MODEL.ddb_round_trip_ms + HTTP_CPU_MS;
    let gb_s = HTTP_MEMORY_MB / 1024.0 * ms / 1000.0;
    HTTP_API_PER_MILLION + p.lambda_requests_per_million + gb_s * p.lambda_gb_second * 1e6
}

pub fn attachments_md(inputs: &Inputs, p: &Prices) -> String {
    let mut md = String::new();
    let steps = [
        ("attachments: an upload grant", "the grant (HTTP API)", true),
        (
            "attachments: the client's upload",
            "the upload, straight to S3",
            false,
        ),
        (
            "send, with one attachment",
            "the send's checks and write (ws-message; beyond a send without one)",
            false,
        ),
        (
            "attachments: a download URL",
            "a download URL (HTTP API)",
            true,
        ),
        (
            "attachments: the receiver's download",
            "the download, straight from S3",
            false,
        ),
        (
            "delete, a message with one attachment",
            "a deletion (beyond one without files)",
            false,
        ),
    ];
    let rows: Vec<_> = steps
        .iter()
        .filter_map(|(prefix, label, http)| ddb_row(inputs, prefix).map(|r| (r, *label, *http)))
        .collect();
    if rows.is_empty() {
        return md;
    }
    let plain_send = ddb_row(inputs, "send, user to administrator, one device");
    let plain_delete = ddb_row(inputs, "delete");
    let units = |r: &Value| {
        num(r, "/write_units") * p.ddb_wru_per_million
            + num(r, "/read_units") * p.ddb_rru_per_million
    };
    let _ = writeln!(md, "## Attachments\n");
    let _ = writeln!(
        md,
        "One 200 KB PDF through its life (docs/attachments.md), measured by `ddb-cost`: the \
         DynamoDB units through its recording proxy and the S3 requests counted by chat-local's \
         S3. Prices: S3 Standard ${S3_PUT_PER_MILLION:.2} per million PUT-class requests \
         (PutObjectTagging is one) and ${S3_GET_PER_MILLION:.2} per million GET-class, HTTP API \
         ${HTTP_API_PER_MILLION:.2} per million requests. An HTTP API call's function is modelled \
         at {HTTP_MEMORY_MB} MB for its sequential DynamoDB round trips ({} ms each) plus \
         {HTTP_CPU_MS} ms of CPU. The send and the deletion are counted beyond the same operation \
         without a file: their API Gateway messages do not change, and the S3 round trips they \
         add to ws-message's billed duration (about 20 ms at 256 MB, $0.07 per million) are \
         left out.\n",
        MODEL.ddb_round_trip_ms
    );
    let _ = writeln!(
        md,
        "| step | DynamoDB | S3 requests | per million attachments |\n|---|---|---|---:|"
    );
    let mut total = 0.0;
    for (row, label, http) in &rows {
        let (put, get) = s3_requests(row);
        let s3 = put * S3_PUT_PER_MILLION + get * S3_GET_PER_MILLION;
        let base = if label.starts_with("the send") {
            plain_send.as_ref().map_or(0.0, units)
        } else if label.starts_with("a deletion") {
            plain_delete.as_ref().map_or(0.0, units)
        } else {
            0.0
        };
        let ddb = (units(row) - base).max(0.0);
        let cost = s3 + ddb + if *http { http_call(row, p) } else { 0.0 };
        total += cost;
        let _ = writeln!(
            md,
            "| {label} | {} WCU + {} RCU | {} | ${} |",
            num(row, "/write_units"),
            num(row, "/read_units"),
            s3_text(row),
            f(cost, 2)
        );
    }
    let _ = writeln!(
        md,
        "| **one upload, send, download and deletion** | | | **${}** |\n",
        f(total, 2)
    );
    let _ = writeln!(
        md,
        "Storage is the file's size at ${S3_GB_MONTH} per GB-month (a million 200 KB files: \
         about ${} a month) and ${TRANSFER_OUT_GB} per GB downloaded (${} per million downloads \
         of 200 KB), plus the upload record in the Messages table (about 0.3 KB). An upload \
         never attached is expired by the bucket's lifecycle rule after a day; a deleted \
         message's file too.\n",
        f(0.2 * S3_GB_MONTH * 1000.0, 0),
        f(0.2 * TRANSFER_OUT_GB * 1000.0, 0),
    );
    md
}
