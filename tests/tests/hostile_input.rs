//! Hostile input: a corpus of malformed and hostile WebSocket frames and HTTP requests, run
//! through the real handlers with API Gateway's event JSON, on both stores.
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

use std::collections::BTreeMap;

use chat_edge::lambda::http::handle_http;
use chat_edge::lambda::ws::{frame_of, handle_connect, handle_message};
use chat_shared::chat::Unread;
use chat_shared::domain::{ClientId, HistoryQuery, Identity, Role, StoredMessage};
use chat_tests::{
    http_request, on_both_stores, response_json, store_for, test_chat, ws_event, Backend, TestChat,
};
use serde_json::{json, Map, Value};

type Who = Option<(&'static str, &'static str)>;

const USER: Who = Some(("user123", "user"));
const ADMIN: Who = Some(("admin456", "admin"));
const OTHER_USER: Who = Some(("user999", "user"));

const USER_CONN: &str = "userConn=";
const ADMIN_CONN: &str = "adminDesk=";
const OTHER_CONN: &str = "otherUser=";

/// An error reply must never contain an input longer than this many characters.
const MAX_ECHO: usize = 128;

// =============================================================================================
// The documented rules, for deciding the cases built as cartesian products.

fn id_ok(s: &str) -> bool {
    (1..=128).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:@|-".contains(c))
}

