//! The store contract for messages that change and for the inbox: every store implementation
//! must pass every test here, against the in-memory store and a fresh table set in DynamoDB
//! Local.

use chat_shared::domain::{
    AppointmentId, Change, ClientId, Emoji, Identity, InboxCursor, InboxQuery, Message, MessageId,
    MessagePreview, MessageState, MessageText, Reply, Role, ServiceId, SyncQuery,
};
use chat_shared::store::Store;
use chat_tests::T0;

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
        message_text: MessageText::parse(text, 4_000).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    }
}

fn as_user(raw: &str) -> Identity {
    Identity {
        client_id: id(raw),
        role: Role::User,
    }
}

fn edited(m: &Message, by: &str, text: &str, at_ms: i64) -> Message {
    let change = Change::Edit(MessageText::parse(text, 4_000).unwrap());
    m.apply(&as_user(by), &change, at_ms).unwrap().unwrap()
}

/// Every entry of `owner`'s feed after `since`, in pages of `limit`: (position, message).
async fn feed(
    store: &dyn Store,
    owner: &str,
    peer: Option<&str>,
    since: Option<MessageId>,
    limit: usize,
) -> Vec<(MessageId, Message)> {
    let mut since = since;
    let mut all = Vec::new();
    loop {
        let query = SyncQuery {
            since: since.clone(),
            peer: peer.map(id),
            limit,
        };
        let page = store.sync(&id(owner), &query).await.unwrap();
        assert!(page.entries.len() <= limit);
        since = page.entries.last().map(|e| e.position.clone());
        all.extend(page.entries.into_iter().map(|e| (e.position, e.message)));
        if !page.has_more {
            return all;
        }
    }
}

async fn a_replace_is_a_compare_and_set_on_the_version(store: &dyn Store) {
    let m = message("u1", "admin1", T0, "see you at 10");
    store.put_message(&m).await.unwrap();
    let v2 = edited(&m, "u1", "see you at 11", T0 + 5);
    assert!(store.replace_message(&v2, 1).await.unwrap());
    let v3 = edited(&v2, "u1", "see you at 12", T0 + 6);
    assert!(
        !store.replace_message(&v3, 1).await.unwrap(),
        "stale version"
    );
    let back = store
        .message(&id("admin1"), &id("u1"), &m.message_id)
        .await
        .unwrap();
    assert_eq!(back, Some(v2.clone()));
    assert!(store.replace_message(&v3, 2).await.unwrap());
    let never = message("u1", "admin1", T0 + 9, "never stored");
    assert!(
        !store.replace_message(&never, 1).await.unwrap(),
        "no message, no write"
    );
    assert_eq!(
        store
            .message(&id("u1"), &id("admin1"), &never.message_id)
            .await
            .unwrap(),
        None
    );
}

async fn a_changed_message_is_in_the_feed_again_after_the_change_in_its_current_state(
    store: &dyn Store,
) {
    let m1 = message("u1", "admin1", T0, "first");
    let m2 = message("admin1", "u1", T0 + 1, "second");
    let other = message("u2", "admin1", T0 + 2, "elsewhere");
    for m in [&m1, &m2, &other] {
        store.put_message(m).await.unwrap();
    }
    let v2 = edited(&m1, "u1", "first, corrected", T0 + 10);
    assert!(store.replace_message(&v2, 1).await.unwrap());
    let change = MessageId::generate(T0 + 10);
    store.put_change(&change, &v2).await.unwrap();
    for (owner, peer) in [("u1", None), ("admin1", None), ("u1", Some("admin1"))] {
        let after = feed(store, owner, peer, Some(m2.message_id.clone()), 100).await;
        let after: Vec<_> = after
            .into_iter()
            .filter(|(_, m)| m.sender_id != id("u2"))
            .collect();
        assert_eq!(
            after,
            vec![(change.clone(), v2.clone())],
            "{owner} {peer:?}"
        );
        for limit in [1, 2, 100] {
            let all = feed(store, owner, peer, None, limit).await;
            let all: Vec<_> = all
                .into_iter()
                .filter(|(_, m)| m.sender_id != id("u2"))
                .collect();
            let expected = vec![
                (m1.message_id.clone(), v2.clone()),
                (m2.message_id.clone(), m2.clone()),
                (change.clone(), v2.clone()),
            ];
            assert_eq!(all, expected, "{owner} {peer:?} limit {limit}");
        }
    }
    // A stranger's feed has none of it.
    assert!(feed(store, "u2", Some("u1"), None, 10).await.is_empty());
}

