//! The HTTP API handler, called with HTTP API (payload 2.0) events parsed as aws_lambda_events types,
//! on both stores.

use chat_edge::lambda::http::handle_http;
use chat_edge::lambda::ws::{frame_of, handle_connect, handle_message};
use chat_tests::{
    frame, http_request, on_both_stores, response_json, store_for, test_chat, ws_event, Backend,
    TestChat,
};
use serde_json::{json, Value};

const USER: Option<(&str, &str)> = Some(("user123", "user"));
const ADMIN: Option<(&str, &str)> = Some(("admin456", "admin"));

async fn setup(backend: Backend) -> TestChat {
    let tc = test_chat(store_for(backend).await);
    for (conn, who) in [("adminDesk=", ADMIN), ("userConn=", USER)] {
        let r = handle_connect(&tc.chat, ws_event("connect", conn, who, None)).await;
        assert_eq!(r.status_code, 200);
    }
    tc
}

/// Sends over the WebSocket handler; returns the message id from the ack.
async fn send(tc: &TestChat, who: Option<(&str, &str)>, to: &str, text: &str) -> String {
    tc.clock.advance(1);
    let r = handle_message(
        &tc.chat,
        ws_event("message", "anyConn=", who, Some(&frame(to, text))),
    )
    .await;
    let ack: Value = serde_json::from_str(frame_of(&r).unwrap()).unwrap();
    assert_eq!(ack["type"], "ack", "{ack}");
    ack["message_id"].as_str().unwrap().to_owned()
}

async fn call(
    tc: &TestChat,
    method: &str,
    target: &str,
    who: Option<(&str, &str)>,
    body: Option<&str>,
) -> (u16, Value) {
    response_json(handle_http(&tc.chat, http_request(method, target, who, body)).await)
}

async fn mark_read(tc: &TestChat, reader: &str, sender: &str) -> (u16, Value) {
    let who = Some((
        reader,
        if reader.starts_with("admin") {
            "admin"
        } else {
            "user"
        },
    ));
    let body = json!({ "sender_id": sender }).to_string();
    call(tc, "PUT", &format!("/chat/read/{reader}"), who, Some(&body)).await
}

async fn updated_count_is_exact_and_zero_on_repeat(backend: Backend) {
    let tc = setup(backend).await;
    for i in 0..3 {
        send(&tc, ADMIN, "user123", &format!("update {i}")).await;
    }
    let (status, body) = mark_read(&tc, "user123", "admin456").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"message": "Messages marked as read successfully", "updated_count": 3})
    );
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        0
    );
    send(&tc, ADMIN, "user123", "one more").await;
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        1
    );
    // Messages the reader sent are not theirs to mark.
    send(&tc, USER, "admin456", "thanks").await;
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        0
    );
    assert_eq!(
        mark_read(&tc, "admin456", "user123").await.1["updated_count"],
        1
    );
}

async fn mark_read_is_404_when_the_two_never_exchanged_a_message(backend: Backend) {
    let tc = setup(backend).await;
    let (status, body) = mark_read(&tc, "user123", "admin456").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    // Once the reader has written (even with no reply), the pair has exchanged messages.
    send(&tc, USER, "admin456", "hello").await;
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await,
        (
            200,
            json!({"message": "Messages marked as read successfully", "updated_count": 0})
        )
    );
}

