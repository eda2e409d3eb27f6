//! The store contract: every store implementation must pass every test here. Each test runs
//! twice, against the in-memory store and against a fresh table set in DynamoDB Local, so the
//! two cannot drift apart.

use chat_shared::domain::{
    AppointmentId, ClientId, Connection, ConnectionId, HistoryQuery, InboxEntry, Message,
    MessageId, MessagePreview, MessageState, MessageText, Role, SendClaim, ServiceId, SyncQuery,
};
use chat_shared::store::{RateBucket, RateRule, Store, StoreError};
use chat_tests::T0;

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

fn conn(client: &str, connection: &str, role: Role, expires_at_s: i64) -> Connection {
    Connection {
        connection_id: ConnectionId::parse(connection).unwrap(),
        client_id: id(client),
        role,
        connected_at_ms: T0,
        expires_at_s,
    }
}

fn message(from: &str, to: &str, at_ms: i64, appointment: &str, text: &str) -> Message {
    Message {
        message_id: MessageId::generate(at_ms),
        sender_id: id(from),
        receiver_id: id(to),
        appointment_id: AppointmentId::parse_field("appointment_id", appointment).unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        message_text: MessageText::parse(text, 4_000).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    }
}

fn query(limit: usize, before: Option<MessageId>, appointment: Option<&str>) -> HistoryQuery {
    HistoryQuery {
        limit,
        before,
        appointment_id: appointment
            .map(|a| AppointmentId::parse_field("appointment_id", a).unwrap()),
    }
}

const NOW_S: i64 = T0 / 1000;

/// A preview of message `id` from `sender`, as a send records it in the receiver's inbox.
fn last(sender: &ClientId, id: &MessageId) -> MessagePreview {
    MessagePreview {
        message_id: id.clone(),
        sender_id: sender.clone(),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").unwrap(),
        service_id: ServiceId::parse_field("service_id", "service123").unwrap(),
        text: "hi".into(),
        edited: false,
        deleted: false,
        version: 1,
    }
}

async fn presence_of_an_unknown_client_is_empty(store: &dyn Store) {
    let p = store.presence(&id("nobody"), NOW_S).await.unwrap();
    assert_eq!(p.role, None);
    assert!(p.connections.is_empty());
}

async fn connections_are_listed_with_the_role_they_connected_with(store: &dyn Store) {
    store
        .put_connection(&conn("admin1", "connB=", Role::Admin, NOW_S + 100))
        .await
        .unwrap();
    store
        .put_connection(&conn("admin1", "connA=", Role::Admin, NOW_S + 100))
        .await
        .unwrap();
    store
        .put_connection(&conn("user1", "connC=", Role::User, NOW_S + 100))
        .await
        .unwrap();
    let p = store.presence(&id("admin1"), NOW_S).await.unwrap();
    assert_eq!(p.role, Some(Role::Admin));
    let ids: Vec<&str> = p
        .connections
        .iter()
        .map(|c| c.connection_id.as_str())
        .collect();
    assert_eq!(ids, ["connA=", "connB="]);
    assert_eq!(
        p.connections[0],
        conn("admin1", "connA=", Role::Admin, NOW_S + 100)
    );
}

async fn deleting_a_connection_removes_only_that_one(store: &dyn Store) {
    store
        .put_connection(&conn("u1", "c1", Role::User, NOW_S + 100))
        .await
        .unwrap();
    store
        .put_connection(&conn("u1", "c2", Role::User, NOW_S + 100))
        .await
        .unwrap();
    store
        .delete_connection(&id("u1"), &ConnectionId::parse("c1").unwrap())
        .await
        .unwrap();
    // Unknown connections and clients are not an error.
    store
        .delete_connection(&id("u1"), &ConnectionId::parse("c9").unwrap())
        .await
        .unwrap();
    store
        .delete_connection(&id("ghost"), &ConnectionId::parse("c1").unwrap())
        .await
        .unwrap();
    let p = store.presence(&id("u1"), NOW_S).await.unwrap();
    assert_eq!(p.connections.len(), 1);
    assert_eq!(p.connections[0].connection_id.as_str(), "c2");
    // The role outlives the connections: it says who the client is.
    store
        .delete_connection(&id("u1"), &ConnectionId::parse("c2").unwrap())
        .await
        .unwrap();
    let p = store.presence(&id("u1"), NOW_S).await.unwrap();
    assert_eq!((p.role, p.connections.len()), (Some(Role::User), 0));
}

