//! Verified identity: every kind of bad token is refused by the verifier, by the `$connect`
//! authorizer function (real authorizer event JSON) and by the HTTP function; the origin
//! allowlist; HS256 secrets, inline JWKS (RS256, ES256) and a JWKS URL.

use std::time::Duration;

use base64::Engine;
use chat_edge::auth::{mint_hs256, AuthConfig, AuthError, Authorizer};
use chat_edge::context::AuthorizerContext;
use chat_edge::lambda::authorizer::{handle_authorizer, AuthorizerEvent, UNAUTHORIZED};
use chat_edge::lambda::http::handle_http_with_auth;
use chat_shared::domain::{ClientId, Role};
use chat_tests::{http_request, response_json, store_for, test_chat, Backend};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn hs256_auth() -> Authorizer {
    Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        ..AuthConfig::default()
    })
    .unwrap()
}

fn sign(claims: Value, alg: Algorithm, key: &EncodingKey, kid: Option<&str>) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn hs(claims: Value) -> String {
    sign(
        claims,
        Algorithm::HS256,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
    )
}

fn good_claims() -> Value {
    json!({ "sub": "user123", "role": "user", "exp": now_s() + 600 })
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// Every way a token can be wrong, each with the refusal it must get.
fn bad_tokens() -> Vec<(&'static str, Option<String>, AuthError)> {
    let valid = hs(good_claims());
    let (header, payload) = {
        let mut parts = valid.split('.');
        (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        )
    };
    let mut tampered_claims = good_claims();
    tampered_claims["role"] = json!("admin");
    vec![
        ("no token", None, AuthError::MissingToken),
        ("empty token", Some(String::new()), AuthError::MissingToken),
        ("not a JWT", Some("hello".into()), AuthError::Malformed),
        (
            "three garbage parts",
            Some("a.b.c".into()),
            AuthError::Malformed,
        ),
        (
            "signed with another secret",
            Some(sign(
                good_claims(),
                Algorithm::HS256,
                &EncodingKey::from_secret(b"another-secret-that-is-also-32-bytes!"),
                None,
            )),
            AuthError::BadSignature,
        ),
        (
            "payload swapped to admin, signature kept",
            Some(format!(
                "{header}.{}.{}",
                b64(&tampered_claims),
                valid.rsplit('.').next().unwrap()
            )),
            AuthError::BadSignature,
        ),
        (
            "expired",
            Some(hs(
                json!({ "sub": "user123", "role": "user", "exp": now_s() - 3600 }),
            )),
            AuthError::Expired,
        ),
        (
            "alg none",
            Some(format!(
                "{}.{payload}.",
                b64(&json!({ "alg": "none", "typ": "JWT" }))
            )),
            AuthError::Malformed,
        ),
        (
            "HS384 (not the configured algorithm)",
            Some(sign(
                good_claims(),
                Algorithm::HS384,
                &EncodingKey::from_secret(SECRET.as_bytes()),
                None,
            )),
            AuthError::Algorithm,
        ),
        (
            "no exp",
            Some(hs(json!({ "sub": "user123", "role": "user" }))),
            AuthError::Claims,
        ),
        (
            "no sub",
            Some(hs(json!({ "role": "user", "exp": now_s() + 600 }))),
            AuthError::Claims,
        ),
        (
            "sub outside the id charset",
            Some(hs(
                json!({ "sub": "user 123/../x", "role": "user", "exp": now_s() + 600 }),
            )),
            AuthError::Claims,
        ),
        (
            "no role",
            Some(hs(json!({ "sub": "user123", "exp": now_s() + 600 }))),
            AuthError::Claims,
        ),
        (
            "unknown role",
            Some(hs(
                json!({ "sub": "user123", "role": "root", "exp": now_s() + 600 }),
            )),
            AuthError::Claims,
        ),
        ("oversized", Some("a".repeat(9_000)), AuthError::Malformed),
    ]
}

#[tokio::test]
async fn a_valid_hs256_token_proves_its_subject_and_role() {
    let auth = hs256_auth();
    let id = ClientId::parse("admin456").unwrap();
    let token = mint_hs256(SECRET, &id, Role::Admin, Duration::from_secs(60), now_s());
    let who = auth.verify(Some(&token)).await.unwrap();
    assert_eq!(
        (who.client_id.as_str(), who.role),
        ("admin456", Role::Admin)
    );
}

#[tokio::test]
async fn every_kind_of_bad_token_is_refused() {
    let auth = hs256_auth();
    for (what, token, expected) in bad_tokens() {
        assert_eq!(auth.verify(token.as_deref()).await, Err(expected), "{what}");
    }
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        issuer: Some("https://issuer.example".into()),
        audience: Some("chat".into()),
        ..AuthConfig::default()
    })
    .unwrap();
    let with = |iss: &str, aud: &str| {
        hs(json!({ "sub": "u1", "role": "user", "exp": now_s() + 60, "iss": iss, "aud": aud }))
    };
    assert!(auth
        .verify(Some(&with("https://issuer.example", "chat")))
        .await
        .is_ok());
    assert_eq!(
        auth.verify(Some(&with("https://evil.example", "chat")))
            .await,
        Err(AuthError::Issuer)
    );
    assert_eq!(
        auth.verify(Some(&with("https://issuer.example", "other")))
            .await,
        Err(AuthError::Audience)
    );
    assert_eq!(
        auth.verify(Some(&hs(
            json!({ "sub": "u1", "role": "user", "exp": now_s() + 60 })
        )))
        .await,
        Err(AuthError::Claims),
        "iss and aud are required once configured"
    );
}

