//! The data rules' response bodies (docs/data-rules.md, docs/openapi.yaml): an export page and
//! an erasure's progress.

use serde::Serialize;

use chat_shared::domain::{rfc3339_millis, Erasure, ErasureCounts, ExportPage, UploadState};

use super::{AttachmentView, MessageView};

/// The export document's format, versioned with its schema.
pub const EXPORT_FORMAT: &str = "chat-export/1";

/// `GET /chat/export/{client_id}`: one page.
#[derive(Debug, Serialize)]
pub struct ExportResponse<'a> {
    pub format: &'static str,
    pub client_id: &'a str,
    pub exported_at: String,
    /// The first page only (`null` after, and for a client never connected).
    pub profile: Option<ProfileView>,
    pub connections: Vec<ConnectionView<'a>>,
    pub read_state: Vec<ReadStateView<'a>>,
    pub uploads: Vec<UploadView<'a>>,
    pub messages: Vec<MessageView<'a>>,
    pub attachments: Vec<ExportedFileView<'a>>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProfileView {
    pub role: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ConnectionView<'a> {
    pub connection_id: &'a str,
    pub connected_at: String,
}

#[derive(Debug, Serialize)]
pub struct ReadStateView<'a> {
    pub peer_id: &'a str,
    pub unread: u64,
    pub last_message_id: Option<&'a str>,
    pub read_up_to: Option<&'a str>,
    pub read_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UploadView<'a> {
    #[serde(flatten)]
    pub attachment: AttachmentView<'a>,
    pub state: &'static str,
    pub message_id: Option<&'a str>,
    pub uploaded_at: String,
}

#[derive(Debug, Serialize)]
pub struct ExportedFileView<'a> {
    pub message_id: &'a str,
    #[serde(flatten)]
    pub attachment: AttachmentView<'a>,
    pub download_url: &'a str,
    pub url_expires_at: String,
}

impl<'a> From<&'a ExportPage> for ExportResponse<'a> {
    fn from(page: &'a ExportPage) -> Self {
        let records = page.records.as_ref();
        Self {
            format: EXPORT_FORMAT,
            client_id: page.client.as_str(),
            exported_at: rfc3339_millis(page.exported_at_ms),
            profile: (records.and_then(|r| r.role)).map(|role| ProfileView {
                role: role.as_str(),
            }),
            connections: (records.iter().flat_map(|r| &r.connections))
                .map(|c| ConnectionView {
                    connection_id: c.connection_id.as_str(),
                    connected_at: rfc3339_millis(c.connected_at_ms),
                })
                .collect(),
            read_state: (page.read_state.iter())
                .map(|(peer, e)| ReadStateView {
                    peer_id: peer.as_str(),
                    unread: e.unread,
                    last_message_id: e.last_message_id.as_ref().map(|m| m.as_str()),
                    read_up_to: e.read_up_to.as_ref().map(|m| m.as_str()),
                    read_at: e.read_at_ms.map(rfc3339_millis),
                })
                .collect(),
            uploads: (page.uploads.iter())
                .map(|u| UploadView {
                    attachment: (&u.attachment).into(),
                    state: match u.state {
                        UploadState::Pending { .. } => "pending",
                        UploadState::Attached { .. } => "attached",
                    },
                    message_id: match &u.state {
                        UploadState::Attached { message_id, .. } => Some(message_id.as_str()),
                        UploadState::Pending { .. } => None,
                    },
                    uploaded_at: rfc3339_millis(u.created_at_ms),
                })
                .collect(),
            messages: page.messages.iter().map(Into::into).collect(),
            attachments: (page.attachments.iter())
                .map(|f| ExportedFileView {
                    message_id: f.message_id.as_str(),
                    attachment: (&f.attachment).into(),
                    download_url: &f.url,
                    url_expires_at: rfc3339_millis(f.url_expires_at_ms),
                })
                .collect(),
            next_cursor: page.next.as_ref().map(|c| c.encode()),
        }
    }
}

/// `POST /chat/erasure/{client_id}`: where the erasure got to (202 while `done` is false).
#[derive(Debug, Serialize)]
pub struct ErasureResponse<'a> {
    pub client_id: &'a str,
    pub done: bool,
    pub counts: ErasureCounts,
}

impl<'a> From<&'a Erasure> for ErasureResponse<'a> {
    fn from(e: &'a Erasure) -> Self {
        Self {
            client_id: e.client.as_str(),
            done: e.completed_at_ms.is_some(),
            counts: e.counts,
        }
    }
}
