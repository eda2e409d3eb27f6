//! Messages that change (edit, delete, react, reply) and the inbox, through the real WebSocket
//! and HTTP handlers with API Gateway's event JSON, on both stores.

use chat_tests::{frame, on_both_stores, Backend, Harness, Participant};
use serde_json::{json, Value};

/// A user and an administrator, connected; the user also has a second device.
async fn pair(app: &Harness) -> (Participant<'_>, Participant<'_>, Participant<'_>) {
    let user = app.user("user123").on("userPhone=").connected().await;
    let laptop = app.user("user123").on("userLaptop=").connected().await;
    let admin = app.admin("admin456").on("adminDesk=").connected().await;
    (user, laptop, admin)
}

fn edit(id: &str, peer: Option<&str>, text: &str) -> String {
    let mut f = json!({"action": "edit", "message_id": id, "message_text": text});
    if let Some(peer) = peer {
        f["peer_id"] = json!(peer);
    }
    f.to_string()
}

fn delete(id: &str, peer: &str) -> String {
    json!({"action": "delete", "message_id": id, "peer_id": peer}).to_string()
}

fn react(id: &str, peer: &str, emoji: &str, remove: bool) -> String {
    json!({"action": "react", "message_id": id, "peer_id": peer, "emoji": emoji, "remove": remove})
        .to_string()
}

/// Sends `text` from `from` to `to` a millisecond after the previous send, so the messages'
/// order is their sending order whatever other tests' clocks do to the shared id generator.
async fn said(from: &Participant<'_>, to: &Participant<'_>, text: &str) -> String {
    from.app().clock.advance(1);
    id_of(&from.send_to(to, text).await)
}

fn id_of(ack: &Value) -> String {
    ack["message_id"].as_str().expect("a message id").to_owned()
}

/// The conversation as history shows it (newest first), as the administrator reads it.
async fn history(app: &Harness) -> Vec<Value> {
    let admin = app.admin("admin456");
    let (status, body) = admin
        .http("GET", "/chat/history/admin456/user123?limit=100", None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().unwrap().clone()
}

async fn the_author_edits_and_both_sides_see_the_new_version(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, laptop, admin) = pair(&app).await;
    let sent = user.send_to(&admin, "see you at 10").await;
    let id = id_of(&sent);
    for peer in [Some("admin456"), None] {
        let text = if peer.is_some() {
            "see you at 11"
        } else {
            "see you at 12"
        };
        let ack = user.send(&edit(&id, peer, text)).await;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(ack["action"], "edit");
        assert_eq!(ack["message"]["message_text"], text);
        assert!(ack["message"]["edited_at"].is_string());
    }
    let updates = admin.frames_of("update");
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1]["message"]["message_text"], "see you at 12");
    assert_eq!(updates[1]["message"]["version"], 3);
    assert_eq!(updates[1]["message"]["message_id"], id.as_str());
    assert_eq!(
        laptop.frames_of("update").len(),
        2,
        "the author's other device too"
    );
    assert!(
        user.frames_of("update").is_empty(),
        "the asking connection gets the ack only"
    );
    let history = history(&app).await;
    assert_eq!(history[0]["message_text"], "see you at 12");
    assert_eq!(history[0]["version"], 3);
    // The same edit again changes nothing and is still acked.
    let again = user
        .send(&edit(&id, Some("admin456"), "see you at 12"))
        .await;
    assert_eq!(
        (again["type"].as_str(), again["version"].as_u64()),
        (Some("ack"), Some(3))
    );
}

async fn only_the_author_edits_and_a_refusal_changes_nothing(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    let id = said(&user, &admin, "hello").await;
    let refused = admin.send(&edit(&id, Some("user123"), "hijacked")).await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    let stranger = app.user("mallory").on("evil=").connected().await;
    let refused = stranger.send(&edit(&id, None, "hijacked")).await;
    assert_eq!(refused["code"], "not_found", "{refused}");
    let refused = stranger
        .send(&edit(&id, Some("admin456"), "hijacked"))
        .await;
    assert_eq!(
        refused["code"], "not_found",
        "a stranger's conversation key finds nothing"
    );
    let history = history(&app).await;
    assert_eq!(
        (
            history[0]["message_text"].as_str(),
            history[0]["version"].as_u64()
        ),
        (Some("hello"), Some(1))
    );
    assert!(admin.frames_of("update").is_empty());
}

