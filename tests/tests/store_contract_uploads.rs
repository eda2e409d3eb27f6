//! The store contract for uploads (attachments): every store implementation must pass every
//! test here, against the in-memory store and a fresh table set in DynamoDB Local.

use chat_shared::domain::{
    AppointmentId, Attachment, AttachmentId, ClientId, FileName, FileType, HistoryQuery, Message,
    MessageId, MessageState, MessageText, ServiceId, SyncQuery, Upload, UploadState,
};
use chat_shared::store::{Store, StoreError};
use chat_tests::T0;

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

/// A pending upload of `owner`'s, made at `at_ms` and attachable for a day.
fn upload(owner: &str, at_ms: i64, name: &str) -> Upload {
    Upload {
        attachment: Attachment {
            attachment_id: AttachmentId::generate(at_ms),
            file_name: FileName::parse(name, FileType::Pdf).unwrap(),
            file_type: FileType::Pdf,
            size: 48_213,
        },
        owner: id(owner),
        created_at_ms: at_ms,
        state: UploadState::Pending {
            expires_at_s: at_ms / 1000 + 86_400,
        },
    }
}

fn message(from: &str, to: &str, at_ms: i64, attachments: &[&Upload]) -> Message {
    Message {
        message_id: MessageId::generate(at_ms),
        sender_id: id(from),
        receiver_id: id(to),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::empty(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: attachments.iter().map(|u| u.attachment.clone()).collect(),
    }
}

async fn state_of(store: &dyn Store, upload: &Upload) -> Option<UploadState> {
    let ids = [upload.attachment.attachment_id.clone()];
    store.uploads(&ids).await.unwrap().pop().map(|u| u.state)
}

async fn history(store: &dyn Store) -> Vec<Message> {
    let query = HistoryQuery {
        limit: 50,
        before: None,
        appointment_id: None,
    };
    store
        .history(&id("u1"), &id("a1"), &query)
        .await
        .unwrap()
        .messages
}

async fn uploads_come_back_exactly_and_unknown_ids_are_left_out(store: &dyn Store) {
    let first = upload("u1", T0, "Überweisung 1.pdf");
    let second = upload("u1", T0 + 1, "receipt.pdf");
    store.put_upload(&first).await.unwrap();
    store.put_upload(&second).await.unwrap();
    let unknown = AttachmentId::generate(T0 + 2);
    let ids = [
        second.attachment.attachment_id.clone(),
        unknown,
        first.attachment.attachment_id.clone(),
    ];
    let mut found = store.uploads(&ids).await.unwrap();
    found.sort_by(|a, b| a.attachment.attachment_id.cmp(&b.attachment.attachment_id));
    assert_eq!(found, vec![first, second]);
    assert!(store.uploads(&[]).await.unwrap().is_empty());
}

async fn a_message_marks_its_uploads_attached_with_it(store: &dyn Store) {
    let (a, b) = (upload("u1", T0, "a.pdf"), upload("u1", T0 + 1, "b.pdf"));
    store.put_upload(&a).await.unwrap();
    store.put_upload(&b).await.unwrap();
    let sent = message("u1", "a1", T0 + 10, &[&a, &b]);
    store.put_message(&sent).await.unwrap();
    let attached = UploadState::Attached {
        message_id: sent.message_id.clone(),
        peer: id("a1"),
    };
    assert_eq!(state_of(store, &a).await, Some(attached.clone()));
    assert_eq!(state_of(store, &b).await, Some(attached));
    // The message keeps them, in order, in history, by id and in both feeds.
    assert_eq!(history(store).await, vec![sent.clone()]);
    let read = store
        .message(&id("a1"), &id("u1"), &sent.message_id)
        .await
        .unwrap();
    assert_eq!(read.as_ref(), Some(&sent));
    for owner in ["u1", "a1"] {
        let query = SyncQuery {
            since: None,
            peer: None,
            limit: 10,
        };
        let page = store.sync(&id(owner), &query).await.unwrap();
        assert_eq!(page.messages(), vec![sent.clone()], "{owner}'s feed");
    }
}

async fn an_upload_attached_twice_or_not_attachable_stores_nothing(store: &dyn Store) {
    let photo = upload("u1", T0, "a.pdf");
    store.put_upload(&photo).await.unwrap();
    let first = message("u1", "a1", T0 + 10, &[&photo]);
    store.put_message(&first).await.unwrap();
    let fresh = upload("u1", T0 + 20, "b.pdf");
    store.put_upload(&fresh).await.unwrap();
    // Attached already: the whole write is refused, the fresh upload stays pending.
    let again = message("u1", "a1", T0 + 30, &[&fresh, &photo]);
    assert!(matches!(
        store.put_message(&again).await,
        Err(StoreError::UploadTaken)
    ));
    assert!(matches!(
        state_of(store, &fresh).await,
        Some(UploadState::Pending { .. })
    ));
    // Someone else's, one never recorded, one expired at the message's time.
    let theirs = upload("u2", T0 + 40, "c.pdf");
    store.put_upload(&theirs).await.unwrap();
    let never = upload("u1", T0 + 50, "d.pdf");
    let mut expired = upload("u1", T0 + 60, "e.pdf");
    expired.state = UploadState::Pending {
        expires_at_s: (T0 + 70) / 1000,
    };
    store.put_upload(&expired).await.unwrap();
    for bad in [&theirs, &never, &expired] {
        let sent = message("u1", "a1", T0 + 100_000, &[bad]);
        assert!(matches!(
            store.put_message(&sent).await,
            Err(StoreError::UploadTaken)
        ));
    }
    assert!(matches!(
        state_of(store, &theirs).await,
        Some(UploadState::Pending { .. })
    ));
    assert_eq!(
        history(store).await,
        vec![first.clone()],
        "nothing else stored"
    );
    // A message id already taken wins over its uploads: the send is a duplicate.
    let duplicate = Message {
        attachments: vec![fresh.attachment.clone()],
        ..first
    };
    assert!(matches!(
        store.put_message(&duplicate).await,
        Err(StoreError::MessageExists)
    ));
    assert!(matches!(
        state_of(store, &fresh).await,
        Some(UploadState::Pending { .. })
    ));
}

chat_tests::on_both_stores!(
    store:
    uploads_come_back_exactly_and_unknown_ids_are_left_out,
    a_message_marks_its_uploads_attached_with_it,
    an_upload_attached_twice_or_not_attachable_stores_nothing,
);
