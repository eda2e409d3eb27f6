//! The store contract for a client's data as a whole (export and erasure,
//! docs/data-rules.md): every store implementation must pass every test here, against the
//! in-memory store and a fresh table set in DynamoDB Local.

use chat_shared::domain::{
    AppointmentId, Attachment, AttachmentId, ClientId, Connection, ConnectionId, Direction,
    Erasure, ErasurePhase, FileName, FileType, Message, MessageId, MessagePreview, MessageState,
    MessageText, Requester, Role, SendClaim, ServiceId, Upload, UploadState,
};
use chat_shared::store::{RateBucket, RateRule, Store};
use chat_tests::{on_both_stores, T0};

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

fn message(from: &str, to: &str, at_ms: i64, text: &str) -> Message {
    Message {
        message_id: MessageId::generate(at_ms),
        sender_id: id(from),
        receiver_id: id(to),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::parse(text, 4000).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    }
}

fn connection(client: &str, connection: &str, role: Role) -> Connection {
    Connection {
        connection_id: ConnectionId::parse(connection).unwrap(),
        client_id: id(client),
        role,
        connected_at_ms: T0,
        expires_at_s: T0 / 1000 + 7_500,
    }
}

fn upload(owner: &str, at_ms: i64) -> Upload {
    Upload {
        attachment: Attachment {
            attachment_id: AttachmentId::generate(at_ms),
            file_name: FileName::parse("x-ray.pdf", FileType::Pdf).unwrap(),
            file_type: FileType::Pdf,
            size: 1_000,
        },
        owner: id(owner),
        created_at_ms: at_ms,
        state: UploadState::Pending {
            expires_at_s: at_ms / 1000 + 86_400,
        },
    }
}

const RULE: RateRule = RateRule {
    per_second: 5,
    burst: 5,
    period_s: 1,
};

async fn client_records_hold_the_profile_connections_and_rate_state(store: &dyn Store) {
    let (u1, u2) = (id("u1"), id("u2"));
    assert_eq!(store.client_records(&u1).await.unwrap(), Default::default());
    store
        .put_connection(&connection("u1", "c1", Role::User))
        .await
        .unwrap();
    store
        .put_connection(&connection("u1", "c2", Role::User))
        .await
        .unwrap();
    store
        .put_connection(&connection("u2", "c3", Role::User))
        .await
        .unwrap();
    assert!(store.admit(&u1, RateBucket::Reads, RULE, T0).await.unwrap());
    assert!(store
        .admit(&u1, RateBucket::Messages, RULE, T0)
        .await
        .unwrap());
    let records = store.client_records(&u1).await.unwrap();
    assert_eq!(records.role, Some(Role::User));
    let ids: Vec<&str> = records
        .connections
        .iter()
        .map(|c| c.connection_id.as_str())
        .collect();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(
        records.rate_limits,
        [RateBucket::Messages, RateBucket::Reads]
    );

    store
        .delete_client_records(&u1, true, &records.rate_limits)
        .await
        .unwrap();
    let left = store.client_records(&u1).await.unwrap();
    assert_eq!(left.role, None);
    assert!(left.rate_limits.is_empty());
    assert_eq!(left.connections.len(), 2, "connections go one by one");
    // Someone else's records are untouched.
    assert_eq!(
        store.client_records(&u2).await.unwrap().role,
        Some(Role::User)
    );
}

