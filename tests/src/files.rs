//! Attachments through chat-local: upload grants, raw `PUT`s to the local S3 with exactly the
//! granted headers, and downloads, as a client makes them (docs/attachments.md).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::HeaderMap;
use serde_json::{json, Value};

use crate::local::{http_with, WAIT};

/// A PNG's first bytes and a little more: the type check reads the signature.
pub fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(len.max(bytes.len()), 7);
    bytes
}

pub fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.resize(len.max(bytes.len()), b'x');
    bytes
}

/// `POST /chat/attachments/{client}` as `client` (dev identity, role `user` or `admin`).
pub async fn grant(
    base: &str,
    (client, role): (&str, &str),
    file_name: &str,
    content_type: &str,
    size: usize,
) -> (u16, Value) {
    let body = json!({"file_name": file_name, "content_type": content_type, "size": size});
    let url = format!("{base}/chat/attachments/{client}");
    let (status, body, _) = http_with(
        "POST",
        &url,
        Some(&body.to_string()),
        &[("x-chat-role", role)],
    )
    .await;
    (status, body)
}

/// `GET /chat/attachments/{client}/{id}` as `client`.
pub async fn download_url(base: &str, (client, role): (&str, &str), id: &str) -> (u16, Value) {
    let url = format!("{base}/chat/attachments/{client}/{id}");
    let (status, body, _) = http_with("GET", &url, None, &[("x-chat-role", role)]).await;
    (status, body)
}

/// A raw request: status, headers, body.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (u16, HeaderMap, Vec<u8>) {
    let client = chat_edge::net::http_client::<Full<Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .expect("an answer within the wait")
        .expect("the request succeeds");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

/// The granted upload's `PUT` with its headers, exactly, and `bytes` as the body.
pub async fn put(grant: &Value, bytes: Vec<u8>) -> (u16, String) {
    let headers: Vec<(String, String)> = (grant["upload_headers"].as_object())
        .expect("upload headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    put_with(grant, &headers, bytes).await
}

/// The granted upload's `PUT` with other headers.
pub async fn put_with(
    grant: &Value,
    headers: &[(String, String)],
    bytes: Vec<u8>,
) -> (u16, String) {
    let url = grant["upload_url"].as_str().expect("an upload url");
    let (status, _, body) = request("PUT", url, headers, bytes).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Asks for an upload of `bytes` and makes it: the attachment id.
pub async fn uploaded(
    base: &str,
    who: (&str, &str),
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> String {
    let (status, granted) = grant(base, who, file_name, content_type, bytes.len()).await;
    assert_eq!(status, 201, "{granted}");
    let (status, body) = put(&granted, bytes).await;
    assert_eq!(status, 200, "{body}");
    granted["attachment_id"].as_str().unwrap().to_owned()
}

/// A send frame with attachments (and no text).
pub fn send_with(to: &str, ids: &[&str], client_msg_id: &str) -> String {
    json!({
        "action": "sendmessage", "receiver_id": to, "appointment_id": "appt-1",
        "service_id": "svc-1", "message_text": "", "attachments": ids,
        "client_msg_id": client_msg_id,
    })
    .to_string()
}
