//! Retention (docs/data-rules.md): with a short retention, expired messages leave history,
//! catch-up, the inbox and unread counts together, at the same instant, however late the
//! store deletes them; what is younger stays. On both stores; on DynamoDB Local the items also
//! carry their TTL (a message's own time plus the retention).

use std::sync::Arc;

use chat_shared::chat::Settings;
use chat_shared::domain::{ClientId, Identity, InboxQuery, Retention, Role};
use chat_shared::store::dynamodb::{local_client, TableNames, TTL_ATTRIBUTE};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;
use chat_tests::files::{png, put};
use chat_tests::{dynamodb_endpoint, fresh_dynamo_tables, Harness, T0};
use serde_json::json;

const RETENTION_S: i64 = 60;

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

fn settings() -> Settings {
    Settings {
        rate_limit: None,
        read_rate_limit: None,
        system_rate_limit: None,
        upload_rate_limit: None,
        retention: Retention(Some(RETENTION_S)),
        ..Settings::default()
    }
}

async fn app(dynamo: bool) -> (Harness, Option<String>) {
    let retention = Retention(Some(RETENTION_S));
    let (store, prefix): (Arc<dyn Store>, Option<String>) = if dynamo {
        let (store, prefix) = fresh_dynamo_tables().await;
        (Arc::new(store.with_retention(retention)), Some(prefix))
    } else {
        (Arc::new(MemoryStore::new()), None)
    };
    (Harness::over(store, settings()), prefix)
}

fn frame(to: &str, text: &str) -> String {
    json!({"action": "sendmessage", "receiver_id": to, "appointment_id": "appt-1",
        "service_id": "svc-1", "message_text": text})
    .to_string()
}

async fn expired_messages_leave_history_sync_and_the_inbox_together(dynamo: bool) {
    let (app, prefix) = app(dynamo).await;
    let user = app.user("u-ret").connected().await;
    let admin = app.admin("a-old").connected().await;
    let admin2 = app.admin("a-new").connected().await;
    let me = Identity {
        client_id: id("u-ret"),
        role: Role::User,
    };
    // The old conversation: all at T0.
    let ack = user.send(&frame("a-old", "old 1")).await;
    let first = ack["message_id"].as_str().unwrap().to_owned();
    admin.send(&frame("u-ret", "old 2")).await;
    // The other one: one message at T0, one 30 s later.
    admin2.send(&frame("u-ret", "early")).await;
    app.clock.advance(30_000);
    admin2.send(&frame("u-ret", "late")).await;

    let history = |peer: &'static str| {
        let app = &app;
        async move { app.user("u-ret").history("u-ret", peer, 100).await }
    };
    assert_eq!(history("a-old").await.len(), 2);
    assert_eq!(history("a-new").await.len(), 2);

    // Past the retention of everything sent at T0.
    app.clock.advance(31_000);
    assert!(
        history("a-old").await.is_empty(),
        "the old conversation is gone"
    );
    let texts: Vec<String> = (history("a-new").await.iter())
        .map(|m| m.message.message_text.as_str().to_owned())
        .collect();
    assert_eq!(
        texts,
        ["late"],
        "only what is younger than the retention stays"
    );
    let synced = app.chat.sync(&me, None, None).await.unwrap();
    let texts: Vec<&str> = synced
        .messages
        .iter()
        .map(|m| m.message_text.as_str())
        .collect();
    assert_eq!(texts, ["late"], "catch-up agrees with history");
    let query = InboxQuery {
        limit: 50,
        after: None,
    };
    let inbox = app
        .chat
        .conversations(&me, &me.client_id, &query)
        .await
        .unwrap();
    let peers: Vec<&str> = inbox
        .conversations
        .iter()
        .map(|c| c.peer.as_str())
        .collect();
    assert_eq!(peers, ["a-new"], "the inbox agrees too");
    assert_eq!(
        inbox.conversations[0].last.as_ref().unwrap().text,
        "late",
        "its last message is alive"
    );
    let unread = app.chat.unread(&me, &me.client_id).await.unwrap();
    assert_eq!(
        unread
            .by_sender
            .keys()
            .map(ClientId::as_str)
            .collect::<Vec<_>>(),
        ["a-new"]
    );
    // An edit of an expired message finds nothing.
    let edit = json!({"action": "edit", "message_id": first, "peer_id": "a-old",
        "message_text": "too late"});
    let answer = user.send(&edit.to_string()).await;
    assert_eq!(answer["code"], "not_found", "{answer}");

    // Everything past the retention goes: no later read brings anything back.
    app.clock.advance(30_000);
    assert!(history("a-new").await.is_empty());
    let inbox = app
        .chat
        .conversations(&me, &me.client_id, &query)
        .await
        .unwrap();
    assert!(inbox.conversations.is_empty());
    assert!(app
        .chat
        .sync(&me, None, None)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert_eq!(app.chat.unread(&me, &me.client_id).await.unwrap().total, 0);

    if let Some(prefix) = prefix {
        // Each item expires with its message: DynamoDB's TTL deletes them later.
        let client = local_client(&dynamodb_endpoint());
        let tables = TableNames::with_prefix(&prefix);
        for table in [&tables.messages, &tables.inbox] {
            let items = client.scan().table_name(table).send().await.unwrap();
            for item in items.items.unwrap_or_default() {
                let is_message = item.contains_key("sender_id") || item.contains_key("owner_id");
                if !is_message {
                    continue;
                }
                let at: i64 = item[TTL_ATTRIBUTE].as_n().unwrap().parse().unwrap();
                let early = T0 / 1000 + RETENTION_S;
                assert!(
                    at == early || at == early + 30,
                    "{table}: expires at {at}, not with its message"
                );
            }
        }
    }
}