#[test]
fn weak_or_ambiguous_configurations_are_refused() {
    let weak = AuthConfig {
        secret: Some("short".into()),
        ..AuthConfig::default()
    };
    assert!(Authorizer::new(&weak).is_err());
    let both = AuthConfig {
        secret: Some(SECRET.into()),
        jwks_url: Some("https://example.com/jwks.json".into()),
        ..AuthConfig::default()
    };
    assert!(Authorizer::new(&both).is_err());
    let plain_http = AuthConfig {
        jwks_url: Some("http://example.com/jwks.json".into()),
        ..AuthConfig::default()
    };
    assert!(Authorizer::new(&plain_http).is_err());
    assert_eq!(AuthConfig::from_lookup(|_| None), None);
}

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The test keys as a JWKS (public parts only), and their encoding keys.
fn jwks() -> (String, EncodingKey, EncodingKey) {
    let ec = EncodingKey::from_ec_pem(&pem("test-only-es256.pem")).unwrap();
    let rsa = EncodingKey::from_rsa_pem(&pem("test-only-rs256.pem")).unwrap();
    let mut ec_jwk = Jwk::from_encoding_key(&ec, Algorithm::ES256).unwrap();
    ec_jwk.common.key_id = Some("ec-1".into());
    let mut rsa_jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256).unwrap();
    rsa_jwk.common.key_id = Some("rsa-1".into());
    let set = JwkSet {
        keys: vec![ec_jwk, rsa_jwk],
    };
    (serde_json::to_string(&set).unwrap(), ec, rsa)
}

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_a_jwks() {
    let (doc, ec, rsa) = jwks();
    let auth = Authorizer::new(&AuthConfig {
        jwks: Some(doc),
        ..AuthConfig::default()
    })
    .unwrap();
    // Cognito style: groups instead of a role claim.
    let claims = json!({ "sub": "admin456", "cognito:groups": ["admin"], "exp": now_s() + 60 });
    let es = sign(claims.clone(), Algorithm::ES256, &ec, Some("ec-1"));
    let rs = sign(claims.clone(), Algorithm::RS256, &rsa, Some("rsa-1"));
    for token in [&es, &rs] {
        let who = auth.verify(Some(token)).await.unwrap();
        assert_eq!(
            (who.client_id.as_str(), who.role),
            ("admin456", Role::Admin)
        );
    }
    // Unknown key id, a key used with the wrong algorithm, a missing kid, an HS256 token
    // (the shared-secret family is not accepted when a JWKS is configured).
    assert_eq!(
        auth.verify(Some(&sign(
            claims.clone(),
            Algorithm::ES256,
            &ec,
            Some("nope")
        )))
        .await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        auth.verify(Some(&sign(
            claims.clone(),
            Algorithm::RS256,
            &rsa,
            Some("ec-1")
        )))
        .await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        auth.verify(Some(&sign(claims.clone(), Algorithm::ES256, &ec, None)))
            .await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        auth.verify(Some(&hs(good_claims()))).await,
        Err(AuthError::Algorithm)
    );
}

