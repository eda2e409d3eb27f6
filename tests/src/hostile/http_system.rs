//! The HTTP corpus for system messages, `POST /chat/system/{receiver_id}`: hostile bodies and
//! path ids are refused naming the field before the signer is looked at (400 whoever signs);
//! then the signer: 401 without one, whatever authorizer context the request carries, 403 for
//! another principal. Nothing is stored or delivered by any of them.

use serde_json::{json, Map, Value};

use super::http::{http_refused, HttpCase};
use super::http::{SEED_1, SEED_3};
use super::http_cases::bad_path_ids;
use super::{nested, ADMIN, USER};
use crate::{system_body, BACKEND_SIGNER};

fn good() -> Map<String, Value> {
    match serde_json::from_str(&system_body("hostile-1", "Your appointment is confirmed.")) {
        Ok(Value::Object(obj)) => obj,
        _ => unreachable!("a JSON object"),
    }
}

fn with(field: &str, value: Value) -> String {
    let mut obj = good();
    obj.insert(field.into(), value);
    Value::Object(obj).to_string()
}

fn without(field: &str) -> String {
    let mut obj = good();
    obj.remove(field);
    Value::Object(obj).to_string()
}

fn post(
    label: String,
    receiver: &str,
    body: String,
    signer: Option<&'static str>,
    expect: super::http::HttpExpect,
) -> HttpCase {
    HttpCase {
        label,
        method: "POST",
        target: format!("/chat/system/{receiver}"),
        who: None,
        signer,
        body: Some(body),
        expect,
    }
}

pub fn http_system_cases() -> Vec<HttpCase> {
    let mut bodies: Vec<(String, String, &'static str, Option<&'static str>)> = vec![
        ("not JSON".into(), "{".into(), "invalid_json", None),
        ("empty".into(), String::new(), "invalid_json", None),
        ("an array".into(), "[]".into(), "invalid_json", None),
        ("null".into(), "null".into(), "invalid_json", None),
        ("a string".into(), "\"hi\"".into(), "invalid_json", None),
        (
            "nested 200 deep".into(),
            nested(200, "[", "]"),
            "invalid_json",
            None,
        ),
        (
            "a trailing comma".into(),
            "{\"a\":1,}".into(),
            "invalid_json",
            None,
        ),
    ];
    for field in [
        "appointment_id",
        "service_id",
        "message_text",
        "idempotency_key",
    ] {
        bodies.push((
            format!("without {field}"),
            without(field),
            "validation",
            Some(field),
        ));
        for (what, value) in [
            ("null", Value::Null),
            ("a number", json!(7)),
            ("an object", json!({"$gt": ""})),
            ("a list", json!(["a"])),
            ("a bool", json!(true)),
        ] {
            bodies.push((
                format!("{field} {what}"),
                with(field, value),
                "validation",
                Some(field),
            ));
        }
    }
    for field in ["appointment_id", "service_id"] {
        for bad in ["", SEED_1, SEED_3, "a#b", "a/b", "a b", "\u{202e}x"] {
            bodies.push((
                format!("{field} {bad:.30}"),
                with(field, json!(bad)),
                "validation",
                Some(field),
            ));
        }
        bodies.push((
            format!("{field} 129 characters"),
            with(field, json!("a".repeat(129))),
            "validation",
            Some(field),
        ));
    }
    let keys = [
        ("empty", String::new()),
        ("129 characters", "k".repeat(129)),
        ("10,000 characters", "k".repeat(10_000)),
        ("a space", "appt 1".into()),
        ("a newline", "appt\n1".into()),
        ("non-ASCII", "appt-\u{e9}".into()),
        ("a NUL", "appt\u{0}".into()),
    ];
    let texts = [
        ("blank", "  \n\t ".to_owned()),
        ("4,001 characters", "x".repeat(4_001)),
        ("100,000 characters", "x".repeat(100_000)),
        ("a NUL", "confirmed\u{0}".to_owned()),
        ("an escape sequence", "\u{1b}[2Jconfirmed".to_owned()),
        ("a bell", "\u{7}".to_owned()),
    ];
    for (field, values) in [("idempotency_key", &keys[..]), ("message_text", &texts[..])] {
        for (what, value) in values {
            bodies.push((
                format!("{field} {what}"),
                with(field, json!(value)),
                "validation",
                Some(field),
            ));
        }
    }
    let mut cases = Vec::new();
    // Validation comes first: the same 400 signed by the backend, by nobody, by another.
    for (label, body, code, field) in &bodies {
        for (name, signer) in [("the backend", Some(BACKEND_SIGNER)), ("nobody", None)] {
            cases.push(post(
                format!("system {label} by {name}"),
                "user123",
                body.clone(),
                signer,
                http_refused(code, *field),
            ));
        }
    }
    let body = system_body("hostile-2", "Your appointment is confirmed.");
    for (id, what) in bad_path_ids() {
        cases.push(post(
            format!("system to {what} id"),
            &id,
            body.clone(),
            Some(BACKEND_SIGNER),
            http_refused("validation", Some("receiver_id")),
        ));
    }
    cases.push(post(
        "system to the system".into(),
        "system",
        body.clone(),
        Some(BACKEND_SIGNER),
        http_refused("validation", Some("receiver_id")),
    ));
    // Then the signer.
    for (name, who) in [("a user", USER), ("an administrator", ADMIN)] {
        let mut case = post(
            format!("system by {name}'s context"),
            "user123",
            body.clone(),
            None,
            http_refused("unauthorized", None),
        );
        case.who = who;
        cases.push(case);
    }
    for signer in [
        "arn:aws:sts::123456789012:assumed-role/reporting/s-1",
        "arn:aws:sts::210987654321:assumed-role/booking-backend/s-1",
        "arn:aws:sts::123456789012:assumed-role/booking-backend",
        "arn:aws:iam::123456789012:role/booking-backend",
        "",
        SEED_1,
    ] {
        cases.push(post(
            format!("system signed by {signer:.40}"),
            "user123",
            body.clone(),
            Some(signer),
            http_refused("forbidden", None),
        ));
    }
    cases
}