/// A file goes with its message: past the cut its download is refused as "gone" before
/// anything is signed, as for a deleted message.
async fn an_expired_message_s_files_are_no_longer_signed(dynamo: bool) {
    let (app, _) = app(dynamo).await;
    let app = app.with_local_s3().await;
    let bytes = png(2_000);
    let request = json!({"file_name": "scan.png", "content_type": "image/png",
        "size": bytes.len()});
    let (status, grant) = (app.user("u-file"))
        .http(
            "POST",
            "/chat/attachments/u-file",
            Some(&request.to_string()),
        )
        .await;
    assert_eq!(status, 201, "{grant}");
    let (status, answer) = put(&grant, bytes).await;
    assert_eq!(status, 200, "{answer}");
    let file = grant["attachment_id"].as_str().unwrap().to_owned();
    let user = app.user("u-file").connected().await;
    let admin = app.admin("a-file").connected().await;
    let send = json!({"action": "sendmessage", "receiver_id": "a-file",
        "appointment_id": "appt-1", "service_id": "svc-1", "message_text": "my scan",
        "attachments": [file]});
    let ack = user.send(&send.to_string()).await;
    assert!(ack["message_id"].is_string(), "{ack}");
    let download = format!("/chat/attachments/a-file/{file}");
    let (status, answer) = admin.http("GET", &download, None).await;
    assert_eq!(status, 200, "alive, it is signed: {answer}");

    app.clock.advance(RETENTION_S * 1000 + 1);
    let (status, answer) = admin.http("GET", &download, None).await;
    assert_eq!(status, 410, "{answer}");
    assert_eq!(answer["code"], "attachment_gone", "{answer}");
    assert!(answer.get("url").is_none(), "{answer}");
}

mod memory {
    #[tokio::test]
    async fn expired_messages_leave_history_sync_and_the_inbox_together() {
        super::expired_messages_leave_history_sync_and_the_inbox_together(false).await
    }

    #[tokio::test]
    async fn an_expired_message_s_files_are_no_longer_signed() {
        super::an_expired_message_s_files_are_no_longer_signed(false).await
    }
}

mod dynamodb {
    #[tokio::test]
    async fn expired_messages_leave_history_sync_and_the_inbox_together() {
        super::expired_messages_leave_history_sync_and_the_inbox_together(true).await
    }

    #[tokio::test]
    async fn an_expired_message_s_files_are_no_longer_signed() {
        super::an_expired_message_s_files_are_no_longer_signed(true).await
    }
}