async fn expired_connections_are_not_listed(store: &dyn Store) {
    store
        .put_connection(&conn("u1", "old", Role::User, NOW_S))
        .await
        .unwrap();
    store
        .put_connection(&conn("u1", "new", Role::User, NOW_S + 1))
        .await
        .unwrap();
    let p = store.presence(&id("u1"), NOW_S).await.unwrap();
    let ids: Vec<&str> = p
        .connections
        .iter()
        .map(|c| c.connection_id.as_str())
        .collect();
    assert_eq!(ids, ["new"]);
}

async fn the_latest_connect_sets_the_role(store: &dyn Store) {
    store
        .put_connection(&conn("x1", "c1", Role::User, NOW_S + 100))
        .await
        .unwrap();
    store
        .put_connection(&conn("x1", "c2", Role::Admin, NOW_S + 100))
        .await
        .unwrap();
    let p = store.presence(&id("x1"), NOW_S).await.unwrap();
    assert_eq!(p.role, Some(Role::Admin));
}

async fn a_message_id_is_stored_once(store: &dyn Store) {
    let m = message("u1", "a1", T0, "ap1", "hello");
    store.put_message(&m).await.unwrap();
    let mut again = m.clone();
    again.message_text = MessageText::parse("overwrite attempt", 100).unwrap();
    assert!(matches!(
        store.put_message(&again).await,
        Err(StoreError::MessageExists)
    ));
    let page = store
        .history(&id("u1"), &id("a1"), &query(10, None, None))
        .await
        .unwrap();
    assert_eq!(page.messages, vec![m]);
}

async fn text_and_optional_fields_come_back_exactly(store: &dyn Store) {
    let text = "<img src=x onerror=alert(1)> ' OR 1=1; -- \u{1F600} e\u{301} \u{202E}rtl\n\ttab";
    let mut m = message("u1", "a1", T0, "ap-1.x:y@z|w", text);
    m.client_msg_id = Some("k-7f3a".into());
    store.put_message(&m).await.unwrap();
    let page = store
        .history(&id("a1"), &id("u1"), &query(10, None, None))
        .await
        .unwrap();
    assert_eq!(page.messages, vec![m]);
}

async fn history_pages_newest_first_without_gaps_or_repeats(store: &dyn Store) {
    let mut sent = Vec::new();
    for i in 0..7 {
        let (from, to) = if i % 2 == 0 {
            ("u1", "a1")
        } else {
            ("a1", "u1")
        };
        let m = message(from, to, T0 + i * 10, "ap1", &format!("m{i}"));
        store.put_message(&m).await.unwrap();
        sent.push(m);
    }
    // Another conversation must not leak in.
    store
        .put_message(&message("u2", "a1", T0 + 5, "ap1", "other"))
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .history(&id("u1"), &id("a1"), &query(3, cursor.clone(), None))
            .await
            .unwrap();
        pages += 1;
        assert!(page.messages.len() <= 3);
        seen.extend(page.messages);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    sent.reverse();
    assert_eq!(seen, sent);
    assert_eq!(pages, 3);
}

async fn an_exact_multiple_has_no_empty_last_page(store: &dyn Store) {
    for i in 0..6 {
        store
            .put_message(&message("u1", "a1", T0 + i, "ap1", "x"))
            .await
            .unwrap();
    }
    let first = store
        .history(&id("u1"), &id("a1"), &query(3, None, None))
        .await
        .unwrap();
    assert_eq!(first.messages.len(), 3);
    let second = store
        .history(&id("u1"), &id("a1"), &query(3, first.next_cursor, None))
        .await
        .unwrap();
    assert_eq!(second.messages.len(), 3);
    assert_eq!(second.next_cursor, None);
}

