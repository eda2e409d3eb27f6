//! The wire contract: the frames clients send and receive, and the JSON bodies of the HTTP API.
//! Field names and shapes here are the public contract; change them only with a version bump.

use serde::Serialize;
use serde_json::{Map, Value};

use chat_shared::chat::FrameEncoder;
use chat_shared::domain::{
    rfc3339_millis, AppointmentId, ClientId, Message, MessageId, MessageText, NewMessage, Outbound,
    ServiceId, StoredMessage, ValidationError, MAX_ID_LEN,
};
use chat_shared::error::ChatError;

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
        Some(_) => return Err(ChatError::UnknownAction),
    }
    let client_msg_id = match opt_str(&obj, "client_msg_id")? {
        None => None,
        Some(raw) => {
            let ok = !raw.is_empty()
                && raw.len() <= MAX_ID_LEN
                && raw.chars().all(|c| c.is_ascii_graphic());
            if !ok {
                return Err(ValidationError::new(
                    "client_msg_id",
                    "must be 1 to 128 printable ASCII characters",
                )
                .into());
            }
            Some(raw.to_owned())
        }
    };
    Ok(Inbound::Send(NewMessage {
        receiver_id: ClientId::parse_field("receiver_id", req_str(&obj, "receiver_id")?)?,
        appointment_id: AppointmentId::parse_field(
            "appointment_id",
            req_str(&obj, "appointment_id")?,
        )?,
        service_id: ServiceId::parse_field("service_id", req_str(&obj, "service_id")?)?,
        message_text: MessageText::parse(req_str(&obj, "message_text")?, max_message_chars)?,
        client_msg_id,
    }))
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

/// A message as every reader sees it (delivered frames and history items).
#[derive(Debug, Serialize)]
pub struct MessageView<'a> {
    pub message_id: &'a str,
    pub sender_id: &'a str,
    pub receiver_id: &'a str,
    pub appointment_id: &'a str,
    pub service_id: &'a str,
    pub message_text: &'a str,
    pub timestamp: String,
}

impl<'a> From<&'a Message> for MessageView<'a> {
    fn from(m: &'a Message) -> Self {
        Self {
            message_id: m.message_id.as_str(),
            sender_id: m.sender_id.as_str(),
            receiver_id: m.receiver_id.as_str(),
            appointment_id: m.appointment_id.as_str(),
            service_id: m.service_id.as_str(),
            message_text: m.message_text.as_str(),
            timestamp: rfc3339_millis(m.timestamp_ms()),
        }
    }
}

/// Frames the server sends on a WebSocket.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame<'a> {
    /// A message for the receiver, on each of its connections.
    Message(MessageView<'a>),
    /// To the sending connection, once the message is stored.
    Ack {
        message_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
        timestamp: String,
    },
    /// To the sending connection, for a frame that was refused. Nothing was stored.
    Error { code: &'a str, message: &'a str },
    /// To every connection of a sender whose messages were read.
    Read {
        reader_id: &'a str,
        up_to: &'a str,
        read_at: String,
    },
    /// To every connection of the receiver of a typing indicator.
    Typing { sender_id: &'a str },
    /// To the syncing connection: a page of catch-up, oldest first.
    Sync {
        messages: Vec<ServerFrame<'a>>,
        has_more: bool,
        next_since: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("frames serialize")
    }
}

/// The JSON encoder of server frames the use cases deliver.
pub struct JsonFrames;

impl FrameEncoder for JsonFrames {
    fn encode(&self, frame: &Outbound<'_>) -> String {
        match *frame {
            Outbound::Message(m) => delivered_frame(m),
            Outbound::Read {
                reader,
                up_to,
                read_at_ms,
            } => read_frame(reader, up_to, read_at_ms),
            Outbound::Typing { sender } => typing_frame(sender),
        }
    }
}

pub fn delivered_frame(m: &Message) -> String {
    ServerFrame::Message(m.into()).to_json()
}

pub fn ack_frame(m: &Message) -> String {
    ServerFrame::Ack {
        message_id: m.message_id.as_str(),
        client_msg_id: m.client_msg_id.as_deref(),
        timestamp: rfc3339_millis(m.timestamp_ms()),
    }
    .to_json()
}

pub fn sync_frame(messages: &[Message], has_more: bool, next_since: Option<&MessageId>) -> String {
    ServerFrame::Sync {
        messages: messages
            .iter()
            .map(|m| ServerFrame::Message(m.into()))
            .collect(),
        has_more,
        next_since: next_since.map(MessageId::as_str),
    }
    .to_json()
}

pub fn read_frame(reader: &ClientId, up_to: &MessageId, read_at_ms: i64) -> String {
    ServerFrame::Read {
        reader_id: reader.as_str(),
        up_to: up_to.as_str(),
        read_at: rfc3339_millis(read_at_ms),
    }
    .to_json()
}

pub fn typing_frame(sender: &ClientId) -> String {
    ServerFrame::Typing {
        sender_id: sender.as_str(),
    }
    .to_json()
}

pub fn error_frame(err: &ChatError) -> String {
    ServerFrame::Error {
        code: err.code(),
        message: &err.client_message(),
    }
    .to_json()
}

/// `PUT /chat/read/{reader_id}` response.
#[derive(Debug, Serialize)]
pub struct MarkReadResponse {
    pub message: &'static str,
    pub updated_count: u64,
}

/// A history item: the message plus whether its receiver has read it.
#[derive(Debug, Serialize)]
pub struct HistoryItem<'a> {
    #[serde(flatten)]
    pub message: MessageView<'a>,
    pub read: bool,
}

/// `GET /chat/history/...` response.
#[derive(Debug, Serialize)]
pub struct HistoryResponse<'a> {
    pub messages: Vec<HistoryItem<'a>>,
    pub next_cursor: Option<&'a str>,
}

impl<'a> HistoryResponse<'a> {
    pub fn new(messages: &'a [StoredMessage], next_cursor: Option<&'a str>) -> Self {
        Self {
            messages: messages
                .iter()
                .map(|s| HistoryItem {
                    message: (&s.message).into(),
                    read: s.read,
                })
                .collect(),
            next_cursor,
        }
    }
}

/// `GET /chat/unread/{reader_id}` response.
#[derive(Debug, Serialize)]
pub struct UnreadResponse {
    pub total: u64,
    pub by_sender: std::collections::BTreeMap<String, u64>,
}

/// The body of every HTTP error.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
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
