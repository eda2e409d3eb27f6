use super::*;
use crate::domain::{
    AppointmentId, Deletion, InboxEntry, Message, MessageState, MessageText, ServiceId,
};

const T: EpochMillis = 1_795_527_619_000;

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

fn message() -> Box<Message> {
    Box::new(Message {
        message_id: MessageId::generate(T),
        sender_id: id("user1"),
        receiver_id: id("admin1"),
        appointment_id: AppointmentId::parse_field("appointment_id", "a1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "s1").unwrap(),
        message_text: MessageText::parse("hello", 100).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    })
}

fn record(change: TableChange) -> Recorded {
    Recorded {
        id: "rec-1".into(),
        at_ms: T,
        change,
    }
}

fn entry(unread: u64, last: Option<&MessageId>, read_at_ms: Option<EpochMillis>) -> InboxEntry {
    InboxEntry {
        unread,
        last_message_id: last.cloned(),
        read_up_to: read_at_ms.and(last.cloned()),
        read_at_ms,
        last: None,
        activity: None,
    }
}

fn inbox(old: Option<InboxEntry>, new: InboxEntry) -> TableChange {
    TableChange::Inbox {
        owner: id("admin1"),
        peer: id("user1"),
        old: old.map(Box::new),
        new: Some(Box::new(new)),
    }
}

#[test]
fn a_new_message_is_created_once_under_its_record_id() {
    let events = events_of(&record(TableChange::Message {
        old: None,
        new: Some(message()),
    }));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id, "rec-1");
    assert_eq!(events[0].body.detail_type(), "chat.message.created");
}

#[test]
fn an_update_says_what_changed() {
    let old = message();
    let mut edited = old.clone();
    edited.state.version = 2;
    edited.state.edited_at_ms = Some(T + 5);
    let mut deleted = edited.clone();
    deleted.state.version = 3;
    deleted.state.deleted = Some(Deletion {
        by: id("user1"),
        at_ms: T + 9,
    });
    for (old, new, kind) in [
        (old.clone(), edited.clone(), ChangeKind::Edited),
        (edited, deleted, ChangeKind::Deleted),
    ] {
        let events = events_of(&record(TableChange::Message {
            old: Some(old),
            new: Some(new),
        }));
        assert!(
            matches!(&events[..], [Event { body: EventBody::MessageUpdated { change, .. }, .. }] if *change == kind),
            "{events:?}"
        );
    }
    // The same version again (a retried write) tells nobody anything.
    let same = events_of(&record(TableChange::Message {
        old: Some(old.clone()),
        new: Some(old),
    }));
    assert!(same.is_empty());
}

#[test]
fn a_mark_read_is_a_conversation_read_and_a_new_unread_is_not() {
    let m = MessageId::generate(T);
    let read = events_of(&record(inbox(
        Some(entry(3, Some(&m), None)),
        entry(0, Some(&m), Some(T + 1)),
    )));
    match &read[..] {
        [Event {
            body: EventBody::ConversationRead(r),
            ..
        }] => {
            assert_eq!((r.reader.as_str(), r.peer.as_str()), ("admin1", "user1"));
            assert_eq!(r.was_unread, 3);
            assert_eq!(r.read_up_to.as_ref(), Some(&m));
        }
        other => panic!("{other:?}"),
    }
    let counted = events_of(&record(inbox(
        Some(entry(0, Some(&m), Some(T + 1))),
        entry(1, Some(&MessageId::generate(T + 2)), Some(T + 1)),
    )));
    assert!(counted.is_empty(), "{counted:?}");
}

#[test]
fn only_the_first_unread_message_of_a_run_starts_it() {
    let first = MessageId::generate(T);
    let second = MessageId::generate(T + 1);
    let started = unread_run_started(&inbox(None, entry(1, Some(&first), None)));
    assert_eq!(started, Some((id("admin1"), id("user1"), first.clone())));
    let more = unread_run_started(&inbox(
        Some(entry(1, Some(&first), None)),
        entry(2, Some(&second), None),
    ));
    assert_eq!(more, None);
    // After a read, the next message starts a new run.
    let again = unread_run_started(&inbox(
        Some(entry(0, Some(&first), Some(T + 1))),
        entry(1, Some(&second), Some(T + 1)),
    ));
    assert_eq!(again, Some((id("admin1"), id("user1"), second)));
    // The sender's own side (its last message moves, nothing unread) starts nothing.
    assert_eq!(
        unread_run_started(&inbox(None, entry(0, Some(&first), None))),
        None
    );
}

#[test]
fn an_erasure_is_told_once_when_its_record_completes() {
    use crate::domain::{Erasure, ErasurePhase, Requester};
    let mut started = Erasure::new(id("user1"), Requester::Backend, T);
    started.phase = ErasurePhase::Received;
    let mut done = started.clone();
    done.phase = ErasurePhase::Done;
    done.completed_at_ms = Some(T + 5);
    done.counts.messages = 3;
    let change = |old: Option<&Erasure>, new: Option<&Erasure>| TableChange::Erasure {
        old: old.cloned().map(Box::new),
        new: new.cloned().map(Box::new),
    };
    let events = events_of(&record(change(Some(&started), Some(&done))));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].body.detail_type(), "chat.client.erased");
    assert_eq!(
        events[0].body,
        EventBody::ClientErased(Box::new(done.clone()))
    );
    // Progress, the record's deletion afterwards, and a redelivered completion say nothing.
    assert!(events_of(&record(change(None, Some(&started)))).is_empty());
    assert!(events_of(&record(change(Some(&done), None))).is_empty());
    assert!(events_of(&record(change(Some(&done), Some(&done)))).is_empty());
}
