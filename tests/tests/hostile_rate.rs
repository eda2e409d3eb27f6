//! Hostile input: a client that spends invocations and reads as fast as it can. Every action
//! that costs an invocation or a read takes a token from one of the caller's two buckets:
//! sends and typing from the message bucket, sync, history, unread counts and mark-read from
//! the read bucket. Handler level, with API Gateway's event JSON, on both stores; the clock
//! stands still unless a test moves it, so a bucket refills only when told.

use std::sync::Arc;

use chat_shared::chat::Settings;
use chat_shared::domain::ClientId;
use chat_shared::store::RateRule;
use chat_tests::counting::CountingStore;
use chat_tests::{on_both_stores, store_for, Backend, Harness, Participant};
use futures_util::future::join_all;
use serde_json::{json, Value};

/// Reads: 5 a second (a token every 200 ms), bursts of 20, the defaults.
const READ_BURST: usize = 20;

/// Tight buckets so that tests reach them: 5 reads a second with bursts of 20, and
/// 1 message a second with bursts of 3.
fn limited() -> Settings {
    Settings {
        rate_limit: Some(RateRule {
            per_second: 1,
            burst: 3,
            period_s: 1,
        }),
        read_rate_limit: Some(RateRule {
            per_second: 5,
            burst: READ_BURST as u32,
            period_s: 1,
        }),
        ..Settings::default()
    }
}

/// A chat with [`limited`] buckets over a store that counts its reads, the administrator and
/// the user connected, and one message from each to the other (unread on both sides).
async fn chat_with_a_conversation(backend: Backend) -> (Harness, Arc<CountingStore>) {
    let store = CountingStore::new(store_for(backend).await);
    let app = Harness::over(store.clone(), limited());
    admin(&app).connected().await;
    user(&app).connected().await;
    for (from, to) in [(admin(&app), "user123"), (user(&app), "admin456")] {
        let ack = from.send_to(to, "hello").await;
        assert_eq!(ack["type"], "ack", "{ack}");
        // A message a second: the message bucket never runs dry while the scene is set.
        app.clock.advance(1_000);
    }
    (app, store)
}

fn user(app: &Harness) -> Participant<'_> {
    app.user("user123").on("userConn=")
}

fn admin(app: &Harness) -> Participant<'_> {
    app.admin("admin456").on("adminDesk=")
}

const SYNC: &str = r#"{"action":"sync"}"#;

fn reply(response: &chat_edge::lambda::ws::WsResponse) -> Value {
    serde_json::from_str(chat_edge::lambda::ws::frame_of(response).expect("a reply frame")).unwrap()
}

/// The reply to a sync frame: `"sync"` or the error code.
async fn sync(who: &Participant<'_>) -> String {
    kind(&reply(&who.message(SYNC).await))
}

fn kind(frame: &Value) -> String {
    match frame["type"].as_str() {
        Some("error") => frame["code"].as_str().unwrap().to_owned(),
        Some(other) => other.to_owned(),
        None => panic!("a frame without a type: {frame}"),
    }
}

/// The HTTP routes, each answered with its status.
async fn history(who: &Participant<'_>, peer: &str) -> (u16, Value) {
    let target = format!("/chat/history/{}/{peer}", who.id());
    who.http("GET", &target, None).await
}

async fn unread(who: &Participant<'_>) -> (u16, Value) {
    let target = format!("/chat/unread/{}", who.id());
    who.http("GET", &target, None).await
}

/// The unread count of `owner` for `peer`, straight from the store (no token spent).
async fn stored_unread(app: &Harness, owner: &str, peer: &str) -> u64 {
    let (owner, peer) = (
        ClientId::parse(owner).unwrap(),
        ClientId::parse(peer).unwrap(),
    );
    let entry = app.chat.store().inbox_entry(&owner, &peer).await.unwrap();
    entry.map_or(0, |e| e.unread)
}

fn rate_limited_body() -> Value {
    json!({"code": "rate_limited", "message": "too many requests; slow down"})
}

/// A hundred sync frames at once: a burst runs, the other eighty are refused without
/// reading anything, and nothing is posted to any connection.
async fn a_hundred_syncs_at_once_run_a_burst_and_the_rest_are_rate_limited(backend: Backend) {
    let (app, store) = chat_with_a_conversation(backend).await;
    let posted = app.notifier.frames_to("userConn=").len();
    let u = user(&app);
    let replies = join_all((0..100).map(|_| u.message(SYNC))).await;
    let mut kinds: Vec<String> = replies.iter().map(|r| kind(&reply(r))).collect();
    kinds.sort();
    let ran = kinds.iter().filter(|k| *k == "sync").count();
    let refused = kinds.iter().filter(|k| *k == "rate_limited").count();
    assert_eq!((ran, refused), (READ_BURST, 100 - READ_BURST), "{kinds:?}");
    // The pages that ran hold the conversation; the refusals are bare error frames.
    for r in replies.iter().map(reply) {
        match kind(&r).as_str() {
            "sync" => assert_eq!(r["messages"].as_array().unwrap().len(), 2),
            _ => assert_eq!(r["message"], "too many requests; slow down"),
        }
    }
    assert_eq!(app.notifier.frames_to("userConn=").len(), posted);
    // A refused sync read nothing: the store served exactly the syncs that ran.
    assert_eq!(store.reads("sync"), READ_BURST);
    // A token comes back every 200 ms, one at a time.
    app.clock.advance(200);
    assert_eq!(sync(&u).await, "sync");
    assert_eq!(sync(&u).await, "rate_limited");
}