async fn mark_read_refuses_malformed_bodies_and_ids_with_400(backend: Backend) {
    let tc = setup(backend).await;
    send(&tc, ADMIN, "user123", "x").await;
    let cases: [(&str, Option<&str>, &str); 9] = [
        ("/chat/read/user123", None, "invalid_json"),
        ("/chat/read/user123", Some(""), "invalid_json"),
        ("/chat/read/user123", Some("{"), "invalid_json"),
        ("/chat/read/user123", Some("[\"admin456\"]"), "invalid_json"),
        ("/chat/read/user123", Some("{}"), "validation"),
        (
            "/chat/read/user123",
            Some(r#"{"sender_id":42}"#),
            "validation",
        ),
        (
            "/chat/read/user123",
            Some(r#"{"sender_id":"admin 456"}"#),
            "validation",
        ),
        (
            "/chat/read/user123",
            Some(r#"{"sender_id":"user123"}"#),
            "validation",
        ),
        (
            "/chat/read/user%20123",
            Some(r#"{"sender_id":"admin456"}"#),
            "validation",
        ),
    ];
    for (target, body, code) in cases {
        let (status, reply) = call(&tc, "PUT", target, USER, body).await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some(code)),
            "{target} {body:?}"
        );
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The same rule holds whoever asks: input is checked before identity.
    for who in [None, ADMIN] {
        let (status, reply) = call(
            &tc,
            "PUT",
            "/chat/read/user123",
            who,
            Some(r#"{"sender_id":"user123"}"#),
        )
        .await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("validation")),
            "{who:?}"
        );
    }
    // Nothing was marked by any of them.
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        1
    );
}

async fn only_the_reader_marks_and_only_with_an_identity(backend: Backend) {
    let tc = setup(backend).await;
    send(&tc, ADMIN, "user123", "x").await;
    let body = Some(r#"{"sender_id":"admin456"}"#);
    let (status, reply) = call(&tc, "PUT", "/chat/read/user123", None, body).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, reply) = call(&tc, "PUT", "/chat/read/user123", ADMIN, body).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(
        mark_read(&tc, "user123", "admin456").await.1["updated_count"],
        1
    );
}

async fn history_pages_without_gaps_or_repeats_with_read_flags(backend: Backend) {
    let tc = setup(backend).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let id = if i % 2 == 0 {
            send(&tc, USER, "admin456", &format!("u{i}")).await
        } else {
            send(&tc, ADMIN, "user123", &format!("a{i}")).await
        };
        ids.push(id);
    }
    // The administrator reads the user's messages; the user has read nothing yet.
    assert_eq!(
        mark_read(&tc, "admin456", "user123").await.1["updated_count"],
        4
    );

    let mut seen: Vec<Value> = Vec::new();
    let mut target = "/chat/history/user123/admin456?limit=3".to_owned();
    loop {
        let (status, page) = call(&tc, "GET", &target, USER, None).await;
        assert_eq!(status, 200, "{page}");
        let messages = page["messages"].as_array().unwrap();
        assert!(messages.len() <= 3);
        seen.extend(messages.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                target = format!("/chat/history/user123/admin456?limit=3&cursor={cursor}")
            }
            None => {
                assert!(page["next_cursor"].is_null());
                break;
            }
        }
    }
    let got: Vec<&str> = seen
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.reverse();
    assert_eq!(got, want);
    for m in &seen {
        let from_user = m["sender_id"] == "user123";
        assert_eq!(m["read"], json!(from_user), "{m}");
        for field in [
            "receiver_id",
            "appointment_id",
            "service_id",
            "message_text",
            "timestamp",
        ] {
            assert!(m[field].is_string(), "{field} in {m}");
        }
    }
    // Both participants see the same conversation; either order of ids in the path works.
    let (_, as_admin) = call(
        &tc,
        "GET",
        "/chat/history/admin456/user123?limit=100",
        ADMIN,
        None,
    )
    .await;
    assert_eq!(as_admin["messages"].as_array().unwrap().len(), 7);
}

async fn history_filters_by_appointment(backend: Backend) {
    let tc = setup(backend).await;
    send(&tc, USER, "admin456", "about ap1").await;
    tc.clock.advance(1);
    let r = handle_message(
        &tc.chat,
        ws_event(
            "message",
            "c=",
            USER,
            Some(&json!({"receiver_id":"admin456","appointment_id":"ap2","service_id":"s","message_text":"about ap2"}).to_string()),
        ),
    )
    .await;
    assert!(frame_of(&r).unwrap().contains("ack"));
    let (status, page) = call(
        &tc,
        "GET",
        "/chat/history/user123/admin456?appointment_id=ap2",
        USER,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["message_text"], "about ap2");
}

