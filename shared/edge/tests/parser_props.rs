//! Properties of the input parsers: `wire::parse_inbound` never panics, refuses exactly what the
//! documented rules (docs/design.md §6, §8) refuse, with the code and field the rules give, and
//! returns every accepted value exactly as it was sent; the domain parsers (`MessageText`,
//! `ClientId`, `MessageId`) accept exactly their documented languages.
//!
//! The oracle below is written from the documentation, not from the code: ids are 1..=128 of
//! `[A-Za-z0-9_.:@|-]`; `message_text` is not blank, at most `max` Unicode scalar values, and has
//! no Unicode Cc character other than `\n` and `\t`; `client_msg_id` is 1..=128 of 0x21..=0x7e;
//! `action` is absent, null, `"sendmessage"` or `"message"`; `null` is absent; unknown fields are
//! ignored; the first failing field wins, in the order JSON object, action, client_msg_id,
//! receiver_id, appointment_id, service_id, message_text.

use chat_edge::wire::{parse_inbound, Inbound};
use chat_shared::domain::{ClientId, MessageId, MessageText};
use chat_shared::ChatError;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

const CASES: u32 = 512;

/// The default and the documented bounds of `MAX_MESSAGE_CHARS`.
const DEFAULT_MAX: usize = 4_000;

const ID_FIELDS: [&str; 3] = ["receiver_id", "appointment_id", "service_id"];
const ALL_FIELDS: [&str; 6] = [
    "action",
    "client_msg_id",
    "receiver_id",
    "appointment_id",
    "service_id",
    "message_text",
];

// ---------------------------------------------------------------------------------------------
// The oracle: the documented rules, written independently of the code under test.

/// What the rules say about a frame: accepted with these values, or refused with this code
/// (and, for `validation`, this field).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Accepted {
        receiver_id: String,
        appointment_id: String,
        service_id: String,
        message_text: String,
        client_msg_id: Option<String>,
    },
    Refused {
        code: &'static str,
        field: Option<&'static str>,
    },
}

fn refused(code: &'static str, field: Option<&'static str>) -> Verdict {
    Verdict::Refused { code, field }
}

fn id_ok(s: &str) -> bool {
    let n = s.chars().count();
    (1..=128).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:@|-".contains(c))
}

/// Unicode general category Cc: U+0000..=U+001F and U+007F..=U+009F.
fn is_cc(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.chars().all(char::is_whitespace)
        && s.chars().count() <= max
        && !s.chars().any(|c| is_cc(c) && c != '\n' && c != '\t')
}

fn client_msg_id_ok(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn message_id_ok(s: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    s.len() == 26 && s.chars().all(|c| ALPHABET.contains(c)) && s.as_bytes()[0] <= b'7'
}

/// A field's string value: `Ok(None)` absent or null, `Err` of another JSON type.
fn string_field<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ()> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

fn oracle_for_value(value: &Value, max: usize) -> Verdict {
    let Value::Object(obj) = value else {
        return refused("invalid_json", None);
    };
    match string_field(obj, "action") {
        Err(()) => return refused("validation", Some("action")),
        Ok(None | Some("sendmessage" | "message")) => {}
        Ok(Some(_)) => return refused("unknown_action", None),
    }
    let client_msg_id = match string_field(obj, "client_msg_id") {
        Err(()) => return refused("validation", Some("client_msg_id")),
        Ok(None) => None,
        Ok(Some(s)) if client_msg_id_ok(s) => Some(s.to_owned()),
        Ok(Some(_)) => return refused("validation", Some("client_msg_id")),
    };
    let mut ids = Vec::new();
    for field in ID_FIELDS {
        match string_field(obj, field) {
            Ok(Some(s)) if id_ok(s) => ids.push(s.to_owned()),
            _ => return refused("validation", Some(field)),
        }
    }
    let message_text = match string_field(obj, "message_text") {
        Ok(Some(s)) if text_ok(s, max) => s.to_owned(),
        _ => return refused("validation", Some("message_text")),
    };
    let [receiver_id, appointment_id, service_id]: [String; 3] = ids.try_into().unwrap();
    Verdict::Accepted {
        receiver_id,
        appointment_id,
        service_id,
        message_text,
        client_msg_id,
    }
}

/// The oracle for any text: serde_json decides what is JSON (the documented parser; a
/// duplicate key resolves as in `Value`, the last one wins), the rules decide the rest.
fn oracle(body: &str, max: usize) -> Verdict {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => oracle_for_value(&value, max),
        Err(_) => refused("invalid_json", None),
    }
}

