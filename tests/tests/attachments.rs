//! Attachments end to end through chat-local and its local S3 (no S3 mock): a photo and a PDF
//! uploaded with their presigned URLs, sent, and downloaded by the receiver byte for byte;
//! then everything that must be refused is, with its code, and changes nothing. On both
//! stores. (docs/attachments.md)

use std::sync::Arc;

use chat_shared::domain::{AttachmentId, ClientId, HistoryQuery, UploadState};
use chat_shared::store::Store;
use chat_tests::files::{
    download_url, grant, pdf, png, put, put_with, request, send_with, uploaded,
};
use chat_tests::local::{start_local, WsClient};
use chat_tests::{on_both_stores, store_for, Backend};
use serde_json::Value;

const USER: (&str, &str) = ("user123", "user");
const ADMIN: (&str, &str) = ("admin456", "admin");

struct Chat {
    local: chat_local::Running,
    store: Arc<dyn Store>,
    user: WsClient,
    admin: WsClient,
}

async fn chat(backend: Backend) -> Chat {
    let store = store_for(backend).await;
    let local = start_local(store.clone()).await;
    let user = WsClient::connect(&local.ws_url("user123?role=user")).await;
    let admin = WsClient::connect(&local.ws_url("admin456?role=admin")).await;
    Chat {
        local,
        store,
        user,
        admin,
    }
}

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

/// The conversation's stored messages, newest first.
async fn stored(store: &dyn Store) -> Vec<chat_shared::domain::Message> {
    let query = HistoryQuery {
        limit: 100,
        before: None,
        appointment_id: None,
    };
    let page = store.history(&id("user123"), &id("admin456"), &query).await;
    page.unwrap().messages
}

async fn upload_state(store: &dyn Store, attachment: &str) -> UploadState {
    let id = AttachmentId::parse(attachment).unwrap();
    let mut found = store.uploads(&[id]).await.unwrap();
    found.pop().expect("the upload's record").state
}

fn header<'a>(headers: &'a hyper::HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

async fn a_photo_and_a_pdf_reach_the_receiver_who_downloads_the_same_bytes(backend: Backend) {
    let Chat {
        local,
        store,
        mut user,
        mut admin,
    } = chat(backend).await;
    let base = local.http_url();
    let (photo, letter) = (png(3_000), pdf(20_000));
    let (status, granted) = grant(&base, USER, "x-ray.png", "image/png", photo.len()).await;
    assert_eq!(status, 201, "{granted}");
    assert_eq!(granted["upload_method"], "PUT");
    assert_eq!(granted["upload_headers"]["content-type"], "image/png");
    assert_eq!(granted["upload_headers"]["x-amz-tagging"], "state=pending");
    let url = granted["upload_url"].as_str().unwrap();
    let s3 = local.files().expect("attachments are on");
    assert!(
        url.starts_with(&format!("{}/{}/uploads/", s3.endpoint, s3.bucket)),
        "{url}"
    );
    assert!(url.contains("X-Amz-Signature="), "presigned: {url}");
    let photo_id = granted["attachment_id"].as_str().unwrap().to_owned();
    assert!(matches!(
        upload_state(&*store, &photo_id).await,
        UploadState::Pending { .. }
    ));
    let (status, body) = put(&granted, photo.clone()).await;
    assert_eq!(status, 200, "{body}");
    let letter_id = uploaded(
        &base,
        USER,
        "Überweisung.pdf",
        "application/pdf",
        letter.clone(),
    )
    .await;

    user.send_text(&send_with("admin456", &[&photo_id, &letter_id], "c-1"))
        .await;
    let ack = user.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let delivered = admin.next_json().await;
    assert_eq!(delivered["type"], "message", "{delivered}");
    assert_eq!(delivered["message_text"], "");
    let shown = delivered["attachments"]
        .as_array()
        .expect("attachments")
        .clone();
    assert_eq!(
        shown,
        vec![
            serde_json::json!({"attachment_id": photo_id, "file_name": "x-ray.png",
                               "content_type": "image/png", "size": 3_000}),
            serde_json::json!({"attachment_id": letter_id, "file_name": "Überweisung.pdf",
                               "content_type": "application/pdf", "size": 20_000}),
        ]
    );
    // The sender's ack names the same files, so its copy shows them at once.
    assert_eq!(ack["attachments"].as_array(), Some(&shown), "{ack}");
    let key = |id: &str| format!("uploads/{id}");
    for attachment in [&photo_id, &letter_id] {
        assert!(matches!(
            upload_state(&*store, attachment).await,
            UploadState::Attached { .. }
        ));
        let tags = s3.s3.tags_of(&s3.bucket, &key(attachment));
        assert_eq!(tags, vec![("state".to_owned(), "attached".to_owned())]);
    }

    // The receiver downloads both: the same bytes, served as the checked type, the photo
    // inline and the PDF as a download with its name.
    for (attachment, bytes, kind, disposition) in [
        (
            &photo_id,
            &photo,
            "image/png",
            "inline; filename=\"x-ray.png\"",
        ),
        (
            &letter_id,
            &letter,
            "application/pdf",
            "attachment; filename=\"_berweisung.pdf\"",
        ),
    ] {
        let (status, grant) = download_url(&base, ADMIN, attachment).await;
        assert_eq!(status, 200, "{grant}");
        assert_eq!(grant["content_type"], kind);
        let (status, headers, body) =
            request("GET", grant["url"].as_str().unwrap(), &[], vec![]).await;
        assert_eq!(status, 200);
        assert_eq!(&body, bytes, "{attachment}: the same bytes");
        assert_eq!(header(&headers, "content-type"), kind);
        assert!(
            header(&headers, "content-disposition").starts_with(disposition),
            "{headers:?}"
        );
    }
    // The sender may download too; history carries the attachments.
    assert_eq!(download_url(&base, USER, &photo_id).await.0, 200);
    let history = stored(&*store).await;
    assert_eq!(history[0].attachments.len(), 2);
    let url = format!("{base}/chat/history/admin456/user123");
    let (_, page, _) =
        chat_tests::local::http_with("GET", &url, None, &[("x-chat-role", "admin")]).await;
    assert_eq!(
        page["messages"][0]["attachments"],
        Value::Array(shown.clone())
    );

    // Deleting the message tombstones its attachments: downloads are gone and the objects are
    // tagged for the lifecycle rule.
    let message_id = delivered["message_id"].as_str().unwrap();
    let delete =
        serde_json::json!({"action": "delete", "message_id": message_id, "peer_id": "admin456"});
    user.send_text(&delete.to_string()).await;
    let acked = user.next_json().await;
    assert_eq!(acked["action"], "delete", "{acked}");
    assert!(acked["message"].get("attachments").is_none(), "{acked}");
    let (status, gone) = download_url(&base, ADMIN, &photo_id).await;
    assert_eq!(
        (status, gone["code"].as_str()),
        (410, Some("attachment_gone")),
        "{gone}"
    );
    for attachment in [&photo_id, &letter_id] {
        let tags = s3.s3.tags_of(&s3.bucket, &key(attachment));
        assert_eq!(tags, vec![("state".to_owned(), "deleted".to_owned())]);
    }
    local.shutdown().await;
}

