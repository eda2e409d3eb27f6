//! Reading: marking N unread messages read, a history page, a sync page, and unread counts
//! of a user with 3 peers and of an administrator with many.

use chat_shared::domain::{HistoryQuery, Role};

use super::{message, who, Bench, TEXT};

/// Measures each one (`mark_read`: the numbers of unread messages marked at once); returns
/// the user with 3 peers and the busy administrator, for the inbox pages measured later.
pub(super) async fn reads(
    b: &Bench,
    mark_read: &[usize],
    history_messages: usize,
    admin_peers: usize,
) -> (String, String) {
    // Mark read with N unread: the administrator sends N messages to a user.
    for &n in mark_read {
        let reader = b.name(&format!("reader{n}"));
        let writer = who(&b.name(&format!("writer{n}")), Role::Admin);
        for i in 0..n {
            b.unlimited
                .send(&writer, message(&reader, &format!("message {i}")))
                .await
                .expect("set-up send");
        }
        let r = who(&reader, Role::User);
        let updated = b
            .measure(
                &format!("mark read, {n} unread"),
                b.chat.mark_read(&r, &r.client_id, &writer.client_id),
            )
            .await
            .expect("mark read");
        assert_eq!(updated, n as u64, "mark-read counted every message");
    }

    // A history page of 50 from a longer conversation.
    let reader = b.name("historian");
    let writer = who(&b.name("chatty"), Role::Admin);
    for i in 0..history_messages {
        b.unlimited
            .send(&writer, message(&reader, &format!("message {i}")))
            .await
            .expect("set-up send");
    }
    let r = who(&reader, Role::User);
    let query = HistoryQuery {
        limit: 50,
        before: None,
        appointment_id: None,
    };
    let page = b
        .measure(
            &format!(
                "history page of 50 ({} in the conversation)",
                history_messages
            ),
            b.chat.history(&r, &r.client_id, &writer.client_id, &query),
        )
        .await
        .expect("history");
    assert_eq!(page.messages.len(), 50.min(history_messages));

    // Catch-up: the first page (100) of the same reader's messages, across conversations.
    let synced = b
        .measure(
            &format!(
                "sync page of 100, all conversations ({} messages)",
                history_messages
            ),
            b.chat.sync(&r, None, None),
        )
        .await
        .expect("sync");
    assert_eq!(synced.messages.len(), 100.min(history_messages));

    // Unread counts: a user with 3 peers, an administrator with many.
    let owner = b.name("owner");
    for i in 0..3 {
        let peer = who(&b.name(&format!("peer{i}")), Role::Admin);
        b.unlimited
            .send(&peer, message(&owner, TEXT))
            .await
            .expect("set-up send");
    }
    let o = who(&owner, Role::User);
    b.measure(
        "unread counts, user with 3 peers",
        b.chat.unread(&o, &o.client_id),
    )
    .await
    .expect("unread");
    let busy = b.name("busyadmin");
    b.connect(&busy, Role::Admin).await;
    for i in 0..admin_peers {
        let peer = who(&b.name(&format!("client{i}")), Role::User);
        b.unlimited
            .send(&peer, message(&busy, TEXT))
            .await
            .expect("set-up send");
    }
    let bz = who(&busy, Role::Admin);
    let counts = b
        .measure(
            &format!("unread counts, administrator with {} peers", admin_peers),
            b.chat.unread(&bz, &bz.client_id),
        )
        .await
        .expect("unread");
    assert_eq!(counts.total, admin_peers as u64);
    (owner, busy)
}
