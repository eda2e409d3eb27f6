//! Server frames and HTTP response bodies: how messages, acks, receipts and pages look on the
//! wire. Field names here are the public contract (docs/asyncapi.yaml, docs/openapi.yaml).

use std::collections::BTreeMap;

use serde::Serialize;

use chat_shared::chat::FrameEncoder;
use chat_shared::domain::{
    rfc3339_millis, ClientId, Conversation, Message, MessageId, MessagePreview, Outbound,
    StoredMessage,
};
use chat_shared::error::ChatError;

/// A message as every reader sees it (delivered frames and history items).
#[derive(Debug, Serialize)]
pub struct MessageView<'a> {
    pub message_id: &'a str,
    /// `"chat"`, or `"system"` for a system message (its `sender_id` is `"system"`).
    pub kind: &'static str,
    pub sender_id: &'a str,
    pub receiver_id: &'a str,
    pub appointment_id: &'a str,
    pub service_id: &'a str,
    /// Empty once the message is deleted.
    pub message_text: &'a str,
    pub timestamp: String,
    /// 1 when sent, one more with each change: keep the copy with the higher version.
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    pub deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<&'a str>,
    /// Emoji to the participants who reacted with it, in the order they did.
    pub reactions: BTreeMap<&'a str, Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<&'a str>,
    /// The current state of the message `reply_to` names (absent if it cannot be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_preview: Option<PreviewView<'a>>,
    /// Absent when the message has none (docs/attachments.md).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::AttachmentView<'a>>,
}

impl<'a> From<&'a Message> for MessageView<'a> {
    fn from(m: &'a Message) -> Self {
        let state = &m.state;
        Self {
            message_id: m.message_id.as_str(),
            kind: if m.is_system() { "system" } else { "chat" },
            sender_id: m.sender_id.as_str(),
            receiver_id: m.receiver_id.as_str(),
            appointment_id: m.appointment_id.as_str(),
            service_id: m.service_id.as_str(),
            message_text: m.message_text.as_str(),
            timestamp: rfc3339_millis(m.timestamp_ms()),
            version: state.version,
            edited_at: state.edited_at_ms.map(rfc3339_millis),
            deleted: state.deleted.is_some(),
            deleted_by: state.deleted.as_ref().map(|d| d.by.as_str()),
            reactions: (state.reactions.0.iter())
                .map(|(e, by)| (e.as_str(), by.iter().map(ClientId::as_str).collect()))
                .collect(),
            reply_to: m.reply.as_ref().map(|r| r.to.as_str()),
            reply_preview: m
                .reply
                .as_ref()
                .and_then(|r| r.preview.as_ref())
                .map(PreviewView::from),
            attachments: m.attachments.iter().map(Into::into).collect(),
        }
    }
}

/// A short view of a message: a reply's quote, an inbox's last message.
#[derive(Debug, Serialize)]
pub struct PreviewView<'a> {
    pub message_id: &'a str,
    pub sender_id: &'a str,
    pub appointment_id: &'a str,
    pub service_id: &'a str,
    /// At most 100 characters of the text, then `…`; empty once deleted.
    pub preview: &'a str,
    pub timestamp: String,
    pub edited: bool,
    pub deleted: bool,
}

impl<'a> From<&'a MessagePreview> for PreviewView<'a> {
    fn from(p: &'a MessagePreview) -> Self {
        Self {
            message_id: p.message_id.as_str(),
            sender_id: p.sender_id.as_str(),
            appointment_id: p.appointment_id.as_str(),
            service_id: p.service_id.as_str(),
            preview: &p.text,
            timestamp: rfc3339_millis(p.message_id.timestamp_ms()),
            edited: p.edited,
            deleted: p.deleted,
        }
    }
}

/// Frames the server sends on a WebSocket.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame<'a> {
    /// A message for the receiver, on each of its connections.
    Message(MessageView<'a>),
    /// A message's new state after a change, to both participants' connections.
    Update { message: MessageView<'a> },
    /// To the sending connection, once the message is stored (a send), or once the change is
    /// (an edit, a deletion or a reaction: then with `action`, `version` and the message).
    Ack {
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<&'a str>,
        message_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<&'a str>,
        timestamp: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<MessageView<'a>>,
        /// A send's files as stored (only when it has some).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<super::AttachmentView<'a>>,
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
            Outbound::Update(m) => update_frame(m),
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

pub fn update_frame(m: &Message) -> String {
    ServerFrame::Update { message: m.into() }.to_json()
}

pub fn ack_frame(m: &Message) -> String {
    ServerFrame::Ack {
        action: None,
        message_id: m.message_id.as_str(),
        client_msg_id: m.client_msg_id.as_deref(),
        timestamp: rfc3339_millis(m.timestamp_ms()),
        version: None,
        message: None,
        attachments: m
            .attachments
            .iter()
            .map(super::AttachmentView::from)
            .collect(),
    }
    .to_json()
}

/// The ack of a change: the action, the message's version and its current state;
/// `timestamp` is when the change was accepted.
pub fn change_ack_frame(action: &str, m: &Message, at_ms: i64) -> String {
    ServerFrame::Ack {
        action: Some(action),
        message_id: m.message_id.as_str(),
        client_msg_id: None,
        timestamp: rfc3339_millis(at_ms),
        version: Some(m.state.version),
        message: Some(m.into()),
        attachments: Vec::new(),
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

/// `GET /chat/conversations/{client_id}` response.
#[derive(Debug, Serialize)]
pub struct ConversationsResponse<'a> {
    pub conversations: Vec<ConversationView<'a>>,
    pub next_cursor: Option<String>,
}

/// One conversation of an inbox.
#[derive(Debug, Serialize)]
pub struct ConversationView<'a> {
    pub peer_id: &'a str,
    pub last_message: Option<PreviewView<'a>>,
    pub unread: u64,
    /// When the last message was sent.
    pub updated_at: Option<String>,
}

impl<'a> From<&'a Conversation> for ConversationView<'a> {
    fn from(c: &'a Conversation) -> Self {
        Self {
            peer_id: c.peer.as_str(),
            last_message: c.last.as_ref().map(PreviewView::from),
            unread: c.unread,
            updated_at: c.updated_at_ms().map(rfc3339_millis),
        }
    }
}

/// `POST /chat/system/{receiver_id}` response, as a send's ack: the stored message's id and
/// time, and whether this request repeated an earlier one's `idempotency_key` (then nothing was
/// stored or delivered again).
#[derive(Debug, Serialize)]
pub struct SystemMessageResponse<'a> {
    pub message_id: &'a str,
    pub timestamp: String,
    pub duplicate: bool,
}

/// The body of every HTTP error.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
}
