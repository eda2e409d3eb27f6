//! HTTP cases and their runner: each request goes through `handle_http` as an HTTP API
//! (payload 2.0) event parsed as aws_lambda_events types, and the status, body and store are checked.

use chat_edge::lambda::http::handle_http;
use chat_shared::chat::Unread;
use chat_shared::domain::StoredMessage;
use serde_json::{json, Value};

use super::ws_run::{history, send_ok, setup, unread};
use super::{base_frame, check_error_message, Who, ADMIN, ADMIN_CONN, MAX_ECHO, USER, USER_CONN};
use crate::{http_event_json, response_json, system_event_json, Backend, Harness};

#[derive(Debug, Clone)]
pub enum HttpExpect {
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
pub struct HttpCase {
    pub label: String,
    pub method: &'static str,
    pub target: String,
    pub who: Who,
    /// The signer API Gateway's IAM authorization reports (`requestContext.authorizer.iam`).
    pub signer: Option<&'static str>,
    pub body: Option<String>,
    pub expect: HttpExpect,
}

pub fn http_refused(code: &'static str, field: Option<&'static str>) -> HttpExpect {
    let status = match code {
        "invalid_json" | "validation" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "not_found" | "attachment_not_found" => 404,
        "file_too_large" => 413,
        "unsupported_file_type" => 415,
        other => panic!("no status for {other}"),
    };
    HttpExpect::Refused {
        status,
        code,
        field,
    }
}

pub fn put_read(
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
        signer: None,
        body: body.map(str::to_owned),
        expect,
    }
}

pub fn get(label: impl Into<String>, target: String, who: Who, expect: HttpExpect) -> HttpCase {
    HttpCase {
        label: label.into(),
        method: "GET",
        target,
        who,
        signer: None,
        body: None,
        expect,
    }
}

/// Percent-encodes every byte outside the URL path's unreserved set.
pub fn pct(s: &str) -> String {
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
pub const SEED_1: &str = "<script>alert(1)</script> ' OR 1=1 -- ${jndi:ldap://x}";
pub const SEED_2: &str = "\u{202e}cafe\u{301} \u{1F469}\u{200d}\u{1F4BB}\n\tok";
pub const SEED_3: &str = "{\"$gt\":\"\"} ../../etc/passwd %00 #profile";

pub async fn call_http(tc: &Harness, case: &HttpCase) -> (u16, Value, String) {
    let mut event = http_event_json(case.method, &case.target, case.who, case.body.as_deref());
    if let Some(arn) = case.signer {
        // As API Gateway passes a SigV4 signer (tests/fixtures/http_post_system_iam.json).
        let mut signed = system_event_json("user123", Some(arn), "{}");
        event["requestContext"]["authorizer"] = signed["requestContext"]["authorizer"].take();
    }
    let request = serde_json::from_value(event).expect("an HTTP API event");
    let response = handle_http(&tc.chat, request).await;
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

pub async fn http_state(tc: &Harness) -> (Vec<StoredMessage>, Vec<Unread>) {
    let mut messages = history(tc, "user123", "admin456", 10).await;
    messages.extend(history(tc, "user123", "system", 10).await);
    (
        messages,
        vec![unread(tc, "user123").await, unread(tc, "admin456").await],
    )
}

pub async fn run_http(backend: Backend, category: &str, cases: Vec<HttpCase>) {
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