/// A send that must be refused: its error code, and nothing stored or delivered.
async fn refused(chat: &mut Chat, frame: &str, code: &str) {
    let before = stored(&*chat.store).await.len();
    chat.user.send_text(frame).await;
    let error = chat.user.next_json().await;
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some(code)),
        "{error}"
    );
    chat.admin.expect_nothing(200).await;
    assert_eq!(stored(&*chat.store).await.len(), before, "nothing stored");
}

async fn every_wrong_upload_and_attachment_is_refused_and_changes_nothing(backend: Backend) {
    let mut chat = chat(backend).await;
    let base = chat.local.http_url();

    // Refused before any URL is made: too large, a refused type, a name that is a path.
    let (status, body) = grant(&base, USER, "big.png", "image/png", 10 * 1024 * 1024 + 1).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("file_too_large")),
        "{body}"
    );
    for (name, kind) in [("page.html", "text/html"), ("logo.svg", "image/svg+xml")] {
        let (status, body) = grant(&base, USER, name, kind, 10).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (415, Some("unsupported_file_type")),
            "{body}"
        );
    }
    for name in ["../../etc/passwd.png", "photo.html", "a\\b.png"] {
        let (status, body) = grant(&base, USER, name, "image/png", 10).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation")),
            "{name}: {body}"
        );
    }

    // S3 holds the presigned conditions: another size or another type fails at S3.
    let (_, granted) = grant(&base, USER, "scan.png", "image/png", 100).await;
    let (status, body) = put(&granted, png(101)).await;
    assert_eq!(status, 403, "a body over the granted size: {body}");
    assert!(body.contains("SignatureDoesNotMatch"), "{body}");
    let (status, body) = put(&granted, png(99)).await;
    assert_eq!(status, 403, "a body under the granted size: {body}");
    let html_type = vec![
        ("content-type".to_owned(), "text/html".to_owned()),
        ("x-amz-tagging".to_owned(), "state=pending".to_owned()),
    ];
    let (status, body) = put_with(&granted, &html_type, png(100)).await;
    assert_eq!(status, 403, "another content type: {body}");
    let (status, body) = put_with(&granted, &[], png(100)).await;
    assert_eq!(status, 403, "without the signed headers: {body}");
    let never_uploaded = granted["attachment_id"].as_str().unwrap().to_owned();
    refused(
        &mut chat,
        &send_with("admin456", &[&never_uploaded], "c-1"),
        "attachment_not_found",
    )
    .await;

    // An HTML page named .png is stored by S3 (its headers are as granted) but never attached.
    let page = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let fake = uploaded(&base, USER, "photo.png", "image/png", page).await;
    refused(
        &mut chat,
        &send_with("admin456", &[&fake], "c-2"),
        "attachment_mismatch",
    )
    .await;
    assert!(matches!(
        upload_state(&*chat.store, &fake).await,
        UploadState::Pending { .. }
    ));

    // Someone else's upload.
    let theirs = uploaded(&base, ("user999", "user"), "mine.png", "image/png", png(50)).await;
    refused(
        &mut chat,
        &send_with("admin456", &[&theirs], "c-3"),
        "attachment_not_found",
    )
    .await;
    assert!(matches!(
        upload_state(&*chat.store, &theirs).await,
        UploadState::Pending { .. }
    ));

    // An attachment sent twice: the second message is refused.
    let photo = uploaded(&base, USER, "ok.png", "image/png", png(64)).await;
    chat.user
        .send_text(&send_with("admin456", &[&photo], "c-4"))
        .await;
    assert_eq!(chat.user.next_json().await["type"], "ack");
    assert_eq!(chat.admin.next_json().await["type"], "message");
    refused(
        &mut chat,
        &send_with("admin456", &[&photo], "c-5"),
        "attachment_in_use",
    )
    .await;
    // ... but a retry of the same send is answered with the same ack, as for any send.
    chat.user
        .send_text(&send_with("admin456", &[&photo], "c-4"))
        .await;
    assert_eq!(chat.user.next_json().await["type"], "ack");
    chat.admin.expect_nothing(200).await;
    refused(
        &mut chat,
        &send_with("admin456", &[&photo, &photo], "c-6"),
        "validation",
    )
    .await;
    refused(
        &mut chat,
        &send_with("admin456", &["not-an-id"], "c-7"),
        "validation",
    )
    .await;

    // A stranger learns nothing; a pending upload cannot be downloaded by anyone.
    for (who, attachment) in [
        (("user999", "user"), &photo),
        (USER, &fake),
        (("admin777", "admin"), &photo),
    ] {
        let (status, body) = download_url(&base, who, attachment).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("attachment_not_found")),
            "{body}"
        );
    }
    chat.local.shutdown().await;
}