async fn history_filters_by_appointment_across_pages(store: &dyn Store) {
    let mut wanted = Vec::new();
    for i in 0..20 {
        let appointment = if i % 4 == 0 { "apX" } else { "apY" };
        let m = message("u1", "a1", T0 + i, appointment, "x");
        store.put_message(&m).await.unwrap();
        if appointment == "apX" {
            wanted.push(m);
        }
    }
    wanted.reverse();
    let first = store
        .history(&id("u1"), &id("a1"), &query(3, None, Some("apX")))
        .await
        .unwrap();
    assert_eq!(first.messages, wanted[..3]);
    let second = store
        .history(
            &id("u1"),
            &id("a1"),
            &query(3, first.next_cursor, Some("apX")),
        )
        .await
        .unwrap();
    assert_eq!(second.messages, wanted[3..]);
    assert_eq!(second.next_cursor, None);
}

async fn history_of_strangers_is_empty(store: &dyn Store) {
    let page = store
        .history(&id("u1"), &id("a1"), &query(10, None, None))
        .await
        .unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(page.next_cursor, None);
}

async fn unread_counts_and_the_newest_id_are_tracked(store: &dyn Store) {
    let (owner, peer) = (id("a1"), id("u1"));
    assert_eq!(store.inbox_entry(&owner, &peer).await.unwrap(), None);
    let first = MessageId::generate(T0);
    let newest = MessageId::generate(T0 + 50);
    let late_older = MessageId::generate(T0 + 10);
    for m in [&first, &newest, &late_older] {
        store
            .record_unread(&owner, &peer, &last(&peer, m), true)
            .await
            .unwrap();
    }
    let entry = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    assert_eq!(entry.unread, 3);
    // An older id recorded late (concurrent sends) does not move the pointer back.
    assert_eq!(entry.last_message_id, Some(newest));
    assert_eq!(entry.read_up_to, None);
    // The other direction is a different entry.
    assert_eq!(store.inbox_entry(&peer, &owner).await.unwrap(), None);
}

async fn mark_read_sets_the_pointer_only_if_nothing_changed(store: &dyn Store) {
    let (owner, peer) = (id("a1"), id("u1"));
    let m1 = MessageId::generate(T0);
    store
        .record_unread(&owner, &peer, &last(&peer, &m1), true)
        .await
        .unwrap();
    let seen = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    // A message arrives between the read and the write: the write must not happen.
    let m2 = MessageId::generate(T0 + 1);
    store
        .record_unread(&owner, &peer, &last(&peer, &m2), true)
        .await
        .unwrap();
    assert!(!store
        .mark_read_if_unchanged(&owner, &peer, &seen, T0 + 5)
        .await
        .unwrap());
    let now = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    assert_eq!(now.unread, 2);
    assert!(store
        .mark_read_if_unchanged(&owner, &peer, &now, T0 + 6)
        .await
        .unwrap());
    let after = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    assert_eq!(
        after,
        InboxEntry {
            unread: 0,
            last_message_id: Some(m2.clone()),
            read_up_to: Some(m2.clone()),
            read_at_ms: Some(T0 + 6),
            last: Some(last(&peer, &m2)),
            activity: Some(m2),
        }
    );
    // Unknown entries are never created by a mark.
    assert!(!store
        .mark_read_if_unchanged(&id("zz"), &peer, &InboxEntry::default(), T0)
        .await
        .unwrap());
    assert_eq!(store.inbox_entry(&id("zz"), &peer).await.unwrap(), None);
}

async fn a_late_recorded_message_already_marked_read_is_not_counted(store: &dyn Store) {
    let (owner, peer) = (id("a1"), id("u1"));
    let older = MessageId::generate(T0);
    let newer = MessageId::generate(T0 + 10);
    // Two concurrent sends: the newer one is recorded first, then the reader marks read...
    store
        .record_unread(&owner, &peer, &last(&peer, &newer), true)
        .await
        .unwrap();
    let seen = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    assert!(store
        .mark_read_if_unchanged(&owner, &peer, &seen, T0 + 20)
        .await
        .unwrap());
    // ...and only then the older one is recorded: the read pointer already covers it.
    store
        .record_unread(&owner, &peer, &last(&peer, &older), true)
        .await
        .unwrap();
    let entry = store.inbox_entry(&owner, &peer).await.unwrap().unwrap();
    assert_eq!(entry.unread, 0);
    assert!(entry.has_read(&older));
    // Recorded out of order but before any mark-read, both count.
    store
        .record_unread(&id("a2"), &peer, &last(&peer, &newer), true)
        .await
        .unwrap();
    store
        .record_unread(&id("a2"), &peer, &last(&peer, &older), true)
        .await
        .unwrap();
    let fresh = store.inbox_entry(&id("a2"), &peer).await.unwrap();
    assert_eq!(fresh.map(|e| e.unread), Some(2));
}

