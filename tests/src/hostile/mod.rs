//! Hostile input: a corpus of malformed and hostile WebSocket frames and HTTP requests, and the
//! runner that sends them through the real handlers with API Gateway's event JSON and checks
//! every outcome. The tests are `tests/hostile_ws.rs` (WebSocket frames), `tests/hostile_http.rs`
//! (HTTP API) and `tests/hostile_runner.rs` (the corpus itself); each runs on both stores.
//!
//! Every case's expected outcome comes from the documented rules (README, docs/design.md §6–§8),
//! not from running the code:
//!
//! - a frame must be one JSON object (else `invalid_json`; so is a binary frame);
//! - the parser checks, first failure wins: `action` (absent, null, `"sendmessage"` or
//!   `"message"`, else `unknown_action`; another JSON type is `validation`), `client_msg_id`
//!   (optional, 1..=128 of 0x21..=0x7e), `receiver_id`, `appointment_id`, `service_id` (1..=128
//!   of `[A-Za-z0-9_.:@|-]`), `message_text` (not blank, at most 4000 Unicode scalar values, no
//!   Unicode Cc other than `\n` and `\t`); `null` is absent; unknown fields are ignored; a wrong
//!   type is refused naming the field;
//! - then the receiver must differ from the sender (`validation`), and a user may write only to
//!   an administrator (`forbidden`);
//! - accepted text is stored and returned exactly as sent;
//! - HTTP: path ids, body and query are validated before identity (400), then identity (401),
//!   then authorization (403); mark-read between two who never exchanged a message is 404.
//!
//! Hand-written cases state their outcome; cases built as cartesian products (fields × bad
//! values) are decided by `decide`, the rules written out, and the runner checks that the two
//! agree on every hand-written frame. JSON syntax is serde_json's (its recursion limit of 128
//! makes deep nesting an error, not a stack overflow).
//!
//! The docs say nothing about duplicate JSON keys. The corpus pins what `JSON.parse` does in the
//! browser client (the last one wins), and checks that the value validated is the value stored.
//!
//! For each refused case: the error frame or body has that code, names the field, is short (it
//! cannot echo an input longer than 128 characters), nothing changed in the store or was posted,
//! and the same connection then sends a valid frame fine. For each accepted case: the ack, the
//! delivered frame and the history carry exactly what was sent.

pub mod http;
pub mod http_attachments;
pub mod http_cases;
pub mod http_inbox;
pub mod http_system;
pub mod ws_attachments;
pub mod ws_changes;
pub mod ws_frames;
pub mod ws_run;
pub mod ws_text;

use chat_shared::domain::{AttachmentId, Emoji, MessageId};
use serde_json::{json, Map, Value};

pub type Who = Option<(&'static str, &'static str)>;

pub const USER: Who = Some(("user123", "user"));
pub const ADMIN: Who = Some(("admin456", "admin"));
pub const OTHER_USER: Who = Some(("user999", "user"));

pub const USER_CONN: &str = "userConn=";
pub const ADMIN_CONN: &str = "adminDesk=";
pub const OTHER_CONN: &str = "otherUser=";

/// An error reply must never contain an input longer than this many characters.
pub const MAX_ECHO: usize = 128;

// =============================================================================================
// The documented rules, for deciding the cases built as cartesian products.

pub fn id_ok(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:@|-".contains(c))
}

