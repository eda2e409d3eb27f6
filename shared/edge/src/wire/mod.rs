//! The wire contract: the frames clients send and receive, and the JSON bodies of the HTTP API.
//! Field names and shapes here are the public contract; change them only with a version bump.

use base64::Engine;
use serde_json::{Map, Value};

use chat_shared::chat::{ChangeRequest, SystemMessage};
use chat_shared::domain::{
    AppointmentId, Change, ClientId, Emoji, InboxCursor, MessageId, MessageText, NewMessage,
    ServiceId, ValidationError, MAX_ID_LEN,
};
use chat_shared::error::ChatError;

mod attachments;
mod events;
mod privacy;
mod views;
pub use attachments::{
    parse_attachment_ids, parse_upload_request, AttachmentView, DownloadResponse, UploadResponse,
};
pub use events::{detail as event_detail, envelope as event_envelope, EventFields, SCHEMA_VERSION};
pub use privacy::{ErasureResponse, ExportResponse, EXPORT_FORMAT};
pub use views::*;

/// What a client frame asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Send(NewMessage),
    /// `{"action":"sync","since":"<message_id>"|"","peer_id"?}`: catch-up after `since`.
    Sync {
        since: Option<MessageId>,
        peer: Option<ClientId>,
    },
    /// `{"action":"typing","receiver_id"}`: a typing indicator for the receiver.
    Typing {
        receiver: ClientId,
    },
    /// `{"action":"edit"|"delete"|"react","message_id","peer_id"?,…}`: a change to a message.
    Change(ChangeRequest),
}

/// Parses a client frame. Unknown fields are ignored; wrong types and missing fields are
/// refused with the field's name. `action` may be absent (the seed's frame) or `"sendmessage"`.
pub fn parse_inbound(body: &str, max_message_chars: usize) -> Result<Inbound, ChatError> {
    let value: Value = serde_json::from_str(body).map_err(|_| ChatError::InvalidJson)?;
    let Value::Object(obj) = value else {
        return Err(ChatError::InvalidJson);
    };
    match opt_str(&obj, "action")? {
        None | Some("sendmessage") | Some("message") => {}
        Some("sync") => return parse_sync(&obj),
        Some("typing") => {
            return Ok(Inbound::Typing {
                receiver: ClientId::parse_field("receiver_id", req_str(&obj, "receiver_id")?)?,
            })
        }
        Some("edit") => {
            let text = MessageText::parse(req_str(&obj, "message_text")?, max_message_chars)?;
            return parse_change(&obj, Change::Edit(text));
        }
        Some("delete") => return parse_change(&obj, Change::Delete),
        Some("react") => {
            let emoji = Emoji::parse(req_str(&obj, "emoji")?)?;
            let remove = match obj.get("remove") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(remove)) => *remove,
                Some(_) => return Err(ValidationError::new("remove", "must be a boolean").into()),
            };
            return parse_change(&obj, Change::React { emoji, remove });
        }
        Some(_) => return Err(ChatError::UnknownAction),
    }
    let client_msg_id = opt_str(&obj, "client_msg_id")?
        .map(|raw| idempotency_key("client_msg_id", raw))
        .transpose()?;
    let receiver_id = ClientId::parse_field("receiver_id", req_str(&obj, "receiver_id")?)?;
    let attachments = attachments::parse_attachment_ids(&obj)?;
    let (appointment_id, service_id, message_text) = if attachments.is_empty() {
        content(&obj, max_message_chars)?
    } else {
        // With attachments the text may be empty or absent.
        let appointment_id =
            AppointmentId::parse_field("appointment_id", req_str(&obj, "appointment_id")?)?;
        let service_id = ServiceId::parse_field("service_id", req_str(&obj, "service_id")?)?;
        let text = match opt_str(&obj, "message_text")? {
            Some(text) if !text.trim().is_empty() => MessageText::parse(text, max_message_chars)?,
            _ => MessageText::empty(),
        };
        (appointment_id, service_id, text)
    };
    Ok(Inbound::Send(NewMessage {
        attachments,
        receiver_id,
        appointment_id,
        service_id,
        message_text,
        client_msg_id,
        reply_to: opt_str(&obj, "reply_to")?
            .map(|raw| message_id_field("reply_to", raw))
            .transpose()?,
    }))
}

