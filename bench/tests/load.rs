//! The load generator against chat-local in this process: every mode delivers and counts
//! everything it sends.

use std::time::Duration;

use chat_bench::load::{self, IdleOptions, LoadOptions, Pace, Target};

async fn chat_local() -> chat_local::Running {
    chat_local::start(chat_local::Options {
        port: 0,
        settings: chat_shared::Settings {
            rate_limit: None,
            ..chat_shared::Settings::default()
        },
        ..chat_local::Options::default()
    })
    .await
    .expect("chat-local starts")
}

fn target(running: &chat_local::Running) -> Target {
    Target {
        url: format!("ws://{}", running.addr),
        path: "/ws/".into(),
        admin_suffix: "?role=admin".into(),
        user_suffix: String::new(),
    }
}

fn options(running: &chat_local::Running, pace: Pace) -> LoadOptions {
    LoadOptions {
        target: target(running),
        pairs: 2,
        pace,
        warmup: Duration::from_millis(200),
        duration: Duration::from_millis(800),
        drain: Duration::from_secs(5),
        text_bytes: 64,
        connect_concurrency: 8,
        server_pid: Some(std::process::id()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saturation_and_fixed_rate_deliver_and_count_every_message() {
    let running = chat_local().await;
    let saturated = load::run(&options(&running, Pace::Saturate { window: 4 }))
        .await
        .expect("saturation run");
    assert!(saturated.sent > 0, "{saturated:?}");
    assert_eq!(saturated.delivered, saturated.sent, "{saturated:?}");
    assert_eq!((saturated.lost, saturated.errors), (0, 0));
    assert_eq!(saturated.latency_ms.count as u64, saturated.delivered);
    assert!(
        saturated.acks >= saturated.sent,
        "chat-local acks every message"
    );
    assert!(saturated.messages_per_s > 0.0);

    let rate = load::run(&options(&running, Pace::Rate { per_second: 200.0 }))
        .await
        .expect("rate run");
    // 200/s for 0.8 s: about 160 messages, each delivered once.
    assert!((120..=200).contains(&rate.sent), "{rate:?}");
    assert_eq!(rate.delivered, rate.sent, "{rate:?}");
    assert_eq!(rate.latency_ms.count as u64, rate.delivered);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_opened_held_and_pinged() {
    let running = chat_local().await;
    let result = load::idle(&IdleOptions {
        target: target(&running),
        connections: 50,
        connect_concurrency: 8,
        hold: Duration::from_millis(200),
        server_pid: Some(std::process::id()),
    })
    .await
    .expect("idle run");
    assert_eq!((result.opened, result.failed), (50, 0), "{result:?}");
    assert_eq!(result.alive_after_hold, 50);
    assert!(result.server_bytes_per_connection.is_some());
    running.shutdown().await;
}