/// Unicode general category Cc.
pub fn is_cc(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

pub fn text_ok(s: &str) -> bool {
    !s.chars().all(char::is_whitespace)
        && s.chars().count() <= 4_000
        && !s.chars().any(|c| is_cc(c) && c != '\n' && c != '\t')
}

pub fn client_msg_id_ok(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

// =============================================================================================
// WebSocket cases.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub appointment_id: String,
    pub service_id: String,
    pub message_text: String,
    pub client_msg_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Refused {
        code: &'static str,
        field: Option<&'static str>,
    },
    /// Stored and delivered from user123 to admin456 with these values.
    Accepted(Delivered),
}

pub fn refused(code: &'static str) -> Expect {
    Expect::Refused { code, field: None }
}

pub fn invalid(field: &'static str) -> Expect {
    Expect::Refused {
        code: "validation",
        field: Some(field),
    }
}

/// What the rules say about a frame user123 sends, in a chat where admin456 is an administrator,
/// user999 a user, and no one else has been seen.
pub fn decide(body: &str) -> Expect {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(body) else {
        return refused("invalid_json");
    };
    let string = |field: &str| match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    };
    match string("action") {
        Err(()) => return invalid("action"),
        Ok(None) => {}
        Ok(Some(a)) if a == "sendmessage" || a == "message" => {}
        Ok(Some(a)) if ["edit", "delete", "react"].contains(&a.as_str()) => {
            return decide_change(&a, &string, &obj)
        }
        Ok(Some(_)) => return refused("unknown_action"),
    }
    let client_msg_id = match string("client_msg_id") {
        Ok(None) => None,
        Ok(Some(s)) if client_msg_id_ok(&s) => Some(s),
        _ => return invalid("client_msg_id"),
    };
    let mut ids = Vec::new();
    for field in ["receiver_id", "appointment_id", "service_id"] {
        if field == "appointment_id" {
            // The attachments are read right after the receiver.
            if let Err(refusal) = attachments_of(&obj) {
                return refusal;
            }
        }
        match string(field) {
            Ok(Some(s)) if id_ok(&s) => ids.push(s),
            _ => return invalid(field),
        }
    }
    let attachments = attachments_of(&obj).unwrap_or_default();
    let message_text = match string("message_text") {
        Ok(Some(s)) if text_ok(&s) => s,
        // With attachments, no text (or blank text) is a message of attachments only.
        Ok(None) if attachments > 0 => String::new(),
        Ok(Some(s)) if attachments > 0 && s.trim().is_empty() => String::new(),
        _ => return invalid("message_text"),
    };
    let reply_to = match string("reply_to") {
        Ok(None) => None,
        Ok(Some(s)) if MessageId::parse(&s).is_ok() => Some(s),
        _ => return invalid("reply_to"),
    };
    if ids[0] == "user123" {
        return invalid("receiver_id");
    }
    if ids[0] != "admin456" {
        return refused("forbidden");
    }
    if attachments > 0 {
        // No upload is known to the rules: any well-formed attachment id names none.
        return refused("attachment_not_found");
    }
    if reply_to.is_some() {
        // No message of the corpus's conversation is known to the rules: a reply to any id
        // answers nothing of this conversation.
        return invalid("reply_to");
    }
    Expect::Accepted(Delivered {
        appointment_id: ids[1].clone(),
        service_id: ids[2].clone(),
        message_text,
        client_msg_id,
    })
}

/// How many attachments a send frame names, by the rules of `attachments`: absent or `null`
/// is none; else an array of at most 4 distinct strings, each an attachment id (a ULID).
fn attachments_of(obj: &serde_json::Map<String, Value>) -> Result<usize, Expect> {
    let items = match obj.get("attachments") {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::Array(items)) if items.len() <= 4 => items,
        Some(_) => return Err(invalid("attachments")),
    };
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let Value::String(raw) = item else {
            return Err(invalid("attachments"));
        };
        if AttachmentId::parse(raw).is_err() {
            return Err(invalid("attachment_id"));
        }
        if !seen.insert(raw) {
            return Err(invalid("attachments"));
        }
    }
    Ok(items.len())
}

/// The rules for a change frame (edit, delete, react), field by field in the order the server
/// reads them; a frame that passes them names no message of user123's conversations (the
/// corpus stores none it could name), so it is `not_found`.
fn decide_change(
    action: &str,
    string: &dyn Fn(&str) -> Result<Option<String>, ()>,
    obj: &serde_json::Map<String, Value>,
) -> Expect {
    match action {
        "edit" => match string("message_text") {
            Ok(Some(s)) if text_ok(&s) => {}
            _ => return invalid("message_text"),
        },
        "react" => {
            match string("emoji") {
                Ok(Some(s)) if Emoji::parse(&s).is_ok() => {}
                _ => return invalid("emoji"),
            }
            if !matches!(
                obj.get("remove"),
                None | Some(Value::Null) | Some(Value::Bool(_))
            ) {
                return invalid("remove");
            }
        }
        _ => {}
    }
    match string("message_id") {
        Ok(Some(s)) if MessageId::parse(&s).is_ok() => {}
        _ => return invalid("message_id"),
    }
    match string("peer_id") {
        Ok(None) => {}
        Ok(Some(s)) if id_ok(&s) && s != "user123" => {}
        _ => return invalid("peer_id"),
    }
    refused("not_found")
}

#[derive(Debug, Clone)]
pub struct WsCase {
    pub label: String,
    /// `None`: an event without a body.
    pub body: Option<String>,
    pub base64: bool,
    pub who: Who,
    pub expect: Expect,
}