async fn messages_of_pages_each_direction_in_id_order_without_change_records(store: &dyn Store) {
    let mut sent = Vec::new();
    for k in 0..5 {
        let m = message("u1", "a1", T0 + k, &format!("to a1 #{k}"));
        store.put_message(&m).await.unwrap();
        sent.push(m.message_id.clone());
        let other = message("a2", "u1", T0 + k, "from a2");
        store.put_message(&other).await.unwrap();
    }
    store
        .put_message(&message("a1", "a2", T0, "not u1's"))
        .await
        .unwrap();
    // A change record sits in the participant indexes too: it is not a message.
    let changed = store
        .message(&id("u1"), &id("a1"), &sent[0])
        .await
        .unwrap()
        .unwrap();
    store
        .put_change(&MessageId::generate(T0 + 100), &changed)
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut after: Option<MessageId> = None;
    for _ in 0..10 {
        let page = store
            .messages_of(&id("u1"), Direction::Sent, after.as_ref(), 2)
            .await
            .unwrap();
        assert!(page.messages.len() <= 2);
        seen.extend(page.messages.iter().map(|m| m.message_id.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, sent, "every message u1 sent, once, in id order");
    let received = store
        .messages_of(&id("u1"), Direction::Received, None, 100)
        .await
        .unwrap();
    assert_eq!(received.messages.len(), 5);
    assert!(received.messages.iter().all(|m| m.sender_id == id("a2")));
    assert_eq!(received.next, None);
}

async fn claims_inbox_entries_and_uploads_are_listed_and_deleted(store: &dyn Store) {
    let u1 = id("u1");
    let claim = SendClaim {
        message_id: MessageId::generate(T0),
        receiver_id: id("a1"),
        fingerprint: 7,
        claimed_at_ms: T0,
    };
    for key in ["k2", "k1"] {
        store
            .claim_send(&u1, key, &claim, T0 / 1000 + 60)
            .await
            .unwrap();
    }
    store
        .claim_send(&id("u2"), "k1", &claim, T0 / 1000 + 60)
        .await
        .unwrap();
    assert_eq!(store.claim_keys(&u1).await.unwrap(), ["k1", "k2"]);
    store.delete_claims(&u1, &["k1".into()]).await.unwrap();
    assert_eq!(store.claim_keys(&u1).await.unwrap(), ["k2"]);
    assert_eq!(store.claim_keys(&id("u2")).await.unwrap(), ["k1"]);

    let from_a1 = message("a1", "u1", T0, "hello");
    let from_a2 = message("a2", "u1", T0 + 1, "hi");
    for m in [&from_a1, &from_a2] {
        store
            .record_unread(&u1, &m.sender_id, &MessagePreview::of(m), true)
            .await
            .unwrap();
    }
    let mut entries = store.inbox_entries(&u1).await.unwrap();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let peers: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(peers, ["a1", "a2"]);
    assert_eq!(entries[0].1.unread, 1);
    store.delete_inbox_entries(&u1, &[id("a1")]).await.unwrap();
    let left = store.inbox_entries(&u1).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, id("a2"));

    let (mine, theirs) = (upload("u1", T0), upload("a1", T0));
    store.put_upload(&mine).await.unwrap();
    store.put_upload(&theirs).await.unwrap();
    let listed = store.upload_ids_of(&u1).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&mine.attachment.attachment_id));
    store.delete_uploads(&u1, &listed).await.unwrap();
    assert!(store.upload_ids_of(&u1).await.unwrap().is_empty());
    assert!(store.uploads(&listed).await.unwrap().is_empty());
    let kept = [theirs.attachment.attachment_id.clone()];
    assert_eq!(store.uploads(&kept).await.unwrap().len(), 1);
}

async fn an_erasure_record_is_kept_replaced_and_deleted(store: &dyn Store) {
    let u1 = id("u1");
    assert_eq!(store.erasure(&u1).await.unwrap(), None);
    let by = Requester::Person {
        client_id: id("a1"),
        role: Role::Admin,
    };
    let mut erasure = Erasure::new(u1.clone(), by, T0);
    store.put_erasure(&erasure).await.unwrap();
    assert_eq!(store.erasure(&u1).await.unwrap().as_ref(), Some(&erasure));
    erasure.phase = ErasurePhase::Received;
    erasure.cursor = Some(MessageId::generate(T0));
    erasure.counts.messages = 12;
    store.put_erasure(&erasure).await.unwrap();
    assert_eq!(store.erasure(&u1).await.unwrap(), Some(erasure));
    assert_eq!(store.erasure(&id("u2")).await.unwrap(), None);
    store.delete_erasure(&u1).await.unwrap();
    assert_eq!(store.erasure(&u1).await.unwrap(), None);
}

on_both_stores!(
    store: client_records_hold_the_profile_connections_and_rate_state,
    messages_of_pages_each_direction_in_id_order_without_change_records,
    claims_inbox_entries_and_uploads_are_listed_and_deleted,
    an_erasure_record_is_kept_replaced_and_deleted,
);