#[tokio::test]
async fn a_jwks_url_is_fetched_once_and_cached() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (doc, ec, _) = jwks();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{doc}",
                doc.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    let auth = Authorizer::new(&AuthConfig {
        jwks_url: Some(url),
        ..AuthConfig::default()
    })
    .unwrap();
    let claims = json!({ "sub": "user123", "role": "user", "exp": now_s() + 60 });
    for _ in 0..3 {
        let token = sign(claims.clone(), Algorithm::ES256, &ec, Some("ec-1"));
        assert!(auth.verify(Some(&token)).await.is_ok());
    }
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    // An unknown kid right after a fetch does not hammer the JWKS endpoint.
    let unknown = sign(claims, Algorithm::ES256, &ec, Some("rotated"));
    assert_eq!(
        auth.verify(Some(&unknown)).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A JWKS endpoint on a loopback port: answers every request with `status` and `body` after
/// `delay`, keeping connections open, and counts connections and requests.
struct JwksServer {
    url: String,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl JwksServer {
    async fn start(status: u16, body: String, delay: Duration) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let (connections, requests) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let response = Arc::new(format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ));
        let (accepted, served) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (served, response) = (served.clone(), response.clone());
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    // One read a request: the client's GETs are small and not pipelined.
                    while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {
                        served.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(delay).await;
                        if socket.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self {
            url,
            connections,
            requests,
        }
    }

    fn counts(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::SeqCst;
        (self.connections.load(SeqCst), self.requests.load(SeqCst))
    }

    fn authorizer(&self) -> std::sync::Arc<Authorizer> {
        let config = AuthConfig {
            jwks_url: Some(self.url.clone()),
            ..AuthConfig::default()
        };
        std::sync::Arc::new(Authorizer::new(&config).unwrap())
    }
}

/// Verifies `token` on 20 tasks at once.
async fn verify_20_at_once(
    auth: &std::sync::Arc<Authorizer>,
    token: &str,
) -> Vec<Result<Role, AuthError>> {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (auth, token) = (auth.clone(), token.to_owned());
            tokio::spawn(async move { auth.verify(Some(&token)).await.map(|who| who.role) })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_verifications_with_an_unknown_kid_share_one_jwks_fetch() {
    let (doc, ec, _) = jwks();
    // Slow enough that every verification misses the cache while the fetch is in flight.
    let server = JwksServer::start(200, doc, Duration::from_millis(300)).await;
    let auth = server.authorizer();
    let claims = json!({ "sub": "user123", "role": "user", "exp": now_s() + 60 });
    let token = sign(claims, Algorithm::ES256, &ec, Some("ec-1"));
    let results = verify_20_at_once(&auth, &token).await;
    assert_eq!(results, vec![Ok(Role::User); 20]);
    assert_eq!(server.counts().1, 1, "one fetch for 20 concurrent misses");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_verifications_share_a_failed_jwks_fetch() {
    let (_, ec, _) = jwks();
    let server = JwksServer::start(500, String::new(), Duration::from_millis(300)).await;
    let auth = server.authorizer();
    let claims = json!({ "sub": "user123", "role": "user", "exp": now_s() + 60 });
    let token = sign(claims, Algorithm::ES256, &ec, Some("ec-1"));
    let results = verify_20_at_once(&auth, &token).await;
    assert_eq!(results, vec![Err(AuthError::KeysUnavailable); 20]);
    assert_eq!(
        server.counts().1,
        1,
        "the waiters take the failed fetch's outcome"
    );
}

#[tokio::test]
async fn jwks_fetches_reuse_one_http_client_and_its_connections() {
    let (_, ec, _) = jwks();
    let server = JwksServer::start(500, String::new(), Duration::ZERO).await;
    let auth = server.authorizer();
    let claims = json!({ "sub": "user123", "role": "user", "exp": now_s() + 60 });
    let token = sign(claims, Algorithm::ES256, &ec, Some("ec-1"));
    // A failed fetch leaves the cache stale, so each verification fetches again.
    for _ in 0..3 {
        assert_eq!(
            auth.verify(Some(&token)).await,
            Err(AuthError::KeysUnavailable)
        );
    }
    // A client built per fetch would open a connection per request; a kept one reuses them
    // (at most a race with the pool's return of the last one opens another).
    let (connections, requests) = server.counts();
    assert_eq!(requests, 3);
    assert!(connections < requests, "{connections} connections");
}

#[tokio::test]
async fn the_origin_allowlist_refuses_other_browser_origins() {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        allowed_origins: vec!["https://booking.example.com".into()],
        ..AuthConfig::default()
    })
    .unwrap();
    let token = hs(good_claims());
    assert!(auth
        .authorize(Some(&token), Some("https://booking.example.com"))
        .await
        .is_ok());
    assert!(auth
        .authorize(Some(&token), Some("https://booking.example.com/"))
        .await
        .is_ok());
    assert!(
        auth.authorize(Some(&token), None).await.is_ok(),
        "non-browser clients send none"
    );
    assert_eq!(
        auth.authorize(Some(&token), Some("https://evil.example"))
            .await,
        Err(AuthError::Origin)
    );
}

fn authorizer_event(token: Option<&str>, origin: &str) -> AuthorizerEvent {
    let path = format!("{}/fixtures/ws_authorizer.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match token {
        Some(t) => event["queryStringParameters"]["token"] = json!(t),
        None => {
            event
                .as_object_mut()
                .unwrap()
                .remove("queryStringParameters");
        }
    }
    event["headers"]["Origin"] = json!(origin);
    serde_json::from_value(event).unwrap()
}

#[tokio::test]
async fn the_connect_authorizer_allows_with_identity_context_denies_origins_and_refuses_tokens() {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        allowed_origins: vec!["https://booking.example.com".into()],
        ..AuthConfig::default()
    })
    .unwrap();
    let token = hs(good_claims());
    let allow = handle_authorizer(
        &auth,
        authorizer_event(Some(&token), "https://booking.example.com"),
    )
    .await
    .unwrap();
    assert_eq!(allow.principal_id.as_deref(), Some("user123"));
    let statement = &allow.policy_document.statement[0];
    assert_eq!(json!(statement.effect), "Allow");
    assert_eq!(
        statement.resource,
        ["arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/$connect"]
    );
    assert_eq!(
        json!(allow.context),
        json!({ "client_id": "user123", "role": "user" })
    );
    // The context is exactly what the other functions read as their identity.
    let who = AuthorizerContext::from_fields(&allow.context)
        .unwrap()
        .identity()
        .unwrap();
    assert_eq!(who.client_id.as_str(), "user123");

    let deny = handle_authorizer(
        &auth,
        authorizer_event(Some(&token), "https://evil.example"),
    )
    .await
    .unwrap();
    assert_eq!(json!(deny.policy_document.statement[0].effect), "Deny");
    assert!(!json!(deny).to_string().contains(&token));

    for (what, bad, _) in bad_tokens() {
        let result = handle_authorizer(
            &auth,
            authorizer_event(bad.as_deref(), "https://booking.example.com"),
        )
        .await;
        assert_eq!(result, Err(UNAUTHORIZED), "{what}");
    }
}