/// A case whose outcome is stated by hand; `run_ws` also checks it against `decide`.
pub fn ws(label: impl Into<String>, body: impl Into<String>, expect: Expect) -> WsCase {
    WsCase {
        label: label.into(),
        body: Some(body.into()),
        base64: false,
        who: USER,
        expect,
    }
}

/// The corpus itself follows the rules: a hand-stated outcome is the rules' outcome (for the
/// text frames user123 sends, which is what `decide` knows about).
pub fn check_against_the_rules(label: &str, case: &WsCase) {
    if case.who == USER && !case.base64 {
        if let Some(body) = &case.body {
            assert_eq!(
                decide(body),
                case.expect,
                "{label}: corpus disagrees with the rules"
            );
        }
    }
}

/// A case decided by the rules (for cartesian products).
pub fn ws_auto(label: impl Into<String>, body: impl Into<String>) -> WsCase {
    let body = body.into();
    let expect = decide(&body);
    ws(label, body, expect)
}

/// The valid frame every mutation starts from: all six fields.
pub fn base_frame() -> Map<String, Value> {
    let Value::Object(obj) = json!({
        "action": "sendmessage",
        "client_msg_id": "k-1",
        "receiver_id": "admin456",
        "appointment_id": "appointment789",
        "service_id": "service123",
        "message_text": "Hello, I need help with my appointment",
    }) else {
        unreachable!()
    };
    obj
}

pub fn base_delivered() -> Delivered {
    Delivered {
        appointment_id: "appointment789".into(),
        service_id: "service123".into(),
        message_text: "Hello, I need help with my appointment".into(),
        client_msg_id: Some("k-1".into()),
    }
}

/// The base frame with `field` set to `value`.
pub fn with(field: &str, value: Value) -> String {
    let mut obj = base_frame();
    obj.insert(field.to_owned(), value);
    Value::Object(obj).to_string()
}

/// The base frame without `fields`.
pub fn without(fields: &[&str]) -> String {
    let mut obj = base_frame();
    for f in fields {
        obj.remove(*f);
    }
    Value::Object(obj).to_string()
}

/// The base frame as text with the value of `message_text` replaced by raw JSON text.
pub fn with_raw_text(raw_json: &str) -> String {
    format!(
        r#"{{"receiver_id":"admin456","appointment_id":"appointment789","service_id":"service123","message_text":{raw_json}}}"#
    )
}

pub fn accepted_text(text: &str) -> Expect {
    Expect::Accepted(Delivered {
        message_text: text.into(),
        ..base_delivered()
    })
}

pub fn nested(depth: usize, open: &str, close: &str) -> String {
    format!("{}1{}", open.repeat(depth), close.repeat(depth))
}

pub const FIELDS: [&str; 6] = [
    "action",
    "client_msg_id",
    "receiver_id",
    "appointment_id",
    "service_id",
    "message_text",
];

/// Every string (keys included) in a JSON text longer than `MAX_ECHO` characters.
pub fn long_strings(body: &str) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.chars().count() > MAX_ECHO => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(obj) => {
                for (k, v) in obj {
                    if k.chars().count() > MAX_ECHO {
                        out.push(k.clone());
                    }
                    walk(v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        walk(&v, &mut out);
    }
    if body.chars().count() > MAX_ECHO {
        out.push(body.to_owned());
    }
    out
}

/// The error's message: present, short, naming the field, echoing no long input.
pub fn check_error_message(
    label: &str,
    message: Option<&str>,
    field: Option<&str>,
    input: &str,
    raw: &str,
) {
    let message = message.unwrap_or_else(|| panic!("{label}: no message"));
    assert!(!message.trim().is_empty(), "{label}: empty message");
    assert!(
        message.chars().count() <= MAX_ECHO,
        "{label}: a message of {} characters",
        message.chars().count()
    );
    if let Some(field) = field {
        assert!(
            message.starts_with(&format!("{field} ")),
            "{label}: {message:?} does not name {field}"
        );
    }
    for long in long_strings(input) {
        assert!(!raw.contains(&long), "{label}: the reply echoes the input");
        let prefix: String = long.chars().take(MAX_ECHO + 1).collect();
        assert!(
            !raw.contains(&prefix),
            "{label}: the reply echoes the input"
        );
    }
    assert!(raw.len() < 512, "{label}: a reply of {} bytes", raw.len());
}
