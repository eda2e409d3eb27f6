//! Upload records (Messages table, under `#file#<attachment_id>`) and the attachments a message
//! item carries.

use serde::{Deserialize, Serialize};

use super::{client_id, corrupt, message_id};
use crate::domain::{
    Attachment, AttachmentId, FileName, FileType, Upload, UploadState, MAX_ATTACHMENT_BYTES,
};
use crate::store::StoreError;

/// The partition of an upload's record. Conversation keys never start with `#`, so records
/// never mix with messages; they carry no `sender_id` or `receiver_id`, so the catch-up
/// indexes never list them, and no `appointment_id`, so the events' stream filter drops them.
pub(in super::super) fn upload_partition(id: &AttachmentId) -> String {
    format!("#file#{}", id.as_str())
}

/// The record's sort key (one record per partition).
pub(in super::super) const UPLOAD_SK: &str = "#file";

/// An attachment as a message item holds it.
#[derive(Debug, Serialize, Deserialize)]
pub(in super::super) struct AttachmentItem {
    id: String,
    name: String,
    #[serde(rename = "type")]
    content_type: String,
    size: u64,
}

impl AttachmentItem {
    pub(in super::super) fn new(a: &Attachment) -> Self {
        Self {
            id: a.attachment_id.as_str().to_owned(),
            name: a.file_name.as_str().to_owned(),
            content_type: a.file_type.as_str().to_owned(),
            size: a.size,
        }
    }

    pub(in super::super) fn into_attachment(self) -> Result<Attachment, StoreError> {
        let file_type = FileType::parse(&self.content_type)
            .ok_or_else(|| StoreError::Corrupt("attachment type".into()))?;
        if self.size == 0 || self.size > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Corrupt("attachment size".into()));
        }
        Ok(Attachment {
            attachment_id: AttachmentId::parse(&self.id).map_err(corrupt("attachment id"))?,
            // Checked when the upload was asked for.
            file_name: FileName::stored(self.name),
            file_type,
            size: self.size,
        })
    }
}

/// An upload's record. Pending: `expires_at` (the TTL attribute) is set; attached: it is
/// gone and `attached_to` and `peer` say where.
#[derive(Debug, Serialize, Deserialize)]
pub(in super::super) struct UploadItem {
    conversation_id: String,
    message_id: String,
    owner: String,
    #[serde(flatten)]
    attachment: AttachmentItem,
    created_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attached_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    peer: Option<String>,
}

impl UploadItem {
    pub(in super::super) fn new(upload: &Upload) -> Self {
        let (expires_at, attached_to, peer) = match &upload.state {
            UploadState::Pending { expires_at_s } => (Some(*expires_at_s), None, None),
            UploadState::Attached { message_id, peer } => (
                None,
                Some(message_id.as_str().to_owned()),
                Some(peer.as_str().to_owned()),
            ),
        };
        Self {
            conversation_id: upload_partition(&upload.attachment.attachment_id),
            message_id: UPLOAD_SK.to_owned(),
            owner: upload.owner.as_str().to_owned(),
            attachment: AttachmentItem::new(&upload.attachment),
            created_at_ms: upload.created_at_ms,
            expires_at,
            attached_to,
            peer,
        }
    }

    pub(in super::super) fn into_upload(self) -> Result<Upload, StoreError> {
        let state = match (self.attached_to, self.peer, self.expires_at) {
            (Some(to), Some(peer), _) => UploadState::Attached {
                message_id: message_id(&to, "attached_to")?,
                peer: client_id(&peer, "peer")?,
            },
            (None, None, Some(expires_at_s)) => UploadState::Pending { expires_at_s },
            _ => return Err(StoreError::Corrupt("upload state".into())),
        };
        Ok(Upload {
            attachment: self.attachment.into_attachment()?,
            owner: client_id(&self.owner, "owner")?,
            created_at_ms: self.created_at_ms,
            state,
        })
    }
}
