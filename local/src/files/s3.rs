//! The local S3's operations: `s3s-fs` (objects in a folder) with what the attachments need
//! and it leaves out: object tags (the `state` tag the bucket's lifecycle rules read, from an
//! upload's signed `x-amz-tagging` header or `PutObjectTagging`), and a presigned `GET`'s
//! `response-content-type` / `response-content-disposition`, which S3 answers with whatever
//! the object's metadata says.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use s3s::dto::{
    CreateBucketInput, CreateBucketOutput, DeleteObjectInput, DeleteObjectOutput,
    DeleteObjectTaggingInput, DeleteObjectTaggingOutput, GetObjectInput, GetObjectOutput,
    GetObjectTaggingInput, GetObjectTaggingOutput, HeadBucketInput, HeadBucketOutput,
    HeadObjectInput, HeadObjectOutput, ListObjectsV2Input, ListObjectsV2Output, PutObjectInput,
    PutObjectOutput, PutObjectTaggingInput, PutObjectTaggingOutput, Tag,
};
use s3s::{s3_error, S3Request, S3Response, S3Result, S3};

/// An object's tags, by (bucket, key).
type Tags = HashMap<(String, String), Vec<(String, String)>>;

/// Cheap to clone: the service holds one copy, tests another.
#[derive(Clone)]
pub struct LocalS3 {
    fs: Arc<s3s_fs::FileSystem>,
    /// Kept in memory: a restarted chat-local has its objects but not their tags.
    tags: Arc<Mutex<Tags>>,
    /// Requests served, by operation (what S3 would bill; `ddb-cost` reads them).
    requests: Arc<Mutex<BTreeMap<&'static str, usize>>>,
}

impl LocalS3 {
    pub fn new(fs: s3s_fs::FileSystem) -> Self {
        Self {
            fs: Arc::new(fs),
            tags: Arc::default(),
            requests: Arc::default(),
        }
    }

    fn count(&self, operation: &'static str) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry(operation).or_insert(0) += 1;
    }

    /// The requests served since the last call, by operation (`PutObject`, `GetObject`, ...).
    pub fn take_requests(&self) -> BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.requests.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn tags(&self) -> std::sync::MutexGuard<'_, Tags> {
        self.tags.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An object's tags (for tests: what the lifecycle rules would see).
    pub fn tags_of(&self, bucket: &str, key: &str) -> Vec<(String, String)> {
        let slot = (bucket.to_owned(), key.to_owned());
        self.tags().get(&slot).cloned().unwrap_or_default()
    }
}

/// `a=1&b=2`, as the `x-amz-tagging` header carries tags.
fn parse_tagging(header: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(header.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[async_trait::async_trait]
impl S3 for LocalS3 {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.count("CreateBucket");
        self.fs.create_bucket(req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.count("HeadBucket");
        self.fs.head_bucket(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.count("ListObjectsV2");
        self.fs.list_objects_v2(req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.count("PutObject");
        let slot = (req.input.bucket.clone(), req.input.key.clone());
        let tags = req.input.tagging.as_deref().map(parse_tagging);
        let out = self.fs.put_object(req).await?;
        self.tags().insert(slot, tags.unwrap_or_default());
        Ok(out)
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.count("GetObject");
        let content_type = req.input.response_content_type.clone();
        let disposition = req.input.response_content_disposition.clone();
        let mut out = self.fs.get_object(req).await?;
        if let Some(content_type) = content_type {
            out.output.content_type = Some(content_type);
        }
        if let Some(disposition) = disposition {
            out.output.content_disposition = Some(disposition);
        }
        Ok(out)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.count("HeadObject");
        self.fs.head_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.count("DeleteObject");
        let slot = (req.input.bucket.clone(), req.input.key.clone());
        let out = self.fs.delete_object(req).await?;
        self.tags().remove(&slot);
        Ok(out)
    }

    async fn put_object_tagging(
        &self,
        req: S3Request<PutObjectTaggingInput>,
    ) -> S3Result<S3Response<PutObjectTaggingOutput>> {
        self.count("PutObjectTagging");
        let input = &req.input;
        let slot = (input.bucket.clone(), input.key.clone());
        let mut tags = self.tags();
        let Some(current) = tags.get_mut(&slot) else {
            return Err(s3_error!(NoSuchKey));
        };
        *current = (input.tagging.tag_set.iter())
            .map(|t| {
                (
                    t.key.clone().unwrap_or_default(),
                    t.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        Ok(S3Response::new(PutObjectTaggingOutput::default()))
    }

    async fn get_object_tagging(
        &self,
        req: S3Request<GetObjectTaggingInput>,
    ) -> S3Result<S3Response<GetObjectTaggingOutput>> {
        self.count("GetObjectTagging");
        let slot = (req.input.bucket.clone(), req.input.key.clone());
        let tags = self.tags();
        let Some(current) = tags.get(&slot) else {
            return Err(s3_error!(NoSuchKey));
        };
        let tag_set = (current.iter())
            .map(|(k, v)| Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect();
        Ok(S3Response::new(GetObjectTaggingOutput {
            tag_set,
            version_id: None,
        }))
    }

    async fn delete_object_tagging(
        &self,
        req: S3Request<DeleteObjectTaggingInput>,
    ) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
        self.count("DeleteObjectTagging");
        let slot = (req.input.bucket.clone(), req.input.key.clone());
        match self.tags().get_mut(&slot) {
            Some(current) => current.clear(),
            None => return Err(s3_error!(NoSuchKey)),
        }
        Ok(S3Response::new(DeleteObjectTaggingOutput::default()))
    }
}
