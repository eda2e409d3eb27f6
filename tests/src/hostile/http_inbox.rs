//! The HTTP corpus for the inbox, `GET /chat/conversations/{client_id}`: hostile limits,
//! cursors and path ids are refused naming the field before identity is looked at; then
//! identity (401) and ownership (403). Nothing is changed by any of them.

use base64::Engine;

use super::http::{get, http_refused, HttpCase};
use super::http_cases::bad_path_ids;
use super::{ADMIN, USER};

pub fn http_inbox_cases() -> Vec<HttpCase> {
    let path = "/chat/conversations/user123";
    let b64 = |raw: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let mut bad: Vec<(String, &'static str)> = [
        "limit=0",
        "limit=51",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=%205",
        "limit=18446744073709551616",
        "limit=%7B%22%24gt%22%3A0%7D",
        "cursor=nope!",
        "cursor=%00",
        "cursor=%27%20OR%201%3D1%20--",
        "cursor=AAAA",
        "cursor=%7B%22%24gt%22%3A%22%22%7D",
    ]
    .into_iter()
    .map(|q| {
        (
            q.to_owned(),
            if q.starts_with("limit") {
                "limit"
            } else {
                "cursor"
            },
        )
    })
    .collect();
    for inner in [
        "01KB0000000000000000000000",         // a place without a peer
        "01KB0000000000000000000000a#b",      // a peer outside the charset
        "01KB000000000000000000000Uadmin456", // a place that is no id (U)
        "../../etc/passwd",
    ] {
        bad.push((format!("cursor={}", b64(inner)), "cursor"));
    }
    bad.push((format!("cursor={}", "A".repeat(5_000)), "cursor"));
    bad.push((format!("limit={}", "9".repeat(10_000)), "limit"));
    let mut cases = Vec::new();
    for (query, field) in &bad {
        for (name, who) in [("owner", USER), ("anonymous", None)] {
            cases.push(get(
                format!("inbox ?{query:.60} as {name}"),
                format!("{path}?{query}"),
                who,
                http_refused("validation", Some(field)),
            ));
        }
    }
    for (id, how) in bad_path_ids() {
        cases.push(get(
            format!("inbox owner {id:.40} ({how})"),
            format!("/chat/conversations/{id}"),
            None,
            http_refused("validation", Some("client_id")),
        ));
    }
    cases.extend([
        get(
            "someone else's inbox",
            path.into(),
            ADMIN,
            http_refused("forbidden", None),
        ),
        get(
            "an inbox, nobody asking",
            path.into(),
            None,
            http_refused("unauthorized", None),
        ),
        get(
            "an inbox path with an extra segment",
            format!("{path}/extra"),
            USER,
            http_refused("not_found", None),
        ),
    ]);
    cases
}
