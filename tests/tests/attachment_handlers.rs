//! The attachments through the handlers with API Gateway's event JSON (an HTTP API payload
//! 2.0 upload request, WebSocket send frames, a download request) over a local S3, on both
//! stores: the handlers' answers are what the routes document, and what S3 then holds is what
//! was declared.

use chat_edge::lambda::http::handle_http_event;
use chat_tests::events::fixture;
use chat_tests::files::{pdf, png, put, request, send_with};
use chat_tests::{http_event_json, on_both_stores, Backend, Harness};
use serde_json::{json, Value};

async fn setup(backend: Backend) -> Harness {
    let app = Harness::on(backend).await.with_local_s3().await;
    app.admin("admin456").on("adminDesk=").connected().await;
    app.user("user123").on("userConn=").connected().await;
    app
}

async fn call(app: &Harness, event: Value) -> (u16, Value) {
    let response = handle_http_event(&app.chat, None, event).await;
    let body = match response.body {
        Some(aws_lambda_events::encodings::Body::Text(text)) => {
            serde_json::from_str(&text).unwrap()
        }
        _ => Value::Null,
    };
    (response.status_code as u16, body)
}

async fn the_upload_event_gets_a_presigned_put_and_the_download_event_the_same_bytes(
    backend: Backend,
) {
    let app = setup(backend).await;
    let (status, granted) = call(&app, fixture("http_post_attachment")).await;
    assert_eq!(status, 201, "{granted}");
    let keys: Vec<&str> = granted
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "attachment_id",
            "expires_at",
            "upload_headers",
            "upload_method",
            "upload_url"
        ]
    );
    assert_eq!(
        granted["upload_headers"],
        json!({"content-type": "application/pdf", "x-amz-tagging": "state=pending"})
    );
    let letter = pdf(48_213);
    let (status, body) = put(&granted, letter.clone()).await;
    assert_eq!(status, 200, "{body}");
    let id = granted["attachment_id"].as_str().unwrap();

    let user = app.user("user123").on("userConn=");
    let ack = user.send(&send_with("admin456", &[id], "c-1")).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let delivered = app.frames_to("adminDesk=");
    let message = delivered.last().expect("delivered");
    let files = json!([{"attachment_id": id, "file_name": "referral.pdf",
                        "content_type": "application/pdf", "size": 48_213}]);
    assert_eq!(message["attachments"], files);
    assert_eq!(ack["attachments"], files, "{ack}");

    let target = format!("/chat/attachments/admin456/{id}");
    let event = http_event_json("GET", &target, Some(("admin456", "admin")), None);
    let (status, download) = call(&app, event).await;
    assert_eq!(status, 200, "{download}");
    assert_eq!(download["disposition"], "attachment");
    assert_eq!(download["file_name"], "referral.pdf");
    let (status, headers, bytes) =
        request("GET", download["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, letter);
    assert_eq!(headers["content-type"], "application/pdf");

    // The same upload again, in another message: refused, and the receiver gets nothing more.
    let again = user.send(&send_with("admin456", &[id], "c-2")).await;
    assert_eq!(
        (again["type"].as_str(), again["code"].as_str()),
        (Some("error"), Some("attachment_in_use"))
    );
    assert_eq!(app.frames_to("adminDesk=").len(), delivered.len());
}

async fn an_upload_that_is_not_what_was_declared_is_refused_at_the_send(backend: Backend) {
    let app = setup(backend).await;
    let user = app.user("user123").on("userConn=");
    let ask = |name: &str, kind: &str, size: usize| {
        let body = json!({"file_name": name, "content_type": kind, "size": size}).to_string();
        http_event_json(
            "POST",
            "/chat/attachments/user123",
            Some(("user123", "user")),
            Some(&body),
        )
    };
    // Declared a PNG, holding a PDF (the headers were as granted, so S3 took it).
    let (_, granted) = call(&app, ask("scan.png", "image/png", 100)).await;
    assert_eq!(put(&granted, pdf(100)).await.0, 200);
    let id = granted["attachment_id"].as_str().unwrap();
    let refused = user.send(&send_with("admin456", &[id], "c-1")).await;
    assert_eq!(refused["code"], "attachment_mismatch", "{refused}");
    // Granted but never uploaded.
    let (_, granted) = call(&app, ask("scan.png", "image/png", 100)).await;
    let id = granted["attachment_id"].as_str().unwrap();
    let refused = user.send(&send_with("admin456", &[id], "c-2")).await;
    assert_eq!(refused["code"], "attachment_not_found", "{refused}");
    // A real PNG goes through.
    let (_, granted) = call(&app, ask("scan.png", "image/png", 100)).await;
    assert_eq!(put(&granted, png(100)).await.0, 200);
    let id = granted["attachment_id"].as_str().unwrap();
    assert_eq!(
        user.send(&send_with("admin456", &[id], "c-3")).await["type"],
        "ack"
    );
    assert_eq!(
        app.frames_to("adminDesk=").len(),
        1,
        "only the real one was delivered"
    );
}

on_both_stores!(
    the_upload_event_gets_a_presigned_put_and_the_download_event_the_same_bytes,
    an_upload_that_is_not_what_was_declared_is_refused_at_the_send,
);
