//! The local S3 (attachments, docs/attachments.md): the `s3s` crate's S3 protocol (SigV4 on
//! every request, presigned URLs' signatures, signed headers and expiry checked as S3 checks
//! them) over `s3s-fs`'s folder, on a port of its own (path-style `/{bucket}/{key}` URLs would
//! collide with the gateway's routes), with the bucket created at start and CORS answered for
//! the allowed origins, so a browser uploads to it directly.

mod s3;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use chat_shared::origin::OriginAllowlist;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use s3::LocalS3;

/// The key pair the local S3 accepts and its clients sign with.
pub use crate::gateway::sigv4::Credentials;

/// The bucket chat-local's functions keep attachments in.
pub const LOCAL_BUCKET: &str = "chat-local-attachments";

/// Where the local S3 keeps files and listens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesOptions {
    /// The folder (created if missing); `None`: a fresh temporary folder, removed at shutdown.
    pub dir: Option<PathBuf>,
    /// 0: a free port.
    pub port: u16,
}

/// A running local S3.
pub struct LocalFiles {
    pub endpoint: String,
    pub bucket: String,
    pub dir: PathBuf,
    pub s3: LocalS3,
    temporary: bool,
    server: JoinHandle<()>,
}

impl LocalFiles {
    /// Stops serving, and removes the folder if it was a temporary one.
    pub fn stop(&self) {
        self.server.abort();
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// The origin presigned URLs point at (for the browser client's Content-Security-Policy).
    pub fn origin(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for LocalFiles {
    fn drop(&mut self) {
        self.stop();
    }
}

fn temporary_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("chat-local-files-{}-{n}", std::process::id()))
}

/// Creates the folder and the bucket, binds `host:port`, and serves.
pub async fn start(
    options: &FilesOptions,
    host: &str,
    keys: &Credentials,
    origins: Arc<OriginAllowlist>,
) -> std::io::Result<LocalFiles> {
    let (dir, temporary) = match &options.dir {
        Some(dir) => (dir.clone(), false),
        None => (temporary_dir(), true),
    };
    std::fs::create_dir_all(dir.join(LOCAL_BUCKET))?;
    let fs = s3s_fs::FileSystem::new(&dir).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    let local = LocalS3::new(fs);
    let mut builder = s3s::service::S3ServiceBuilder::new(local.clone());
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        keys.access_key_id.clone(),
        keys.secret_access_key.clone(),
    ));
    let service = builder.build();
    let listener = TcpListener::bind((host, options.port)).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(serve(listener, service, origins));
    Ok(LocalFiles {
        endpoint: endpoint(addr),
        bucket: LOCAL_BUCKET.to_owned(),
        dir,
        s3: local,
        temporary,
        server,
    })
}

fn endpoint(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    format!("http://{ip}:{}", addr.port())
}

async fn serve(
    listener: TcpListener,
    service: s3s::service::S3Service,
    origins: Arc<OriginAllowlist>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (service, origins) = (service.clone(), origins.clone());
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (service, origins) = (service.clone(), origins.clone());
                async move {
                    Ok::<_, std::convert::Infallible>(answer(&service, &origins, request).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), handler)
                .await;
        });
    }
}

type Body = http_body_util::combinators::BoxBody<Bytes, s3s::StdError>;

/// CORS around S3: a preflight from an allowed origin is answered here; every other request
/// goes to S3 and, from an allowed origin, gets `Access-Control-Allow-Origin`. A refused
/// origin gets 403 before S3 sees the request (S3's bucket CORS rules would not answer it
/// either).
async fn answer(
    service: &s3s::service::S3Service,
    origins: &OriginAllowlist,
    request: Request<Incoming>,
) -> Response<Body> {
    let origin = request.headers().get(header::ORIGIN).cloned();
    if let Some(origin) = &origin {
        if !origins.allows(&[origin.as_bytes()]) {
            return plain(StatusCode::FORBIDDEN);
        }
    }
    if request.method() == Method::OPTIONS && origin.is_some() {
        let mut response = plain(StatusCode::NO_CONTENT);
        let asked = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, PUT, HEAD"),
        );
        if let Some(asked) = asked {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        allow(headers, origin);
        return response;
    }
    let mut response = match service.call(request.map(s3s::Body::from)).await {
        Ok(response) => response.map(|body| body.map_err(Into::into).boxed()),
        Err(err) => {
            tracing::warn!(error = ?err, "local S3 request failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    allow(response.headers_mut(), origin);
    response
}

fn allow(headers: &mut hyper::HeaderMap, origin: Option<HeaderValue>) {
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn plain(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}

impl LocalFiles {
    /// The attachments' storage as chat-local's in-process functions reach it: the real S3
    /// client (presigning, SigV4) pointed here, signing with `keys`.
    pub fn client_files(&self, keys: &Credentials) -> Arc<dyn chat_shared::files::Files> {
        let credentials = aws_sdk_s3::config::Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            None,
            None,
            "chat-local",
        );
        let sdk = aws_types::SdkConfig::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
                credentials,
            ))
            .retry_config(chat_shared::sdk::retry())
            .timeout_config(chat_shared::sdk::dynamodb_timeouts())
            .build();
        let client = chat_edge::files::S3Files::client(&sdk, Some(&self.endpoint));
        Arc::new(chat_edge::files::S3Files::new(client, &self.bucket))
    }

    /// The banner's line.
    pub fn describe(&self) -> String {
        format!(
            "  Attachments:    local S3 at {} (bucket {}, files in {}{})",
            self.endpoint,
            self.bucket,
            self.dir.display(),
            if self.temporary {
                ", removed on exit"
            } else {
                ""
            }
        )
    }
}
