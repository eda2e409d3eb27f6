//! Attachments on the wire (docs/attachments.md): the send frame's `attachments` ids, the
//! upload request's body, how a message shows its attachments, and the two routes' answers.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};

use chat_shared::chat::{DownloadGrant, UploadGrant};
use chat_shared::domain::{
    rfc3339_millis, Attachment, AttachmentId, UploadRequest, ValidationError,
    MAX_ATTACHMENTS_PER_MESSAGE,
};
use chat_shared::error::ChatError;

use super::req_str;

/// The send frame's `attachments`: absent, `null` or `[]` for none; otherwise 1 to 4
/// distinct attachment ids.
pub fn parse_attachment_ids(obj: &Map<String, Value>) -> Result<Vec<AttachmentId>, ChatError> {
    const FIELD: &str = "attachments";
    let items = match obj.get(FIELD) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ValidationError::new(FIELD, "must be an array of attachment ids").into())
        }
    };
    if items.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(ValidationError::new(FIELD, "may hold at most 4 attachments").into());
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(raw) = item else {
            return Err(ValidationError::new(FIELD, "must be an array of attachment ids").into());
        };
        let id = AttachmentId::parse(raw)?;
        if !seen.insert(id.clone()) {
            return Err(ValidationError::new(FIELD, "must not name an attachment twice").into());
        }
        ids.push(id);
    }
    Ok(ids)
}

/// `POST /chat/attachments/{client_id}`'s body: `{"file_name","content_type","size"}`.
pub fn parse_upload_request(body: &[u8]) -> Result<UploadRequest, ChatError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ChatError::InvalidJson)?;
    let Value::Object(obj) = value else {
        return Err(ChatError::InvalidJson);
    };
    let file_name = req_str(&obj, "file_name")?;
    let content_type = req_str(&obj, "content_type")?;
    let size = match obj.get("size") {
        Some(Value::Number(n)) => n.as_u64().ok_or(ValidationError::new(
            "size",
            "must be a whole number of bytes",
        ))?,
        None | Some(Value::Null) => return Err(ValidationError::new("size", "is required").into()),
        Some(_) => {
            return Err(ValidationError::new("size", "must be a whole number of bytes").into())
        }
    };
    Ok(UploadRequest::parse(file_name, content_type, size)?)
}

/// An attachment as messages show it.
#[derive(Debug, Serialize)]
pub struct AttachmentView<'a> {
    pub attachment_id: &'a str,
    pub file_name: &'a str,
    pub content_type: &'static str,
    pub size: u64,
}

impl<'a> From<&'a Attachment> for AttachmentView<'a> {
    fn from(a: &'a Attachment) -> Self {
        Self {
            attachment_id: a.attachment_id.as_str(),
            file_name: a.file_name.as_str(),
            content_type: a.file_type.as_str(),
            size: a.size,
        }
    }
}

/// 201 to an upload request.
#[derive(Debug, Serialize)]
pub struct UploadResponse<'a> {
    pub attachment_id: &'a str,
    pub upload_url: &'a str,
    pub upload_method: &'static str,
    /// Headers the `PUT` must carry, exactly (signed).
    pub upload_headers: BTreeMap<&'a str, &'a str>,
    pub expires_at: String,
}

impl<'a> From<&'a UploadGrant> for UploadResponse<'a> {
    fn from(grant: &'a UploadGrant) -> Self {
        Self {
            attachment_id: grant.attachment_id.as_str(),
            upload_url: &grant.upload.url,
            upload_method: "PUT",
            upload_headers: (grant.upload.headers.iter())
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            expires_at: rfc3339_millis(grant.upload.expires_at_ms),
        }
    }
}

/// 200 to a download request.
#[derive(Debug, Serialize)]
pub struct DownloadResponse<'a> {
    #[serde(flatten)]
    pub attachment: AttachmentView<'a>,
    /// `inline` for images, `attachment` otherwise (the URL makes S3 answer with it).
    pub disposition: &'static str,
    pub url: &'a str,
    pub expires_at: String,
}

impl<'a> From<&'a DownloadGrant> for DownloadResponse<'a> {
    fn from(grant: &'a DownloadGrant) -> Self {
        Self {
            attachment: AttachmentView::from(&grant.attachment),
            disposition: if grant.attachment.file_type.is_image() {
                "inline"
            } else {
                "attachment"
            },
            url: &grant.download.url,
            expires_at: rfc3339_millis(grant.download.expires_at_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(frame: &str) -> Result<Vec<AttachmentId>, String> {
        let Value::Object(obj) = serde_json::from_str(frame).unwrap() else {
            unreachable!()
        };
        parse_attachment_ids(&obj).map_err(|e| e.client_message())
    }

    #[test]
    fn attachment_lists_hold_one_to_four_distinct_ids() {
        let id = AttachmentId::generate(1).to_string();
        let other = AttachmentId::generate(2).to_string();
        assert_eq!(ids("{}"), Ok(vec![]));
        assert_eq!(ids(r#"{"attachments":null}"#), Ok(vec![]));
        assert_eq!(
            ids(&format!(r#"{{"attachments":["{id}","{other}"]}}"#))
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            ids(&format!(r#"{{"attachments":["{id}","{id}"]}}"#)),
            Err("attachments must not name an attachment twice".into())
        );
        let five: Vec<String> = (0..5)
            .map(|i| AttachmentId::generate(i).to_string())
            .collect();
        assert!(ids(&serde_json::json!({ "attachments": five }).to_string()).is_err());
        for bad in [
            r#"{"attachments":"x"}"#,
            r#"{"attachments":[1]}"#,
            r#"{"attachments":["../x"]}"#,
        ] {
            assert!(ids(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn upload_requests_name_what_is_wrong() {
        let code = |body: &str| parse_upload_request(body.as_bytes()).unwrap_err().code();
        assert_eq!(code("[]"), "invalid_json");
        assert_eq!(
            code(r#"{"file_name":"a.png","content_type":"image/png"}"#),
            "validation"
        );
        assert_eq!(
            code(r#"{"file_name":"a.png","content_type":"image/png","size":-1}"#),
            "validation"
        );
        assert_eq!(
            code(r#"{"file_name":"a.png","content_type":"image/png","size":10485761}"#),
            "file_too_large"
        );
        assert_eq!(
            code(r#"{"file_name":"a.svg","content_type":"image/svg+xml","size":10}"#),
            "unsupported_file_type"
        );
        let ok =
            parse_upload_request(br#"{"file_name":"a.png","content_type":"image/png","size":5}"#);
        assert_eq!(ok.unwrap().size, 5);
    }
}