async fn a_deletion_leaves_a_tombstone_and_administrators_moderate(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, laptop, admin) = pair(&app).await;
    let mine = said(&user, &admin, "oops, my card number").await;
    let theirs = said(&admin, &user, "we can help").await;
    let refused = user.send(&delete(&theirs, "admin456")).await;
    assert_eq!(
        refused["code"], "forbidden",
        "a user deletes only their own"
    );
    let ack = user.send(&delete(&mine, "admin456")).await;
    assert_eq!(ack["message"]["deleted"], true, "{ack}");
    assert_eq!(ack["message"]["message_text"], "");
    assert_eq!(ack["message"]["deleted_by"], "user123");
    let update = &admin.frames_of("update")[0]["message"];
    assert_eq!(
        (update["deleted"].as_bool(), update["message_text"].as_str()),
        (Some(true), Some(""))
    );
    // Moderation: the administrator deletes the user's message... and its own.
    let spam = said(&user, &admin, "spam").await;
    let ack = admin.send(&delete(&spam, "user123")).await;
    assert_eq!(ack["message"]["deleted_by"], "admin456");
    assert_eq!(laptop.frames_of("update").len(), 2);
    let history = history(&app).await;
    let texts: Vec<&str> = history
        .iter()
        .map(|m| m["message_text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["", "we can help", ""]);
    // Deleting twice is acked, and nothing more can change.
    let again = user.send(&delete(&mine, "admin456")).await;
    assert_eq!(again["type"], "ack");
    let refused = user.send(&edit(&mine, Some("admin456"), "back")).await;
    assert_eq!(refused["code"], "conflict");
    let refused = admin.send(&react(&mine, "user123", "👍", false)).await;
    assert_eq!(refused["code"], "conflict");
}

async fn reactions_are_sets_bounded_and_seen_by_both(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    let id = said(&user, &admin, "confirmed for Friday?").await;
    admin.send(&react(&id, "user123", "👍", false)).await;
    let ack = user.send(&react(&id, "admin456", "👍", false)).await;
    assert_eq!(
        ack["message"]["reactions"],
        json!({"👍": ["admin456", "user123"]}),
        "{ack}"
    );
    let twice = user.send(&react(&id, "admin456", "👍", false)).await;
    assert_eq!(
        twice["version"], ack["version"],
        "adding twice changes nothing"
    );
    let ack = user.send(&react(&id, "admin456", "👍", true)).await;
    assert_eq!(ack["message"]["reactions"], json!({"👍": ["admin456"]}));
    let updates = admin.frames_of("update");
    assert_eq!(
        updates.last().unwrap()["message"]["reactions"],
        json!({"👍": ["admin456"]})
    );
    let emoji = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
        "😗", "😙", "🥲", "😚",
    ];
    for e in emoji {
        let ack = user.send(&react(&id, "admin456", e, false)).await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    let refused = user.send(&react(&id, "admin456", "🤗", false)).await;
    assert_eq!(refused["code"], "conflict", "the 21st different emoji");
    for bad in ["lol", "", "👍 ", "<b>"] {
        let refused = user.send(&react(&id, "admin456", bad, false)).await;
        assert_eq!(refused["code"], "validation", "{bad:?}");
    }
}

async fn a_reply_carries_a_preview_of_the_current_original(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    let question = said(&user, &admin, &"Can I move my appointment? ".repeat(10)).await;
    let mut answer = serde_json::from_str::<Value>(&frame("user123", "Yes, to Friday")).unwrap();
    answer["reply_to"] = json!(question);
    app.clock.advance(1);
    let ack = admin.send(&answer.to_string()).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let delivered = user.frames_of("message").pop().unwrap();
    assert_eq!(delivered["reply_to"], question.as_str());
    let preview = &delivered["reply_preview"];
    assert_eq!(preview["sender_id"], "user123");
    let text = preview["preview"].as_str().unwrap();
    assert_eq!(text.chars().count(), 101);
    assert!(text.ends_with('…'));
    // Once the original is deleted, the quote shows that, without its text.
    user.send(&delete(&question, "admin456")).await;
    let history = history(&app).await;
    assert_eq!(history[0]["reply_preview"]["deleted"], true);
    assert_eq!(history[0]["reply_preview"]["preview"], "");
    // A reply to nothing of this conversation is refused, and nothing is stored.
    let stranger = app.user("u2").on("u2phone=").connected().await;
    let elsewhere = said(&stranger, &admin, "another conversation").await;
    for to in [elsewhere.as_str(), question.as_str(), "not-an-id"] {
        answer["reply_to"] = json!(to);
        let refused = admin.send(&answer.to_string()).await;
        assert_eq!(refused["code"], "validation", "{to}");
    }
    assert_eq!(history.len(), 2);
    assert_eq!(self::history(&app).await.len(), 2);
}

async fn an_offline_device_catches_up_every_change_once(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, laptop, admin) = pair(&app).await;
    let a = said(&user, &admin, "first").await;
    let b = said(&admin, &user, "second").await;
    let sync = json!({"action": "sync", "since": ""}).to_string();
    let before = laptop.send(&sync).await;
    let cursor = before["next_since"].as_str().unwrap().to_owned();
    // While the laptop is away (its cursor is stored), everything changes.
    app.clock.advance(61_000);
    user.send(&edit(&a, Some("admin456"), "first, edited"))
        .await;
    admin.send(&react(&a, "user123", "❤️", false)).await;
    admin.send(&delete(&b, "user123")).await;
    let after = laptop
        .send(&json!({"action": "sync", "since": cursor}).to_string())
        .await;
    let messages = after["messages"].as_array().unwrap();
    let ids: Vec<&str> = messages
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "each once: {ids:?}");
    let first = messages
        .iter()
        .find(|m| m["message_id"] == a.as_str())
        .unwrap();
    assert_eq!(first["message_text"], "first, edited");
    assert_eq!(first["reactions"], json!({"❤️": ["admin456"]}));
    assert_eq!(first["version"], 3);
    let second = messages
        .iter()
        .find(|m| m["message_id"] == b.as_str())
        .unwrap();
    assert_eq!(second["deleted"], true);
}