async fn http_with_bearer(
    chat: &chat_shared::Chat,
    auth: &Authorizer,
    target: &str,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = http_request("GET", target, None, None);
    if let Some(token) = token {
        request
            .headers
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    response_json(handle_http_with_auth(chat, Some(auth), request).await)
}

async fn http_bearer_tokens_are_verified(backend: Backend) {
    let tc = test_chat(store_for(backend).await);
    let auth = hs256_auth();
    let token = hs(good_claims());
    let (status, body) =
        http_with_bearer(&tc.chat, &auth, "/chat/unread/user123", Some(&token)).await;
    assert_eq!(
        (status, body),
        (200, json!({ "total": 0, "by_sender": {} }))
    );
    // The verified identity is not the path's: 403.
    let (status, body) =
        http_with_bearer(&tc.chat, &auth, "/chat/unread/admin456", Some(&token)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    for (what, bad, _) in bad_tokens() {
        let (status, body) =
            http_with_bearer(&tc.chat, &auth, "/chat/unread/user123", bad.as_deref()).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{what}"
        );
    }
    // Not a bearer scheme.
    let mut request = http_request("GET", "/chat/unread/user123", None, None);
    request
        .headers
        .insert("authorization", format!("Basic {token}").parse().unwrap());
    let (status, _) = response_json(handle_http_with_auth(&tc.chat, Some(&auth), request).await);
    assert_eq!(status, 401);
}

chat_tests::on_both_stores!(http_bearer_tokens_are_verified);
