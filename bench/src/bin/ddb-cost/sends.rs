//! Connecting, disconnecting, and sends: to an administrator offline, on one device and on
//! three, the rate limiter's paths, an idempotent send and its retry, and a long text.

use chat_shared::domain::{Clock, Identity, NewMessage, Role, SystemClock};
use chat_shared::store::RateBucket;

use super::{connection_id, message, who, Bench, TEXT};

/// Measures each one; returns the administrator the sends went to.
pub(super) async fn connects_and_sends(b: &Bench) -> String {
    // Connect and disconnect.
    let user = b.name("user");
    let conn = connection_id();
    let now = SystemClock.now_ms();
    let u = who(&user, Role::User);
    b.measure("connect", b.chat.connect(&u, conn.clone(), now))
        .await
        .expect("connect");
    b.measure("disconnect", b.chat.disconnect(&u, &conn))
        .await
        .expect("disconnect");

    // Sends from a user to an administrator: offline, one device, three devices.
    let admin = b.name("admin");
    let device = b.connect(&admin, Role::Admin).await;
    b.unlimited
        .disconnect(&who(&admin, Role::Admin), &device)
        .await
        .expect("disconnect");
    let sender = b.name("sender");
    let s = who(&sender, Role::User);
    b.measure(
        "send, user to administrator, receiver offline",
        b.chat.send(&s, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    b.connect(&admin, Role::Admin).await;
    let s2 = who(&b.name("sender2"), Role::User);
    b.measure(
        "send, user to administrator, one device",
        b.chat.send(&s2, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    // The same sender again within a second: the rate limiter's burst path.
    within_burst(b, &s2).await;
    b.measure(
        "send, same sender again within the second (rate-limit burst)",
        b.chat.send(&s2, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    b.connect(&admin, Role::Admin).await;
    b.connect(&admin, Role::Admin).await;
    let s3 = who(&b.name("sender3"), Role::User);
    b.measure(
        "send, user to administrator, three devices",
        b.chat.send(&s3, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    let user1 = b.name("user1");
    b.connect(&user1, Role::User).await;
    let a = who(&admin, Role::Admin);
    b.measure(
        "send, administrator to user, one device",
        b.chat.send(&a, message(&user1, TEXT)),
    )
    .await
    .expect("send");
    let s4 = who(&b.name("sender4"), Role::User);
    b.measure(
        "send, user to administrator, one device, rate limit off",
        b.core.send(&s4, message(&admin, TEXT)),
    )
    .await
    .expect("send");
    // An idempotent send (with client_msg_id), then its retry after a lost ack.
    let s6 = who(&b.name("sender6"), Role::User);
    let keyed = NewMessage {
        client_msg_id: Some("k-1".into()),
        ..message(&admin, TEXT)
    };
    b.measure(
        "send with client_msg_id, one device",
        b.chat.send(&s6, keyed.clone()),
    )
    .await
    .expect("send");
    within_burst(b, &s6).await;
    b.measure(
        "retry of a stored send (same client_msg_id, within the second)",
        b.chat.send(&s6, keyed),
    )
    .await
    .expect("retry");
    let long: String = "x".repeat(2000);
    let s5 = who(&b.name("sender5"), Role::User);
    b.measure(
        "send, 2,000-character text, one device",
        b.chat.send(&s5, message(&admin, &long)),
    )
    .await
    .expect("send");
    admin
}

/// Takes a few tokens from `sender`'s message bucket (unrecorded), so that its next send is
/// on the limiter's burst path whatever the time since its last one. Without them, a send
/// that came more than one token interval (100 ms) after the last took the refilled path
/// instead, and the row read 6 or 7 requests from run to run on a slow machine.
async fn within_burst(b: &Bench, sender: &Identity) {
    let rule = b
        .chat
        .settings()
        .rate_limit
        .expect("the deployed settings limit sends");
    for _ in 0..5 {
        let admitted = (b.unlimited.store())
            .admit(
                &sender.client_id,
                RateBucket::Messages,
                rule,
                SystemClock.now_ms(),
            )
            .await
            .expect("admit");
        assert!(admitted, "a few tokens stay within the burst");
    }
}