/// What the code did, in the oracle's terms. Checks the error's client message on the way:
/// it names the field, and never echoes more than the field name and the rule.
fn actual(result: Result<Inbound, ChatError>) -> Verdict {
    match result {
        Ok(Inbound::Sync { .. } | Inbound::Typing { .. } | Inbound::Change(_)) => {
            unreachable!("other actions are filtered out by `check`")
        }
        Ok(Inbound::Send(m)) => Verdict::Accepted {
            receiver_id: m.receiver_id.as_str().to_owned(),
            appointment_id: m.appointment_id.as_str().to_owned(),
            service_id: m.service_id.as_str().to_owned(),
            message_text: m.message_text.as_str().to_owned(),
            client_msg_id: m.client_msg_id,
        },
        Err(err) => {
            let message = err.client_message();
            assert!(!message.is_empty());
            assert!(message.len() <= 128, "long error message: {message}");
            let field = match &err {
                ChatError::Validation(v) => {
                    assert!(message.starts_with(v.field), "{message}");
                    Some(v.field)
                }
                _ => None,
            };
            refused(err.code(), field)
        }
    }
}

fn check(body: &str, max: usize) -> Result<(), TestCaseError> {
    // These properties are about send frames; other actions have their own tests.
    let other_action = serde_json::from_str::<Value>(body).is_ok_and(|v| {
        v.get("action")
            .and_then(Value::as_str)
            .is_some_and(|a| ["sync", "typing", "edit", "delete", "react"].contains(&a))
    });
    prop_assume!(!other_action);
    let got = actual(parse_inbound(body, max));
    let want = oracle(body, max);
    prop_assert_eq!(got, want, "body: {:?}", body);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Strategies.

/// Strings valid as ids, with their boundary lengths well represented.
fn good_id() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[A-Za-z0-9_.:@|-]{1,16}",
        1 => "[A-Za-z0-9_.:@|-]{120,128}",
        1 => select(vec!["admin456", "user123", "auth0|abc", "a.b@c.d", "us-east-1:9f1c", "A_Z"])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

/// A valid id with one foreign character, an empty or over-long id, or anything.
fn bad_id() -> BoxedStrategy<String> {
    prop_oneof![
        (good_id(), any::<prop::sample::Index>(), bad_id_char()).prop_map(|(s, at, c)| {
            let mut chars: Vec<char> = s.chars().collect();
            let at = at.index(chars.len() + 1);
            chars.insert(at, c);
            chars.into_iter().collect()
        }),
        Just(String::new()),
        "[A-Za-z0-9_.:@|-]{129,140}",
        any::<String>(),
    ]
    .boxed()
}

fn bad_id_char() -> BoxedStrategy<char> {
    prop_oneof![
        select(vec![
            '#',
            '/',
            ' ',
            '\0',
            '\n',
            '\'',
            '"',
            '$',
            '{',
            '<',
            '%',
            '\\',
            'é',
            '\u{202e}',
            '\u{200d}',
            '\u{feff}',
            '\u{1F600}',
            '\u{0301}',
        ]),
        any::<char>().prop_filter("not an id char", |c| !id_ok(&c.to_string())),
    ]
    .boxed()
}

fn good_text() -> BoxedStrategy<String> {
    prop_oneof![
        // No "Other" category at all: no controls, format characters or unassigned ones.
        3 => "\\PC{1,40}".prop_filter("not blank", |s| !s.chars().all(char::is_whitespace)),
        1 => "[a-z]{1,3}[\n\t ]{0,3}[a-z]{0,3}",
        1 => select(vec![
            "' OR 1=1 --", "{\"$gt\":\"\"}", "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>", "${jndi:ldap://x}", "../../etc/passwd", "%00",
            "e\u{301}", "\u{e9}", "\u{202e}evil", "\u{feff}bom", "a\u{200d}b",
            "\u{1F469}\u{200d}\u{1F4BB}", "  padded  ", "tab\tand\nnewline",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

fn bad_text() -> BoxedStrategy<String> {
    prop_oneof![
        "[ \t\n\u{a0}\u{2003}\u{3000}]{0,6}",
        (good_text(), any::<prop::sample::Index>(), cc_char()).prop_map(|(s, at, c)| {
            let mut chars: Vec<char> = s.chars().collect();
            let at = at.index(chars.len() + 1);
            chars.insert(at, c);
            chars.into_iter().collect()
        }),
        any::<String>(),
    ]
    .boxed()
}

fn cc_char() -> BoxedStrategy<char> {
    prop_oneof![
        Just('\0'),
        Just('\r'),
        Just('\u{7}'),
        Just('\u{1b}'),
        Just('\u{7f}'),
        Just('\u{85}'),
        Just('\u{9f}'),
        (0u32..=0x1f)
            .prop_filter("not newline or tab", |c| *c != 0x0a && *c != 0x09)
            .prop_map(|c| char::from_u32(c).unwrap()),
        (0x7fu32..=0x9f).prop_map(|c| char::from_u32(c).unwrap()),
    ]
    .boxed()
}

fn good_client_msg_id() -> BoxedStrategy<String> {
    prop_oneof!["[!-~]{1,12}", "[!-~]{126,128}",].boxed()
}

fn bad_client_msg_id() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        "[!-~]{129,135}",
        "[!-~]{0,5} [!-~]{0,5}",
        "[!-~]{0,5}[\u{80}-\u{10ffff}][!-~]{0,5}",
        "[!-~]{0,5}[\0-\u{20}\u{7f}][!-~]{0,5}",
        any::<String>(),
    ]
    .boxed()
}

/// Any JSON value: scalars, strings (some valid ids or texts), and nested arrays and objects
/// whose keys are often the real field names.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        good_id().prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(ALL_FIELDS.to_vec()).prop_map(str::to_owned),
        1 => select(vec!["sender_id", "role", "type", "extra", "", "__proto__", "$where"])
            .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
    .boxed()
}

/// A value for one of the frame's fields: absent, or a string good or bad by that field's rule,
/// or null, or another JSON type.
fn field_value(field: &'static str) -> BoxedStrategy<Option<Value>> {
    let (good, bad) = match field {
        "action" => (
            select(vec!["sendmessage", "message"])
                .prop_map(str::to_owned)
                .boxed(),
            prop_oneof![
                select(vec![
                    "SendMessage",
                    "sendMessage",
                    " sendmessage",
                    "$default",
                    ""
                ])
                .prop_map(str::to_owned),
                any::<String>(),
            ]
            .boxed(),
        ),
        "client_msg_id" => (good_client_msg_id(), bad_client_msg_id()),
        "message_text" => (good_text(), bad_text()),
        _ => (good_id(), bad_id()),
    };
    // Optional fields are absent more often, so that later fields get exercised.
    let absent = if matches!(field, "action" | "client_msg_id") {
        4
    } else {
        1
    };
    prop_oneof![
        absent => Just(None),
        14 => good.prop_map(|s| Some(Value::String(s))),
        3 => bad.prop_map(|s| Some(Value::String(s))),
        1 => Just(Some(Value::Null)),
        1 => json_value().prop_map(Some),
    ]
    .boxed()
}

/// A frame-shaped JSON object: every real field drawn from `field_value`, plus a few unknown
/// fields (which must not matter).
fn frame_object() -> BoxedStrategy<Map<String, Value>> {
    let fields: Vec<BoxedStrategy<Option<Value>>> =
        ALL_FIELDS.iter().map(|f| field_value(f)).collect();
    (
        fields,
        prop::collection::vec((key(), json_value()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(values, extra, extra_first)| {
            let mut obj = Map::new();
            let known: Vec<(String, Value)> = ALL_FIELDS
                .iter()
                .zip(values)
                .filter_map(|(f, v)| v.map(|v| ((*f).to_owned(), v)))
                .collect();
            // Unknown fields before or after the real ones.
            let extra: Vec<(String, Value)> = extra
                .into_iter()
                .filter(|(k, _)| !ALL_FIELDS.contains(&k.as_str()))
                .collect();
            let (first, second) = if extra_first {
                (extra, known)
            } else {
                (known, extra)
            };
            obj.extend(first);
            obj.extend(second);
            obj
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    /// Any text at all: never a panic, and the verdict is the rules' verdict.
    #[test]
    fn parse_inbound_follows_the_rules_for_any_string(body in any::<String>()) {
        check(&body, DEFAULT_MAX)?;
    }

    /// Text from JSON's own alphabet, so that most of it gets past the first byte.
    #[test]
    fn parse_inbound_follows_the_rules_for_json_alphabet_soup(
        body in "[{}\\[\\]\":, \t\n0-9a-z_\\\\.eE+-]{0,120}"
    ) {
        check(&body, DEFAULT_MAX)?;
    }

    /// Any JSON value, objects with the real field names among random keys included.
    #[test]
    fn parse_inbound_follows_the_rules_for_any_json_value(value in json_value()) {
        check(&value.to_string(), DEFAULT_MAX)?;
    }

    /// Frame-shaped objects, about one in five valid: exact verdicts, and accepted values equal
    /// the strings that were sent.
    #[test]
    fn accepted_frames_return_exactly_what_was_sent(obj in frame_object()) {
        let body = Value::Object(obj.clone()).to_string();
        let got = actual(parse_inbound(&body, DEFAULT_MAX));
        prop_assert_eq!(&got, &oracle(&body, DEFAULT_MAX), "body: {:?}", body);
        if let Verdict::Accepted { receiver_id, appointment_id, service_id, message_text, client_msg_id } = got {
            prop_assert_eq!(Some(receiver_id.as_str()), obj["receiver_id"].as_str());
            prop_assert_eq!(Some(appointment_id.as_str()), obj["appointment_id"].as_str());
            prop_assert_eq!(Some(service_id.as_str()), obj["service_id"].as_str());
            prop_assert_eq!(Some(message_text.as_str()), obj["message_text"].as_str());
            prop_assert_eq!(client_msg_id.as_deref(), obj.get("client_msg_id").and_then(Value::as_str));
            // And the rules hold for what came back.
            prop_assert!(id_ok(&receiver_id) && id_ok(&appointment_id) && id_ok(&service_id));
            prop_assert!(text_ok(&message_text, DEFAULT_MAX));
            prop_assert!(client_msg_id.as_deref().is_none_or(client_msg_id_ok));
        }
    }

    /// The same frames with pretty printing, escaped non-ASCII and a small length limit: the
    /// encoding of the JSON text never changes the verdict.
    #[test]
    fn the_json_encoding_does_not_change_the_verdict(
        obj in frame_object(),
        max in 1usize..=60,
    ) {
        let value = Value::Object(obj);
        let compact = value.to_string();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let escaped = ascii_escaped(&compact);
        let want = oracle(&compact, max);
        for body in [&compact, &pretty, &escaped] {
            prop_assert_eq!(&actual(parse_inbound(body, max)), &want, "body: {:?}", body);
        }
    }

    /// A proper prefix of a JSON object, or an object followed by anything but whitespace, is
    /// not JSON.
    #[test]
    fn truncated_frames_and_trailing_garbage_are_invalid_json(
        obj in frame_object(),
        cut in any::<prop::sample::Index>(),
        garbage in "[^ \t\n\r]{1,4}",
    ) {
        let body = Value::Object(obj).to_string();
        let boundaries: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        let truncated = &body[..boundaries[cut.index(boundaries.len())]];
        prop_assert_eq!(actual(parse_inbound(truncated, DEFAULT_MAX)), refused("invalid_json", None));
        let trailing = format!("{body}{garbage}");
        prop_assert_eq!(actual(parse_inbound(&trailing, DEFAULT_MAX)), refused("invalid_json", None));
    }

    /// Deep nesting anywhere in the frame is an error, never a stack overflow.
    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack(
        depth in 0usize..20_000,
        field in select(vec!["extra", "message_text", "action", "receiver_id"]),
        open in select(vec!["[", "{\"a\":"]),
    ) {
        let close = if open == "[" { "]" } else { "}" };
        let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let body = format!(
            r#"{{"receiver_id":"admin456","appointment_id":"a","service_id":"s","message_text":"hi","{field}":{nested}}}"#
        );
        let got = actual(parse_inbound(&body, DEFAULT_MAX));
        prop_assert_eq!(&got, &oracle(&body, DEFAULT_MAX));
        if depth >= 200 {
            prop_assert_eq!(got, refused("invalid_json", None));
        }
    }

    #[test]
    fn message_text_parse_accepts_exactly_the_documented_texts(
        raw in prop_oneof![any::<String>(), good_text(), bad_text(), "\\PC{3990,4010}"],
        max in prop_oneof![1usize..=64, Just(4_000usize), Just(30_000usize)],
    ) {
        match MessageText::parse(&raw, max) {
            Ok(text) => {
                prop_assert!(text_ok(&raw, max), "accepted {:?} (max {})", raw, max);
                prop_assert_eq!(text.as_str(), raw.as_str());
            }
            Err(e) => {
                prop_assert!(!text_ok(&raw, max), "refused {:?} (max {}): {}", raw, max, e);
                prop_assert_eq!(e.field, "message_text");
            }
        }
    }

    #[test]
    fn four_thousand_characters_of_any_width_are_accepted(
        c in any::<char>().prop_filter("not whitespace or Cc", |c| !c.is_whitespace() && !is_cc(*c)),
        n in 3_995usize..=4_005,
    ) {
        let raw: String = std::iter::repeat_n(c, n).collect();
        prop_assert_eq!(MessageText::parse(&raw, DEFAULT_MAX).is_ok(), n <= DEFAULT_MAX);
    }

    #[test]
    fn client_id_parse_accepts_exactly_the_documented_ids(
        raw in prop_oneof![any::<String>(), good_id(), bad_id()],
    ) {
        match ClientId::parse(&raw) {
            Ok(id) => {
                prop_assert!(id_ok(&raw), "accepted {:?}", raw);
                prop_assert_eq!(id.as_str(), raw.as_str());
            }
            Err(e) => {
                prop_assert!(!id_ok(&raw), "refused {:?}: {}", raw, e);
                prop_assert_eq!(e.field, "client_id");
            }
        }
    }

    #[test]
    fn message_id_parse_accepts_exactly_the_documented_ids(
        raw in prop_oneof![
            any::<String>(),
            "[0-9A-Z]{26}",
            "[0-7][0-9A-HJKMNP-TV-Z]{25}",
            "[0-9A-Za-z]{24,28}",
            "[0-7][0-9A-HJKMNP-TV-Z]{24}[^0-9A-HJKMNP-TV-Z]",
        ],
    ) {
        match MessageId::parse(&raw) {
            Ok(id) => {
                prop_assert!(message_id_ok(&raw), "accepted {:?}", raw);
                prop_assert_eq!(id.as_str(), raw.as_str());
            }
            Err(_) => prop_assert!(!message_id_ok(&raw), "refused {:?}", raw),
        }
    }

    #[test]
    fn generated_message_ids_parse_back_with_their_time(ms in 0i64..(1 << 48)) {
        let id = MessageId::generate(ms);
        prop_assert!(message_id_ok(id.as_str()));
        prop_assert_eq!(MessageId::parse(id.as_str()), Ok(id.clone()));
        prop_assert_eq!(id.timestamp_ms(), ms);
    }
}

/// `text` with every non-ASCII character written as a JSON `\u` escape (surrogate pairs beyond
/// the BMP). Only valid inside JSON strings, which is where `Value::to_string` puts them.
fn ascii_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[test]
fn lone_surrogate_escapes_are_invalid_json() {
    for escape in ["\\ud800", "\\udfff", "\\ud800\\u0041", "\\udc00\\ud800"] {
        let body = format!(
            r#"{{"receiver_id":"admin456","appointment_id":"a","service_id":"s","message_text":"x{escape}"}}"#
        );
        assert_eq!(
            actual(parse_inbound(&body, DEFAULT_MAX)),
            refused("invalid_json", None),
            "{body}"
        );
    }
    // A proper pair is one character, and fine.
    let body = r#"{"receiver_id":"admin456","appointment_id":"a","service_id":"s","message_text":"\ud83d\ude00"}"#;
    assert!(
        matches!(actual(parse_inbound(body, DEFAULT_MAX)), Verdict::Accepted { message_text, .. } if message_text == "\u{1F600}")
    );
}
