//! The WebSocket corpus, part two: what a field holds (sizes, control characters, Unicode,
//! strings that look like attacks).

use serde_json::{json, Value};

use super::{
    accepted_text, base_delivered, base_frame, invalid, refused, text_ok, with, with_raw_text, ws,
    ws_auto, Delivered, Expect, WsCase, FIELDS,
};

pub fn huge_field_cases() -> Vec<WsCase> {
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
pub const REFUSED_CONTROLS: [(&str, char); 15] = [
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

pub fn control_char_cases() -> Vec<WsCase> {
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

pub fn unicode_cases() -> Vec<WsCase> {
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
pub const INJECTIONS: [&str; 30] = [
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

pub fn injection_cases() -> Vec<WsCase> {
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
