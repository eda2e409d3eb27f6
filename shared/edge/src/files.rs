//! Attachments' object storage on S3 ([`chat_shared::files::Files`]): presigned `PUT`s and
//! `GET`s (a local computation), a ranged `GetObject` to check an upload, and the `state` tag
//! the bucket's lifecycle rules read.

use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::types::{Tag, Tagging};
use aws_sdk_s3::Client;

use chat_shared::domain::{Attachment, EpochMillis, FileType, SNIFF_BYTES};
use chat_shared::files::{
    content_disposition, Files, FilesError, Inspected, ObjectState, Presigned,
};

/// One bucket through one S3 client.
pub struct S3Files {
    client: Client,
    bucket: String,
}

impl S3Files {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// An S3 client from the SDK configuration: `endpoint` overrides AWS's (chat-local's S3,
    /// reached path-style, as a bucket name cannot be a host name there). Checksums only where
    /// S3 requires them: a presigned upload must not carry the checksum of an empty body, and a
    /// ranged read has no whole-object checksum to check.
    pub fn client(sdk: &aws_types::SdkConfig, endpoint: Option<&str>) -> Client {
        let mut config = aws_sdk_s3::config::Builder::from(sdk)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        Client::from_conf(config.build())
    }
}

fn presigning(now_ms: EpochMillis, expires_in_s: u64) -> Result<PresigningConfig, FilesError> {
    PresigningConfig::builder()
        .start_time(UNIX_EPOCH + Duration::from_millis(now_ms.max(0) as u64))
        .expires_in(Duration::from_secs(expires_in_s))
        .build()
        .map_err(|e| FilesError::new("presign", e))
}

fn presigned(request: PresignedRequest, now_ms: EpochMillis, expires_in_s: u64) -> Presigned {
    Presigned {
        url: request.uri().to_owned(),
        headers: (request.headers())
            .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect(),
        expires_at_ms: now_ms + 1000 * expires_in_s as i64,
    }
}

#[async_trait]
impl Files for S3Files {
    async fn presign_upload(
        &self,
        key: &str,
        file_type: FileType,
        size: u64,
        now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<Presigned, FilesError> {
        let request = (self.client.put_object())
            .bucket(&self.bucket)
            .key(key)
            .content_type(file_type.as_str())
            .content_length(size as i64)
            .tagging(ObjectState::Pending.tagging())
            .presigned(presigning(now_ms, expires_in_s)?)
            .await
            .map_err(|e| FilesError::new("presign_upload", e))?;
        Ok(presigned(request, now_ms, expires_in_s))
    }

    async fn inspect(&self, key: &str) -> Result<Option<Inspected>, FilesError> {
        let got = (self.client.get_object())
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", SNIFF_BYTES - 1))
            .send()
            .await;
        let out = match got {
            Ok(out) => out,
            Err(err) => {
                return match err.into_service_error() {
                    GetObjectError::NoSuchKey(_) => Ok(None),
                    other => Err(FilesError::new("inspect", other)),
                };
            }
        };
        // `bytes 0-63/12345`: the object's whole size follows the slash.
        let size = (out.content_range())
            .and_then(|range| range.rsplit_once('/'))
            .and_then(|(_, size)| size.parse::<u64>().ok())
            .or_else(|| out.content_length().map(|n| n.max(0) as u64))
            .ok_or_else(|| FilesError::new("inspect", "no object size in the answer"))?;
        let content_type = out.content_type().map(str::to_owned);
        let head = (out.body.collect().await)
            .map_err(|e| FilesError::new("inspect", e))?
            .into_bytes();
        Ok(Some(Inspected {
            size,
            content_type,
            head: head.to_vec(),
        }))
    }

    async fn set_state(&self, key: &str, state: ObjectState) -> Result<(), FilesError> {
        let build = |e| FilesError::new("set_state", e);
        let tag = Tag::builder()
            .key(ObjectState::TAG)
            .value(state.as_str())
            .build()
            .map_err(build)?;
        let tagging = Tagging::builder().tag_set(tag).build().map_err(build)?;
        (self.client.put_object_tagging())
            .bucket(&self.bucket)
            .key(key)
            .tagging(tagging)
            .send()
            .await
            .map_err(|e| FilesError::new("set_state", e))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        // S3 answers a missing key with success too: an erasure step redone finds nothing.
        (self.client.delete_object())
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| FilesError::new("delete", e))?;
        Ok(())
    }

    async fn presign_download(
        &self,
        key: &str,
        attachment: &Attachment,
        now_ms: EpochMillis,
        expires_in_s: u64,
    ) -> Result<Presigned, FilesError> {
        let request = (self.client.get_object())
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(attachment.file_type.served_as())
            .response_content_disposition(content_disposition(attachment))
            .presigned(presigning(now_ms, expires_in_s)?)
            .await
            .map_err(|e| FilesError::new("presign_download", e))?;
        Ok(presigned(request, now_ms, expires_in_s))
    }
}
