//! SigV4 checks for the Management API. API Gateway authorizes `@connections` calls with IAM;
//! here the caller's signature is recomputed with the AWS SDK's own signer (`aws-sigv4`) over
//! the request exactly as received (method, raw path and query, the headers it says it signed,
//! the body's SHA-256) and compared in constant time. Refusals carry API Gateway's error types
//! and messages.

use std::time::{Duration, SystemTime};

use aws_sdk_apigatewaymanagement::config::Credentials as SdkCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_types::date_time::{DateTime, Format};
use axum::http::{HeaderMap, Method, Uri};
use subtle::ConstantTimeEq;

/// How far a request's `x-amz-date` may be from now, either way (AWS's own window).
pub const MAX_SKEW: Duration = Duration::from_secs(300);

/// The service name a Management API signature is scoped to.
const SERVICE: &str = "execute-api";

/// The one key pair chat-local accepts.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Why a request was refused; each maps to API Gateway's 403 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not a SigV4 one, or lacks a part.
    Malformed(&'static str),
    /// Signed with another access key id.
    UnknownKey,
    /// `x-amz-date` more than [`MAX_SKEW`] away from now (the message says which way).
    Skewed(String),
    /// The signature does not match the request (wrong secret, altered body, path or header).
    Mismatch,
}

impl Refusal {
    /// The `x-amzn-ErrorType` API Gateway answers with.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Missing => "MissingAuthenticationTokenException",
            Self::Malformed(_) => "IncompleteSignatureException",
            Self::UnknownKey => "UnrecognizedClientException",
            Self::Skewed(_) | Self::Mismatch => "InvalidSignatureException",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Missing => "Missing Authentication Token".into(),
            Self::Malformed(what) => format!("Authorization header requires {what}."),
            Self::UnknownKey => "The security token included in the request is invalid.".into(),
            Self::Skewed(message) => message.clone(),
            Self::Mismatch => "The request signature we calculated does not match the signature \
                you provided. Check your AWS Secret Access Key and signing method. Consult the \
                service documentation for details."
                .into(),
        }
    }
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
struct Authorization<'a> {
    access_key_id: &'a str,
    region: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, Refusal> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or(Refusal::Malformed("the AWS4-HMAC-SHA256 algorithm"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {
                return Err(Refusal::Malformed(
                    "only Credential, SignedHeaders, Signature",
                ))
            }
        }
    }
    let credential = credential.ok_or(Refusal::Malformed("a 'Credential' parameter"))?;
    let signed = signed.ok_or(Refusal::Malformed("a 'SignedHeaders' parameter"))?;
    let signature = signature.ok_or(Refusal::Malformed("a 'Signature' parameter"))?;
    // access key id / yyyymmdd / region / service / aws4_request
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, _date, region, _service, "aws4_request"] = scope[..] else {
        return Err(Refusal::Malformed("a well-formed credential scope"));
    };
    let signed_headers: Vec<&str> = signed.split(';').collect();
    if !signed_headers.contains(&"host") || !signed_headers.contains(&"x-amz-date") {
        return Err(Refusal::Malformed(
            "host and x-amz-date among the signed headers",
        ));
    }
    Ok(Authorization {
        access_key_id,
        region,
        signed_headers,
        signature,
    })
}

/// `20260124T134019Z` (SigV4's basic format) as a time.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let (d, t) = (&value[0..8], &value[9..15]);
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &t[0..2],
        &t[2..4],
        &t[4..6]
    );
    let parsed = DateTime::from_str(&iso, Format::DateTime).ok()?;
    SystemTime::try_from(parsed).ok()
}

fn amz_date(time: SystemTime) -> String {
    let secs = DateTime::from(time).secs();
    let iso = DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_default();
    iso.replace(['-', ':'], "")
}

/// Refuses a request signed too long ago or too far ahead, with AWS's wording.
fn check_skew(signed_at: SystemTime, now: SystemTime) -> Result<(), Refusal> {
    let at = amz_date(signed_at);
    if signed_at + MAX_SKEW < now {
        return Err(Refusal::Skewed(format!(
            "Signature expired: {at} is now earlier than {} ({} - 5 min.)",
            amz_date(now - MAX_SKEW),
            amz_date(now)
        )));
    }
    if signed_at > now + MAX_SKEW {
        return Err(Refusal::Skewed(format!(
            "Signature not yet current: {at} is still later than {} ({} + 5 min.)",
            amz_date(now + MAX_SKEW),
            amz_date(now)
        )));
    }
    Ok(())
}

/// One header's value as text, refusing a header sent twice (ambiguous) or not sent.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, Refusal> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Refusal::Malformed(
            "exactly one Authorization and X-Amz-Date header",
        ));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| Refusal::Malformed("header values in visible ASCII"))
}

/// Checks the request's SigV4 signature against `credentials`.
pub fn verify(
    credentials: &Credentials,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), Refusal> {
    let authorization = single(headers, "authorization")?.ok_or(Refusal::Missing)?;
    let auth = parse_authorization(authorization)?;
    let signed_at = single(headers, "x-amz-date")?
        .and_then(parse_amz_date)
        .ok_or(Refusal::Malformed("a valid X-Amz-Date header"))?;
    check_skew(signed_at, now)?;
    if auth.access_key_id != credentials.access_key_id {
        return Err(Refusal::UnknownKey);
    }
    let expected = signature_of(credentials, &auth, method, uri, headers, body, signed_at)?;
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// The signature `credentials` give this request, over the headers the caller listed.
fn signature_of(
    credentials: &Credentials,
    auth: &Authorization<'_>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    signed_at: SystemTime,
) -> Result<String, Refusal> {
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in auth.signed_headers.iter().filter(|n| **n != "x-amz-date") {
        let mut any = false;
        for value in headers.get_all(*name) {
            let value = value.to_str().map_err(|_| Refusal::Mismatch)?;
            signed.push((name, value));
            any = true;
        }
        if !any {
            return Err(Refusal::Mismatch);
        }
    }
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = SignableRequest::new(
        method.as_str(),
        path_and_query,
        signed.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|_| Refusal::Mismatch)?;
    let identity = SdkCredentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        None,
        None,
        "chat-local",
    )
    .into();
    let mut settings = SigningSettings::default();
    // Sign exactly the headers the caller listed, no more and no fewer.
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(auth.region)
        .name(SERVICE)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| Refusal::Mismatch)?
        .into();
    let (_, signature) = sign(request, &params)
        .map_err(|_| Refusal::Mismatch)?
        .into_parts();
    Ok(signature)
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;
