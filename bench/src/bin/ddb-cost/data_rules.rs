//! Data rules (docs/data-rules.md): what an export and an erasure of one client cost, and
//! what retention adds to a send.

use std::sync::Arc;

use chat_shared::chat::{Chat, Settings};
use chat_shared::domain::{Requester, Retention, Role, SystemClock};
use chat_shared::store::dynamodb::{local_client, DynamoStore, TableNames};

use super::{message, who, Bench, TEXT};

/// Messages in the history that is exported and erased: half each way.
pub(super) const HISTORY: usize = 40;

pub(super) async fn data_rules(b: &Bench, admin: &str, tables: &TableNames) {
    let user = who(&b.name("erased"), Role::User);
    let a = who(admin, Role::Admin);
    for k in 0..HISTORY {
        let (from, to) = if k % 2 == 0 {
            (&user, admin)
        } else {
            (&a, user.client_id.as_str())
        };
        b.unlimited
            .send(from, message(to, TEXT))
            .await
            .expect("set-up send");
    }
    // The catch-up indexes lag the table a moment.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let by_admin = Requester::Person {
        client_id: a.client_id.clone(),
        role: Role::Admin,
    };
    let export = async {
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = b
                .core
                .export(&by_admin, &user.client_id, cursor)
                .await
                .expect("export");
            pages += 1;
            match page.next {
                Some(next) => cursor = Some(next),
                None => return pages,
            }
        }
    };
    b.measure(
        &format!("data rules: export of a client with {HISTORY} messages (all pages)"),
        export,
    )
    .await;
    let erase = async {
        loop {
            let step = b
                .core
                .erase(&by_admin, &user.client_id)
                .await
                .expect("erase");
            if step.completed_at_ms.is_some() {
                return step;
            }
        }
    };
    let erased = b
        .measure(
            &format!("data rules: erasure of a client with {HISTORY} messages (all calls)"),
            erase,
        )
        .await;
    assert_eq!(
        erased.counts.messages as usize, HISTORY,
        "every message erased"
    );

    // Retention: the same send with the sender's entry on top of its inbox, with and
    // without retention (with it, the sender's entry moves every time).
    let retained = Chat::new(
        Arc::new(
            DynamoStore::new(local_client(&b.proxy.url()), tables.clone())
                .with_retention(Retention::days(30)),
        ),
        b.notifier.clone(),
        Arc::new(chat_edge::wire::JsonFrames),
        Arc::new(SystemClock),
        Settings {
            rate_limit: None,
            retention: Retention::days(30),
            ..Settings::default()
        },
    );
    let s = who(&b.name("retained"), Role::User);
    b.unlimited
        .send(&s, message(admin, TEXT))
        .await
        .expect("set-up send");
    b.measure(
        "send, again to the same peer, retention off",
        b.core.send(&s, message(admin, TEXT)),
    )
    .await
    .expect("send");
    b.measure(
        "send, again to the same peer, retention on (30 days)",
        retained.send(&s, message(admin, TEXT)),
    )
    .await
    .expect("send");
}