/// What every new message carries, in the order it is checked: `appointment_id`, `service_id`,
/// `message_text`.
fn content(
    obj: &Map<String, Value>,
    max_message_chars: usize,
) -> Result<(AppointmentId, ServiceId, MessageText), ChatError> {
    Ok((
        AppointmentId::parse_field("appointment_id", req_str(obj, "appointment_id")?)?,
        ServiceId::parse_field("service_id", req_str(obj, "service_id")?)?,
        MessageText::parse(req_str(obj, "message_text")?, max_message_chars)?,
    ))
}

/// An idempotency key (`client_msg_id`, a system message's `idempotency_key`): 1 to 128
/// printable ASCII characters.
fn idempotency_key(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let ok =
        !raw.is_empty() && raw.len() <= MAX_ID_LEN && raw.chars().all(|c| c.is_ascii_graphic());
    if !ok {
        return Err(ValidationError::new(
            field,
            "must be 1 to 128 printable ASCII characters",
        ));
    }
    Ok(raw.to_owned())
}

/// The body of `POST /chat/system/{receiver_id}`:
/// `{"appointment_id","service_id","message_text","idempotency_key"}`, all required.
pub fn parse_system_message(
    body: &[u8],
    receiver_id: ClientId,
    max_message_chars: usize,
) -> Result<SystemMessage, ChatError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ChatError::InvalidJson)?;
    let Value::Object(obj) = value else {
        return Err(ChatError::InvalidJson);
    };
    let (appointment_id, service_id, message_text) = content(&obj, max_message_chars)?;
    Ok(SystemMessage {
        receiver_id,
        appointment_id,
        service_id,
        message_text,
        idempotency_key: idempotency_key("idempotency_key", req_str(&obj, "idempotency_key")?)?,
    })
}

/// The `message_id` and optional `peer_id` every change names.
fn parse_change(obj: &Map<String, Value>, change: Change) -> Result<Inbound, ChatError> {
    Ok(Inbound::Change(ChangeRequest {
        message_id: message_id_field("message_id", req_str(obj, "message_id")?)?,
        peer: opt_str(obj, "peer_id")?
            .map(|raw| ClientId::parse_field("peer_id", raw))
            .transpose()?,
        change,
    }))
}

fn message_id_field(field: &'static str, raw: &str) -> Result<MessageId, ValidationError> {
    MessageId::parse(raw).map_err(|_| ValidationError::new(field, "must be a message_id"))
}

const CURSOR: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An inbox page's cursor as clients see it: opaque (base64url of the place's id and peer).
pub fn encode_inbox_cursor(cursor: &InboxCursor) -> String {
    CURSOR.encode(format!(
        "{}{}",
        cursor.activity.as_str(),
        cursor.peer.as_str()
    ))
}

/// The inverse of [`encode_inbox_cursor`]; anything else is a `validation` error.
pub fn parse_inbox_cursor(raw: &str) -> Result<InboxCursor, ValidationError> {
    let bad = || ValidationError::new("cursor", "is not a cursor");
    let bytes = CURSOR.decode(raw).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (activity, peer) = text.split_at_checked(MessageId::LEN).ok_or_else(bad)?;
    Ok(InboxCursor {
        activity: MessageId::parse(activity).map_err(|_| bad())?,
        peer: ClientId::parse(peer).map_err(|_| bad())?,
    })
}

