//! The WebSocket corpus, part four: a send's `attachments`. Every way the list can be wrong is
//! refused naming the field; a well-formed list that names no upload of the sender's is
//! `attachment_not_found` (the corpus uploads nothing), with or without text; the receiver
//! rules still come first. Nothing is stored or posted.

use serde_json::{json, Map, Value};

use super::{base_frame, invalid, refused, with, ws, WsCase};

/// A well-formed attachment id that names no upload.
const NO_SUCH_UPLOAD: &str = "01KB0000000000000000000000";
const ANOTHER: &str = "01KB0000000000000000000001";

fn frame(fields: &[(&str, Value)], without: &[&str]) -> String {
    let mut obj: Map<String, Value> = base_frame();
    for (k, v) in fields {
        obj.insert((*k).to_owned(), v.clone());
    }
    for k in without {
        obj.remove(*k);
    }
    Value::Object(obj).to_string()
}

pub fn attachment_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    let five: Vec<String> = (0..5)
        .map(|i| format!("01KB000000000000000000000{i}"))
        .collect();
    for (label, value, field) in [
        ("a number", json!(5), "attachments"),
        ("a string", json!(NO_SUCH_UPLOAD), "attachments"),
        ("an object", json!({"id": NO_SUCH_UPLOAD}), "attachments"),
        ("a list of numbers", json!([1]), "attachments"),
        ("a list with null", json!([null]), "attachments"),
        ("a list of lists", json!([[NO_SUCH_UPLOAD]]), "attachments"),
        ("five ids", json!(five), "attachments"),
        (
            "an id twice",
            json!([NO_SUCH_UPLOAD, NO_SUCH_UPLOAD]),
            "attachments",
        ),
        ("an empty id", json!([""]), "attachment_id"),
        (
            "a lower-case id",
            json!([NO_SUCH_UPLOAD.to_lowercase()]),
            "attachment_id",
        ),
        (
            "a path",
            json!(["../../uploads/01KB0000000000000000000000"]),
            "attachment_id",
        ),
        (
            "a key",
            json!(["uploads/01KB0000000000000000000000"]),
            "attachment_id",
        ),
        (
            "an id with a NUL",
            json!(["01KB000000000000000000000\u{0}"]),
            "attachment_id",
        ),
        ("a huge id", json!(["0".repeat(100_000)]), "attachment_id"),
        (
            "an id past the ULID range",
            json!(["8ZZZZZZZZZZZZZZZZZZZZZZZZZ"]),
            "attachment_id",
        ),
        (
            "a message id's shape plus one",
            json!([format!("{NO_SUCH_UPLOAD}0")]),
            "attachment_id",
        ),
    ] {
        cases.push(ws(
            format!("attachments {label}"),
            with("attachments", value),
            invalid(field),
        ));
    }
    for (label, value) in [("null", Value::Null), ("empty", json!([]))] {
        // No attachments: an ordinary message (its text is required as always).
        let body = with("attachments", value);
        cases.push(ws(
            format!("attachments {label}"),
            body.clone(),
            super::decide(&body),
        ));
        let textless = frame(&[("attachments", json!([]))], &["message_text"]);
        cases.push(ws(
            format!("attachments {label}, no text"),
            textless,
            invalid("message_text"),
        ));
    }
    let one = json!([NO_SUCH_UPLOAD]);
    for (label, body) in [
        ("with text", frame(&[("attachments", one.clone())], &[])),
        (
            "without text",
            frame(&[("attachments", one.clone())], &["message_text"]),
        ),
        (
            "with blank text",
            frame(
                &[("attachments", one.clone()), ("message_text", json!(" \n"))],
                &[],
            ),
        ),
        (
            "with null text",
            frame(
                &[("attachments", one.clone()), ("message_text", Value::Null)],
                &[],
            ),
        ),
        (
            "two of them",
            frame(&[("attachments", json!([NO_SUCH_UPLOAD, ANOTHER]))], &[]),
        ),
        (
            "and a reply",
            frame(
                &[
                    ("attachments", one.clone()),
                    ("reply_to", json!(NO_SUCH_UPLOAD)),
                ],
                &[],
            ),
        ),
    ] {
        cases.push(ws(
            format!("an unknown upload {label}"),
            body,
            refused("attachment_not_found"),
        ));
    }
    for (label, text) in [
        ("a number", json!(5)),
        ("a control character", json!("a\u{7}b")),
        ("too long", json!("x".repeat(4_001))),
    ] {
        let body = frame(&[("attachments", one.clone()), ("message_text", text)], &[]);
        cases.push(ws(
            format!("an attachment with text {label}"),
            body,
            invalid("message_text"),
        ));
    }
    // The receiver is checked before the uploads.
    for (receiver, expect) in [
        ("user123", invalid("receiver_id")),
        ("user999", refused("forbidden")),
    ] {
        let body = frame(
            &[
                ("attachments", one.clone()),
                ("receiver_id", json!(receiver)),
            ],
            &[],
        );
        cases.push(ws(format!("an attachment to {receiver}"), body, expect));
    }
    // A field after the receiver but before the attachments' own checks.
    let body = frame(&[("attachments", json!(7))], &["appointment_id"]);
    cases.push(ws(
        "bad attachments before a missing appointment",
        body,
        invalid("attachments"),
    ));
    cases
}
