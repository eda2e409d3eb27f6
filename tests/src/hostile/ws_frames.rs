//! The WebSocket corpus, part one: the shape of a frame (JSON syntax, the top level, types,
//! missing and unknown fields, the action and the client key) and who may send it to whom.

use serde_json::{json, Value};

use super::{
    accepted_text, base_delivered, base_frame, invalid, nested, refused, with, with_raw_text,
    without, ws, Delivered, Expect, WsCase, FIELDS,
};

pub fn bad_json_cases() -> Vec<WsCase> {
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

pub fn non_object_cases() -> Vec<WsCase> {
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

pub fn wrong_type_cases() -> Vec<WsCase> {
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

pub fn missing_field_cases() -> Vec<WsCase> {
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

pub fn unknown_field_and_action_cases() -> Vec<WsCase> {
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
        "remove",
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

pub fn authorization_cases() -> Vec<WsCase> {
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
