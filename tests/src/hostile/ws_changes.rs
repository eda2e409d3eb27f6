//! The WebSocket corpus, part three: replies and changes. Every field of a reply, an edit, a
//! deletion and a reaction, wrong in each way the rules know, and well-formed changes that name
//! no message of the sender's conversations; each is refused naming the field (or `not_found`),
//! and nothing is stored or posted.

use serde_json::{json, Value};

use super::{invalid, refused, with, ws, WsCase};

/// A well-formed id of a message that does not exist.
const NO_SUCH_MESSAGE: &str = "01KB0000000000000000000000";

fn change(action: &str, fields: &[(&str, Value)]) -> String {
    let mut frame = json!({"action": action, "message_id": NO_SUCH_MESSAGE});
    for (k, v) in fields {
        frame[*k] = v.clone();
    }
    frame.to_string()
}

pub fn reply_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    for (label, value) in [
        ("a number", json!(5)),
        ("an object", json!({"message_id": NO_SUCH_MESSAGE})),
        ("empty", json!("")),
        ("not a message id", json!("yesterday")),
        ("a lower-case id", json!(NO_SUCH_MESSAGE.to_lowercase())),
        (
            "an id with a path",
            json!(format!("{NO_SUCH_MESSAGE}/../x")),
        ),
        ("a message that does not exist", json!(NO_SUCH_MESSAGE)),
    ] {
        cases.push(ws(
            format!("reply_to {label}"),
            with("reply_to", value),
            invalid("reply_to"),
        ));
    }
    cases.push(ws(
        "reply_to null is no reply",
        with("reply_to", Value::Null),
        super::decide(&with("reply_to", Value::Null)),
    ));
    cases
}

pub fn change_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    for action in ["edit", "delete", "react"] {
        let fill: Vec<(&str, Value)> = match action {
            "edit" => vec![("message_text", json!("fixed"))],
            "react" => vec![("emoji", json!("👍"))],
            _ => vec![],
        };
        let frame = |extra: &[(&str, Value)]| {
            let mut all = fill.clone();
            all.extend(extra.iter().cloned());
            change(action, &all)
        };
        cases.push(ws(
            format!("{action} of no such message"),
            frame(&[]),
            refused("not_found"),
        ));
        cases.push(ws(
            format!("{action} naming a peer, of no such message"),
            frame(&[("peer_id", json!("admin456"))]),
            refused("not_found"),
        ));
        for (label, id) in [
            ("missing", Value::Null),
            ("a number", json!(7)),
            ("not an id", json!("<script>")),
            ("too long", json!(format!("{NO_SUCH_MESSAGE}0"))),
        ] {
            cases.push(ws(
                format!("{action} with message_id {label}"),
                frame(&[("message_id", id)]),
                invalid("message_id"),
            ));
        }
        for (label, peer) in [
            ("the caller", json!("user123")),
            ("with a space", json!("a b")),
            ("a list", json!(["admin456"])),
            ("too long", json!("x".repeat(129))),
        ] {
            cases.push(ws(
                format!("{action} with peer_id {label}"),
                frame(&[("peer_id", peer)]),
                invalid("peer_id"),
            ));
        }
    }
    for (label, text) in [
        ("missing", Value::Null),
        ("blank", json!("   ")),
        ("a number", json!(1)),
        ("with a NUL", json!("a\u{0}b")),
        ("too long", json!("x".repeat(4_001))),
    ] {
        cases.push(ws(
            format!("edit with message_text {label}"),
            change("edit", &[("message_text", text)]),
            invalid("message_text"),
        ));
    }
    for (label, emoji) in [
        ("missing", Value::Null),
        ("empty", json!("")),
        ("a word", json!("lol")),
        ("a shortcode", json!(":+1:")),
        ("with a space", json!("👍 ")),
        ("markup", json!("<img src=x onerror=alert(1)>")),
        ("a right-to-left override", json!("\u{202E}👍")),
        ("too long", json!("👍".repeat(9))),
        ("a number", json!(1)),
    ] {
        cases.push(ws(
            format!("react with emoji {label}"),
            change("react", &[("emoji", emoji)]),
            invalid("emoji"),
        ));
    }
    for remove in [json!("yes"), json!(1), json!([])] {
        cases.push(ws(
            format!("react with remove {remove}"),
            change("react", &[("emoji", json!("👍")), ("remove", remove)]),
            invalid("remove"),
        ));
    }
    cases
}
