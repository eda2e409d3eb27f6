//! RS256/ES256 keys by `kid`, from a JWKS document given inline or fetched from a URL: fetched
//! on first use, cached, refetched at most once a minute for an unknown `kid`. Concurrent misses
//! share one fetch (a cold container's first burst of connections makes one request, not one
//! each), over one HTTPS client kept for the authorizer's lifetime.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::{AuthConfigError, AuthError};
use crate::net::{https_client, HttpsClient};

const JWKS_REFETCH: Duration = Duration::from_secs(60);
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(3);

pub(super) struct Jwks {
    fetcher: Option<Fetcher>,
    cache: RwLock<Cache>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    fetched_at: Option<Instant>,
    /// Fetches attempted so far, and how the last one failed: a verification that waited for
    /// another's fetch takes its outcome instead of fetching again.
    attempts: u64,
    last_failure: Option<AuthError>,
}

struct Fetcher {
    url: String,
    client: HttpsClient<Empty<Bytes>>,
    /// Held for the duration of a fetch: the single flight.
    flight: tokio::sync::Mutex<()>,
}

/// Whether keys may be fetched from `url`: https, or plain http to a loopback host, decided on
/// the parsed host (`http://127.0.0.1@evil.example/` is evil.example's, not loopback).
fn is_acceptable_jwks_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Domain(host))) => host.eq_ignore_ascii_case("localhost"),
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    }
}

fn jwks_keys(set: &JwkSet) -> HashMap<String, (DecodingKey, Algorithm)> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let alg = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                    Algorithm::ES256
                }
                _ => return None,
            };
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, (key, alg)))
        })
        .collect()
}

impl Jwks {
    /// From an inline document, a URL, or both (the document seeds the cache).
    pub(super) fn new(doc: Option<&str>, url: Option<&str>) -> Result<Self, AuthConfigError> {
        let mut cache = Cache::default();
        if let Some(doc) = doc {
            let set: JwkSet = serde_json::from_str(doc).map_err(|_| AuthConfigError::BadJwks)?;
            cache.keys = jwks_keys(&set);
            if cache.keys.is_empty() {
                return Err(AuthConfigError::BadJwks);
            }
            cache.fetched_at = Some(Instant::now());
        }
        let fetcher = match url {
            Some(url) if !is_acceptable_jwks_url(url) => {
                return Err(AuthConfigError::InsecureJwksUrl)
            }
            Some(url) => Some(Fetcher {
                url: url.to_owned(),
                client: https_client(),
                flight: tokio::sync::Mutex::new(()),
            }),
            None => None,
        };
        Ok(Self {
            fetcher,
            cache: RwLock::new(cache),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The key `kid` names, if it is one for `alg`; fetches the document when the key is
    /// unknown and the cache is older than a minute.
    pub(super) async fn key(&self, kid: &str, alg: Algorithm) -> Result<DecodingKey, AuthError> {
        let lookup = |cache: &Cache| {
            cache
                .keys
                .get(kid)
                .filter(|(_, key_alg)| *key_alg == alg)
                .map(|(key, _)| key.clone())
        };
        let (fetcher, seen) = {
            let cache = self.read();
            if let Some(key) = lookup(&cache) {
                return Ok(key);
            }
            let stale = cache
                .fetched_at
                .is_none_or(|at| at.elapsed() >= JWKS_REFETCH);
            match &self.fetcher {
                Some(fetcher) if stale => (fetcher, cache.attempts),
                _ => return Err(AuthError::UnknownKey),
            }
        };
        let _flight = fetcher.flight.lock().await;
        {
            let cache = self.read();
            if cache.attempts != seen {
                // Another verification fetched while this one waited: its outcome stands.
                return lookup(&cache)
                    .ok_or_else(|| cache.last_failure.clone().unwrap_or(AuthError::UnknownKey));
            }
        }
        let fetched = fetcher.fetch().await;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        cache.attempts += 1;
        match fetched {
            Ok(set) => {
                cache.keys = jwks_keys(&set);
                cache.fetched_at = Some(Instant::now());
                cache.last_failure = None;
                lookup(&cache).ok_or(AuthError::UnknownKey)
            }
            Err(err) => {
                cache.last_failure = Some(err.clone());
                Err(err)
            }
        }
    }
}

impl Fetcher {
    async fn fetch(&self) -> Result<JwkSet, AuthError> {
        let uri: hyper::Uri = self.url.parse().map_err(|_| AuthError::KeysUnavailable)?;
        let fetch = async {
            let response = self
                .client
                .get(uri)
                .await
                .map_err(|_| AuthError::KeysUnavailable)?;
            if !response.status().is_success() {
                return Err(AuthError::KeysUnavailable);
            }
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|_| AuthError::KeysUnavailable)?
                .to_bytes();
            serde_json::from_slice::<JwkSet>(&body).map_err(|_| AuthError::KeysUnavailable)
        };
        let result = tokio::time::timeout(JWKS_FETCH_TIMEOUT, fetch)
            .await
            .map_err(|_| AuthError::KeysUnavailable)?;
        if let Err(err) = &result {
            tracing::error!(kind = err.kind(), "JWKS fetch failed");
        }
        result
    }
}