const MESSAGES: RateBucket = RateBucket::Messages;

const TEN_A_SECOND_BURST_20: RateRule = RateRule {
    per_second: 10,
    burst: 20,
    period_s: 1,
};

async fn the_rate_limiter_refuses_the_21st_of_a_burst_and_admits_after_refill(store: &dyn Store) {
    let (alice, bob) = (id("alice"), id("bob"));
    let rule = TEN_A_SECOND_BURST_20;
    for i in 0..20 {
        assert!(
            store.admit(&alice, MESSAGES, rule, T0).await.unwrap(),
            "message {}",
            i + 1
        );
    }
    assert!(
        !store.admit(&alice, MESSAGES, rule, T0).await.unwrap(),
        "the 21st"
    );
    assert!(
        !store.admit(&alice, MESSAGES, rule, T0 + 99).await.unwrap(),
        "before a token refills"
    );
    // Buckets are per sender.
    assert!(store.admit(&bob, MESSAGES, rule, T0).await.unwrap());
    // One token a 100 ms.
    assert!(store.admit(&alice, MESSAGES, rule, T0 + 100).await.unwrap());
    assert!(!store.admit(&alice, MESSAGES, rule, T0 + 100).await.unwrap());
    // After a quiet spell the whole burst is back, and no more.
    let later = T0 + 60_000;
    for i in 0..20 {
        assert!(
            store.admit(&alice, MESSAGES, rule, later).await.unwrap(),
            "refilled {}",
            i + 1
        );
    }
    assert!(!store.admit(&alice, MESSAGES, rule, later).await.unwrap());
}

async fn a_steady_pace_at_the_rate_is_always_admitted(store: &dyn Store) {
    let alice = id("alice");
    for i in 0..50 {
        assert!(store
            .admit(&alice, MESSAGES, TEN_A_SECOND_BURST_20, T0 + i * 100)
            .await
            .unwrap());
    }
}

async fn rate_limit_state_does_not_disturb_presence(store: &dyn Store) {
    store
        .put_connection(&conn("alice", "c1", Role::User, NOW_S + 100))
        .await
        .unwrap();
    store
        .admit(&id("alice"), MESSAGES, TEN_A_SECOND_BURST_20, T0)
        .await
        .unwrap();
    let p = store.presence(&id("alice"), NOW_S).await.unwrap();
    assert_eq!((p.role, p.connections.len()), (Some(Role::User), 1));
}

async fn unread_counts_list_only_peers_with_unread(store: &dyn Store) {
    let owner = id("a1");
    for (peer, n) in [("u1", 2), ("u2", 1), ("u3", 1)] {
        for i in 0..n {
            store
                .record_unread(
                    &owner,
                    &id(peer),
                    &last(&id(peer), &MessageId::generate(T0 + i)),
                    true,
                )
                .await
                .unwrap();
        }
    }
    let e = store.inbox_entry(&owner, &id("u3")).await.unwrap().unwrap();
    assert!(store
        .mark_read_if_unchanged(&owner, &id("u3"), &e, T0)
        .await
        .unwrap());
    let mut counts = store.unread_counts(&owner).await.unwrap();
    counts.sort();
    assert_eq!(counts, vec![(id("u1"), 2), (id("u2"), 1)]);
    assert!(store.unread_counts(&id("u1")).await.unwrap().is_empty());
}

async fn a_stored_message_reads_back_by_id(store: &dyn Store) {
    let m = message("u1", "admin1", T0, "a1", "hello");
    store.put_message(&m).await.unwrap();
    let got = store.message(&id("admin1"), &id("u1"), &m.message_id).await;
    assert_eq!(got.unwrap(), Some(m.clone()));
    let other = MessageId::generate(T0 + 1);
    assert_eq!(
        store
            .message(&id("u1"), &id("admin1"), &other)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .message(&id("u1"), &id("u2"), &m.message_id)
            .await
            .unwrap(),
        None
    );
}

