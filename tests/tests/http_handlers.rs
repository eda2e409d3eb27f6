//! The HTTP API handler, called with HTTP API (payload 2.0) events parsed as aws_lambda_events types,
//! on both stores.

use chat_edge::lambda::http::handle_http;
use chat_tests::{http_request, on_both_stores, response_json, Backend, Harness, Participant};
use serde_json::{json, Value};

const USER: Option<(&str, &str)> = Some(("user123", "user"));

/// The harness with the administrator's desk and the user connected.
async fn setup(backend: Backend) -> Harness {
    let app = Harness::on(backend).await;
    app.admin("admin456").on("adminDesk=").connected().await;
    app.user("user123").on("userConn=").connected().await;
    app
}

/// The user and the administrator, sending from a connection of their own.
fn parties(app: &Harness) -> (Participant<'_>, Participant<'_>) {
    let user = app.user("user123").on("anyConn=");
    (user, app.admin("admin456").on("anyConn="))
}

/// Sends over the WebSocket handler a millisecond after the last; returns the message id.
async fn send(from: &Participant<'_>, to: &str, text: &str) -> String {
    from.app().clock.advance(1);
    let ack = from.send_to(to, text).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack["message_id"].as_str().unwrap().to_owned()
}

async fn updated_count_is_exact_and_zero_on_repeat(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    for i in 0..3 {
        send(&admin, "user123", &format!("update {i}")).await;
    }
    let (status, body) = user.mark_read(&admin).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"message": "Messages marked as read successfully", "updated_count": 3})
    );
    assert_eq!(user.mark_read(&admin).await.1["updated_count"], 0);
    send(&admin, "user123", "one more").await;
    assert_eq!(user.mark_read(&admin).await.1["updated_count"], 1);
    // Messages the reader sent are not theirs to mark.
    send(&user, "admin456", "thanks").await;
    assert_eq!(user.mark_read(&admin).await.1["updated_count"], 0);
    assert_eq!(admin.mark_read(&user).await.1["updated_count"], 1);
}

async fn mark_read_is_404_when_the_two_never_exchanged_a_message(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    let (status, body) = user.mark_read(&admin).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    // Once the reader has written (even with no reply), the pair has exchanged messages.
    send(&user, "admin456", "hello").await;
    assert_eq!(
        user.mark_read(&admin).await,
        (
            200,
            json!({"message": "Messages marked as read successfully", "updated_count": 0})
        )
    );
}

async fn mark_read_refuses_malformed_bodies_and_ids_with_400(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    send(&admin, "user123", "x").await;
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
        let (status, reply) = user.http("PUT", target, body).await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some(code)),
            "{target} {body:?}"
        );
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The same rule holds whoever asks: input is checked before identity.
    for who in [app.anonymous(), app.admin("admin456")] {
        let body = Some(r#"{"sender_id":"user123"}"#);
        let (status, reply) = who.http("PUT", "/chat/read/user123", body).await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("validation")),
            "{:?}",
            who.who()
        );
    }
    // Nothing was marked by any of them.
    assert_eq!(user.mark_read(&admin).await.1["updated_count"], 1);
}

