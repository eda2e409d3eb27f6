//! An attachment's life, with the requests chat-local's S3 served for each step.

use std::time::Duration;

use chat_shared::domain::{MessageText, NewMessage, Role};

use super::{message, who, Bench, TEXT};

/// A raw request to the local S3 as a client makes it: the status.
async fn s3_request(method: &str, url: &str, headers: &[(String, String)], body: Vec<u8>) -> u16 {
    use http_body_util::{BodyExt, Full};
    let client = chat_edge::net::http_client::<Full<bytes::Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let request = request.body(Full::new(body.into())).expect("a request");
    let response = client.request(request).await.expect("the local S3 answers");
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    status
}

/// An attachment's life (docs/attachments.md): the grant, the client's PUT, the send that
/// checks and tags it, the receiver's download URL and GET, and the deletion that retags it.
/// Deployed settings: the grant spends a token of the upload bucket.
pub(super) async fn attachments(b: &Bench, admin: &str) {
    use chat_shared::chat::ChangeRequest;
    use chat_shared::domain::{Change, UploadRequest};
    let user = who(&b.name("patient"), Role::User);
    let a = who(admin, Role::Admin);
    let mut letter = b"%PDF-1.4\n".to_vec();
    letter.resize(200_000, b'x');
    let request = UploadRequest::parse("referral.pdf", "application/pdf", letter.len() as u64)
        .expect("a valid upload");
    let grant = b
        .measure(
            "attachments: an upload grant",
            b.chat.request_upload(&user, &user.client_id, request),
        )
        .await
        .expect("grant");
    let status = b
        .measure(
            "attachments: the client's upload (its PUT)",
            s3_request("PUT", &grant.upload.url, &grant.upload.headers, letter),
        )
        .await;
    assert_eq!(status, 200, "the upload");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let with_file = NewMessage {
        message_text: MessageText::empty(),
        attachments: vec![grant.attachment_id.clone()],
        ..message(admin, TEXT)
    };
    let sent = b
        .measure(
            "send, with one attachment, one device",
            b.chat.send(&user, with_file),
        )
        .await
        .expect("send");
    let link = b
        .measure(
            "attachments: a download URL",
            b.chat.download(&a, &a.client_id, &grant.attachment_id),
        )
        .await
        .expect("download");
    let status = b
        .measure(
            "attachments: the receiver's download (its GET)",
            s3_request("GET", &link.download.url, &[], Vec::new()),
        )
        .await;
    assert_eq!(status, 200, "the download");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let delete = ChangeRequest {
        message_id: sent.message.message_id.clone(),
        peer: Some(a.client_id.clone()),
        change: Change::Delete,
    };
    b.measure(
        "delete, a message with one attachment",
        b.chat.change(&user, None, delete),
    )
    .await
    .expect("delete");
}