/// History, unread counts and mark-read over the read budget: 429 `rate_limited` in the
/// documented error shape, and a refused mark-read changes nothing.
async fn history_unread_and_mark_read_over_the_limit_get_429(backend: Backend) {
    let (app, store) = chat_with_a_conversation(backend).await;
    let u = user(&app);
    for i in 0..READ_BURST {
        let (status, _) = match i % 2 {
            0 => history(&u, "admin456").await,
            _ => unread(&u).await,
        };
        assert_eq!(status, 200, "read {}", i + 1);
    }
    let pages = store.reads("history");
    assert_eq!(history(&u, "admin456").await, (429, rate_limited_body()));
    assert_eq!(
        store.reads("history"),
        pages,
        "a refused history reads no page"
    );
    assert_eq!(unread(&u).await, (429, rate_limited_body()));
    assert_eq!(u.mark_read("admin456").await, (429, rate_limited_body()));
    assert_eq!(stored_unread(&app, "user123", "admin456").await, 1);
    assert!(
        admin(&app).frames_of("read").is_empty(),
        "no read receipt for a refused mark-read"
    );
    // The budget is the caller's: the administrator's is whole.
    assert_eq!(unread(&admin(&app)).await.0, 200);
    // One token later, the mark-read goes through.
    app.clock.advance(200);
    let (status, body) = u.mark_read("admin456").await;
    assert_eq!((status, &body["updated_count"]), (200, &json!(1)));
    assert_eq!(stored_unread(&app, "user123", "admin456").await, 0);
}

/// WebSocket syncs and HTTP reads draw from the same read bucket.
async fn syncs_and_http_reads_share_one_budget(backend: Backend) {
    let (app, _) = chat_with_a_conversation(backend).await;
    let u = user(&app);
    for _ in 0..READ_BURST {
        assert_eq!(sync(&u).await, "sync");
    }
    assert_eq!(history(&u, "admin456").await.0, 429);
    app.clock.advance(200);
    assert_eq!(unread(&u).await.0, 200);
    assert_eq!(sync(&u).await, "rate_limited");
}

/// Reading never spends the budget for sending, and sending never spends the one for reading.
async fn reads_never_block_sends_and_sends_never_block_reads(backend: Backend) {
    let (app, _) = chat_with_a_conversation(backend).await;
    let u = user(&app);
    for _ in 0..READ_BURST {
        assert_eq!(sync(&u).await, "sync");
    }
    assert_eq!(sync(&u).await, "rate_limited");
    // The read bucket is empty; the message bucket (3 in a burst) is whole, and no more.
    for i in 0..3 {
        let ack = u.send_to("admin456", &format!("still here {i}")).await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    let typing = r#"{"action":"typing","receiver_id":"admin456"}"#;
    assert_eq!(kind(&reply(&u.message(typing).await)), "rate_limited");
    // 200 ms later a read token is back and no message token yet: reads go through while
    // the message bucket is empty.
    app.clock.advance(200);
    assert_eq!(unread(&u).await.0, 200);
    assert_eq!(
        u.send_to("admin456", "too soon").await["code"],
        "rate_limited"
    );
}

/// Refusals that cost no read (validation, authorization) take no token: a client that
/// probes other people's state cannot spend its own budget, nor anyone else's.
async fn requests_refused_before_reading_take_no_token(backend: Backend) {
    let (app, _) = chat_with_a_conversation(backend).await;
    let u = user(&app);
    for _ in 0..3 * READ_BURST {
        assert_eq!(u.http("GET", "/chat/unread/admin456", None).await.0, 403);
        let to_self = r#"{"action":"sync","peer_id":"user123"}"#;
        assert_eq!(kind(&reply(&u.message(to_self).await)), "validation");
    }
    for _ in 0..READ_BURST {
        assert_eq!(sync(&u).await, "sync");
    }
    assert_eq!(sync(&u).await, "rate_limited");
}

/// With the read limit off (`READ_RATE_LIMIT_PER_SECOND=0`), reads are never refused.
async fn zero_turns_the_read_limit_off(backend: Backend) {
    let settings = Settings {
        read_rate_limit: None,
        ..limited()
    };
    let app = Harness::with_settings(backend, settings).await;
    let u = user(&app);
    u.connect().await;
    let kinds = join_all((0..5 * READ_BURST).map(|_| sync(&u))).await;
    assert!(kinds.iter().all(|k| k == "sync"), "{kinds:?}");
}

on_both_stores!(
    a_hundred_syncs_at_once_run_a_burst_and_the_rest_are_rate_limited,
    history_unread_and_mark_read_over_the_limit_get_429,
    syncs_and_http_reads_share_one_budget,
    reads_never_block_sends_and_sends_never_block_reads,
    requests_refused_before_reading_take_no_token,
    zero_turns_the_read_limit_off,
);