on_both_stores!(
    a_photo_and_a_pdf_reach_the_receiver_who_downloads_the_same_bytes,
    every_wrong_upload_and_attachment_is_refused_and_changes_nothing,
);

/// An expired upload URL and an expired download URL: the local S3 refuses both, as S3 does.
#[tokio::test]
async fn expired_urls_are_refused_by_the_local_s3() {
    use chat_shared::domain::{Attachment, Clock, FileName, FileType, SystemClock};
    let local = start_local(store_for(Backend::Memory).await).await;
    let s3 = local.files().unwrap();
    // Dev mode's keys, which the in-process functions sign with.
    let files = s3.client_files(&chat_local::files::Credentials {
        access_key_id: "local".into(),
        secret_access_key: "local".into(),
    });
    let (now, long_ago) = (SystemClock.now_ms(), SystemClock.now_ms() - 3_600_000);
    let expired = files
        .presign_upload("uploads/x", FileType::Png, 16, long_ago, 300)
        .await
        .unwrap();
    let (status, _, body) = request("PUT", &expired.url, &expired.headers, png(16)).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let fresh = files
        .presign_upload("uploads/x", FileType::Png, 16, now, 300)
        .await
        .unwrap();
    let (status, _, body) = request("PUT", &fresh.url, &fresh.headers, png(16)).await;
    assert_eq!(
        status,
        200,
        "the same upload in time: {}",
        String::from_utf8_lossy(&body)
    );
    let attachment = Attachment {
        attachment_id: AttachmentId::generate(now),
        file_name: FileName::parse("x.png", FileType::Png).unwrap(),
        file_type: FileType::Png,
        size: 16,
    };
    for (at, expected) in [(long_ago, 403), (now, 200)] {
        let download = files
            .presign_download("uploads/x", &attachment, at, 300)
            .await
            .unwrap();
        let (status, _, _) = request("GET", &download.url, &[], vec![]).await;
        assert_eq!(status, expected, "a download URL made at {at}");
    }
    local.shutdown().await;
}
