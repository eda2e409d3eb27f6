//! Sends in ongoing conversations, replies, system messages, changes and inbox pages.

use std::time::Duration;

use chat_shared::domain::{AppointmentId, MessageText, NewMessage, Role, ServiceId};

use super::{id, message, who, Bench, TEXT};

/// Sends in a conversation already on top of both inboxes and in one that is not, a reply,
/// edits, a reaction and a deletion, and inbox pages of a user and of a busy administrator
/// (`owner` has 3 conversations, `busy` has `busy_peers`).
pub(super) async fn changes_and_inbox(
    b: &Bench,
    admin: &str,
    owner: &str,
    busy: &str,
    busy_peers: usize,
) {
    use chat_shared::chat::ChangeRequest;
    use chat_shared::domain::{Change, Emoji, InboxQuery};
    let a = who(admin, Role::Admin);
    let user = who(&b.name("steady"), Role::User);
    b.connect(user.client_id.as_str(), Role::User).await;
    let first = b
        .unlimited
        .send(&user, message(admin, TEXT))
        .await
        .expect("send");
    b.unlimited
        .send(&a, message(user.client_id.as_str(), TEXT))
        .await
        .expect("send");
    // Past the rate limiter's interval, so the send takes the limiter's one-write path.
    tokio::time::sleep(Duration::from_millis(250)).await;
    b.measure(
        "send, conversation on top of both inboxes (an answer)",
        b.chat.send(&user, message(admin, TEXT)),
    )
    .await
    .expect("send");
    let other = who(&b.name("interleaver"), Role::User);
    b.unlimited
        .send(&other, message(admin, TEXT))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(250)).await;
    b.measure(
        "send, another conversation on top of the receiver's inbox",
        b.chat.send(&user, message(admin, TEXT)),
    )
    .await
    .expect("send");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let reply = NewMessage {
        reply_to: Some(first.message.message_id.clone()),
        ..message(admin, TEXT)
    };
    b.measure(
        "send, a reply (with its preview)",
        b.chat.send(&user, reply),
    )
    .await
    .expect("reply");
    tokio::time::sleep(Duration::from_millis(250)).await;
    // As the booking backend posts one (POST /chat/system/{receiver_id}): the receiver's
    // system-message bucket, then a keyed send without the sender's places.
    let system = chat_shared::chat::SystemMessage {
        receiver_id: user.client_id.clone(),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::parse("Your appointment is confirmed.", 4_000).expect("text"),
        idempotency_key: b.name("appt-confirmed"),
    };
    b.measure(
        "send, a system message from the booking backend",
        b.chat.post_system(system),
    )
    .await
    .expect("system message");
    let target = |peer: Option<&str>, change: Change| ChangeRequest {
        message_id: first.message.message_id.clone(),
        peer: peer.map(id),
        change,
    };
    let text = |t: &str| Change::Edit(MessageText::parse(t, 4_000).expect("text"));
    for (label, request) in [
        (
            "edit, peer named (read directly)",
            target(Some(admin), text("edited once")),
        ),
        (
            "edit, found through the index",
            target(None, text("edited twice")),
        ),
        (
            "react",
            target(
                Some(admin),
                Change::React {
                    emoji: Emoji::parse("👍").expect("emoji"),
                    remove: false,
                },
            ),
        ),
        ("delete", target(Some(admin), Change::Delete)),
    ] {
        tokio::time::sleep(Duration::from_millis(250)).await;
        b.measure(label, b.chat.change(&user, None, request))
            .await
            .expect("change");
    }
    for (label, who_owns, conversations) in
        [("user", owner, 3), ("administrator", busy, busy_peers)]
    {
        let o = who(who_owns, Role::Admin);
        let query = InboxQuery {
            limit: 20,
            after: None,
        };
        let page = b
            .measure(
                &format!("inbox page of 20, {label} with {conversations} conversations"),
                b.chat.conversations(&o, &o.client_id, &query),
            )
            .await
            .expect("inbox");
        assert_eq!(page.conversations.len(), 20.min(conversations));
    }
}
