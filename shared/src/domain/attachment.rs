//! Attachments: files a client uploads straight to object storage, then names in a message
//! (docs/attachments.md). The rules here: ids, the allowed types, file names, sizes, and how
//! the first bytes of a file must look for its type.

use std::fmt;

use serde::Serialize;

use super::{ClientId, EpochMillis, MessageId, ValidationError};

/// Largest file: 10 MiB.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// Most attachments one message carries.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 4;

/// How long an upload URL and a download URL are valid, seconds.
pub const UPLOAD_URL_TTL_S: u64 = 300;
pub const DOWNLOAD_URL_TTL_S: u64 = 300;

/// How long an upload may wait to be attached (its record's TTL; the bucket's lifecycle rule
/// expires pending objects after a day too).
pub const PENDING_UPLOAD_TTL_S: i64 = 24 * 3600;

/// How many first bytes of an upload the send checks ([`FileType::matches`]).
pub const SNIFF_BYTES: u64 = 64;

/// Longest file name, characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// An attachment's id: a ULID the server draws (26 Crockford base32 characters), so it is
/// also the object key's only variable part.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AttachmentId(String);

impl AttachmentId {
    pub fn generate(now_ms: EpochMillis) -> Self {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(now_ms.max(0) as u64);
        Self(ulid::Ulid::from_datetime(at).to_string())
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        ulid::Ulid::from_string(raw)
            .ok()
            .filter(|u| u.to_string() == raw)
            .map(|_| Self(raw.to_owned()))
            .ok_or(ValidationError::new(
                "attachment_id",
                "is not an attachment id",
            ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The object's key in the bucket: nothing the client sent is in it.
    pub fn object_key(&self) -> String {
        format!("uploads/{}", self.0)
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The content types an attachment may have. Never HTML, SVG, XML or scripts: those render as
/// active content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FileType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/gif")]
    Gif,
    #[serde(rename = "image/webp")]
    Webp,
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "text/plain")]
    Text,
}

impl FileType {
    pub const ALL: [Self; 6] = [
        Self::Jpeg,
        Self::Png,
        Self::Gif,
        Self::Webp,
        Self::Pdf,
        Self::Text,
    ];

    /// The type a client declares (parameters such as `; charset=utf-8` are ignored, case is
    /// not).
    pub fn parse(raw: &str) -> Option<Self> {
        let essence = raw.split(';').next().unwrap_or("").trim();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(essence))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
            Self::Text => "text/plain",
        }
    }

    /// The `Content-Type` a download is served with (text with its charset, so no browser
    /// guesses one).
    pub fn served_as(self) -> &'static str {
        match self {
            Self::Text => "text/plain; charset=utf-8",
            other => other.as_str(),
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Jpeg | Self::Png | Self::Gif | Self::Webp)
    }

    /// File name extensions (lower case, without the dot) a file of this type may have.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Png => &["png"],
            Self::Gif => &["gif"],
            Self::Webp => &["webp"],
            Self::Pdf => &["pdf"],
            Self::Text => &["txt"],
        }
    }

    /// Whether a file's first bytes are of this type: the signature of each image format and
    /// of PDF; for text, UTF-8 (a character cut at the end is allowed) without NUL.
    pub fn matches(self, head: &[u8]) -> bool {
        match self {
            Self::Jpeg => head.starts_with(&[0xFF, 0xD8, 0xFF]),
            Self::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Gif => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
            Self::Webp => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
            Self::Pdf => head.starts_with(b"%PDF-"),
            Self::Text => {
                let text = match std::str::from_utf8(head) {
                    Ok(text) => text,
                    // A multi-byte character cut by the range is fine; anything else is not.
                    Err(e) if e.error_len().is_none() => {
                        std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
                    }
                    Err(_) => return false,
                };
                !text.contains('\0')
            }
        }
    }
}