async fn the_inbox_lists_conversations_most_recent_first(backend: Backend) {
    let app = Harness::on(backend).await;
    let admin = app.admin("admin456").on("adminDesk=").connected().await;
    let users: Vec<Participant> = {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(
                app.user(&format!("u{i}"))
                    .on(&format!("u{i}phone="))
                    .connected()
                    .await,
            );
        }
        v
    };
    for (i, u) in users.iter().enumerate() {
        app.clock.advance(10);
        u.send_to(&admin, &format!("hello from u{i}")).await;
    }
    app.clock.advance(10);
    admin.send_to(&users[1], "answer to u1").await;
    let (status, page) = admin
        .http("GET", "/chat/conversations/admin456?limit=2", None)
        .await;
    assert_eq!(status, 200, "{page}");
    let peers: Vec<&str> = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["peer_id"].as_str().unwrap())
        .collect();
    assert_eq!(peers, ["u1", "u4"]);
    let first = &page["conversations"][0];
    assert_eq!(first["last_message"]["preview"], "answer to u1");
    assert_eq!(first["last_message"]["sender_id"], "admin456");
    assert_eq!(first["unread"], 1);
    assert!(first["updated_at"].is_string());
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = admin
        .http(
            "GET",
            &format!("/chat/conversations/admin456?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    let peers: Vec<&str> = next["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["peer_id"].as_str().unwrap())
        .collect();
    assert_eq!(peers, ["u3", "u2"]);
    // Marking read clears the count; the user sees the conversation too.
    users[1].mark_read(&admin).await;
    admin.mark_read(&users[1]).await;
    let (_, page) = admin
        .http("GET", "/chat/conversations/admin456", None)
        .await;
    assert_eq!(page["conversations"][0]["unread"], 0);
    let (status, mine) = users[1].http("GET", "/chat/conversations/u1", None).await;
    assert_eq!(status, 200);
    assert_eq!(mine["conversations"][0]["peer_id"], "admin456");
    assert_eq!(
        mine["conversations"][0]["last_message"]["preview"],
        "answer to u1"
    );
    // An edit of the last message shows in the inbox.
    let last = admin.send_to(&users[3], "typo hre").await;
    admin
        .send(&edit(&id_of(&last), Some("u3"), "typo here"))
        .await;
    let (_, page) = admin
        .http("GET", "/chat/conversations/admin456", None)
        .await;
    let u3 = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["peer_id"] == "u3")
        .unwrap()
        .clone();
    assert_eq!(u3["last_message"]["preview"], "typo here");
    assert_eq!(u3["last_message"]["edited"], true);
}

