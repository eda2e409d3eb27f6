//! Object storage for attachments behind one small trait: S3 in production (the edge's
//! `files::S3Files`), chat-local's S3-compatible endpoint in development and tests. Presigning
//! is a local computation; `inspect` and `set_state` are one request each.

use async_trait::async_trait;

use crate::domain::{Attachment, EpochMillis, FileType};
use crate::store::BoxError;

/// A presigned request: the URL, the headers the client must send with it (signed), and when
/// it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    pub url: String,
    /// Lower-case names; `content-length` is left out (clients set it from the body).
    pub headers: Vec<(String, String)>,
    pub expires_at_ms: EpochMillis,
}

/// What storage holds under a key: its size, its content type and its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    pub size: u64,
    pub content_type: Option<String>,
    pub head: Vec<u8>,
}

/// An object's place in its lifecycle, kept as its `state` tag: the bucket's lifecycle rules
/// expire `pending` and `deleted` objects a day after they got the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectState {
    Pending,
    Attached,
    Deleted,
}

impl ObjectState {
    pub const TAG: &'static str = "state";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Attached => "attached",
            Self::Deleted => "deleted",
        }
    }

    /// The `x-amz-tagging` value an upload is made with.
    pub fn tagging(self) -> String {
        format!("{}={}", Self::TAG, self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("object storage operation {operation} failed")]
pub struct FilesError {
    pub operation: &'static str,
    #[source]
    pub source: BoxError,
}

impl FilesError {
    pub fn new(operation: &'static str, source: impl Into<BoxError>) -> Self {
        Self {
            operation,
            source: source.into(),
        }
    }
}

#[async_trait]
pub trait Files: Send + Sync {
    /// A `PUT` of exactly `size` bytes of `file_type` to `key`, tagged `pending`, valid for
    /// `expires_in_s` from `now_ms`; the signature covers the length, type and tagging.
    async fn presign_upload(
        &self,
        key: &str,
        file_type: FileType,
        size: u64,
        now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<Presigned, FilesError>;

    /// The object under `key` (its first [`crate::domain::SNIFF_BYTES`] bytes); `None` when
    /// there is none.
    async fn inspect(&self, key: &str) -> Result<Option<Inspected>, FilesError>;

    /// Sets the object's `state` tag.
    async fn set_state(&self, key: &str, state: ObjectState) -> Result<(), FilesError>;

    /// Deletes the object under `key` (no object there is not an error): an erasure.
    async fn delete(&self, key: &str) -> Result<(), FilesError>;

    /// A `GET` of `key` answered with `attachment`'s served type and disposition
    /// ([`content_disposition`]), valid for `expires_in_s` from `now_ms`.
    async fn presign_download(
        &self,
        key: &str,
        attachment: &Attachment,
        now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<Presigned, FilesError>;
}

/// The `Content-Disposition` a download is served with: `inline` for images, `attachment`
/// for everything else, with the file name as an ASCII fallback (`"` `\` and non-ASCII become
/// `_`) and as RFC 8187 UTF-8 (`filename*`).
pub fn content_disposition(attachment: &Attachment) -> String {
    let kind = if attachment.file_type.is_image() {
        "inline"
    } else {
        "attachment"
    };
    let name = attachment.file_name.as_str();
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, RFC8187).to_string();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// RFC 8187's `attr-char` kept, everything else percent-encoded.
const RFC8187: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttachmentId, FileName};

    fn attachment(name: &str, file_type: FileType) -> Attachment {
        Attachment {
            attachment_id: AttachmentId::generate(0),
            file_name: FileName::parse(name, file_type).unwrap(),
            file_type,
            size: 1,
        }
    }

    #[test]
    fn images_show_inline_and_everything_else_downloads() {
        assert_eq!(
            content_disposition(&attachment("x-ray.png", FileType::Png)),
            "inline; filename=\"x-ray.png\"; filename*=UTF-8''x-ray.png"
        );
        assert_eq!(
            content_disposition(&attachment("Überweisung \"1\".pdf", FileType::Pdf)),
            "attachment; filename=\"_berweisung _1_.pdf\"; \
             filename*=UTF-8''%C3%9Cberweisung%20%221%22.pdf"
        );
    }
}