async fn only_the_reader_marks_and_only_with_an_identity(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    send(&admin, "user123", "x").await;
    let body = Some(r#"{"sender_id":"admin456"}"#);
    let (status, reply) = app
        .anonymous()
        .http("PUT", "/chat/read/user123", body)
        .await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, reply) = admin.http("PUT", "/chat/read/user123", body).await;
    assert_eq!((status, reply["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(user.mark_read(&admin).await.1["updated_count"], 1);
}

async fn history_pages_without_gaps_or_repeats_with_read_flags(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    let mut ids = Vec::new();
    for i in 0..7 {
        let id = if i % 2 == 0 {
            send(&user, "admin456", &format!("u{i}")).await
        } else {
            send(&admin, "user123", &format!("a{i}")).await
        };
        ids.push(id);
    }
    // The administrator reads the user's messages; the user has read nothing yet.
    assert_eq!(admin.mark_read(&user).await.1["updated_count"], 4);

    let mut seen: Vec<Value> = Vec::new();
    let mut target = "/chat/history/user123/admin456?limit=3".to_owned();
    loop {
        let (status, page) = user.http("GET", &target, None).await;
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
    let target = "/chat/history/admin456/user123?limit=100";
    let (_, as_admin) = admin.http("GET", target, None).await;
    assert_eq!(as_admin["messages"].as_array().unwrap().len(), 7);
}

async fn history_filters_by_appointment(backend: Backend) {
    let app = setup(backend).await;
    let (user, _) = parties(&app);
    send(&user, "admin456", "about ap1").await;
    app.clock.advance(1);
    let ap2 = json!({"receiver_id":"admin456","appointment_id":"ap2","service_id":"s","message_text":"about ap2"});
    let r = app.user("user123").on("c=").message(&ap2.to_string()).await;
    assert!(chat_edge::lambda::ws::frame_of(&r).unwrap().contains("ack"));
    let target = "/chat/history/user123/admin456?appointment_id=ap2";
    let (status, page) = user.http("GET", target, None).await;
    assert_eq!(status, 200);
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["message_text"], "about ap2");
}

async fn history_refuses_bad_queries_and_strangers(backend: Backend) {
    let app = setup(backend).await;
    let (user, _) = parties(&app);
    send(&user, "admin456", "private").await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=-1",
        "cursor=nope",
        "appointment_id=a%23b",
    ] {
        let target = format!("/chat/history/user123/admin456?{query}");
        let (status, reply) = user.http("GET", &target, None).await;
        assert_eq!(
            (status, reply["code"].as_str()),
            (400, Some("validation")),
            "{query}"
        );
    }
    let target = "/chat/history/user123/admin456";
    let (status, _) = app.user("user999").http("GET", target, None).await;
    assert_eq!(status, 403);
    let (status, _) = app.anonymous().http("GET", target, None).await;
    assert_eq!(status, 401);
    // Any administrator may read any conversation (support staff share the queue).
    let (status, page) = app.admin("admin777").http("GET", target, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
}

async fn unread_counts_drop_to_zero_after_mark_read(backend: Backend) {
    let app = setup(backend).await;
    let (user, admin) = parties(&app);
    let other_admin = app.admin("admin777").on("other=");
    other_admin.connect().await;
    let other_admin = other_admin.on("anyConn=");
    send(&admin, "user123", "a").await;
    send(&admin, "user123", "b").await;
    send(&other_admin, "user123", "c").await;
    let (status, unread) = user.http("GET", "/chat/unread/user123", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        unread,
        json!({"total": 3, "by_sender": {"admin456": 2, "admin777": 1}})
    );
    user.mark_read(&admin).await;
    let (_, unread) = user.http("GET", "/chat/unread/user123", None).await;
    assert_eq!(unread, json!({"total": 1, "by_sender": {"admin777": 1}}));
    user.mark_read(&other_admin).await;
    let (_, unread) = user.http("GET", "/chat/unread/user123", None).await;
    assert_eq!(unread, json!({"total": 0, "by_sender": {}}));
    // Unread counts are private.
    let (status, _) = admin.http("GET", "/chat/unread/user123", None).await;
    assert_eq!(status, 403);
}

async fn unknown_routes_and_methods_get_json_errors(backend: Backend) {
    let app = setup(backend).await;
    let (user, _) = parties(&app);
    let (status, reply) = user.http("GET", "/chat/nothing", None).await;
    assert_eq!((status, reply["code"].as_str()), (404, Some("not_found")));
    let (status, reply) = user.http("DELETE", "/chat/read/user123", None).await;
    assert_eq!(
        (status, reply["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

async fn method_not_allowed_names_the_allowed_method(backend: Backend) {
    let app = setup(backend).await;
    for (method, target, allow) in [
        ("DELETE", "/chat/read/user123", "PUT"),
        ("GET", "/chat/read/user123", "PUT"),
        ("POST", "/chat/history/user123/admin456", "GET"),
        ("TRACE", "/chat/unread/user123", "GET"),
    ] {
        // The raw response: the harness's calls keep only status and body.
        let response = handle_http(&app.chat, http_request(method, target, USER, None)).await;
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
    let app = setup(backend).await;
    send(&parties(&app).1, "user123", "x").await;
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
        let response = json!(handle_http_event(&app.chat, None, event).await);
        assert_eq!(response["statusCode"], want, "{target}: {response}");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        if want == 400 {
            assert_eq!(body["code"], "validation", "{target}");
        }
    }
    let long = format!("/chat/unread/user123?pad={}", "x".repeat(70_000));
    let response = json!(
        handle_http_event(
            &app.chat,
            None,
            chat_tests::http_event_json("GET", &long, USER, None),
        )
        .await
    );
    assert_eq!(response["statusCode"], 414);
    // The event path serves valid requests exactly like the request path.
    let event = chat_tests::http_event_json("GET", "/chat/unread/user123", USER, None);
    let response = json!(handle_http_event(&app.chat, None, event).await);
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