async fn history_refuses_bad_queries_and_strangers(backend: Backend) {
    let tc = setup(backend).await;
    send(&tc, USER, "admin456", "private").await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "cursor=nope",
        "appointment_id=a%23b",
    ] {
        let (status, reply) = call(
            &tc,
            "GET",
            &format!("/chat/history/user123/admin456?{query}"),
            USER,
            None,
        )
        .await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("validation")),
            "{query}"
        );
    }
    let (status, _) = call(
        &tc,
        "GET",
        "/chat/history/user123/admin456",
        Some(("user999", "user")),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = call(&tc, "GET", "/chat/history/user123/admin456", None, None).await;
    assert_eq!(status, 401);
    // Any administrator may read any conversation (support staff share the queue).
    let (status, page) = call(
        &tc,
        "GET",
        "/chat/history/user123/admin456",
        Some(("admin777", "admin")),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
}

async fn unread_counts_drop_to_zero_after_mark_read(backend: Backend) {
    let tc = setup(backend).await;
    let other_admin = Some(("admin777", "admin"));
    handle_connect(&tc.chat, ws_event("connect", "other=", other_admin, None)).await;
    send(&tc, ADMIN, "user123", "a").await;
    send(&tc, ADMIN, "user123", "b").await;
    send(&tc, other_admin, "user123", "c").await;
    let (status, unread) = call(&tc, "GET", "/chat/unread/user123", USER, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        unread,
        json!({"total": 3, "by_sender": {"admin456": 2, "admin777": 1}})
    );
    mark_read(&tc, "user123", "admin456").await;
    let (_, unread) = call(&tc, "GET", "/chat/unread/user123", USER, None).await;
    assert_eq!(unread, json!({"total": 1, "by_sender": {"admin777": 1}}));
    mark_read(&tc, "user123", "admin777").await;
    let (_, unread) = call(&tc, "GET", "/chat/unread/user123", USER, None).await;
    assert_eq!(unread, json!({"total": 0, "by_sender": {}}));
    // Unread counts are private.
    let (status, _) = call(&tc, "GET", "/chat/unread/user123", ADMIN, None).await;
    assert_eq!(status, 403);
}

async fn unknown_routes_and_methods_get_json_errors(backend: Backend) {
    let tc = setup(backend).await;
    let (status, reply) = call(&tc, "GET", "/chat/nothing", USER, None).await;
    assert_eq!((status, reply["code"].as_str()), (404, Some("not_found")));
    let (status, reply) = call(&tc, "DELETE", "/chat/read/user123", USER, None).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

async fn method_not_allowed_names_the_allowed_method(backend: Backend) {
    let tc = setup(backend).await;
    for (method, target, allow) in [
        ("DELETE", "/chat/read/user123", "PUT"),
        ("GET", "/chat/read/user123", "PUT"),
        ("POST", "/chat/history/user123/admin456", "GET"),
        ("TRACE", "/chat/unread/user123", "GET"),
    ] {
        let response = handle_http(&tc.chat, http_request(method, target, USER, None)).await;
        assert_eq!(response.status_code, 405, "{method} {target}");
        assert_eq!(
            response.headers.get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {target}: RFC 9110 requires Allow on a 405"
        );
        let (_, body) = response_json(response);
        assert_eq!(body["code"], "method_not_allowed");
    }
}

async fn raw_characters_in_the_request_line_get_a_json_error_not_a_crash(backend: Backend) {
    use chat_edge::lambda::http::handle_http_event;
    let tc = setup(backend).await;
    send(&tc, ADMIN, "user123", "x").await;
    let cases = [
        ("/chat/history/user123/admin456?limit=\"5\"", 400),
        ("/chat/history/user123/admin456?cursor=<script>", 400),
        ("/chat/history/user123/admin456?appointment_id=a b", 400),
        ("/chat/history/user123/admin456?limit=5\t", 400),
        ("/chat/history/user123/admin456?limit=\u{7f}", 400),
        ("/chat/history/user123/admin456?limit=\u{0}", 400),
        ("/chat/history/user\"123/admin456", 400),
        ("/chat/history/user123/admin456?limit=5&x=é", 200),
    ];
    for (target, want) in cases {
        let event = chat_tests::http_event_json("GET", target, USER, None);
        let response = json!(handle_http_event(&tc.chat, None, event).await);
        assert_eq!(response["statusCode"], want, "{target}: {response}");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        if want == 400 {
            assert_eq!(body["code"], "validation", "{target}");
        }
    }
    let long = format!("/chat/unread/user123?pad={}", "x".repeat(70_000));
    let response = json!(
        handle_http_event(
            &tc.chat,
            None,
            chat_tests::http_event_json("GET", &long, USER, None),
        )
        .await
    );
    assert_eq!(response["statusCode"], 414);
    // The event path serves valid requests exactly like the request path.
    let event = chat_tests::http_event_json("GET", "/chat/unread/user123", USER, None);
    let response = json!(handle_http_event(&tc.chat, None, event).await);
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["content-type"], "application/json");
}

on_both_stores!(
    raw_characters_in_the_request_line_get_a_json_error_not_a_crash,
    updated_count_is_exact_and_zero_on_repeat,
    mark_read_is_404_when_the_two_never_exchanged_a_message,
    mark_read_refuses_malformed_bodies_and_ids_with_400,
    only_the_reader_marks_and_only_with_an_identity,
    history_pages_without_gaps_or_repeats_with_read_flags,
    history_filters_by_appointment,
    history_refuses_bad_queries_and_strangers,
    unread_counts_drop_to_zero_after_mark_read,
    unknown_routes_and_methods_get_json_errors,
    method_not_allowed_names_the_allowed_method,
);
