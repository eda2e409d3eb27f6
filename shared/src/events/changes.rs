//! From stream records to events: a message stored or changed, a conversation read, and the
//! start of a run of unread messages, whose notice check is put off by [`super::NoticeDelays`].

use super::{EventsError, Pipes, TableChange};
use crate::domain::{
    ChangeKind, ClientId, EpochMillis, Event, EventBody, MessageId, NoticeCheck, NoticeReason, Read,
};

/// A decoded stream record: its id (stable across redeliveries) and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub id: String,
    pub at_ms: EpochMillis,
    pub change: TableChange,
}

/// What a batch of records led to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Processed {
    pub events: Vec<Event>,
    pub checks: Vec<(NoticeCheck, u32)>,
}

/// The events one record makes (none for items nobody outside is told about).
pub fn events_of(record: &Recorded) -> Vec<Event> {
    let event = |body| Event {
        id: record.id.clone(),
        at_ms: record.at_ms,
        body,
    };
    match &record.change {
        TableChange::Message {
            old: None,
            new: Some(new),
        } => vec![event(EventBody::MessageCreated(new.clone()))],
        TableChange::Message {
            old: Some(old),
            new: Some(new),
        } => ChangeKind::between(old, new)
            .map(|change| {
                event(EventBody::MessageUpdated {
                    message: new.clone(),
                    change,
                })
            })
            .into_iter()
            .collect(),
        TableChange::Inbox {
            owner,
            peer,
            old,
            new: Some(new),
        } => {
            let read_at = new
                .read_at_ms
                .filter(|at| old.as_ref().is_none_or(|old| old.read_at_ms != Some(*at)));
            read_at
                .map(|read_at_ms| {
                    event(EventBody::ConversationRead(Read {
                        reader: owner.clone(),
                        peer: peer.clone(),
                        read_up_to: new.read_up_to.clone(),
                        read_at_ms,
                        was_unread: old.as_ref().map_or(0, |o| o.unread),
                    }))
                })
                .into_iter()
                .collect()
        }
        // Completed (saved just before its deletion): the one event of an erasure.
        TableChange::Erasure {
            old,
            new: Some(new),
        } if new.completed_at_ms.is_some()
            && old.as_ref().is_none_or(|o| o.completed_at_ms.is_none()) =>
        {
            vec![event(EventBody::ClientErased(new.clone()))]
        }
        _ => Vec::new(),
    }
}

/// `(receiver, sender, first unread)` when this record starts a run of unread messages: the
/// receiver's counter for the sender went from nothing to something. The rest of a burst only
/// adds to a counter that is already counting, so a run makes one check, however long.
pub fn unread_run_started(change: &TableChange) -> Option<(ClientId, ClientId, MessageId)> {
    let TableChange::Inbox {
        owner,
        peer,
        old,
        new: Some(new),
    } = change
    else {
        return None;
    };
    let was = old.as_ref().map_or(0, |o| o.unread);
    if was > 0 || new.unread == 0 {
        return None;
    }
    let first = new.last_message_id.clone()?;
    Some((owner.clone(), peer.clone(), first))
}

/// Publishes a batch's events and schedules the checks of the unread runs it starts: the
/// delay is [`super::NoticeDelays::offline_s`] when the receiver has no open connection now, else
/// [`super::NoticeDelays::unread_s`]. Checks are scheduled before events are published; if either
/// fails the batch fails and is retried whole (ids let consumers and checks drop repeats).
pub async fn process(
    pipes: &Pipes<'_>,
    records: &[Recorded],
    now_s: i64,
) -> Result<Processed, EventsError> {
    let mut processed = Processed::default();
    for record in records {
        processed.events.extend(events_of(record));
        if let Some((receiver, sender, first_unread)) = unread_run_started(&record.change) {
            let presence = pipes.connections.presence(&receiver, now_s).await?;
            let (reason, delay_s) = match presence.connections.is_empty() {
                true => (NoticeReason::Offline, pipes.delays.offline_s),
                false => (NoticeReason::Unread, pipes.delays.unread_s),
            };
            let check = NoticeCheck {
                receiver,
                sender,
                first_unread,
                reason,
            };
            pipes.timer.schedule(&check, delay_s).await?;
            processed.checks.push((check, delay_s));
        }
    }
    if !processed.events.is_empty() {
        pipes.sink.publish(&processed.events).await?;
    }
    Ok(processed)
}

#[cfg(test)]
mod tests;
