//! Events for other systems, as JSON: the `detail` of an EventBridge event (schema version 1,
//! `docs/events/v1/*.schema.json`) and the whole EventBridge-shaped envelope that webhooks
//! receive. Message text is left out unless the stack allows it (`EVENTS_INCLUDE_TEXT`), and a
//! deleted message never has any.

use serde_json::{json, Map, Value};

use chat_shared::domain::{rfc3339_millis, Event, EventBody, Message, Requester};

/// The version of every schema in `docs/events/v1/`: bumped only for a change that could break
/// a consumer (a field removed or retyped); fields are added within a version.
pub const SCHEMA_VERSION: u64 = 1;

/// What the events say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventFields {
    /// Message text in `chat.message.*` events (the stack's `EventsIncludeText`).
    pub include_text: bool,
}

/// The `detail` of `event`.
pub fn detail(event: &Event, fields: EventFields) -> Value {
    let mut detail = Map::new();
    detail.insert("schema_version".into(), json!(SCHEMA_VERSION));
    detail.insert("event_id".into(), json!(event.id));
    detail.insert("occurred_at".into(), json!(rfc3339_millis(event.at_ms)));
    let rest = match &event.body {
        EventBody::MessageCreated(m) => json!({
            "conversation_id": conversation(m),
            "message": message(m, fields),
        }),
        EventBody::MessageUpdated { message: m, change } => json!({
            "conversation_id": conversation(m),
            "change": change.as_str(),
            "message": message(m, fields),
        }),
        EventBody::ConversationRead(read) => json!({
            "conversation_id": read.conversation().as_str(),
            "reader_id": read.reader.as_str(),
            "peer_id": read.peer.as_str(),
            "read_up_to": read.read_up_to.as_ref().map(|id| id.as_str()),
            "read_at": rfc3339_millis(read.read_at_ms),
            "was_unread": read.was_unread,
        }),
        EventBody::NotificationNeeded(notice) => json!({
            "conversation_id": notice.conversation().as_str(),
            "receiver_id": notice.check.receiver.as_str(),
            "sender_id": notice.check.sender.as_str(),
            "sender_kind": if notice.check.sender.is_system() { "system" } else { "chat" },
            "reason": notice.check.reason.as_str(),
            "waiting": notice.waiting,
            "first_message_id": notice.check.first_unread.as_str(),
            "last_message_id": notice.last_message_id.as_ref().map(|id| id.as_str()),
        }),
        EventBody::ClientErased(erasure) => json!({
            "client_id": erasure.client.as_str(),
            "requested_by": match &erasure.requested_by {
                Requester::Person { client_id, role } => {
                    json!({ "role": role.as_str(), "client_id": client_id.as_str() })
                }
                Requester::Backend => json!({ "role": "backend" }),
            },
            "started_at": rfc3339_millis(erasure.started_at_ms),
            "counts": erasure.counts,
        }),
    };
    if let Value::Object(rest) = rest {
        detail.extend(rest);
    }
    Value::Object(detail)
}

fn conversation(m: &Message) -> String {
    chat_shared::domain::ConversationKey::between(&m.sender_id, &m.receiver_id)
        .as_str()
        .to_owned()
}

fn message(m: &Message, fields: EventFields) -> Value {
    let state = &m.state;
    let mut out = json!({
        "message_id": m.message_id.as_str(),
        "sender_id": m.sender_id.as_str(),
        "receiver_id": m.receiver_id.as_str(),
        "appointment_id": m.appointment_id.as_str(),
        "service_id": m.service_id.as_str(),
        "kind": if m.is_system() { "system" } else { "chat" },
        "timestamp": rfc3339_millis(m.message_id.timestamp_ms()),
        "version": state.version,
        "edited": state.edited_at_ms.is_some(),
        "deleted": state.deleted.is_some(),
        "reply_to": m.reply.as_ref().map(|r| r.to.as_str()),
        "reactions": (state.reactions.0.iter())
            .map(|(emoji, by)| (emoji.as_str().to_owned(), json!(by.len())))
            .collect::<Map<_, _>>(),
    });
    if fields.include_text && state.deleted.is_none() {
        out["message_text"] = json!(m.message_text.as_str());
    }
    out
}

/// The EventBridge event a rule hands its targets (and webhooks receive): `source`,
/// `detail-type`, `time`, and [`detail`]. `id` is the bus's own; the chat's is
/// `detail.event_id`.
pub fn envelope(event: &Event, fields: EventFields, source: &str, bus_id: &str) -> Value {
    json!({
        "version": "0",
        "id": bus_id,
        "detail-type": event.body.detail_type(),
        "source": source,
        "account": "000000000000",
        "time": rfc3339_seconds(event.at_ms),
        "region": "local",
        "resources": [],
        "detail": detail(event, fields),
    })
}

/// EventBridge's `time`: RFC 3339 to the second.
fn rfc3339_seconds(ms: i64) -> String {
    let full = rfc3339_millis(ms);
    match full.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => full,
    }
}
