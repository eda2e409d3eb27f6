//! The store contract for rate limiting with three buckets per client (messages, reads, system
//! messages received): run
//! against the in-memory store and a fresh table set in DynamoDB Local, so the two cannot
//! drift apart. The single-bucket rules (burst, refill, steady pace) are in store_contract.rs.

use chat_shared::domain::{ClientId, Connection, ConnectionId, Role};
use chat_shared::store::{RateBucket, RateRule, Store};
use chat_tests::T0;

const NOW_S: i64 = T0 / 1000;

const FIVE_A_SECOND_BURST_20: RateRule = RateRule {
    per_second: 5,
    burst: 20,
    period_s: 1,
};

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

/// How many of `n` tokens asked for at once, at `at_ms`, `bucket` gives `who`.
async fn admitted(store: &dyn Store, who: &str, bucket: RateBucket, n: usize, at_ms: i64) -> usize {
    let mut count = 0;
    for _ in 0..n {
        let ok = store
            .admit(&id(who), bucket, FIVE_A_SECOND_BURST_20, at_ms)
            .await
            .unwrap();
        count += usize::from(ok);
    }
    count
}

async fn a_client_has_two_buckets_that_never_share_tokens(store: &dyn Store) {
    use RateBucket::{Messages, Reads};
    assert_eq!(admitted(store, "alice", Messages, 25, T0).await, 20);
    // The message bucket is empty; the read bucket is whole, and no more.
    assert_eq!(admitted(store, "alice", Reads, 25, T0).await, 20);
    // 200 ms: one token back in each, independently.
    assert_eq!(admitted(store, "alice", Reads, 3, T0 + 200).await, 1);
    assert_eq!(admitted(store, "alice", Messages, 3, T0 + 200).await, 1);
    // Another client's buckets are untouched.
    assert_eq!(admitted(store, "bob", Reads, 25, T0).await, 20);
    assert_eq!(admitted(store, "bob", Messages, 25, T0).await, 20);
}

async fn the_system_message_bucket_is_a_third_one(store: &dyn Store) {
    use RateBucket::{Messages, Reads, System};
    assert_eq!(admitted(store, "alice", System, 25, T0).await, 20);
    // Receiving system messages spends neither the client's sending nor its reading budget.
    assert_eq!(admitted(store, "alice", Messages, 25, T0).await, 20);
    assert_eq!(admitted(store, "alice", Reads, 25, T0).await, 20);
    assert_eq!(admitted(store, "alice", System, 3, T0 + 200).await, 1);
    assert_eq!(admitted(store, "bob", System, 25, T0).await, 20);
}

async fn a_read_bucket_refills_at_its_own_rate(store: &dyn Store) {
    use RateBucket::Reads;
    assert_eq!(admitted(store, "alice", Reads, 20, T0).await, 20);
    assert_eq!(admitted(store, "alice", Reads, 1, T0 + 199).await, 0);
    // A steady 5 a second is always admitted.
    for i in 1..=25 {
        assert_eq!(
            admitted(store, "alice", Reads, 1, T0 + i * 200).await,
            1,
            "{i}"
        );
    }
    // After a quiet spell the whole burst is back.
    assert_eq!(admitted(store, "alice", Reads, 25, T0 + 60_000).await, 20);
}

async fn read_limit_state_does_not_disturb_presence(store: &dyn Store) {
    store
        .put_connection(&Connection {
            connection_id: ConnectionId::parse("c1=").unwrap(),
            client_id: id("alice"),
            role: Role::Admin,
            connected_at_ms: T0,
            expires_at_s: NOW_S + 100,
        })
        .await
        .unwrap();
    for bucket in [RateBucket::Messages, RateBucket::Reads, RateBucket::System] {
        assert_eq!(admitted(store, "alice", bucket, 1, T0).await, 1);
    }
    let p = store.presence(&id("alice"), NOW_S).await.unwrap();
    assert_eq!((p.role, p.connections.len()), (Some(Role::Admin), 1));
    // And a client known only by its rate state has no presence at all.
    assert_eq!(admitted(store, "bob", RateBucket::Reads, 1, T0).await, 1);
    let p = store.presence(&id("bob"), NOW_S).await.unwrap();
    assert_eq!((p.role, p.connections.len()), (None, 0));
}

chat_tests::on_both_stores!(
    store:
    a_client_has_two_buckets_that_never_share_tokens,
    the_system_message_bucket_is_a_third_one,
    a_read_bucket_refills_at_its_own_rate,
    read_limit_state_does_not_disturb_presence,
);
