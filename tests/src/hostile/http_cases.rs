//! The HTTP corpus: hostile paths, bodies and queries for mark-read, history and unread.

use serde_json::json;

use super::http::{get, http_refused, pct, put_read, HttpCase, HttpExpect, SEED_1, SEED_2, SEED_3};
use super::{nested, ADMIN, OTHER_USER, USER};

pub fn bad_path_ids() -> Vec<(String, &'static str)> {
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
pub fn bad_read_bodies() -> Vec<(Option<String>, &'static str)> {
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

pub fn http_mark_read_cases() -> Vec<HttpCase> {
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

pub fn http_history_cases() -> Vec<HttpCase> {
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