/// Unicode general category Cc.
fn is_cc(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

fn text_ok(s: &str) -> bool {
    !s.chars().all(char::is_whitespace)
        && s.chars().count() <= 4_000
        && !s.chars().any(|c| is_cc(c) && c != '\n' && c != '\t')
}

fn client_msg_id_ok(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

// =============================================================================================
// WebSocket cases.

#[derive(Debug, Clone, PartialEq, Eq)]
struct Delivered {
    appointment_id: String,
    service_id: String,
    message_text: String,
    client_msg_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Refused {
        code: &'static str,
        field: Option<&'static str>,
    },
    /// Stored and delivered from user123 to admin456 with these values.
    Accepted(Delivered),
}

fn refused(code: &'static str) -> Expect {
    Expect::Refused { code, field: None }
}

fn invalid(field: &'static str) -> Expect {
    Expect::Refused {
        code: "validation",
        field: Some(field),
    }
}

/// What the rules say about a frame user123 sends, in a chat where admin456 is an administrator,
/// user999 a user, and no one else has been seen.
fn decide(body: &str) -> Expect {
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
        Ok(Some(_)) => return refused("unknown_action"),
    }
    let client_msg_id = match string("client_msg_id") {
        Ok(None) => None,
        Ok(Some(s)) if client_msg_id_ok(&s) => Some(s),
        _ => return invalid("client_msg_id"),
    };
    let mut ids = Vec::new();
    for field in ["receiver_id", "appointment_id", "service_id"] {
        match string(field) {
            Ok(Some(s)) if id_ok(&s) => ids.push(s),
            _ => return invalid(field),
        }
    }
    let message_text = match string("message_text") {
        Ok(Some(s)) if text_ok(&s) => s,
        _ => return invalid("message_text"),
    };
    if ids[0] == "user123" {
        return invalid("receiver_id");
    }
    if ids[0] != "admin456" {
        return refused("forbidden");
    }
    Expect::Accepted(Delivered {
        appointment_id: ids[1].clone(),
        service_id: ids[2].clone(),
        message_text,
        client_msg_id,
    })
}

#[derive(Debug, Clone)]
struct WsCase {
    label: String,
    /// `None`: an event without a body.
    body: Option<String>,
    base64: bool,
    who: Who,
    expect: Expect,
}

/// A case whose outcome is stated by hand; `run_ws` also checks it against `decide`.
fn ws(label: impl Into<String>, body: impl Into<String>, expect: Expect) -> WsCase {
    WsCase {
        label: label.into(),
        body: Some(body.into()),
        base64: false,
        who: USER,
        expect,
    }
}

/// A case decided by the rules (for cartesian products).
fn ws_auto(label: impl Into<String>, body: impl Into<String>) -> WsCase {
    let body = body.into();
    let expect = decide(&body);
    ws(label, body, expect)
}

/// The valid frame every mutation starts from: all six fields.
fn base_frame() -> Map<String, Value> {
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

fn base_delivered() -> Delivered {
    Delivered {
        appointment_id: "appointment789".into(),
        service_id: "service123".into(),
        message_text: "Hello, I need help with my appointment".into(),
        client_msg_id: Some("k-1".into()),
    }
}

/// The base frame with `field` set to `value`.
fn with(field: &str, value: Value) -> String {
    let mut obj = base_frame();
    obj.insert(field.to_owned(), value);
    Value::Object(obj).to_string()
}

/// The base frame without `fields`.
fn without(fields: &[&str]) -> String {
    let mut obj = base_frame();
    for f in fields {
        obj.remove(*f);
    }
    Value::Object(obj).to_string()
}

/// The base frame as text with the value of `message_text` replaced by raw JSON text.
fn with_raw_text(raw_json: &str) -> String {
    format!(
        r#"{{"receiver_id":"admin456","appointment_id":"appointment789","service_id":"service123","message_text":{raw_json}}}"#
    )
}

fn accepted_text(text: &str) -> Expect {
    Expect::Accepted(Delivered {
        message_text: text.into(),
        ..base_delivered()
    })
}

fn nested(depth: usize, open: &str, close: &str) -> String {
    format!("{}1{}", open.repeat(depth), close.repeat(depth))
}

const FIELDS: [&str; 6] = [
    "action",
    "client_msg_id",
    "receiver_id",
    "appointment_id",
    "service_id",
    "message_text",
];

fn bad_json_cases() -> Vec<WsCase> {
    let valid = Value::Object(base_frame()).to_string();
    let mut cases = vec![
        ws("empty", "", refused("invalid_json")),
        ws("whitespace only", " \n\t ", refused("invalid_json")),
        WsCase {
            body: None,
            ..ws("no body at all", "", refused("invalid_json"))
        },
    ];
    // Every twelfth prefix, and the one missing only the closing brace.
    let step = valid.len() / 12;
    for cut in (1..valid.len()).step_by(step).chain([valid.len() - 1]) {
        cases.push(ws(
            format!("truncated at {cut}"),
            &valid[..cut],
            refused("invalid_json"),
        ));
    }
    for garbage in [
        "}", "]", "x", ",", "{}", "\0", "//", "/* c */", "\u{feff}", "null", "\"", "\\",
    ] {
        cases.push(ws(
            format!("trailing {garbage:?}"),
            format!("{valid}{garbage}"),
            refused("invalid_json"),
        ));
    }
    cases.push(ws(
        "two frames in one message",
        format!("{valid}{valid}"),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "two frames on two lines",
        format!("{valid}\n{valid}"),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "byte order mark before the object",
        format!("\u{feff}{valid}"),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "JSON whitespace around the object is fine",
        format!(" \r\n\t{valid}\n "),
        Expect::Accepted(base_delivered()),
    ));
    // Not-quite-JSON syntax in the value of message_text.
    for raw in [
        "'single quotes'",
        "NaN",
        "Infinity",
        "-Infinity",
        "undefined",
        "True",
        "nul",
        "0x10",
        "01",
        "+1",
        ".5",
        "1.",
        r#""\x41""#,
        r#""\u12""#,
        r#""\q""#,
        "\"raw\ttab\"",
        "\"raw\nnewline\"",
        "\"raw\u{0}nul\"",
        "\"unterminated",
        r#""\ud800""#,
        r#""\udfff""#,
        r#""a\ud800b""#,
        r#""\ud800\u0041""#,
        r#""\ude00\ud83d""#,
    ] {
        cases.push(ws(
            format!("message_text: {raw}"),
            with_raw_text(raw),
            refused("invalid_json"),
        ));
    }
    cases.extend([
        ws(
            "unquoted keys",
            "{receiver_id:\"admin456\",appointment_id:\"a\",service_id:\"s\",message_text:\"x\"}",
            refused("invalid_json"),
        ),
        ws(
            "single-quoted object",
            "{'receiver_id':'admin456','appointment_id':'a','service_id':'s','message_text':'x'}",
            refused("invalid_json"),
        ),
        ws(
            "trailing comma",
            valid.replace('}', ",}"),
            refused("invalid_json"),
        ),
        ws(
            "comment inside",
            valid.replacen('{', "{/* hi */", 1),
            refused("invalid_json"),
        ),
        ws(
            "missing colon",
            valid.replacen("\":", "\" ", 1),
            refused("invalid_json"),
        ),
        ws(
            "lone surrogate in an unknown field",
            valid.replacen('{', r#"{"extra":"\ud800","#, 1),
            refused("invalid_json"),
        ),
        ws(
            "lone surrogate in a key",
            valid.replacen('{', r#"{"\udbff":1,"#, 1),
            refused("invalid_json"),
        ),
        ws(
            "a proper surrogate pair is one character",
            with_raw_text(r#""\ud83d\ude00""#),
            Expect::Accepted(Delivered {
                message_text: "\u{1F600}".into(),
                client_msg_id: None,
                ..base_delivered()
            }),
        ),
    ]);
    // Deep nesting: serde_json's recursion limit (128) makes it an error, not a stack overflow.
    for (name, open, close) in [("arrays", "[", "]"), ("objects", "{\"a\":", "}")] {
        cases.push(ws(
            format!("10,000 nested {name}"),
            nested(10_000, open, close),
            refused("invalid_json"),
        ));
        cases.push(ws(
            format!("10,000 nested {name} unclosed"),
            open.repeat(10_000),
            refused("invalid_json"),
        ));
        cases.push(ws(
            format!("10,000 nested {name} in an unknown field"),
            valid.replacen(
                '{',
                &format!("{{\"extra\":{},", nested(10_000, open, close)),
                1,
            ),
            refused("invalid_json"),
        ));
        cases.push(ws(
            format!("10,000 nested {name} as message_text"),
            with_raw_text(&nested(10_000, open, close)),
            refused("invalid_json"),
        ));
        cases.push(ws(
            format!("100 nested {name} in an unknown field are ignored"),
            valid.replacen(
                '{',
                &format!("{{\"extra\":{},", nested(100, open, close)),
                1,
            ),
            Expect::Accepted(base_delivered()),
        ));
    }
    // Duplicate keys: the last one wins, as in JSON.parse; what is validated is what is stored.
    let dup = |first: (&str, &str), second: (&str, &str)| {
        let mut obj = base_frame();
        obj.remove(first.0);
        let rest = Value::Object(obj).to_string();
        format!(
            "{{{}:{},{}:{},{}",
            json!(first.0),
            json!(first.1),
            json!(second.0),
            json!(second.1),
            &rest[1..]
        )
    };
    cases.extend([
        ws(
            "duplicate receiver_id, the administrator last",
            dup(("receiver_id", "user999"), ("receiver_id", "admin456")),
            Expect::Accepted(base_delivered()),
        ),
        ws(
            "duplicate receiver_id, another user last",
            dup(("receiver_id", "admin456"), ("receiver_id", "user999")),
            refused("forbidden"),
        ),
        ws(
            "duplicate receiver_id, the sender last",
            dup(("receiver_id", "admin456"), ("receiver_id", "user123")),
            invalid("receiver_id"),
        ),
        ws(
            "duplicate message_text, a bad one first",
            dup(("message_text", "bad\u{0}"), ("message_text", "good")),
            accepted_text("good"),
        ),
        ws(
            "duplicate message_text, a bad one last",
            dup(("message_text", "good"), ("message_text", " ")),
            invalid("message_text"),
        ),
        ws(
            "duplicate action, an unknown one last",
            dup(("action", "sendmessage"), ("action", "dance")),
            refused("unknown_action"),
        ),
        ws(
            "duplicate action, a known one last",
            dup(("action", "dance"), ("action", "sendmessage")),
            Expect::Accepted(base_delivered()),
        ),
        ws(
            "duplicate client_msg_id, a bad one first",
            dup(("client_msg_id", "has space"), ("client_msg_id", "k-2")),
            Expect::Accepted(Delivered {
                client_msg_id: Some("k-2".into()),
                ..base_delivered()
            }),
        ),
    ]);
    // Binary frames are refused whatever they hold.
    for (name, b64) in [
        ("an empty object", "e30="),
        (
            "a valid frame",
            "eyJyZWNlaXZlcl9pZCI6ImFkbWluNDU2IiwiYXBwb2ludG1lbnRfaWQiOiJhIiwic2VydmljZV9pZCI6InMiLCJtZXNzYWdlX3RleHQiOiJ4In0=",
        ),
        ("not base64", "!!!not base64!!!"),
        ("empty", ""),
    ] {
        cases.push(WsCase {
            base64: true,
            ..ws(
                format!("binary frame: {name}"),
                b64,
                refused("invalid_json"),
            )
        });
    }
    cases
}

fn non_object_cases() -> Vec<WsCase> {
    let valid = Value::Object(base_frame()).to_string();
    let mut cases: Vec<WsCase> = [
        "null",
        "true",
        "false",
        "0",
        "-1",
        "1e308",
        "3.14",
        "\"sendmessage\"",
        "\"\"",
        "[]",
        "[null]",
        "[[]]",
        "{}[]",
    ]
    .into_iter()
    .map(|body| ws(format!("top level {body}"), body, refused("invalid_json")))
    .collect();
    cases.push(ws(
        "a valid frame inside an array",
        format!("[{valid}]"),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "a valid frame encoded as a JSON string",
        json!(valid).to_string(),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "a valid frame encoded twice",
        json!(json!(valid).to_string()).to_string(),
        refused("invalid_json"),
    ));
    cases.push(ws(
        "an array of frames",
        format!("[{valid},{valid}]"),
        refused("invalid_json"),
    ));
    cases
}

fn wrong_type_cases() -> Vec<WsCase> {
    let wrong: Vec<(&str, Value)> = vec![
        ("zero", json!(0)),
        ("negative", json!(-1)),
        ("float", json!(1.5)),
        ("huge number", json!(1e300)),
        ("true", json!(true)),
        ("false", json!(false)),
        ("empty array", json!([])),
        ("array of the right string", json!(["admin456"])),
        ("empty object", json!({})),
        ("NoSQL operator object", json!({"$gt": ""})),
        ("NoSQL $ne null", json!({"$ne": null})),
    ];
    let mut cases = Vec::new();
    for field in FIELDS {
        for (name, value) in &wrong {
            let body = with(field, value.clone());
            // Wrong types are refused naming the field, whichever field it is.
            cases.push(ws(format!("{field}: {name}"), body, invalid(field)));
        }
        // null is absent: fine for the optional fields, "is required" for the others.
        let expect = match field {
            "action" => Expect::Accepted(base_delivered()),
            "client_msg_id" => Expect::Accepted(Delivered {
                client_msg_id: None,
                ..base_delivered()
            }),
            _ => invalid(field),
        };
        cases.push(ws(
            format!("{field}: null"),
            with(field, Value::Null),
            expect,
        ));
    }
    // Several fields wrong at once: the first in parse order wins.
    for (i, first) in FIELDS.iter().enumerate() {
        for second in &FIELDS[i + 1..] {
            let mut obj = base_frame();
            obj.insert((*first).into(), json!(1));
            obj.insert((*second).into(), json!(true));
            cases.push(ws(
                format!("{first} and {second} both wrong"),
                Value::Object(obj).to_string(),
                invalid(first),
            ));
        }
    }
    let mut obj = base_frame();
    for f in FIELDS {
        obj.insert(f.into(), json!([]));
    }
    obj.insert("action".into(), json!("dance"));
    cases.push(ws(
        "an unknown action before every other wrong field",
        Value::Object(obj).to_string(),
        refused("unknown_action"),
    ));
    cases
}

fn missing_field_cases() -> Vec<WsCase> {
    let required = [
        "receiver_id",
        "appointment_id",
        "service_id",
        "message_text",
    ];
    let mut cases = vec![ws("empty object", "{}", invalid("receiver_id"))];
    // Every non-empty subset of the required fields missing: the first missing one is named.
    for mask in 1u32..16 {
        let missing: Vec<&str> = (0..4)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| required[i])
            .collect();
        cases.push(ws(
            format!("missing {}", missing.join(" and ")),
            without(&missing),
            invalid(missing[0]),
        ));
    }
    cases.push(ws(
        "missing action",
        without(&["action"]),
        Expect::Accepted(base_delivered()),
    ));
    cases.push(ws(
        "missing client_msg_id",
        without(&["client_msg_id"]),
        Expect::Accepted(Delivered {
            client_msg_id: None,
            ..base_delivered()
        }),
    ));
    // Near-miss names are unknown fields, so the real field is missing.
    for field in required {
        let camel = {
            let (head, tail) = field.split_once('_').unwrap();
            format!("{head}{}{}", tail[..1].to_uppercase(), &tail[1..])
        };
        for near in [
            field.to_uppercase(),
            format!("{field} "),
            format!(" {field}"),
            camel,
            format!("{field}\u{0}"),
            field.replace('_', "-"),
        ] {
            let mut obj = base_frame();
            let value = obj.remove(field).unwrap();
            obj.insert(near.clone(), value);
            cases.push(ws(
                format!("{field} sent as {near:?}"),
                Value::Object(obj).to_string(),
                invalid(field),
            ));
        }
    }
    cases
}

fn huge_field_cases() -> Vec<WsCase> {
    let mb = 1 << 20;
    let mut cases = vec![
        ws(
            "receiver_id of 128 characters (valid, but not an administrator)",
            with("receiver_id", json!("a".repeat(128))),
            refused("forbidden"),
        ),
        ws(
            "receiver_id of 129 characters",
            with("receiver_id", json!("a".repeat(129))),
            invalid("receiver_id"),
        ),
        ws(
            "receiver_id of 1 MB",
            with("receiver_id", json!("a".repeat(mb))),
            invalid("receiver_id"),
        ),
        ws(
            "receiver_id of 1 MB of the administrator's id",
            with("receiver_id", json!("admin456".repeat(mb / 8))),
            invalid("receiver_id"),
        ),
    ];
    for field in ["appointment_id", "service_id"] {
        let long = format!("{}:{}", field, "9".repeat(128 - field.len() - 1));
        let mut d = base_delivered();
        if field == "appointment_id" {
            d.appointment_id = long.clone();
        } else {
            d.service_id = long.clone();
        }
        cases.push(ws(
            format!("{field} of 128 characters"),
            with(field, json!(long)),
            Expect::Accepted(d),
        ));
        for n in [129, 4_096, mb] {
            cases.push(ws(
                format!("{field} of {n} characters"),
                with(field, json!("b".repeat(n))),
                invalid(field),
            ));
        }
    }
    let cmid = "~".repeat(128);
    cases.push(ws(
        "client_msg_id of 128 characters",
        with("client_msg_id", json!(cmid)),
        Expect::Accepted(Delivered {
            client_msg_id: Some(cmid.clone()),
            ..base_delivered()
        }),
    ));
    for n in [129, mb] {
        cases.push(ws(
            format!("client_msg_id of {n} characters"),
            with("client_msg_id", json!("k".repeat(n))),
            invalid("client_msg_id"),
        ));
    }
    // message_text: the limit is 4,000 characters, whatever their width in bytes.
    for (name, unit) in [
        ("ASCII", "x"),
        ("two-byte", "é"),
        ("three-byte", "€"),
        ("four-byte", "\u{1F600}"),
        ("four-byte math", "\u{1D54F}"),
    ] {
        let text = unit.repeat(4_000);
        cases.push(ws(
            format!("message_text of 4,000 {name} characters"),
            with("message_text", json!(text)),
            accepted_text(&text),
        ));
        cases.push(ws(
            format!("message_text of 4,001 {name} characters"),
            with("message_text", json!(unit.repeat(4_001))),
            invalid("message_text"),
        ));
    }
    let combining = format!("e{}", "\u{301}".repeat(3_999));
    cases.push(ws(
        "message_text of 4,000 characters, 3,999 of them combining marks",
        with("message_text", json!(combining)),
        accepted_text(&combining),
    ));
    cases.push(ws(
        "message_text of 4,001 characters, 4,000 of them combining marks",
        with(
            "message_text",
            json!(format!("e{}", "\u{301}".repeat(4_000))),
        ),
        invalid("message_text"),
    ));
    let spaces = format!("{}x", " ".repeat(3_999));
    cases.push(ws(
        "message_text of 3,999 spaces and a letter",
        with("message_text", json!(spaces)),
        accepted_text(&spaces),
    ));
    cases.push(ws(
        "message_text of 4,001 spaces",
        with("message_text", json!(" ".repeat(4_001))),
        invalid("message_text"),
    ));
    cases.push(ws(
        "message_text of 1 MB",
        with("message_text", json!("x".repeat(mb))),
        invalid("message_text"),
    ));
    cases.push(ws(
        "message_text of 1 MB of escapes",
        with_raw_text(&format!("\"{}\"", "\\u0041".repeat(mb / 6))),
        invalid("message_text"),
    ));
    cases.push(ws(
        "action of 1 MB",
        with("action", json!("s".repeat(mb))),
        refused("unknown_action"),
    ));
    // Unknown fields are ignored however large.
    let mut obj = base_frame();
    obj.insert("padding".into(), json!("p".repeat(mb)));
    cases.push(ws(
        "an unknown field of 1 MB",
        Value::Object(obj).to_string(),
        Expect::Accepted(base_delivered()),
    ));
    let mut obj = base_frame();
    obj.insert("k".repeat(mb), json!(1));
    cases.push(ws(
        "an unknown key of 1 MB",
        Value::Object(obj).to_string(),
        Expect::Accepted(base_delivered()),
    ));
    let mut obj = base_frame();
    for i in 0..10_000 {
        obj.insert(format!("extra{i}"), json!(i));
    }
    cases.push(ws(
        "10,000 unknown fields",
        Value::Object(obj).to_string(),
        Expect::Accepted(base_delivered()),
    ));
    let mut obj = base_frame();
    obj.insert("list".into(), json!(vec![0; 100_000]));
    cases.push(ws(
        "an unknown array of 100,000 numbers",
        Value::Object(obj).to_string(),
        Expect::Accepted(base_delivered()),
    ));
    cases
}

/// Control characters the rules refuse in text (Unicode Cc other than `\n` and `\t`).
const REFUSED_CONTROLS: [(&str, char); 15] = [
    ("NUL", '\u{0}'),
    ("SOH", '\u{1}'),
    ("BEL", '\u{7}'),
    ("BS", '\u{8}'),
    ("VT", '\u{b}'),
    ("FF", '\u{c}'),
    ("CR", '\r'),
    ("ESC", '\u{1b}'),
    ("US", '\u{1f}'),
    ("DEL", '\u{7f}'),
    ("PAD", '\u{80}'),
    ("NEL", '\u{85}'),
    ("CSI", '\u{9b}'),
    ("APC", '\u{9f}'),
    ("SUB", '\u{1a}'),
];

fn control_char_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    for (name, c) in REFUSED_CONTROLS {
        for (place, text) in [
            ("alone", c.to_string()),
            ("first", format!("{c}hello")),
            ("inside", format!("hel{c}lo")),
            ("last", format!("hello{c}")),
        ] {
            cases.push(ws(
                format!("message_text with {name} {place}"),
                with("message_text", json!(text)),
                invalid("message_text"),
            ));
        }
    }
    cases.extend([
        ws(
            "message_text with a terminal colour escape",
            with("message_text", json!("\u{1b}[31mred\u{1b}[0m")),
            invalid("message_text"),
        ),
        ws(
            "message_text with CRLF",
            with("message_text", json!("line\r\nSet-Cookie: a=b")),
            invalid("message_text"),
        ),
    ]);
    // Newline and tab are the two allowed controls; whitespace alone is blank.
    for text in [
        "a\nb",
        "a\tb",
        "\ttabbed",
        "trailing\n",
        "\n\nx\n\n",
        "col1\tcol2\tcol3",
    ] {
        cases.push(ws(
            format!("message_text {text:?}"),
            with("message_text", json!(text)),
            accepted_text(text),
        ));
    }
    for blank in [
        " ",
        "\n",
        "\t",
        "  \n\t  ",
        "\u{a0}",
        "\u{2003}",
        "\u{3000}",
        "\u{2028}",
        "\u{2029}",
        " \u{a0}\u{3000} ",
    ] {
        cases.push(ws(
            format!("message_text blank {blank:?}"),
            with("message_text", json!(blank)),
            invalid("message_text"),
        ));
    }
    // Invisible but not whitespace and not Cc (format characters, Cf): valid text by the rules.
    for text in ["\u{200b}", "\u{feff}", "\u{2060}", "\u{ad}", "a\u{2028}b"] {
        cases.push(ws(
            format!("message_text {text:?} is not blank"),
            with("message_text", json!(text)),
            accepted_text(text),
        ));
    }
    // Controls in the ids and the client key.
    for field in [
        "receiver_id",
        "appointment_id",
        "service_id",
        "client_msg_id",
    ] {
        for (name, c) in [
            ("NUL", '\u{0}'),
            ("newline", '\n'),
            ("tab", '\t'),
            ("CR", '\r'),
            ("ESC", '\u{1b}'),
            ("DEL", '\u{7f}'),
            ("NEL", '\u{85}'),
        ] {
            let value = format!("admin{c}456");
            cases.push(ws(
                format!("{field} with {name}"),
                with(field, json!(value)),
                invalid(field),
            ));
        }
    }
    cases
}

fn unicode_cases() -> Vec<WsCase> {
    let texts = [
        ("emoji", "\u{1F600}"),
        (
            "family (zero-width joiners)",
            "\u{1F469}\u{200d}\u{1F469}\u{200d}\u{1F467}",
        ),
        ("flag", "\u{1F1EB}\u{1F1F7}"),
        ("skin tone", "\u{1F44B}\u{1F3FD}"),
        ("NFC é", "caf\u{e9}"),
        ("NFD é", "cafe\u{301}"),
        ("NFC Hangul", "\u{d55c}"),
        ("NFD Hangul", "\u{1112}\u{1161}\u{11ab}"),
        (
            "combining marks (zalgo)",
            "Z\u{36b}\u{343}\u{36a}\u{325}\u{354}a\u{352}\u{310}l\u{35c}",
        ),
        ("right-to-left override", "\u{202e}txt.exe"),
        ("right-to-left text", "\u{5e9}\u{5dc}\u{5d5}\u{5dd}"),
        ("byte order mark first", "\u{feff}hello"),
        ("zero-width joiner", "a\u{200d}b"),
        ("noncharacter U+FFFF", "x\u{ffff}"),
        ("noncharacter U+FFFE", "x\u{fffe}"),
        ("private use", "\u{e000}\u{f8ff}"),
        ("last code point", "\u{10ffff}"),
        ("replacement character", "\u{fffd}"),
        ("ideographs", "\u{4e2d}\u{6587}"),
        ("mathematical letters", "\u{1D54F}\u{1D550}"),
        ("isolate marks", "\u{2066}a\u{2069}"),
        ("variation selector", "\u{2764}\u{fe0f}"),
        ("tag characters", "\u{1F3F4}\u{E0067}\u{E0062}\u{E007F}"),
    ];
    let mut cases = Vec::new();
    for (name, text) in texts {
        cases.push(ws(
            format!("message_text {name}"),
            with("message_text", json!(text)),
            accepted_text(text),
        ));
    }
    // The same characters escaped in the JSON text arrive as the characters.
    for (raw, text) in [
        (r#""caf\u00e9""#, "caf\u{e9}"),
        (r#""cafe\u0301""#, "cafe\u{301}"),
        (r#""\u202etxt""#, "\u{202e}txt"),
        (r#""\ufeffx""#, "\u{feff}x"),
        (r#""\ud83d\ude00!""#, "\u{1F600}!"),
        (r#""\u0000""#, "\u{0}"),
        (r#""\u0085x""#, "\u{85}x"),
        (r#""tab\u0009""#, "tab\t"),
    ] {
        let expect = if text_ok(text) {
            Expect::Accepted(Delivered {
                message_text: text.into(),
                client_msg_id: None,
                ..base_delivered()
            })
        } else {
            invalid("message_text")
        };
        cases.push(ws(
            format!("message_text escaped {raw}"),
            with_raw_text(raw),
            expect,
        ));
    }
    // Ids are ASCII only: look-alikes and invisible characters are refused.
    for (name, id) in [
        ("Latin-1 letter", "adm\u{ef}n456"),
        ("Cyrillic a", "\u{430}dmin456"),
        ("fullwidth", "\u{ff41}\u{ff44}\u{ff4d}\u{ff49}\u{ff4e}456"),
        ("zero-width space", "admin456\u{200b}"),
        ("zero-width joiner", "admin\u{200d}456"),
        ("byte order mark", "\u{feff}admin456"),
        ("right-to-left override", "\u{202e}654nimda"),
        ("combining mark", "admin456\u{301}"),
        ("emoji", "admin\u{1F600}"),
        ("non-breaking space", "admin\u{a0}456"),
    ] {
        for field in ["receiver_id", "appointment_id", "service_id"] {
            cases.push(ws(
                format!("{field} with {name}"),
                with(field, json!(id)),
                invalid(field),
            ));
        }
        cases.push(ws(
            format!("client_msg_id with {name}"),
            with("client_msg_id", json!(id)),
            invalid("client_msg_id"),
        ));
    }
    cases
}

/// Strings that look like attacks on something. As message text they are just text.
const INJECTIONS: [&str; 30] = [
    "' OR 1=1 --",
    "\"; DROP TABLE messages; --",
    "1;SELECT*FROM/**/users",
    "{\"$gt\":\"\"}",
    "{\"$ne\":null}",
    "$where",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "\"><svg/onload=alert(1)>",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "#{7*7}",
    "%s%s%s%n",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%00",
    "%0d%0aSet-Cookie:%20a=b",
    "\r\nSet-Cookie: a=b",
    "a#b",
    "a/b",
    "admin456#profile",
    "#profile",
    "admin456#user123",
    "attribute_not_exists(message_id)",
    ":one",
    "__proto__",
    "constructor",
    "admin456|x",
    "\\u0000",
];

fn injection_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    // Every injection string in every string field, decided by the rules.
    for field in FIELDS {
        for s in INJECTIONS {
            cases.push(ws_auto(format!("{field} = {s:?}"), with(field, json!(s))));
        }
    }
    // NoSQL operators as object values.
    for field in FIELDS {
        cases.push(ws(
            format!("{field} = {{\"$regex\":\".*\"}}"),
            with(field, json!({"$regex": ".*"})),
            invalid(field),
        ));
    }
    cases
}

fn unknown_field_and_action_cases() -> Vec<WsCase> {
    let mut cases = Vec::new();
    // Unknown fields are ignored: none can change the sender, the id or the time.
    for (key, value) in [
        ("sender_id", json!("admin456")),
        ("role", json!("admin")),
        ("type", json!("ack")),
        ("message_id", json!("00000000000000000000000000")),
        ("timestamp", json!("1970-01-01T00:00:00.000Z")),
        ("read", json!(true)),
        ("conversation_id", json!("admin456#user999")),
        ("__proto__", json!({"admin": true})),
        ("constructor", json!({"prototype": {}})),
        ("", json!("empty key")),
        ("\u{0}", json!("nul key")),
        ("\u{1F600}", json!("emoji key")),
        ("extra", json!([1, {"a": null}])),
        ("$gt", json!("")),
        (
            "requestContext",
            json!({"authorizer": {"client_id": "admin456"}}),
        ),
    ] {
        let mut obj = base_frame();
        obj.insert(key.into(), value);
        cases.push(ws(
            format!("unknown field {key:?}"),
            Value::Object(obj).to_string(),
            Expect::Accepted(base_delivered()),
        ));
    }
    // Actions.
    for action in ["sendmessage", "message"] {
        cases.push(ws(
            format!("action {action:?}"),
            with("action", json!(action)),
            Expect::Accepted(base_delivered()),
        ));
    }
    for action in [
        "SENDMESSAGE",
        "SendMessage",
        "sendMessage",
        "sendmessage ",
        " sendmessage",
        "sendmessage\u{0}",
        "sendmessage\n",
        "\u{455}endmessage",
        "send message",
        "send",
        "messages",
        "",
        "$default",
        "$connect",
        "$disconnect",
        "ack",
        "markread",
        "delete",
        "admin",
        "dance",
    ] {
        cases.push(ws(
            format!("action {action:?}"),
            with("action", json!(action)),
            refused("unknown_action"),
        ));
    }
    cases.push(ws(
        "an unknown action alone",
        r#"{"action":"dance"}"#,
        refused("unknown_action"),
    ));
    // client_msg_id: 1 to 128 printable ASCII characters, echoed exactly.
    for good in [
        "!",
        "~",
        "0",
        "\"quoted\"",
        "{\"$gt\":\"\"}",
        "<x>",
        "a\\b",
        "k-\u{7e}",
        "550e8400-e29b-41d4-a716-446655440000",
    ] {
        cases.push(ws(
            format!("client_msg_id {good:?}"),
            with("client_msg_id", json!(good)),
            Expect::Accepted(Delivered {
                client_msg_id: Some(good.into()),
                ..base_delivered()
            }),
        ));
    }
    for bad in [
        "",
        " ",
        "a b",
        " k",
        "k ",
        "\u{e9}",
        "\u{0}",
        "\t",
        "k\u{7f}",
        "k\u{a0}",
        "\u{1F600}",
    ] {
        cases.push(ws(
            format!("client_msg_id {bad:?}"),
            with("client_msg_id", json!(bad)),
            invalid("client_msg_id"),
        ));
    }
    cases
}

fn authorization_cases() -> Vec<WsCase> {
    let mut cases = vec![
        ws(
            "to oneself",
            with("receiver_id", json!("user123")),
            invalid("receiver_id"),
        ),
        ws(
            "to another user",
            with("receiver_id", json!("user999")),
            refused("forbidden"),
        ),
        ws(
            "to a client never seen",
            with("receiver_id", json!("stranger")),
            refused("forbidden"),
        ),
        ws(
            "to the administrator's id in upper case",
            with("receiver_id", json!("ADMIN456")),
            refused("forbidden"),
        ),
        ws(
            "to the administrator's id with a suffix",
            with("receiver_id", json!("admin456.")),
            refused("forbidden"),
        ),
        ws(
            "to the administrator's id with a separator",
            with("receiver_id", json!("admin456|")),
            refused("forbidden"),
        ),
    ];
    // Identity never comes from the frame; without a verified one, nothing is parsed or stored.
    let valid = Value::Object(base_frame()).to_string();
    let long_129: &'static str = Box::leak("a".repeat(129).into_boxed_str());
    for (name, who) in [
        ("no authorizer context", None),
        ("an unknown role", Some(("user123", "superuser"))),
        ("an empty role", Some(("user123", ""))),
        ("a role in upper case", Some(("user123", "ADMIN"))),
        ("a client id with #", Some(("admin456#profile", "admin"))),
        ("a client id with /", Some(("../admin456", "admin"))),
        ("an empty client id", Some(("", "admin"))),
        ("a client id of 129 characters", Some((long_129, "user"))),
    ] {
        cases.push(WsCase {
            who,
            ..ws(
                format!("sent with {name}"),
                valid.clone(),
                refused("unauthorized"),
            )
        });
        cases.push(WsCase {
            who,
            ..ws(
                format!("a bad frame sent with {name}"),
                "not json",
                refused("unauthorized"),
            )
        });
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Running WebSocket cases.

async fn setup(backend: Backend) -> TestChat {
    let tc = test_chat(store_for(backend).await);
    for (conn, who) in [
        (ADMIN_CONN, ADMIN),
        (USER_CONN, USER),
        (OTHER_CONN, OTHER_USER),
    ] {
        let r = handle_connect(&tc.chat, ws_event("connect", conn, who, None)).await;
        assert_eq!(r.status_code, 200);
    }
    tc
}

/// Sends a valid frame (seeds and follow-ups) and expects an ack.
async fn send_ok(tc: &TestChat, connection: &str, who: Who, body: String) -> Value {
    let case = WsCase {
        who,
        ..ws("a valid frame", body, Expect::Accepted(base_delivered()))
    };
    let reply = call_ws(tc, connection, &case).await;
    assert_eq!(reply["type"], "ack", "a valid frame got {reply}");
    reply
}

async fn call_ws(tc: &TestChat, connection: &str, case: &WsCase) -> Value {
    let mut event = ws_event("message", connection, case.who, case.body.as_deref());
    event.body = case.body.clone();
    event.is_base64_encoded = case.base64;
    let response = handle_message(&tc.chat, event).await;
    assert_eq!(response.status_code, 200, "{}", case.label);
    let body = frame_of(&response)
        .expect("a frame for the sender")
        .to_owned();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: reply not JSON: {e}", case.label))
}

fn identity(id: &str, role: Role) -> Identity {
    Identity {
        client_id: ClientId::parse(id).unwrap(),
        role,
    }
}

async fn history(tc: &TestChat, a: &str, b: &str, limit: usize) -> Vec<StoredMessage> {
    tc.chat
        .history(
            &identity("admin000", Role::Admin),
            &ClientId::parse(a).unwrap(),
            &ClientId::parse(b).unwrap(),
            &HistoryQuery {
                limit,
                before: None,
                appointment_id: None,
            },
        )
        .await
        .unwrap()
        .messages
}

async fn unread(tc: &TestChat, reader: &str) -> Unread {
    tc.chat
        .unread(
            &identity(reader, Role::User),
            &ClientId::parse(reader).unwrap(),
        )
        .await
        .unwrap()
}

/// Everything a refused frame must leave alone. (A refused frame naming another receiver is
/// also checked to have stored nothing for it: see `other_receiver`.)
#[derive(Debug, PartialEq)]
struct Snapshot {
    conversation: Vec<StoredMessage>,
    unread: Vec<Unread>,
    receiver_connections: Vec<String>,
    posts: BTreeMap<String, usize>,
}

async fn snapshot(tc: &TestChat) -> Snapshot {
    let mut receiver_connections: Vec<String> = tc
        .chat
        .store()
        .presence(
            &ClientId::parse("admin456").unwrap(),
            tc.chat.now_ms() / 1000,
        )
        .await
        .unwrap()
        .connections
        .into_iter()
        .map(|c| c.connection_id.as_str().to_owned())
        .collect();
    receiver_connections.sort();
    Snapshot {
        // New messages get the newest time (the clock moves before each case), so a few of the
        // newest are enough to see any addition.
        conversation: history(tc, "user123", "admin456", 5).await,
        unread: vec![unread(tc, "user123").await, unread(tc, "admin456").await],
        receiver_connections,
        posts: tc.notifier.counts().into_iter().collect(),
    }
}

/// Every string (keys included) in a JSON text longer than `MAX_ECHO` characters.
fn long_strings(body: &str) -> Vec<String> {
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
fn check_error_message(
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

/// The corpus reuses the base frame's `client_msg_id`s; a send is idempotent per key, so each
/// case gets keys of its own (`k-1` becomes `k-1.<i>`), in the body and in what it expects.
fn with_unique_keys(case: &WsCase, i: usize) -> WsCase {
    let mut case = case.clone();
    let unique = |key: &str| format!("{key}.{i}");
    for key in ["k-1", "k-2"] {
        case.body = case
            .body
            .map(|b| b.replace(&format!("\"{key}\""), &format!("\"{}\"", unique(key))));
        if let Expect::Accepted(want) = &mut case.expect {
            if want.client_msg_id.as_deref() == Some(key) {
                want.client_msg_id = Some(unique(key));
            }
        }
    }
    case
}

async fn run_ws(backend: Backend, category: &str, cases: Vec<WsCase>) {
    eprintln!("{category}: {} cases", cases.len());
    let tc = setup(backend).await;
    // Some history and unread state to compare against.
    for (conn, who, to) in [
        (USER_CONN, USER, "admin456"),
        (ADMIN_CONN, ADMIN, "user123"),
    ] {
        send_ok(&tc, conn, who, with("receiver_id", json!(to))).await;
    }
    let mut before = snapshot(&tc).await;
    for (i, case) in cases.iter().enumerate() {
        let label = format!("{category} #{i} {}", case.label);
        let label = label.as_str();
        // The corpus itself follows the rules: a hand-stated outcome is the rules' outcome.
        if case.who == USER && !case.base64 {
            if let Some(body) = &case.body {
                assert_eq!(
                    decide(body),
                    case.expect,
                    "{label}: corpus disagrees with the rules"
                );
            }
        }
        tc.clock.advance(1);
        let case = &with_unique_keys(case, i);
        let reply = call_ws(&tc, USER_CONN, case).await;
        match &case.expect {
            Expect::Refused { code, field } => {
                assert_eq!(reply["type"], "error", "{label}: {reply}");
                assert_eq!(reply["code"], *code, "{label}: {reply}");
                assert_eq!(reply.as_object().unwrap().len(), 3, "{label}: {reply}");
                check_error_message(
                    label,
                    reply["message"].as_str(),
                    *field,
                    case.body.as_deref().unwrap_or(""),
                    &reply.to_string(),
                );
                let after = snapshot(&tc).await;
                assert_eq!(
                    after, before,
                    "{label}: the store changed or a frame was posted"
                );
                if let Some(receiver) = other_receiver(case) {
                    assert!(
                        history(&tc, "user123", &receiver, 5).await.is_empty(),
                        "{label}: stored for {receiver}"
                    );
                }
                // The same connection still works.
                let follow_up = with("client_msg_id", json!(format!("after-{i}")));
                let ack = send_ok(&tc, USER_CONN, USER, follow_up).await;
                assert_eq!(ack["client_msg_id"], format!("after-{i}"));
            }
            Expect::Accepted(want) => check_accepted(&tc, label, &reply, want, &before).await,
        }
        before = snapshot(&tc).await;
    }
}

/// A receiver other than the two parties, named by a refused frame.
fn other_receiver(case: &WsCase) -> Option<String> {
    let v: Value = serde_json::from_str(case.body.as_deref()?).ok()?;
    let r = v.get("receiver_id")?.as_str()?;
    (id_ok(r) && r != "admin456" && r != "user123").then(|| r.to_owned())
}

async fn check_accepted(
    tc: &TestChat,
    label: &str,
    ack: &Value,
    want: &Delivered,
    before: &Snapshot,
) {
    assert_eq!(ack["type"], "ack", "{label}: {ack}");
    let message_id = ack["message_id"].as_str().expect("message_id");
    assert_eq!(message_id.len(), 26, "{label}");
    assert_eq!(
        ack.get("client_msg_id").and_then(Value::as_str),
        want.client_msg_id.as_deref(),
        "{label}: client_msg_id not echoed exactly"
    );
    let keys = if want.client_msg_id.is_some() { 4 } else { 3 };
    assert_eq!(ack.as_object().unwrap().len(), keys, "{label}: {ack}");

    // Delivered exactly, once, to the administrator's connection only.
    let frames = tc.notifier.frames_to(ADMIN_CONN);
    assert_eq!(
        frames.len(),
        before.posts.get(ADMIN_CONN).copied().unwrap_or(0) + 1,
        "{label}"
    );
    let delivered = frames.last().unwrap();
    assert_eq!(
        *delivered,
        json!({
            "type": "message",
            "message_id": message_id,
            "sender_id": "user123",
            "receiver_id": "admin456",
            "appointment_id": want.appointment_id,
            "service_id": want.service_id,
            "message_text": want.message_text,
            "timestamp": ack["timestamp"],
        }),
        "{label}"
    );
    let total = |posts: &BTreeMap<String, usize>| posts.values().sum::<usize>();
    let now: BTreeMap<String, usize> = tc.notifier.counts().into_iter().collect();
    assert_eq!(
        total(&now),
        total(&before.posts) + 1,
        "{label}: posted elsewhere"
    );

    // Stored exactly.
    let newest = &history(tc, "user123", "admin456", 1).await[0];
    let m = &newest.message;
    assert_eq!(m.message_id.as_str(), message_id, "{label}");
    assert_eq!(m.sender_id.as_str(), "user123", "{label}");
    assert_eq!(m.receiver_id.as_str(), "admin456", "{label}");
    assert_eq!(m.appointment_id.as_str(), want.appointment_id, "{label}");
    assert_eq!(m.service_id.as_str(), want.service_id, "{label}");
    assert_eq!(
        m.message_text.as_str().as_bytes(),
        want.message_text.as_bytes(),
        "{label}: text not stored byte for byte"
    );
    assert!(!newest.read, "{label}");
    let admin_unread = unread(tc, "admin456").await;
    let was = before.unread[1]
        .by_sender
        .get(&ClientId::parse("user123").unwrap())
        .copied()
        .unwrap_or(0);
    assert_eq!(
        admin_unread
            .by_sender
            .get(&ClientId::parse("user123").unwrap())
            .copied(),
        Some(was + 1),
        "{label}"
    );
}

async fn bad_json_is_refused_and_changes_nothing(backend: Backend) {
    run_ws(backend, "bad JSON", bad_json_cases()).await;
}

async fn json_that_is_not_an_object_is_refused(backend: Backend) {
    run_ws(backend, "non-object JSON", non_object_cases()).await;
}

async fn wrong_types_are_refused_naming_the_first_bad_field(backend: Backend) {
    run_ws(backend, "wrong types", wrong_type_cases()).await;
}

async fn missing_fields_are_refused_naming_the_first_missing_one(backend: Backend) {
    run_ws(backend, "missing fields", missing_field_cases()).await;
}

async fn oversized_fields_are_refused_and_limits_count_characters(backend: Backend) {
    run_ws(backend, "huge fields", huge_field_cases()).await;
}

async fn control_characters_are_refused_except_newline_and_tab(backend: Backend) {
    run_ws(backend, "control characters", control_char_cases()).await;
}

async fn unicode_text_round_trips_and_ids_stay_ascii(backend: Backend) {
    run_ws(backend, "unicode", unicode_cases()).await;
}

async fn injection_looking_strings_are_text_or_refused_ids(backend: Backend) {
    run_ws(backend, "injection", injection_cases()).await;
}

async fn unknown_fields_are_ignored_and_actions_and_client_keys_checked(backend: Backend) {
    run_ws(
        backend,
        "unknown fields, action, client_msg_id",
        unknown_field_and_action_cases(),
    )
    .await;
}

async fn identity_and_receiver_rules_hold_for_hostile_frames(backend: Backend) {
    run_ws(backend, "identity and receiver", authorization_cases()).await;
}

// =============================================================================================
// HTTP cases.

#[derive(Debug, Clone)]
enum HttpExpect {
    Refused {
        status: u16,
        code: &'static str,
        field: Option<&'static str>,
    },
    /// 200 from mark-read, with this count.
    Marked(u64),
    /// 200 from history, with these texts, newest first.
    History(Vec<&'static str>),
    /// 200 from unread, with this total.
    Unread(u64),
}

#[derive(Debug, Clone)]
struct HttpCase {
    label: String,
    method: &'static str,
    target: String,
    who: Who,
    body: Option<String>,
    expect: HttpExpect,
}

fn http_refused(code: &'static str, field: Option<&'static str>) -> HttpExpect {
    let status = match code {
        "invalid_json" | "validation" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "not_found" => 404,
        other => panic!("no status for {other}"),
    };
    HttpExpect::Refused {
        status,
        code,
        field,
    }
}

fn put_read(
    label: impl Into<String>,
    target: &str,
    who: Who,
    body: Option<&str>,
    expect: HttpExpect,
) -> HttpCase {
    HttpCase {
        label: label.into(),
        method: "PUT",
        target: target.to_owned(),
        who,
        body: body.map(str::to_owned),
        expect,
    }
}

fn get(label: impl Into<String>, target: String, who: Who, expect: HttpExpect) -> HttpCase {
    HttpCase {
        label: label.into(),
        method: "GET",
        target,
        who,
        body: None,
        expect,
    }
}

/// Percent-encodes every byte outside the URL path's unreserved set.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Ids that break the rules, as path segments (percent-encoded as a client would send them),
/// or as they arrive raw.
fn bad_path_ids() -> Vec<(String, &'static str)> {
    let mut ids: Vec<(String, &'static str)> = [
        "user 123",
        "user123\u{0}",
        "user123#x",
        "user123/admin456",
        "../../etc/passwd",
        "\u{202e}user123",
        "user123\r\nSet-Cookie: a=b",
        "' OR 1=1 --",
        "{\"$gt\":\"\"}",
        "<script>",
        "${jndi:ldap://x}",
        "\u{430}dmin456",
        "user123\u{200b}",
        "caf\u{e9}",
    ]
    .into_iter()
    .map(|id| (pct(id), "encoded"))
    .collect();
    ids.extend([
        ("a".repeat(129), "129 characters"),
        // API Gateway refuses request lines over 10 KB; lambda_http itself cannot build a
        // request whose URI is over 64 KB.
        ("a".repeat(9_000), "9,000 characters"),
        ("%FF".to_owned(), "invalid UTF-8"),
        ("%C0%AF".to_owned(), "overlong slash"),
        ("%".to_owned(), "lone percent"),
        ("%zz".to_owned(), "bad escape"),
        ("%2500".to_owned(), "double-encoded NUL"),
        ("user123%2F".to_owned(), "encoded trailing slash"),
        ("%23profile".to_owned(), "encoded #profile"),
    ]);
    ids
}

/// Bodies of `PUT /chat/read/user123` that are refused whoever sends them.
fn bad_read_bodies() -> Vec<(Option<String>, &'static str)> {
    let mut bodies: Vec<(Option<String>, &'static str)> = vec![
        (None, "invalid_json"),
        (Some(String::new()), "invalid_json"),
        (Some(" ".into()), "invalid_json"),
        (Some("{".into()), "invalid_json"),
        (Some(r#"{"sender_id":"admin456""#.into()), "invalid_json"),
        (Some(r#"{"sender_id":"admin456"}x"#.into()), "invalid_json"),
        (
            Some(r#"{"sender_id":"admin456"}{"sender_id":"user999"}"#.into()),
            "invalid_json",
        ),
        (Some(r#"{'sender_id':'admin456'}"#.into()), "invalid_json"),
        (Some(r#"{sender_id:"admin456"}"#.into()), "invalid_json"),
        (Some(r#"{"sender_id":"\ud800"}"#.into()), "invalid_json"),
        (
            Some("\u{feff}{\"sender_id\":\"admin456\"}".into()),
            "invalid_json",
        ),
        (Some("[]".into()), "invalid_json"),
        (Some(r#"["admin456"]"#.into()), "invalid_json"),
        (Some("null".into()), "invalid_json"),
        (Some(r#""admin456""#.into()), "invalid_json"),
        (Some("42".into()), "invalid_json"),
        (Some("sender_id=admin456".into()), "invalid_json"),
        (Some(nested(10_000, "[", "]")), "invalid_json"),
        (
            Some(format!(r#"{{"sender_id":{}}}"#, nested(10_000, "[", "]"))),
            "invalid_json",
        ),
    ];
    for value in [
        json!(null),
        json!(42),
        json!(true),
        json!([]),
        json!(["admin456"]),
        json!({"$gt": ""}),
        json!({"$ne": null}),
        json!(""),
        json!("admin 456"),
        json!("a".repeat(129)),
        json!("a".repeat(1 << 20)),
        json!("admin456\u{0}"),
        json!("admin456\r\nSet-Cookie: a=b"),
        json!("' OR 1=1 --"),
        json!("admin456#profile"),
        json!("../../etc/passwd"),
        json!("<script>"),
        json!("${jndi:ldap://x}"),
        json!("\u{430}dmin456"),
        json!("admin456\u{200b}"),
    ] {
        bodies.push((
            Some(json!({ "sender_id": value }).to_string()),
            "validation",
        ));
    }
    bodies.push((Some("{}".into()), "validation"));
    bodies.push((Some(r#"{"Sender_id":"admin456"}"#.into()), "validation"));
    bodies.push((Some(r#"{"senderId":"admin456"}"#.into()), "validation"));
    bodies.push((
        Some(r#"{"sender_id":"admin456","sender_id":42}"#.into()),
        "validation",
    ));
    bodies
}

fn http_mark_read_cases() -> Vec<HttpCase> {
    let good = r#"{"sender_id":"admin456"}"#;
    // The seeds leave the user two unread messages from the administrator; after each
    // successful mark-read the runner has the administrator send one more.
    let mut cases = vec![put_read(
        "the first mark-read covers both seeds",
        "/chat/read/user123",
        USER,
        Some(good),
        HttpExpect::Marked(2),
    )];
    // Bad bodies are 400 whoever sends them: validation comes before identity.
    for (body, code) in bad_read_bodies() {
        let field = (code == "validation").then_some("sender_id");
        for (name, who) in [
            ("user", USER),
            ("anonymous", None),
            ("administrator", ADMIN),
        ] {
            let shown: String = body
                .as_deref()
                .unwrap_or("<none>")
                .chars()
                .take(40)
                .collect();
            cases.push(put_read(
                format!("body {shown:?} as {name}"),
                "/chat/read/user123",
                who,
                body.as_deref(),
                http_refused(code, field),
            ));
        }
    }
    // Bad reader ids in the path, with a good body.
    for (id, how) in bad_path_ids() {
        for (name, who) in [("user", USER), ("anonymous", None)] {
            cases.push(put_read(
                format!("reader {id:.40} ({how}) as {name}"),
                &format!("/chat/read/{id}"),
                who,
                Some(good),
                http_refused("validation", Some("reader_id")),
            ));
        }
    }
    cases.extend([
        put_read(
            "a bad path id wins over a bad body",
            "/chat/read/user%20123",
            USER,
            Some("{"),
            http_refused("validation", Some("reader_id")),
        ),
        put_read(
            "no reader id",
            "/chat/read",
            USER,
            Some(good),
            http_refused("not_found", None),
        ),
        put_read(
            "an extra segment",
            "/chat/read/user123/admin456",
            USER,
            Some(good),
            http_refused("not_found", None),
        ),
        put_read(
            "an empty segment",
            "/chat/read//user123",
            USER,
            Some(good),
            http_refused("not_found", None),
        ),
        put_read(
            "dot segments",
            "/chat/read/../read/user123",
            USER,
            Some(good),
            http_refused("not_found", None),
        ),
        // Dots are id characters: "%2E%2E" is the id "..", somebody else's read state.
        put_read(
            "encoded dot-dot is just an id",
            "/chat/read/%2E%2E",
            USER,
            Some(good),
            http_refused("forbidden", None),
        ),
        put_read(
            "to oneself",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"user123"}"#),
            http_refused("validation", Some("sender_id")),
        ),
        put_read(
            "without identity",
            "/chat/read/user123",
            None,
            Some(good),
            http_refused("unauthorized", None),
        ),
        put_read(
            "as the administrator, for the user",
            "/chat/read/user123",
            ADMIN,
            Some(good),
            http_refused("forbidden", None),
        ),
        put_read(
            "as another user",
            "/chat/read/user123",
            OTHER_USER,
            Some(good),
            http_refused("forbidden", None),
        ),
        put_read(
            "with a sender never met",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"stranger"}"#),
            http_refused("not_found", None),
        ),
        put_read(
            "with a look-alike of the administrator",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"admin456|x"}"#),
            http_refused("not_found", None),
        ),
        // Accepted.
        put_read(
            "the plain request",
            "/chat/read/user123",
            USER,
            Some(good),
            HttpExpect::Marked(1),
        ),
        put_read(
            "a percent-encoded reader id",
            "/chat/read/%75%73%65%72123",
            USER,
            Some(good),
            HttpExpect::Marked(1),
        ),
        put_read(
            "unknown fields are ignored",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"admin456","reader_id":"user999","updated_count":1000,"x":"<script>"}"#),
            HttpExpect::Marked(1),
        ),
        put_read(
            "whitespace around the body",
            "/chat/read/user123",
            USER,
            Some(" \n{\"sender_id\" : \"admin456\"}\n "),
            HttpExpect::Marked(1),
        ),
        put_read(
            "duplicate sender_id, the last one wins",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"user999","sender_id":"admin456"}"#),
            HttpExpect::Marked(1),
        ),
        put_read(
            "an escaped sender_id",
            "/chat/read/user123",
            USER,
            Some(r#"{"sender_id":"\u0061dmin456"}"#),
            HttpExpect::Marked(1),
        ),
    ]);
    cases
}

fn http_history_cases() -> Vec<HttpCase> {
    let all = vec![SEED_3, SEED_2, SEED_1];
    let path = "/chat/history/user123/admin456";
    let mut cases = Vec::new();
    let bad_queries: Vec<(String, &'static str)> = [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=1e2",
        "limit=0x10",
        "limit=%205",
        "limit=5%00",
        "limit=18446744073709551616",
        "limit=99999999999999999999999999",
        "limit=%27%20OR%201%3D1%20--",
        "limit=%7B%22%24gt%22%3A0%7D",
        "limit=%EF%BC%95",
        "cursor=nope",
        "cursor=%27%20OR%201%3D1%20--",
        "cursor=%00",
        "cursor=%7B%22%24gt%22%3A%22%22%7D",
        "appointment_id=a%23b",
        "appointment_id=a%2Fb",
        "appointment_id=%20",
        "appointment_id=a%00",
        "appointment_id=%27%20OR%201%3D1%20--",
        "appointment_id=%7B%22%24gt%22%3A%22%22%7D",
        "appointment_id=%E2%80%AEx",
        "appointment_id=appointment789%0D%0ASet-Cookie:%20a=b",
    ]
    .into_iter()
    .map(|q| {
        let field = match q.split('=').next().unwrap() {
            "limit" => "limit",
            "cursor" => "cursor",
            _ => "appointment_id",
        };
        (q.to_owned(), field)
    })
    .chain([
        // One character short, one too many, lower case, time out of range, letters outside
        // Crockford's alphabet.
        (format!("cursor=7{}", "Z".repeat(24)), "cursor"),
        (format!("cursor=7{}", "Z".repeat(26)), "cursor"),
        (format!("cursor=7{}", "z".repeat(25)), "cursor"),
        (format!("cursor=8{}", "Z".repeat(25)), "cursor"),
        (format!("cursor=7{}I", "Z".repeat(24)), "cursor"),
        (format!("cursor=7{}U", "Z".repeat(24)), "cursor"),
        (format!("cursor=7{}L", "Z".repeat(24)), "cursor"),
        (format!("cursor={}", "7".repeat(1000)), "cursor"),
        (
            format!("appointment_id={}", "a".repeat(129)),
            "appointment_id",
        ),
        (format!("limit={}", "9".repeat(10_000)), "limit"),
    ])
    .collect();
    for (query, field) in &bad_queries {
        for (name, who) in [("participant", USER), ("anonymous", None)] {
            cases.push(get(
                format!("?{query:.60} as {name}"),
                format!("{path}?{query}"),
                who,
                http_refused("validation", Some(field)),
            ));
        }
    }
    for (id, how) in bad_path_ids() {
        cases.push(get(
            format!("client id {id:.40} ({how})"),
            format!("/chat/history/{id}/admin456"),
            USER,
            http_refused("validation", Some("client_id")),
        ));
        cases.push(get(
            format!("peer id {id:.40} ({how})"),
            format!("/chat/history/user123/{id}"),
            None,
            http_refused("validation", Some("peer_id")),
        ));
        cases.push(get(
            format!("unread reader {id:.40} ({how})"),
            format!("/chat/unread/{id}"),
            None,
            http_refused("validation", Some("reader_id")),
        ));
    }
    cases.extend([
        get(
            "a bad path id wins over a bad query",
            "/chat/history/user%20123/admin456?limit=0".into(),
            USER,
            http_refused("validation", Some("client_id")),
        ),
        get(
            "a bad limit before a bad cursor",
            format!("{path}?cursor=nope&limit=0"),
            USER,
            http_refused("validation", Some("limit")),
        ),
        get(
            "a stranger",
            path.to_owned(),
            OTHER_USER,
            http_refused("forbidden", None),
        ),
        get(
            "nobody",
            path.to_owned(),
            None,
            http_refused("unauthorized", None),
        ),
        get(
            "someone else's unread counts",
            "/chat/unread/user123".into(),
            ADMIN,
            http_refused("forbidden", None),
        ),
        get(
            "an extra segment",
            format!("{path}/extra"),
            USER,
            http_refused("not_found", None),
        ),
        // Accepted, with the seeded texts exactly.
        get(
            "no query",
            path.to_owned(),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "limit=1",
            format!("{path}?limit=1"),
            USER,
            HttpExpect::History(vec![SEED_3]),
        ),
        get(
            "limit=100",
            format!("{path}?limit=100"),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "empty values are absent",
            format!("{path}?limit=&cursor=&appointment_id="),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "unknown parameters are ignored",
            format!("{path}?foo=bar&__proto__=x&%24where=1"),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "the newest possible cursor",
            format!("{path}?cursor=7{}", "Z".repeat(25)),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "the oldest possible cursor",
            format!("{path}?cursor={}", "0".repeat(26)),
            USER,
            HttpExpect::History(vec![]),
        ),
        get(
            "an appointment",
            format!("{path}?appointment_id=appointment789"),
            USER,
            HttpExpect::History(vec![SEED_2, SEED_1]),
        ),
        get(
            "a percent-encoded appointment",
            format!("{path}?appointment_id=%61ppointment789"),
            USER,
            HttpExpect::History(vec![SEED_2, SEED_1]),
        ),
        get(
            "an appointment with no messages",
            format!("{path}?appointment_id=__proto__"),
            USER,
            HttpExpect::History(vec![]),
        ),
        get(
            "percent-encoded path ids",
            "/chat/history/%75ser123/%61dmin456".into(),
            USER,
            HttpExpect::History(all.clone()),
        ),
        get(
            "the ids the other way round, as any administrator",
            "/chat/history/admin456/user123".into(),
            Some(("admin777", "admin")),
            HttpExpect::History(all.clone()),
        ),
        get(
            "unread counts",
            "/chat/unread/user123".into(),
            USER,
            HttpExpect::Unread(2),
        ),
    ]);
    cases
}

const SEED_1: &str = "<script>alert(1)</script> ' OR 1=1 -- ${jndi:ldap://x}";
const SEED_2: &str = "\u{202e}cafe\u{301} \u{1F469}\u{200d}\u{1F4BB}\n\tok";
const SEED_3: &str = "{\"$gt\":\"\"} ../../etc/passwd %00 #profile";

async fn call_http(tc: &TestChat, case: &HttpCase) -> (u16, Value, String) {
    let response = handle_http(
        &tc.chat,
        http_request(case.method, &case.target, case.who, case.body.as_deref()),
    )
    .await;
    let content_type = response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw = (response.body.as_deref())
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let (status, body) = response_json(response);
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{}",
        case.label
    );
    (status, body, raw)
}

async fn http_state(tc: &TestChat) -> (Vec<StoredMessage>, Vec<Unread>) {
    (
        history(tc, "user123", "admin456", 10).await,
        vec![unread(tc, "user123").await, unread(tc, "admin456").await],
    )
}

async fn run_http(backend: Backend, category: &str, cases: Vec<HttpCase>) {
    eprintln!("{category}: {} cases", cases.len());
    let tc = setup(backend).await;
    // Seeds: one from the user, two from the administrator (one about another appointment).
    for (who, conn, to, text, appointment) in [
        (USER, USER_CONN, "admin456", SEED_1, "appointment789"),
        (ADMIN, ADMIN_CONN, "user123", SEED_2, "appointment789"),
        (ADMIN, ADMIN_CONN, "user123", SEED_3, "ap2"),
    ] {
        tc.clock.advance(1);
        let mut obj = base_frame();
        obj.insert("receiver_id".into(), json!(to));
        obj.insert("message_text".into(), json!(text));
        obj.insert("appointment_id".into(), json!(appointment));
        obj.remove("client_msg_id"); // each seed is a new message
        send_ok(&tc, conn, who, Value::Object(obj).to_string()).await;
    }
    let mut before = http_state(&tc).await;
    for (i, case) in cases.iter().enumerate() {
        let label = format!("{category} #{i} {}", case.label);
        let label = label.as_str();
        let (status, reply, raw) = call_http(&tc, case).await;
        match &case.expect {
            HttpExpect::Refused {
                status: want_status,
                code,
                field,
            } => {
                assert_eq!(
                    (status, reply["code"].as_str()),
                    (*want_status, Some(*code)),
                    "{label}: {reply}"
                );
                assert_eq!(reply.as_object().unwrap().len(), 2, "{label}: {reply}");
                let mut input = case.body.clone().unwrap_or_default();
                for part in case.target.split(['/', '?', '&', '=']) {
                    if part.chars().count() > MAX_ECHO {
                        input = json!([input, part]).to_string();
                    }
                }
                check_error_message(label, reply["message"].as_str(), *field, &input, &raw);
                assert_eq!(http_state(&tc).await, before, "{label}: the store changed");
            }
            HttpExpect::Marked(n) => {
                assert_eq!(
                    (status, &reply),
                    (
                        200,
                        &json!({"message": "Messages marked as read successfully", "updated_count": n})
                    ),
                    "{label}"
                );
                assert_eq!(unread(&tc, "user123").await.total, 0, "{label}");
                // Another message (a new client_msg_id), so the next case finds one unread again.
                tc.clock.advance(1);
                let mut obj = base_frame();
                obj.insert("receiver_id".into(), json!("user123"));
                obj.insert("client_msg_id".into(), json!(format!("again-{i}")));
                send_ok(&tc, ADMIN_CONN, ADMIN, Value::Object(obj).to_string()).await;
                before = http_state(&tc).await;
            }
            HttpExpect::History(texts) => {
                assert_eq!(status, 200, "{label}: {reply}");
                let got: Vec<&str> = reply["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["message_text"].as_str().unwrap())
                    .collect();
                assert_eq!(got, *texts, "{label}");
                assert_eq!(http_state(&tc).await, before, "{label}");
            }
            HttpExpect::Unread(n) => {
                assert_eq!(
                    (status, &reply["total"]),
                    (200, &json!(n)),
                    "{label}: {reply}"
                );
            }
        }
    }
}

async fn mark_read_refuses_hostile_bodies_and_paths_before_identity(backend: Backend) {
    run_http(backend, "HTTP mark-read", http_mark_read_cases()).await;
}

async fn history_and_unread_refuse_hostile_queries_and_paths(backend: Backend) {
    run_http(backend, "HTTP history and unread", http_history_cases()).await;
}

on_both_stores!(
    bad_json_is_refused_and_changes_nothing,
    json_that_is_not_an_object_is_refused,
    wrong_types_are_refused_naming_the_first_bad_field,
    missing_fields_are_refused_naming_the_first_missing_one,
    oversized_fields_are_refused_and_limits_count_characters,
    control_characters_are_refused_except_newline_and_tab,
    unicode_text_round_trips_and_ids_stay_ascii,
    injection_looking_strings_are_text_or_refused_ids,
    unknown_fields_are_ignored_and_actions_and_client_keys_checked,
    identity_and_receiver_rules_hold_for_hostile_frames,
    mark_read_refuses_hostile_bodies_and_paths_before_identity,
    history_and_unread_refuse_hostile_queries_and_paths,
);

/// The corpus is large enough to mean something, and every category has cases.
#[test]
fn the_corpus_has_at_least_200_cases() {
    let categories = [
        ("bad JSON", bad_json_cases().len()),
        ("non-object JSON", non_object_cases().len()),
        ("wrong types", wrong_type_cases().len()),
        ("missing fields", missing_field_cases().len()),
        ("huge fields", huge_field_cases().len()),
        ("control characters", control_char_cases().len()),
        ("unicode", unicode_cases().len()),
        ("injection", injection_cases().len()),
        (
            "unknown fields, action, client_msg_id",
            unknown_field_and_action_cases().len(),
        ),
        ("identity and receiver", authorization_cases().len()),
        ("HTTP mark-read", http_mark_read_cases().len()),
        ("HTTP history and unread", http_history_cases().len()),
    ];
    let mut total = 0;
    for (name, n) in categories {
        eprintln!("{name}: {n} cases");
        assert!(n >= 10, "{name} has only {n} cases");
        total += n;
    }
    eprintln!("total: {total} cases");
    assert!(total >= 200, "only {total} cases");
}