fn sync_query(since: Option<&MessageId>, peer: Option<&str>, limit: usize) -> SyncQuery {
    SyncQuery {
        since: since.cloned(),
        peer: peer.map(id),
        limit,
    }
}

/// Reads every page of `owner`'s catch-up from the start, as a client does.
async fn sync_all(
    store: &dyn Store,
    owner: &str,
    peer: Option<&str>,
    limit: usize,
) -> Vec<Message> {
    let mut since = None;
    let mut all = Vec::new();
    loop {
        let page = store
            .sync(&id(owner), &sync_query(since.as_ref(), peer, limit))
            .await
            .unwrap();
        assert!(page.messages().len() <= limit);
        assert!(
            !page.has_more || !page.messages().is_empty(),
            "has_more without progress"
        );
        all.extend(page.messages());
        if !page.has_more {
            return all;
        }
        since = page.messages().last().map(|m| m.message_id.clone());
    }
}

async fn sync_returns_both_directions_oldest_first_across_conversations(store: &dyn Store) {
    // admin1 talks with u1 and u2; u1 also writes to admin2. Interleaved in time.
    let mut expected_admin1 = Vec::new();
    let mut expected_u1 = Vec::new();
    for i in 0..23 {
        let at = T0 + i * 10;
        let m = match i % 4 {
            0 => message("u1", "admin1", at, "a", &format!("m{i}")),
            1 => message("admin1", "u2", at, "a", &format!("m{i}")),
            2 => message("u2", "admin1", at, "a", &format!("m{i}")),
            _ => message("u1", "admin2", at, "a", &format!("m{i}")),
        };
        store.put_message(&m).await.unwrap();
        if m.sender_id == id("admin1") || m.receiver_id == id("admin1") {
            expected_admin1.push(m.clone());
        }
        if m.sender_id == id("u1") || m.receiver_id == id("u1") {
            expected_u1.push(m.clone());
        }
    }
    for limit in [1, 4, 5, 100] {
        assert_eq!(
            sync_all(store, "admin1", None, limit).await,
            expected_admin1,
            "limit {limit}"
        );
        assert_eq!(
            sync_all(store, "u1", None, limit).await,
            expected_u1,
            "limit {limit}"
        );
    }
    let with_u1: Vec<Message> = expected_admin1
        .iter()
        .filter(|m| m.sender_id == id("u1") || m.receiver_id == id("u1"))
        .cloned()
        .collect();
    assert_eq!(sync_all(store, "admin1", Some("u1"), 3).await, with_u1);
    assert!(sync_all(store, "nobody", None, 10).await.is_empty());
}

async fn sync_starts_after_since_and_reports_more_exactly(store: &dyn Store) {
    let ms: Vec<Message> = (0..6)
        .map(|i| {
            message(
                if i % 2 == 0 { "u1" } else { "admin1" },
                if i % 2 == 0 { "admin1" } else { "u1" },
                T0 + i,
                "a",
                "x",
            )
        })
        .collect();
    for m in &ms {
        store.put_message(m).await.unwrap();
    }
    let page = store
        .sync(&id("u1"), &sync_query(Some(&ms[2].message_id), None, 3))
        .await
        .unwrap();
    assert_eq!(page.messages(), ms[3..6].to_vec());
    assert!(!page.has_more, "exactly the rest: no more");
    let page = store
        .sync(&id("u1"), &sync_query(Some(&ms[1].message_id), None, 3))
        .await
        .unwrap();
    assert_eq!(page.messages(), ms[2..5].to_vec());
    assert!(page.has_more);
    let page = store
        .sync(&id("u1"), &sync_query(Some(&ms[5].message_id), None, 3))
        .await
        .unwrap();
    assert!(page.messages().is_empty() && !page.has_more);
}

fn claim(message_id: &MessageId, to: &str, fingerprint: u64, at_ms: i64) -> SendClaim {
    SendClaim {
        message_id: message_id.clone(),
        receiver_id: id(to),
        fingerprint,
        claimed_at_ms: at_ms,
    }
}

