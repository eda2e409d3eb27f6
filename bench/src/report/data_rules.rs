//! cost.md's "Data rules": what an export and an erasure of one client cost, and what
//! retention adds to every send (docs/data-rules.md), from the DynamoDB units `ddb-cost`
//! measured and list prices.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ddb_row, f, num, Inputs, Prices};

/// Point-in-time recovery, per GB-month (us-east-1), and a message item's typical size, KB.
const PITR_GB_MONTH: f64 = 0.20;
const STORAGE_GB_MONTH: f64 = 0.25;
const MESSAGE_KB: f64 = 0.4;

fn cost(row: &Value, p: &Prices) -> f64 {
    num(row, "/write_units") * p.ddb_wru_per_million
        + num(row, "/read_units") * p.ddb_rru_per_million
}

pub fn data_rules_md(inputs: &Inputs, p: &Prices) -> String {
    let mut md = String::new();
    let export = ddb_row(inputs, "data rules: export");
    let erasure = ddb_row(inputs, "data rules: erasure");
    let (Some(export), Some(erasure)) = (export, erasure) else {
        return md;
    };
    let (off, on) = (
        ddb_row(inputs, "send, again to the same peer, retention off"),
        ddb_row(inputs, "send, again to the same peer, retention on"),
    );
    let _ = writeln!(md, "## Data rules\n");
    let _ = writeln!(
        md,
        "Export and erasure of one client (docs/data-rules.md), measured by `ddb-cost` on a \
         history of 40 messages, half each way, per million requests (a person asks rarely: a \
         thousand exports cost a thousandth of this).\n"
    );
    let _ = writeln!(
        md,
        "| operation | DynamoDB requests | units | per million |\n|---|---:|---|---:|"
    );
    for row in [&export, &erasure] {
        let _ = writeln!(
            md,
            "| {} | {} | {} WCU + {} RCU | ${} |",
            row["operation"].as_str().unwrap_or(""),
            num(row, "/requests"),
            num(row, "/write_units"),
            num(row, "/read_units"),
            f(cost(row, p), 2)
        );
    }
    let per_message = cost(&erasure, p) / 40.0;
    let _ = writeln!(
        md,
        "\nAn erasure is about ${} per million erased messages (each a tombstone write and its \
         change record, 2 index entries each, the read that found it), plus S3 DeleteObject \
         requests, which are free.\n",
        f(per_message, 2)
    );
    if let (Some(off), Some(on)) = (off, on) {
        let _ = writeln!(
            md,
            "Retention adds to every send: the same send to a conversation already on top of \
             the sender's inbox costs {} WCU without retention and {} WCU with it (the \
             sender's entry moves each time, so both entries expire with the conversation's \
             last message): ${} more per million sends. Expiry itself is free: DynamoDB's TTL \
             deletes cost no write units and S3 lifecycle expirations no requests. What \
             retention saves is storage: a message item is about {MESSAGE_KB} KB, ${} per \
             million messages a month, and as much again for point-in-time recovery \
             (${PITR_GB_MONTH} per GB-month), no longer paid for ever.\n",
            num(&off, "/write_units"),
            num(&on, "/write_units"),
            f((cost(&on, p) - cost(&off, p)).max(0.0), 2),
            f(MESSAGE_KB * STORAGE_GB_MONTH, 2),
        );
    }
    let _ = writeln!(
        md,
        "A customer-managed key (`KmsKeyArn`, not measured here: there is no KMS locally) costs \
         $1.00 a month at list price, plus $0.03 per 10,000 KMS requests. Few are made: \
         DynamoDB calls KMS for a table's key about once every five minutes per caller and \
         table, not per item, and the bucket key (on) lets S3 call KMS about once per bucket \
         key's lifetime rather than per object; presigned downloads decrypt through S3 the \
         same way. Without the parameter, AWS owned keys cost nothing.\n"
    );
    md
}
