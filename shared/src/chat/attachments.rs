//! Attachments (docs/attachments.md): asking for an upload, the checks a send makes of the
//! uploads it names, and downloads for the two people of the conversation.

use futures_util::future::try_join_all;

use crate::domain::{
    Attachment, AttachmentId, AttachmentRefusal, ClientId, EpochMillis, Identity, Message,
    MessageId, Upload, UploadRequest, UploadState, DOWNLOAD_URL_TTL_S, PENDING_UPLOAD_TTL_S,
    UPLOAD_URL_TTL_S,
};
use crate::error::{Chain, ChatError};
use crate::files::{Files, ObjectState, Presigned};
use crate::store::{MessageStore, UploadStore};

use super::admit::RateCheck;

/// An upload the client may now make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadGrant {
    pub attachment_id: AttachmentId,
    pub upload: Presigned,
}

/// A download URL for an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadGrant {
    pub attachment: Attachment,
    pub download: Presigned,
}

/// `POST /chat/attachments/{owner}`: the caller's own upload, drawn from its upload bucket;
/// the record is written before the URL is handed out, so every object has one. Refused in
/// this order: someone else's (403), no storage configured (503), the bucket empty (429).
pub async fn request_upload(
    uploads: &dyn UploadStore,
    files: Option<&dyn Files>,
    rate: RateCheck<'_>,
    who: &Identity,
    owner: &ClientId,
    request: UploadRequest,
) -> Result<UploadGrant, ChatError> {
    if owner != &who.client_id {
        return Err(ChatError::Forbidden("uploads are made for oneself only"));
    }
    let files = files.ok_or(AttachmentRefusal::Unavailable)?;
    rate.take(who).await?;
    let now_ms = rate.now_ms;
    let attachment = Attachment {
        attachment_id: AttachmentId::generate(now_ms),
        file_name: request.file_name,
        file_type: request.file_type,
        size: request.size,
    };
    let key = attachment.attachment_id.object_key();
    let upload = Upload {
        owner: owner.clone(),
        created_at_ms: now_ms,
        state: UploadState::Pending {
            expires_at_s: now_ms.div_euclid(1000) + PENDING_UPLOAD_TTL_S,
        },
        attachment,
    };
    uploads.put_upload(&upload).await?;
    let (kind, size) = (upload.attachment.file_type, upload.attachment.size);
    let presigned = files.presign_upload(&key, kind, size, now_ms, UPLOAD_URL_TTL_S);
    Ok(UploadGrant {
        attachment_id: upload.attachment.attachment_id,
        upload: presigned.await?,
    })
}

/// The uploads a send names, checked: each exists, is the sender's, is not attached yet and
/// has not expired (its record), and storage holds exactly what was declared (size, type and
/// first bytes). In the order given. One consistent batch read, and one ranged read of each
/// object, all concurrent.
pub async fn check_uploads(
    uploads: &dyn UploadStore,
    files: &dyn Files,
    sender: &ClientId,
    ids: &[AttachmentId],
    now_ms: EpochMillis,
) -> Result<Vec<Attachment>, ChatError> {
    let records = uploads.uploads(ids);
    let objects = try_join_all(ids.iter().map(|id| async move {
        let key = id.object_key();
        files.inspect(&key).await
    }));
    let (records, objects) = tokio::join!(records, objects);
    let (records, objects) = (records?, objects?);
    let now_s = now_ms.div_euclid(1000);
    let mut checked = Vec::with_capacity(ids.len());
    for (id, object) in ids.iter().zip(objects) {
        let record = records.iter().find(|u| &u.attachment.attachment_id == id);
        let Some(record) = record.filter(|u| &u.owner == sender) else {
            return Err(AttachmentRefusal::NotFound.into());
        };
        if matches!(record.state, UploadState::Attached { .. }) {
            return Err(AttachmentRefusal::InUse.into());
        }
        let Some(object) = object.filter(|_| record.attachable_by(sender, now_s)) else {
            return Err(AttachmentRefusal::NotFound.into());
        };
        let declared = &record.attachment;
        let same_type = (object.content_type.as_deref())
            .and_then(crate::domain::FileType::parse)
            .is_some_and(|t| t == declared.file_type);
        if object.size != declared.size || !same_type || !declared.file_type.matches(&object.head) {
            return Err(AttachmentRefusal::Mismatch.into());
        }
        checked.push(declared.clone());
    }
    Ok(checked)
}

/// Tags the attachments' objects: `attached` before the message is stored (a failure refuses
/// the send; a send that then fails leaves an object tagged attached, never an attached file
/// that expires), `deleted` after a delete (a failure is logged: the tombstone already keeps
/// everyone from it).
pub async fn set_states(
    files: &dyn Files,
    attachments: &[Attachment],
    state: ObjectState,
) -> Result<(), ChatError> {
    let keys: Vec<String> = (attachments.iter())
        .map(|a| a.attachment_id.object_key())
        .collect();
    try_join_all(keys.iter().map(|key| files.set_state(key, state))).await?;
    Ok(())
}

/// [`set_states`] for a deleted message's attachments, logging a failure.
pub async fn forget(files: &dyn Files, deleted: &Message, attachments: &[Attachment]) {
    if let Err(err) = set_states(files, attachments, ObjectState::Deleted).await {
        tracing::error!(
            message_id = %deleted.message_id,
            error = %Chain(&err),
            "deleted message's files not retagged"
        );
    }
}

/// `GET /chat/attachments/{client}/{id}`: a download URL, only for the two people of the
/// conversation the attachment was sent in. Anyone else, and an upload not attached yet, get
/// "not found" (a stranger learns nothing); an attachment whose message was deleted, or is past
/// retention's `floor`, "gone".
/// Draws from the caller's read bucket.
pub async fn download(
    store: (&dyn UploadStore, &dyn MessageStore),
    files: Option<&dyn Files>,
    rate: RateCheck<'_>,
    who: &Identity,
    client: &ClientId,
    id: &AttachmentId,
    floor: Option<&MessageId>,
) -> Result<DownloadGrant, ChatError> {
    if client != &who.client_id {
        return Err(ChatError::Forbidden("downloads are made for oneself only"));
    }
    let files = files.ok_or(AttachmentRefusal::Unavailable)?;
    rate.take(who).await?;
    let (uploads, messages) = store;
    let record = uploads.uploads(std::slice::from_ref(id)).await?.pop();
    let Some((record, message_id, peer)) = record.and_then(|u| match u.state.clone() {
        UploadState::Attached { message_id, peer } => Some((u, message_id, peer)),
        UploadState::Pending { .. } => None,
    }) else {
        return Err(AttachmentRefusal::NotFound.into());
    };
    if client != &record.owner && client != &peer {
        return Err(AttachmentRefusal::NotFound.into());
    }
    // Past retention's cut the message is gone for every read, its files with it.
    if floor.is_some_and(|floor| &message_id < floor) {
        return Err(AttachmentRefusal::Gone.into());
    }
    let message = messages.message(&record.owner, &peer, &message_id).await?;
    let Some(attachment) = message
        .filter(|m| m.state.deleted.is_none())
        .and_then(|m| m.attachments.into_iter().find(|a| &a.attachment_id == id))
    else {
        return Err(AttachmentRefusal::Gone.into());
    };
    let key = id.object_key();
    let download = files
        .presign_download(&key, &attachment, rate.now_ms, DOWNLOAD_URL_TTL_S)
        .await?;
    Ok(DownloadGrant {
        attachment,
        download,
    })
}