async fn the_inbox_is_only_its_owners_and_refuses_bad_input(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    user.send_to(&admin, "hi").await;
    let (status, body) = admin.http("GET", "/chat/conversations/user123", None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    for target in [
        "/chat/conversations/user123?limit=0",
        "/chat/conversations/user123?limit=51",
        "/chat/conversations/user123?limit=x",
        "/chat/conversations/user123?cursor=%%%",
        "/chat/conversations/user123?cursor=AAAA",
        "/chat/conversations/a%20b",
    ] {
        let (status, body) = user.http("GET", target, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("validation")),
            "{target}"
        );
    }
    let (status, body) = app
        .anonymous()
        .http("GET", "/chat/conversations/user123", None)
        .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = user
        .http("PUT", "/chat/conversations/user123", Some("{}"))
        .await;
    assert_eq!(status, 405);
}

async fn bad_change_frames_are_refused_by_name_and_change_nothing(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    let id = said(&user, &admin, "hello").await;
    for (bad, code) in [
        (json!({"action": "edit", "message_id": id}), "validation"),
        (
            json!({"action": "edit", "message_id": id, "message_text": "  "}),
            "validation",
        ),
        (
            json!({"action": "edit", "message_id": "x", "message_text": "a"}),
            "validation",
        ),
        (
            json!({"action": "edit", "message_id": 5, "message_text": "a"}),
            "validation",
        ),
        (json!({"action": "delete"}), "validation"),
        (
            json!({"action": "delete", "message_id": id, "peer_id": "user123"}),
            "validation",
        ),
        (
            json!({"action": "delete", "message_id": id, "peer_id": "a b"}),
            "validation",
        ),
        (
            json!({"action": "react", "message_id": id, "emoji": "👍", "remove": "yes"}),
            "validation",
        ),
        (json!({"action": "react", "message_id": id}), "validation"),
    ] {
        let refused = user.send(&bad.to_string()).await;
        assert_eq!(refused["code"], code, "{bad}");
    }
    let history = history(&app).await;
    assert_eq!(
        (
            history[0]["message_text"].as_str(),
            history[0]["version"].as_u64()
        ),
        (Some("hello"), Some(1))
    );
    assert!(admin.frames_of("update").is_empty());
}

async fn a_sync_page_with_replies_stays_under_the_frame_limit(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, laptop, admin) = pair(&app).await;
    let long = "x".repeat(3_900);
    let first = said(&user, &admin, &long).await;
    for _ in 0..45 {
        let mut reply = serde_json::from_str::<Value>(&frame("user123", &long)).unwrap();
        reply["reply_to"] = json!(first);
        app.clock.advance(1);
        assert_eq!(admin.send(&reply.to_string()).await["type"], "ack");
    }
    let mut since = String::new();
    let mut seen = 0;
    loop {
        let response = laptop
            .message(&json!({"action": "sync", "since": since}).to_string())
            .await;
        let body = chat_edge::lambda::ws::frame_of(&response)
            .unwrap()
            .to_owned();
        assert!(body.len() <= 128 * 1024, "a {} byte frame", body.len());
        let page: Value = serde_json::from_str(&body).unwrap();
        seen += page["messages"].as_array().unwrap().len();
        since = page["next_since"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, 46);
}

async fn a_retried_reply_gets_its_ack_after_the_original_was_deleted(backend: Backend) {
    let app = Harness::on(backend).await;
    let (user, _laptop, admin) = pair(&app).await;
    let question = said(&user, &admin, "Is 10:00 free?").await;
    let mut answer = serde_json::from_str::<Value>(&frame("user123", "Yes")).unwrap();
    answer["reply_to"] = json!(question);
    answer["client_msg_id"] = json!("answer-1");
    app.clock.advance(1);
    let ack = admin.send(&answer.to_string()).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    user.send(&delete(&question, "admin456")).await;
    // The ack was lost; the retry finds the stored reply.
    let again = admin.send(&answer.to_string()).await;
    assert_eq!(again, ack);
    assert_eq!(history(&app).await.len(), 2);
}

on_both_stores!(
    a_sync_page_with_replies_stays_under_the_frame_limit,
    a_retried_reply_gets_its_ack_after_the_original_was_deleted,
    the_author_edits_and_both_sides_see_the_new_version,
    only_the_author_edits_and_a_refusal_changes_nothing,
    a_deletion_leaves_a_tombstone_and_administrators_moderate,
    reactions_are_sets_bounded_and_seen_by_both,
    a_reply_carries_a_preview_of_the_current_original,
    an_offline_device_catches_up_every_change_once,
    the_inbox_lists_conversations_most_recent_first,
    the_inbox_is_only_its_owners_and_refuses_bad_input,
    bad_change_frames_are_refused_by_name_and_change_nothing,
);
