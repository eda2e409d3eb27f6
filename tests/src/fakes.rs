//! Test doubles for the chat's ports: a clock the test sets, a notifier that records.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chat_shared::domain::{Clock, ConnectionId, EpochMillis};
use chat_shared::notify::{Notifier, NotifyError};
use serde_json::Value;

/// A clock the test sets.
#[derive(Debug)]
pub struct FixedClock(pub Mutex<EpochMillis>);

impl FixedClock {
    pub fn at(ms: EpochMillis) -> Arc<Self> {
        Arc::new(Self(Mutex::new(ms)))
    }

    pub fn advance(&self, ms: EpochMillis) {
        *self.0.lock().unwrap() += ms;
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> EpochMillis {
        *self.0.lock().unwrap()
    }
}

/// A notifier that records every post, and answers 410 Gone for connections marked gone.
#[derive(Default)]
pub struct RecordingNotifier {
    posts: Mutex<Vec<(String, String)>>,
    gone: Mutex<HashSet<String>>,
    failing: Mutex<HashSet<String>>,
    closed: Mutex<Vec<String>>,
}

impl RecordingNotifier {
    /// The connections closed (`Notifier::close`), in order.
    pub fn closed(&self) -> Vec<String> {
        self.closed.lock().unwrap().clone()
    }

    pub fn mark_gone(&self, connection_id: &str) {
        self.gone.lock().unwrap().insert(connection_id.to_owned());
    }

    pub fn mark_failing(&self, connection_id: &str) {
        self.failing
            .lock()
            .unwrap()
            .insert(connection_id.to_owned());
    }

    /// Frames successfully posted to `connection_id`, parsed.
    pub fn frames_to(&self, connection_id: &str) -> Vec<Value> {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| c == connection_id)
            .map(|(_, body)| serde_json::from_str(body).expect("posted frames are JSON"))
            .collect()
    }

    /// Number of successful posts per connection.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (c, _) in self.posts.lock().unwrap().iter() {
            *counts.entry(c.clone()).or_default() += 1;
        }
        counts
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn post(&self, connection_id: &ConnectionId, payload: &[u8]) -> Result<(), NotifyError> {
        let id = connection_id.as_str();
        if self.gone.lock().unwrap().contains(id) {
            return Err(NotifyError::Gone);
        }
        if self.failing.lock().unwrap().contains(id) {
            return Err(NotifyError::Failed("injected failure".into()));
        }
        self.posts.lock().unwrap().push((
            id.to_owned(),
            String::from_utf8(payload.to_vec()).expect("frames are UTF-8"),
        ));
        Ok(())
    }

    async fn close(&self, connection_id: &ConnectionId) -> Result<(), NotifyError> {
        let id = connection_id.as_str();
        if self.failing.lock().unwrap().contains(id) {
            return Err(NotifyError::Failed("injected failure".into()));
        }
        if !self.gone.lock().unwrap().insert(id.to_owned()) {
            return Err(NotifyError::Gone);
        }
        self.closed.lock().unwrap().push(id.to_owned());
        Ok(())
    }
}

/// An events sink that keeps what was published (and can be told to fail).
#[derive(Default)]
pub struct RecordingSink {
    pub published: Mutex<Vec<chat_shared::domain::Event>>,
    pub fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl chat_shared::events::EventSink for RecordingSink {
    async fn publish(
        &self,
        events: &[chat_shared::domain::Event],
    ) -> Result<(), chat_shared::events::EventsError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(chat_shared::events::EventsError::Publish(
                "the bus is down (test)".into(),
            ));
        }
        self.published.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

impl RecordingSink {
    pub fn detail_types(&self) -> Vec<&'static str> {
        (self.published.lock().unwrap().iter())
            .map(|e| e.body.detail_type())
            .collect()
    }
}

/// A notice timer that keeps what was scheduled, with its delay.
#[derive(Default)]
pub struct RecordingTimer {
    pub scheduled: Mutex<Vec<(chat_shared::domain::NoticeCheck, u32)>>,
}

#[async_trait]
impl chat_shared::events::NoticeTimer for RecordingTimer {
    async fn schedule(
        &self,
        check: &chat_shared::domain::NoticeCheck,
        delay_s: u32,
    ) -> Result<(), chat_shared::events::EventsError> {
        self.scheduled
            .lock()
            .unwrap()
            .push((check.clone(), delay_s));
        Ok(())
    }
}

/// One invocation of the events functions (a stream batch or due notice checks) over `store`,
/// publishing to `sink` and scheduling on `timer`.
pub async fn invoke_events(
    store: &dyn chat_shared::store::Store,
    sink: &RecordingSink,
    timer: &RecordingTimer,
    delays: chat_shared::events::NoticeDelays,
    event: Value,
) -> Result<Value, chat_shared::events::EventsError> {
    let pipes = chat_shared::events::Pipes {
        connections: store,
        inbox: store,
        sink,
        timer,
        delays,
    };
    chat_edge::lambda::events::handle_events_invocation(
        &pipes,
        &chat_shared::domain::SystemClock,
        event,
    )
    .await
}