async fn a_deleted_text_is_served_from_no_position(store: &dyn Store) {
    let m = message("u1", "admin1", T0, "my card number is 1234");
    store.put_message(&m).await.unwrap();
    let v2 = edited(&m, "u1", "my card number is 5678", T0 + 1);
    assert!(store.replace_message(&v2, 1).await.unwrap());
    store
        .put_change(&MessageId::generate(T0 + 1), &v2)
        .await
        .unwrap();
    let gone = v2
        .apply(&as_user("u1"), &Change::Delete, T0 + 2)
        .unwrap()
        .unwrap();
    assert!(store.replace_message(&gone, 2).await.unwrap());
    store
        .put_change(&MessageId::generate(T0 + 2), &gone)
        .await
        .unwrap();
    let all = feed(store, "admin1", None, None, 100).await;
    assert_eq!(all.len(), 3);
    for (_, m) in &all {
        assert_eq!(m, &gone);
        assert!(m.message_text.is_empty());
    }
    let history = store
        .history(
            &id("u1"),
            &id("admin1"),
            &chat_shared::domain::HistoryQuery {
                limit: 10,
                before: None,
                appointment_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(history.messages, vec![gone]);
}

async fn reactions_and_replies_come_back_exactly(store: &dyn Store) {
    let m1 = message("u1", "admin1", T0, "first");
    let mut m2 = message("admin1", "u1", T0 + 1, "an answer");
    m2.reply = Some(Reply {
        to: m1.message_id.clone(),
        preview: None,
    });
    store.put_message(&m1).await.unwrap();
    store.put_message(&m2).await.unwrap();
    let admin = Identity {
        client_id: id("admin1"),
        role: Role::Admin,
    };
    let react = |e: &str| Change::React {
        emoji: Emoji::parse(e).unwrap(),
        remove: false,
    };
    let r = m2
        .apply(&as_user("u1"), &react("👍🏽"), T0 + 2)
        .unwrap()
        .unwrap();
    let r = r.apply(&admin, &react("👍🏽"), T0 + 3).unwrap().unwrap();
    let r = r.apply(&admin, &react("👨‍👩‍👧"), T0 + 4).unwrap().unwrap();
    assert!(store.replace_message(&r, 1).await.unwrap());
    let back = store
        .message(&id("u1"), &id("admin1"), &m2.message_id)
        .await
        .unwrap();
    assert_eq!(back, Some(r));
}

async fn a_message_is_found_by_id_for_either_participant_only(store: &dyn Store) {
    let m = message("u1", "admin1", T0, "hello");
    store.put_message(&m).await.unwrap();
    assert_eq!(
        store.find_message(&id("u1"), &m.message_id).await.unwrap(),
        Some(m.clone())
    );
    assert_eq!(
        store
            .find_message(&id("admin1"), &m.message_id)
            .await
            .unwrap(),
        Some(m.clone())
    );
    assert_eq!(
        store.find_message(&id("u2"), &m.message_id).await.unwrap(),
        None
    );
    let missing = MessageId::generate(T0 + 1);
    assert_eq!(store.find_message(&id("u1"), &missing).await.unwrap(), None);
    // A change record's id (clients see them as `next_since`) names no message.
    let change = MessageId::generate(T0 + 2);
    store.put_change(&change, &m).await.unwrap();
    assert_eq!(store.find_message(&id("u1"), &change).await.unwrap(), None);
}

async fn messages_are_read_by_id_in_one_batch(store: &dyn Store) {
    let ms: Vec<Message> = (0..3)
        .map(|i| message("u1", "admin1", T0 + i, "x"))
        .collect();
    for m in &ms {
        store.put_message(m).await.unwrap();
    }
    let mut ids: Vec<MessageId> = ms.iter().map(|m| m.message_id.clone()).collect();
    ids.push(MessageId::generate(T0 + 50));
    let mut found = store
        .messages(&id("admin1"), &id("u1"), &ids)
        .await
        .unwrap();
    found.sort_by(|a, b| a.message_id.cmp(&b.message_id));
    assert_eq!(found, ms);
    assert!(store
        .messages(&id("u2"), &id("u1"), &ids)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .messages(&id("u1"), &id("admin1"), &[])
        .await
        .unwrap()
        .is_empty());
}

fn preview(from: &str, at_ms: i64, text: &str) -> MessagePreview {
    MessagePreview::of(&message(from, "x", at_ms, text))
}

async fn the_inbox_lists_conversations_by_place_with_both_sides_last_messages(store: &dyn Store) {
    let admin = id("admin1");
    // u1 writes at 1, the admin answers u1 at 4 (its own place moves), u2 writes at 3.
    let p1 = preview("u1", T0 + 1, "from u1");
    store
        .record_unread(&admin, &id("u1"), &p1, true)
        .await
        .unwrap();
    let p3 = preview("u2", T0 + 3, "from u2");
    store
        .record_unread(&admin, &id("u2"), &p3, true)
        .await
        .unwrap();
    let p4 = preview("admin1", T0 + 4, "to u1");
    store
        .record_unread(&id("u1"), &admin, &p4, true)
        .await
        .unwrap();
    store
        .touch(&admin, &id("u1"), &p4.message_id)
        .await
        .unwrap();
    assert_eq!(store.top_peer(&admin).await.unwrap(), Some(id("u1")));
    assert_eq!(store.top_peer(&id("nobody")).await.unwrap(), None);
    let page = store
        .conversations(
            &admin,
            &InboxQuery {
                limit: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    let peers: Vec<&str> = page.conversations.iter().map(|c| c.peer.as_str()).collect();
    assert_eq!(peers, ["u1", "u2"]);
    assert_eq!(
        page.conversations[0].last,
        Some(p4.clone()),
        "the newer of both sides"
    );
    assert_eq!(page.conversations[0].unread, 1);
    assert_eq!(page.conversations[1].last, Some(p3.clone()));
    assert_eq!(page.next_cursor, None);
    // The user's inbox: one conversation, its last message the admin's answer.
    let page = store
        .conversations(
            &id("u1"),
            &InboxQuery {
                limit: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.conversations.len(), 1);
    assert_eq!(page.conversations[0].last, Some(p4));
    assert_eq!(page.conversations[0].unread, 1);
}

async fn inbox_pages_have_no_gaps_repeats_or_empty_last_page(store: &dyn Store) {
    let owner = id("admin1");
    for i in 0..7 {
        let peer = id(&format!("u{i}"));
        let p = preview(peer.as_str(), T0 + i, "hi");
        store.record_unread(&owner, &peer, &p, true).await.unwrap();
    }
    for limit in [1, 3, 7] {
        let mut after: Option<InboxCursor> = None;
        let mut seen = Vec::new();
        loop {
            let query = InboxQuery {
                limit,
                after: after.clone(),
            };
            let page = store.conversations(&owner, &query).await.unwrap();
            assert!(!page.conversations.is_empty(), "no empty page");
            assert!(page.conversations.len() <= limit);
            seen.extend(
                page.conversations
                    .iter()
                    .map(|c| c.peer.as_str().to_owned()),
            );
            match page.next_cursor {
                Some(cursor) => after = Some(cursor),
                None => break,
            }
        }
        assert_eq!(
            seen,
            ["u6", "u5", "u4", "u3", "u2", "u1", "u0"],
            "limit {limit}"
        );
    }
}

async fn a_place_moves_only_forward_and_only_when_asked(store: &dyn Store) {
    let owner = id("admin1");
    let early = preview("u1", T0 + 1, "a");
    store
        .record_unread(&owner, &id("u1"), &early, true)
        .await
        .unwrap();
    store
        .record_unread(&owner, &id("u2"), &preview("u2", T0 + 2, "b"), true)
        .await
        .unwrap();
    // A message recorded without moving the place (the conversation was on top): u1 stays below.
    let later = preview("u1", T0 + 3, "c");
    store
        .record_unread(&owner, &id("u1"), &later, false)
        .await
        .unwrap();
    assert_eq!(store.top_peer(&owner).await.unwrap(), Some(id("u2")));
    let entry = store.inbox_entry(&owner, &id("u1")).await.unwrap().unwrap();
    assert_eq!((entry.unread, entry.last.as_ref()), (2, Some(&later)));
    assert_eq!(entry.activity, Some(early.message_id.clone()));
    // A touch never moves a place back.
    store
        .touch(&owner, &id("u2"), &early.message_id)
        .await
        .unwrap();
    assert_eq!(store.top_peer(&owner).await.unwrap(), Some(id("u2")));
    store
        .touch(&owner, &id("u1"), &later.message_id)
        .await
        .unwrap();
    assert_eq!(store.top_peer(&owner).await.unwrap(), Some(id("u1")));
    // A touch of a peer never written to creates the place (the sender's side of a first send).
    store
        .touch(&id("u9"), &owner, &later.message_id)
        .await
        .unwrap();
    assert_eq!(
        store.top_peer(&id("u9")).await.unwrap(),
        Some(owner.clone())
    );
    let entry = store.inbox_entry(&id("u9"), &owner).await.unwrap().unwrap();
    assert_eq!((entry.unread, entry.last), (0, None));
}

async fn the_last_preview_is_refreshed_only_for_the_last_message(store: &dyn Store) {
    let owner = id("admin1");
    let first = preview("u1", T0 + 1, "first");
    let last = preview("u1", T0 + 2, "last");
    store
        .record_unread(&owner, &id("u1"), &first, true)
        .await
        .unwrap();
    store
        .record_unread(&owner, &id("u1"), &last, true)
        .await
        .unwrap();
    let stale = MessagePreview {
        text: "first, edited".into(),
        edited: true,
        ..first
    };
    assert!(!store.refresh_last(&owner, &id("u1"), &stale).await.unwrap());
    let edited = MessagePreview {
        text: "last, edited".into(),
        edited: true,
        version: 2,
        ..last.clone()
    };
    let fresh = MessagePreview {
        text: String::new(),
        deleted: true,
        version: 3,
        ..last
    };
    assert!(store.refresh_last(&owner, &id("u1"), &fresh).await.unwrap());
    // Changes may finish out of order: an older version never replaces a newer preview.
    assert!(!store
        .refresh_last(&owner, &id("u1"), &edited)
        .await
        .unwrap());
    let entry = store.inbox_entry(&owner, &id("u1")).await.unwrap().unwrap();
    assert_eq!(entry.last, Some(fresh));
    assert_eq!(entry.unread, 2, "a refresh counts nothing");
}

chat_tests::on_both_stores!(
    store:
    a_replace_is_a_compare_and_set_on_the_version,
    a_changed_message_is_in_the_feed_again_after_the_change_in_its_current_state,
    a_deleted_text_is_served_from_no_position,
    reactions_and_replies_come_back_exactly,
    a_message_is_found_by_id_for_either_participant_only,
    messages_are_read_by_id_in_one_batch,
    the_inbox_lists_conversations_by_place_with_both_sides_last_messages,
    inbox_pages_have_no_gaps_repeats_or_empty_last_page,
    a_place_moves_only_forward_and_only_when_asked,
    the_last_preview_is_refreshed_only_for_the_last_message,
);