async fn a_send_claim_is_taken_once_and_then_read_back(store: &dyn Store) {
    let first = claim(&MessageId::generate(T0), "admin1", u64::MAX, T0);
    let second = claim(&MessageId::generate(T0 + 5), "admin1", 7, T0 + 5);
    let exp = NOW_S + 3600;
    assert_eq!(
        store
            .claim_send(&id("u1"), "k-1", &first, exp)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .claim_send(&id("u1"), "k-1", &second, exp)
            .await
            .unwrap(),
        Some(first.clone())
    );
    // Keys are per sender.
    assert_eq!(
        store
            .claim_send(&id("u2"), "k-1", &second, exp)
            .await
            .unwrap(),
        None
    );
    // Claims never show up as messages.
    assert!(sync_all(store, "u1", None, 10).await.is_empty());
    assert!(store
        .history(&id("u1"), &id("admin1"), &query(10, None, None))
        .await
        .unwrap()
        .messages
        .is_empty());
}

async fn a_send_claim_is_taken_over_only_from_the_expected_id(store: &dyn Store) {
    let exp = NOW_S + 3600;
    let first = claim(&MessageId::generate(T0), "admin1", 1, T0);
    let second = claim(&MessageId::generate(T0 + 40_000), "admin1", 1, T0 + 40_000);
    let third = claim(&MessageId::generate(T0 + 40_001), "admin1", 1, T0 + 40_001);
    store.claim_send(&id("u1"), "k", &first, exp).await.unwrap();
    assert!(store
        .reclaim_send(&id("u1"), "k", &first.message_id, &second, exp)
        .await
        .unwrap());
    assert!(!store
        .reclaim_send(&id("u1"), "k", &first.message_id, &third, exp)
        .await
        .unwrap());
    assert_eq!(
        store.claim_send(&id("u1"), "k", &third, exp).await.unwrap(),
        Some(second)
    );
}

async fn an_expired_send_claim_counts_as_absent(store: &dyn Store) {
    let old = claim(&MessageId::generate(T0), "admin1", 1, T0);
    store
        .claim_send(&id("u1"), "k", &old, NOW_S + 10)
        .await
        .unwrap();
    let later = claim(&MessageId::generate(T0 + 11_000), "admin1", 2, T0 + 11_000);
    assert_eq!(
        store
            .claim_send(&id("u1"), "k", &later, NOW_S + 100)
            .await
            .unwrap(),
        None
    );
    let again = claim(&MessageId::generate(T0 + 12_000), "admin1", 3, T0 + 12_000);
    assert_eq!(
        store
            .claim_send(&id("u1"), "k", &again, NOW_S + 100)
            .await
            .unwrap(),
        Some(later)
    );
}

chat_tests::on_both_stores!(
    store:
    presence_of_an_unknown_client_is_empty,
    connections_are_listed_with_the_role_they_connected_with,
    deleting_a_connection_removes_only_that_one,
    expired_connections_are_not_listed,
    the_latest_connect_sets_the_role,
    a_message_id_is_stored_once,
    text_and_optional_fields_come_back_exactly,
    history_pages_newest_first_without_gaps_or_repeats,
    an_exact_multiple_has_no_empty_last_page,
    history_filters_by_appointment_across_pages,
    history_of_strangers_is_empty,
    unread_counts_and_the_newest_id_are_tracked,
    mark_read_sets_the_pointer_only_if_nothing_changed,
    a_late_recorded_message_already_marked_read_is_not_counted,
    the_rate_limiter_refuses_the_21st_of_a_burst_and_admits_after_refill,
    a_steady_pace_at_the_rate_is_always_admitted,
    rate_limit_state_does_not_disturb_presence,
    unread_counts_list_only_peers_with_unread,
    a_stored_message_reads_back_by_id,
    sync_returns_both_directions_oldest_first_across_conversations,
    sync_starts_after_since_and_reports_more_exactly,
    a_send_claim_is_taken_once_and_then_read_back,
    a_send_claim_is_taken_over_only_from_the_expected_id,
    an_expired_send_claim_counts_as_absent,
);
