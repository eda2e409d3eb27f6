//! The chat's errors and their stable client-facing codes. Internal causes stay in the
//! `#[source]` chain for logs and are never shown to clients.

use std::fmt::{self, Display};

use crate::domain::{AttachmentRefusal, UploadRefused, ValidationError};
use crate::files::FilesError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("the body is not a JSON object")]
    InvalidJson,
    #[error("unknown action")]
    UnknownAction,
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("no verified identity")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The request collides with an earlier one (a `client_msg_id` reused for another message).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many concurrent updates")]
    Contention,
    #[error("rate limited")]
    RateLimited,
    #[error("store failure")]
    Store(#[from] StoreError),
    /// An upload or attachment refused (docs/attachments.md): each reason has its own code.
    #[error(transparent)]
    Attachment(#[from] AttachmentRefusal),
    #[error("object storage failure")]
    Files(#[from] FilesError),
}

impl From<UploadRefused> for ChatError {
    fn from(refused: UploadRefused) -> Self {
        match refused {
            UploadRefused::Validation(v) => Self::Validation(v),
            UploadRefused::Refused(r) => Self::Attachment(r),
        }
    }
}

impl ChatError {
    /// The stable code clients program against.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::UnknownAction => "unknown_action",
            Self::Validation(_) => "validation",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::RateLimited => "rate_limited",
            Self::Attachment(refusal) => refusal.code(),
            Self::Contention | Self::Store(_) | Self::Files(_) => "internal",
        }
    }

    /// A short message safe to show to clients: never an internal cause.
    pub fn client_message(&self) -> String {
        match self {
            Self::InvalidJson => "the frame or body must be a JSON object".into(),
            Self::UnknownAction => "unknown action".into(),
            Self::Validation(v) => v.to_string(),
            Self::Unauthorized => "a verified identity is required".into(),
            Self::Forbidden(why) => (*why).into(),
            Self::NotFound(what) => (*what).into(),
            Self::Conflict(why) => (*why).into(),
            Self::RateLimited => "too many requests; slow down".into(),
            Self::Attachment(refusal) => refusal.to_string(),
            Self::Contention | Self::Store(_) | Self::Files(_) => {
                "internal error; try again".into()
            }
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidJson | Self::UnknownAction | Self::Validation(_) => 400,
            Self::Unauthorized => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::RateLimited => 429,
            Self::Attachment(refusal) => refusal.http_status(),
            Self::Contention | Self::Store(_) | Self::Files(_) => 500,
        }
    }

    /// Whether this is the server's fault (logged at error level) or the client's.
    pub fn is_internal(&self) -> bool {
        self.http_status() >= 500 && !matches!(self, Self::Attachment(_))
    }
}

/// Displays an error with its whole `source()` chain: `a: b: c`. For logs only.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// Logs an error at the edge: internal ones with their cause chain at error level, client
/// mistakes at info level with only the code.
pub fn log_error(err: &ChatError, route: &str) {
    if err.is_internal() {
        tracing::error!(route, code = err.code(), error = %Chain(err), "request failed");
    } else {
        tracing::info!(route, code = err.code(), "request refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_causes_never_reach_the_client_message() {
        let err = ChatError::Store(StoreError::backend(
            "put_message",
            "secret-table-name: AccessDenied",
        ));
        assert_eq!(err.code(), "internal");
        assert!(!err.client_message().contains("secret"));
        assert!(Chain(&err).to_string().contains("secret-table-name"));
    }

    #[test]
    fn chain_ignores_missing_sources() {
        let err = ChatError::InvalidJson;
        assert_eq!(Chain(&err).to_string(), "the body is not a JSON object");
    }
}
