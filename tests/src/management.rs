//! Calls to chat-local's Management API as a caller with (or without) keys makes them: SigV4
//! signatures computed by the AWS SDK's own signer, at a chosen time, so tests can sign well,
//! badly, or too early.

use std::time::SystemTime;

use aws_sdk_apigatewaymanagement::config::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde_json::Value;

use crate::local::http_with;

/// A key pair to sign with.
#[derive(Debug, Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Keys {
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }

    /// The real SDK client, pointed at `endpoint`, signing with these keys.
    pub fn sdk_client(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        chat_shared::sdk::management_client_with_keys(
            endpoint,
            &self.access_key_id,
            &self.secret_access_key,
        )
    }
}

/// The `x-amz-date` and `authorization` headers SigV4 gives `method url` with `body` at `at`
/// (the `host` header is signed too; hyper sends the same value).
pub fn sigv4_headers(
    keys: &Keys,
    method: &str,
    url: &str,
    body: &[u8],
    at: SystemTime,
) -> Vec<(String, String)> {
    let uri: hyper::Uri = url.parse().expect("a valid URL");
    let host = uri.authority().expect("an absolute URL").to_string();
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let request = SignableRequest::new(
        method,
        path,
        [("host", host.as_str())].into_iter(),
        SignableBody::Bytes(body),
    )
    .expect("a signable request");
    let identity = Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        None,
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("execute-api")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let (instructions, _) = sign(request, &params).expect("signs").into_parts();
    let mut headers = vec![("host".to_owned(), host.clone())];
    headers.extend(
        instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    headers
}

/// A Management API call: unsigned, or signed with `keys` at `at` over `signed_body` while
/// sending `body` (the two differ to tamper). Answers status, JSON body and `x-amzn-errortype`.
pub async fn call(
    method: &str,
    url: &str,
    body: Option<&str>,
    signing: Option<(&Keys, SystemTime, &str)>,
) -> (u16, Value, Option<String>) {
    let headers = signing
        .map(|(keys, at, signed_body)| sigv4_headers(keys, method, url, signed_body.as_bytes(), at))
        .unwrap_or_default();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    http_with(method, url, body, &headers).await
}

/// `POST /chat/system/{receiver}` on chat-local at `base` (its HTTP URL), as the booking backend
/// calls it: signed with `keys` now, or unsigned (`None`); `headers` are added (a bearer token).
pub async fn post_system(
    base: &str,
    receiver: &str,
    body: &str,
    keys: Option<&Keys>,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>) {
    let url = format!("{base}/chat/system/{receiver}");
    let mut all: Vec<(String, String)> = keys
        .map(|keys| sigv4_headers(keys, "POST", &url, body.as_bytes(), SystemTime::now()))
        .unwrap_or_default();
    all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    http_with("POST", &url, Some(body), &all).await
}

/// `id` as it goes in a `/@connections/{id}` path.
pub fn encoded(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}