/// A file's name as the client gave it: shown to the other party and used in the download's
/// `Content-Disposition`. Never part of a key or path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    /// 1 to 255 characters, no `/` or `\`, no control characters, no leading or trailing
    /// white space, not `.` or `..`, and an extension of `file_type`'s.
    pub fn parse(raw: &str, file_type: FileType) -> Result<Self, ValidationError> {
        const FIELD: &str = "file_name";
        if raw.is_empty() || raw.chars().count() > MAX_FILE_NAME_CHARS {
            return Err(ValidationError::new(FIELD, "must be 1 to 255 characters"));
        }
        let bad = |c: char| c.is_control() || matches!(c, '/' | '\\');
        if raw.chars().any(bad) || raw.trim() != raw || raw == "." || raw == ".." {
            return Err(ValidationError::new(
                FIELD,
                "must be a plain file name (no path, control characters or edge spaces)",
            ));
        }
        let fits = raw.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (file_type.extensions().iter()).any(|known| known.eq_ignore_ascii_case(ext))
        });
        if !fits {
            return Err(ValidationError::new(
                FIELD,
                "must end in an extension of its content type",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A stored name, trusted as it was checked when stored.
    pub fn stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a client asks to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub file_name: FileName,
    pub file_type: FileType,
    pub size: u64,
}

/// Why an upload or an attachment is refused: each has its own client code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentRefusal {
    #[error("the file is over the 10 MiB limit")]
    TooLarge,
    #[error("this file type is not allowed (JPEG, PNG, GIF, WebP, PDF or plain text)")]
    TypeNotAllowed,
    #[error("no such attachment")]
    NotFound,
    #[error("the attachment is already attached to a message")]
    InUse,
    #[error("the uploaded file is not what was declared (size, type or content)")]
    Mismatch,
    #[error("the attachment's message was deleted")]
    Gone,
    #[error("attachments are not configured here")]
    Unavailable,
}

impl AttachmentRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLarge => "file_too_large",
            Self::TypeNotAllowed => "unsupported_file_type",
            Self::NotFound => "attachment_not_found",
            Self::InUse => "attachment_in_use",
            Self::Mismatch => "attachment_mismatch",
            Self::Gone => "attachment_gone",
            Self::Unavailable => "attachments_unavailable",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            Self::TooLarge => 413,
            Self::TypeNotAllowed => 415,
            Self::NotFound => 404,
            Self::InUse => 409,
            Self::Mismatch => 422,
            Self::Gone => 410,
            Self::Unavailable => 503,
        }
    }
}

impl UploadRequest {
    /// Checks a declared upload: the type first (a refused type is refused whatever its name),
    /// then the size, then the name.
    pub fn parse(file_name: &str, content_type: &str, size: u64) -> Result<Self, UploadRefused> {
        let file_type = FileType::parse(content_type).ok_or(AttachmentRefusal::TypeNotAllowed)?;
        if size == 0 {
            return Err(ValidationError::new("size", "must be at least 1 byte").into());
        }
        if size > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentRefusal::TooLarge.into());
        }
        let file_name = FileName::parse(file_name, file_type)?;
        Ok(Self {
            file_name,
            file_type,
            size,
        })
    }
}

/// An upload request's refusal: a rule of the domain or an attachment refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefused {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error(transparent)]
    Refused(#[from] AttachmentRefusal),
}

/// An attachment as a message carries it (and as it is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub attachment_id: AttachmentId,
    pub file_name: FileName,
    pub file_type: FileType,
    pub size: u64,
}

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadState {
    /// Uploaded (or about to be), not attached; forgotten at `expires_at_s`.
    Pending { expires_at_s: i64 },
    /// Attached to a message of the conversation between the owner and `peer`.
    Attached {
        message_id: MessageId,
        peer: ClientId,
    },
}

/// The record of an upload: who may attach it, what was declared, and where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub attachment: Attachment,
    pub owner: ClientId,
    pub created_at_ms: EpochMillis,
    pub state: UploadState,
}

impl Upload {
    /// Whether `owner` may still attach it at `now_s`.
    pub fn attachable_by(&self, owner: &ClientId, now_s: i64) -> bool {
        &self.owner == owner
            && matches!(self.state, UploadState::Pending { expires_at_s } if expires_at_s > now_s)
    }
}

#[cfg(test)]
mod tests;
