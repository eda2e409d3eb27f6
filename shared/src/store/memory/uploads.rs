//! Upload records in memory.

use async_trait::async_trait;

use super::{MemoryStore, State};
use crate::domain::{AttachmentId, Message, Upload, UploadState};
use crate::store::{StoreError, UploadStore};

#[async_trait]
impl UploadStore for MemoryStore {
    async fn put_upload(&self, upload: &Upload) -> Result<(), StoreError> {
        let mut state = self.lock();
        state
            .uploads
            .insert(upload.attachment.attachment_id.clone(), upload.clone());
        Ok(())
    }

    async fn uploads(&self, ids: &[AttachmentId]) -> Result<Vec<Upload>, StoreError> {
        let state = self.lock();
        Ok(ids
            .iter()
            .filter_map(|id| state.uploads.get(id))
            .cloned()
            .collect())
    }
}

/// Marks `message`'s uploads attached to it if every one is attachable by its sender at the
/// message's time; otherwise changes nothing.
pub(super) fn attach(state: &mut State, message: &Message) -> Result<(), StoreError> {
    let now_s = message.timestamp_ms().div_euclid(1000);
    let ids = message.attachments.iter().map(|a| &a.attachment_id);
    let attachable = |id: &AttachmentId| {
        (state.uploads.get(id)).is_some_and(|u| u.attachable_by(&message.sender_id, now_s))
    };
    if !ids.clone().all(attachable) {
        return Err(StoreError::UploadTaken);
    }
    for id in ids {
        if let Some(upload) = state.uploads.get_mut(id) {
            upload.state = UploadState::Attached {
                message_id: message.message_id.clone(),
                peer: message.receiver_id.clone(),
            };
        }
    }
    Ok(())
}