fn parse_sync(obj: &Map<String, Value>) -> Result<Inbound, ChatError> {
    let since = match opt_str(obj, "since")? {
        None | Some("") => None,
        Some(raw) => Some(MessageId::parse(raw).map_err(|_| {
            ValidationError::new("since", "must be a message_id, or empty for the start")
        })?),
    };
    let peer = opt_str(obj, "peer_id")?
        .map(|raw| ClientId::parse_field("peer_id", raw))
        .transpose()?;
    Ok(Inbound::Sync { since, peer })
}

/// A required string field of a JSON object.
pub fn req_str<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
) -> Result<&'a str, ValidationError> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(ValidationError::new(field, "is required")),
        Some(_) => Err(ValidationError::new(field, "must be a string")),
    }
}

/// An optional string field of a JSON object (`null` counts as absent).
pub fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    field: &'static str,
) -> Result<Option<&'a str>, ValidationError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ValidationError::new(field, "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Inbound, ChatError> {
        parse_inbound(body, 4_000)
    }

    #[test]
    fn parses_the_seed_frame_and_ignores_unknown_fields() {
        let Ok(Inbound::Send(m)) = parse(
            r#"{"receiver_id":"admin456","appointment_id":"appointment789","service_id":"service123","message_text":"Hello","extra":[1,2]}"#,
        ) else {
            panic!("a send")
        };
        assert_eq!(m.receiver_id.as_str(), "admin456");
        assert_eq!(m.message_text.as_str(), "Hello");
        assert_eq!(m.client_msg_id, None);
    }

    #[test]
    fn names_the_field_that_is_missing_or_of_the_wrong_type() {
        let err =
            parse(r#"{"receiver_id":"a","appointment_id":"b","service_id":"c"}"#).unwrap_err();
        assert_eq!(err.code(), "validation");
        assert_eq!(err.client_message(), "message_text is required");
        let err =
            parse(r#"{"receiver_id":5,"appointment_id":"b","service_id":"c","message_text":"x"}"#)
                .unwrap_err();
        assert_eq!(err.client_message(), "receiver_id must be a string");
    }

    #[test]
    fn tells_bad_json_from_bad_fields() {
        for body in ["", "{", "[]", "\"text\"", "null", "{\"a\":1}}"] {
            assert_eq!(parse(body).unwrap_err().code(), "invalid_json", "{body}");
        }
        assert_eq!(
            parse(r#"{"action":"dance","receiver_id":"a"}"#)
                .unwrap_err()
                .code(),
            "unknown_action"
        );
    }

    #[test]
    fn parses_sync_frames() {
        let id = MessageId::generate(1_000);
        let frame = format!(r#"{{"action":"sync","since":"{id}","peer_id":"admin1"}}"#);
        assert_eq!(
            parse(&frame).unwrap(),
            Inbound::Sync {
                since: Some(id),
                peer: Some(ClientId::parse("admin1").unwrap())
            }
        );
        for from_start in [r#"{"action":"sync","since":""}"#, r#"{"action":"sync"}"#] {
            assert_eq!(
                parse(from_start).unwrap(),
                Inbound::Sync {
                    since: None,
                    peer: None
                }
            );
        }
        let err = parse(r#"{"action":"sync","since":"yesterday"}"#).unwrap_err();
        assert_eq!(
            err.client_message(),
            "since must be a message_id, or empty for the start"
        );
        let err = parse(r#"{"action":"sync","since":"","peer_id":"a b"}"#).unwrap_err();
        assert_eq!(err.code(), "validation");
        let err = parse(r#"{"action":"sync","since":5}"#).unwrap_err();
        assert_eq!(err.client_message(), "since must be a string");
    }

    #[test]
    fn ack_echoes_the_client_key_only_when_given() {
        let Ok(Inbound::Send(m)) = parse(
            r#"{"receiver_id":"a","appointment_id":"b","service_id":"c","message_text":"x","client_msg_id":"k-1"}"#,
        ) else {
            panic!("a send")
        };
        assert_eq!(m.client_msg_id.as_deref(), Some("k-1"));
    }
}
