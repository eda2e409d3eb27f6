//! A notice check whose delay is over: if the run of unread messages it was set for is still
//! unread, the receiver needs a notice (`chat.notification.needed`) saying how many wait.

use super::{EventsError, Pipes};
use crate::domain::{EpochMillis, Event, EventBody, Notice, NoticeCheck};

/// The notice `check` calls for now, if any: none once the receiver read the run's first
/// message (or everything). One GetItem.
pub async fn notice_for(
    pipes: &Pipes<'_>,
    check: &NoticeCheck,
    now_ms: EpochMillis,
) -> Result<Option<Event>, EventsError> {
    let entry = pipes
        .inbox
        .inbox_entry(&check.receiver, &check.sender)
        .await?;
    let Some(entry) = entry.filter(|e| e.unread > 0 && !e.has_read(&check.first_unread)) else {
        return Ok(None);
    };
    Ok(Some(Event {
        id: check.notice_id(),
        at_ms: now_ms,
        body: EventBody::NotificationNeeded(Notice {
            check: check.clone(),
            waiting: entry.unread,
            last_message_id: entry.last_message_id,
        }),
    }))
}

/// Runs a batch of due checks and publishes the notices they call for; returns them.
pub async fn run_checks(
    pipes: &Pipes<'_>,
    checks: &[NoticeCheck],
    now_ms: EpochMillis,
) -> Result<Vec<Event>, EventsError> {
    let mut notices = Vec::new();
    for check in checks {
        notices.extend(notice_for(pipes, check, now_ms).await?);
    }
    if !notices.is_empty() {
        pipes.sink.publish(&notices).await?;
    }
    Ok(notices)
}
