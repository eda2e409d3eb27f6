//! Events out: what the events and notice functions spend on DynamoDB.

use async_trait::async_trait;
use chat_shared::domain::{Clock, NoticeCheck, Role, SystemClock};
use chat_shared::events::{
    self, notice, EventSink, EventsError, NoticeDelays, NoticeTimer, Pipes, Recorded, TableChange,
};

use super::{id, message, who, Bench, TEXT};

/// Where the measured events functions publish and schedule: nowhere (EventBridge and SQS
/// are not DynamoDB; docs/cost.md prices them).
struct Nowhere;

#[async_trait]
impl EventSink for Nowhere {
    async fn publish(&self, _: &[chat_shared::domain::Event]) -> Result<(), EventsError> {
        Ok(())
    }
}

#[async_trait]
impl NoticeTimer for Nowhere {
    async fn schedule(&self, _: &NoticeCheck, _: u32) -> Result<(), EventsError> {
        Ok(())
    }
}

/// Events out: the events function's DynamoDB requests for a stream record that starts a run
/// of unread messages (the receiver's presence), and the notice function's for the due check
/// (the Inbox entry). Every other record costs the events function no DynamoDB request, and
/// Lambda's reads of the streams are not billed.
pub(super) async fn events_out(b: &Bench) {
    let (sender, receiver) = (b.name("evsender"), b.name("evreceiver"));
    (b.unlimited
        .send(&who(&sender, Role::Admin), message(&receiver, TEXT)))
    .await
    .expect("set-up send");
    let entry = (b
        .unlimited
        .store()
        .inbox_entry(&id(&receiver), &id(&sender)))
    .await
    .expect("inbox entry")
    .expect("the receiver's entry");
    let record = Recorded {
        id: "ddb-cost".into(),
        at_ms: SystemClock.now_ms(),
        change: TableChange::Inbox {
            owner: id(&receiver),
            peer: id(&sender),
            old: None,
            new: Some(Box::new(entry)),
        },
    };
    let store = b.chat.store();
    let pipes = Pipes {
        connections: &**store,
        inbox: &**store,
        sink: &Nowhere,
        timer: &Nowhere,
        delays: NoticeDelays::default(),
    };
    let now_ms = SystemClock.now_ms();
    let processed = b
        .measure(
            "events: a stream record that starts an unread run",
            events::process(&pipes, &[record], now_ms / 1000),
        )
        .await
        .expect("events");
    assert_eq!(processed.checks.len(), 1);
    let notices = b
        .measure(
            "events: a due notice check",
            notice::run_checks(&pipes, &[processed.checks[0].0.clone()], now_ms),
        )
        .await
        .expect("notice check");
    assert_eq!(notices.len(), 1);
}
