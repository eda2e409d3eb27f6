//! A notice check as the body of a queue message: what the stream function schedules on SQS
//! ([`super::sqs`]) and the notice function reads back, and what chat-local's timers carry.

use serde::{Deserialize, Serialize};

use chat_shared::domain::{ClientId, MessageId, NoticeCheck, NoticeReason};

/// A check as a queue message's body.
#[derive(Debug, Serialize, Deserialize)]
struct CheckBody {
    receiver_id: String,
    sender_id: String,
    first_unread: String,
    reason: String,
}

pub fn check_body(check: &NoticeCheck) -> String {
    serde_json::to_string(&CheckBody {
        receiver_id: check.receiver.as_str().to_owned(),
        sender_id: check.sender.as_str().to_owned(),
        first_unread: check.first_unread.as_str().to_owned(),
        reason: check.reason.as_str().to_owned(),
    })
    .expect("a check serializes")
}

/// A queue message's body as a check; `None` for anything that is not one (logged and
/// dropped by the caller: retrying cannot make it one).
pub fn parse_check(body: &str) -> Option<NoticeCheck> {
    let raw: CheckBody = serde_json::from_str(body).ok()?;
    Some(NoticeCheck {
        receiver: ClientId::parse(&raw.receiver_id).ok()?,
        sender: ClientId::parse(&raw.sender_id).ok()?,
        first_unread: MessageId::parse(&raw.first_unread).ok()?,
        reason: NoticeReason::parse(&raw.reason)?,
    })
}
