//! Abuse of tokens and origins (issue 18): the origin allowlist holds in every identity mode, on
//! the WebSocket upgrade and the HTTP API, and fails closed (an `Origin` that is not text, does
//! not parse, or comes twice is refused; a malformed allowlist entry stops start-up); JWKS URLs
//! are judged on their parsed host; `nbf` is enforced; a `crit` header is refused.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chat_edge::auth::{AuthConfig, AuthConfigError, AuthError, Authorizer};
use chat_edge::lambda::authorizer::{handle_authorizer, AuthorizerEvent, UNAUTHORIZED};
use chat_shared::settings::parse_allowed_origins;
use chat_tests::local::{http_with, start_with};
use chat_tests::{store_for, Backend};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
const APP: &str = "http://app.example:8080";

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn hs(claims: Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A correctly signed HS256 token with this header JSON.
fn hs_with_header(header: Value, claims: Value) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

fn claims() -> Value {
    json!({ "sub": "user123", "role": "user", "exp": now_s() + 600 })
}

fn hs_auth(origins: &[&str]) -> Authorizer {
    Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..AuthConfig::default()
    })
    .unwrap()
}

/// `Origin` header sets a browser (or an attacker) might send, each with whether it may pass an
/// allowlist of [`APP`]. Raw bytes: some are not text.
fn origin_cases() -> Vec<(&'static str, Vec<&'static [u8]>, bool)> {
    vec![
        ("no Origin (not a browser)", vec![], true),
        ("the listed origin", vec![b"http://app.example:8080"], true),
        (
            "the listed origin, host in capitals",
            vec![b"http://APP.example:8080"],
            true,
        ),
        ("another origin", vec![b"https://evil.example"], false),
        (
            "the listed origin as a prefix",
            vec![b"http://app.example:8080.evil.example"],
            false,
        ),
        ("another port", vec![b"http://app.example:8081"], false),
        ("another scheme", vec![b"https://app.example:8080"], false),
        ("opaque origin", vec![b"null"], false),
        ("not an origin", vec![b"app.example:8080"], false),
        (
            "not text (Latin-1 byte)",
            vec![b"http://app.example:8080\xe9"],
            false,
        ),
        (
            "not ASCII (UTF-8)",
            vec!["http://\u{e4}pp.example:8080".as_bytes()],
            false,
        ),
        (
            "listed, then another",
            vec![b"http://app.example:8080", b"https://evil.example"],
            false,
        ),
        (
            "another, then listed",
            vec![b"https://evil.example", b"http://app.example:8080"],
            false,
        ),
        (
            "the listed origin twice",
            vec![b"http://app.example:8080", b"http://app.example:8080"],
            false,
        ),
    ]
}

/// The status of a WebSocket upgrade with these `Origin` values (101 when it opens).
async fn ws_status(url: &str, origins: &[&[u8]]) -> u16 {
    let mut request = url.into_client_request().unwrap();
    for origin in origins {
        let value = HeaderValue::from_bytes(origin).unwrap();
        request.headers_mut().append("origin", value);
    }
    let connect = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .expect("an answer")
    {
        Ok((mut ws, response)) => {
            let _ = ws.close(None).await;
            response.status().as_u16()
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(err) => panic!("{url}: {err}"),
    }
}

/// The status of an HTTP API call with these `Origin` values.
async fn http_status(url: &str, extra: &[(&str, &str)], origins: &[&[u8]]) -> u16 {
    let texts: Vec<String> = origins
        .iter()
        // Latin-1 decoding keeps each byte one byte: hyper sends it as it came.
        .map(|o| o.iter().map(|&b| b as char).collect())
        .collect();
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    headers.extend(texts.iter().map(|t| ("origin", t.as_str())));
    http_with("GET", url, None, &headers).await.0
}

async fn start(identity: chat_local::IdentityMode, origins: &[&str]) -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(Backend::Memory).await),
        identity,
        allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..chat_local::Options::default()
    })
    .await
}

#[tokio::test]
async fn dev_mode_applies_the_origin_allowlist_to_websockets_and_http() {
    let local = start(chat_local::IdentityMode::Dev, &[APP]).await;
    let ws = format!("ws://{}/ws/admin1?role=admin", local.addr);
    let http = format!("http://{}/chat/unread/user123", local.addr);
    for (what, origins, allowed) in origin_cases() {
        let (ws_want, http_want) = if allowed { (101, 200) } else { (403, 403) };
        assert_eq!(ws_status(&ws, &origins).await, ws_want, "WebSocket: {what}");
        assert_eq!(
            http_status(&http, &[], &origins).await,
            http_want,
            "HTTP: {what}"
        );
    }
    local.shutdown().await;
}

#[tokio::test]
async fn jwt_mode_applies_the_authorizers_allowlist_to_websockets_and_http() {
    let auth = hs_auth(&[APP]);
    let local = start(chat_local::IdentityMode::Jwt(Arc::new(auth)), &[]).await;
    let token = hs(claims());
    let ws = format!("ws://{}/ws?token={token}", local.addr);
    let http = format!("http://{}/chat/unread/user123", local.addr);
    let bearer = format!("Bearer {token}");
    for (what, origins, allowed) in origin_cases() {
        let (ws_want, http_want) = if allowed { (101, 200) } else { (403, 403) };
        assert_eq!(ws_status(&ws, &origins).await, ws_want, "WebSocket: {what}");
        let status = http_status(&http, &[("authorization", &bearer)], &origins).await;
        assert_eq!(status, http_want, "HTTP: {what}");
    }
    local.shutdown().await;
}

#[tokio::test]
async fn the_connect_authorizer_counts_origins_across_headers_and_multi_value_headers() {
    let auth = hs_auth(&["https://booking.example.com"]);
    let token = hs(claims());
    let good = "https://booking.example.com";
    let cases: Vec<(&str, Option<&str>, Vec<&str>, bool)> = vec![
        (
            "one Origin, as API Gateway sends it",
            Some(good),
            vec![good],
            true,
        ),
        ("no Origin", None, vec![], true),
        ("in headers only", Some(good), vec![], true),
        (
            "two in multiValueHeaders",
            Some(good),
            vec![good, "https://evil.example"],
            false,
        ),
        ("the same one twice", Some(good), vec![good, good], false),
        (
            "headers and multiValueHeaders disagree",
            Some(good),
            vec!["https://evil.example"],
            false,
        ),
        (
            "a prefix of a listed one",
            Some("https://booking.example.com.evil.example"),
            vec![],
            false,
        ),
        (
            "not ASCII",
            Some("https://b\u{f6}oking.example.com"),
            vec![],
            false,
        ),
        ("not an origin", Some("booking.example.com"), vec![], false),
    ];
    for (what, header, multi, allowed) in cases {
        let path = format!("{}/fixtures/ws_authorizer.json", env!("CARGO_MANIFEST_DIR"));
        let mut event: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        event["queryStringParameters"]["token"] = json!(token);
        event["headers"].as_object_mut().unwrap().remove("Origin");
        event["multiValueHeaders"]
            .as_object_mut()
            .unwrap()
            .remove("Origin");
        if let Some(origin) = header {
            event["headers"]["Origin"] = json!(origin);
        }
        if !multi.is_empty() {
            event["multiValueHeaders"]["Origin"] = json!(multi);
        }
        let event: AuthorizerEvent = serde_json::from_value(event).unwrap();
        let response = handle_authorizer(&auth, event).await.expect(what);
        let effect = json!(response.policy_document.statement[0].effect);
        assert_eq!(effect, if allowed { "Allow" } else { "Deny" }, "{what}");
    }
}

#[tokio::test]
async fn a_malformed_allowlist_entry_stops_start_up() {
    for bad in [
        "app.example",
        "https://",
        "ftp://app.example",
        "https://app.example/path",
        "*",
    ] {
        let list = format!("{APP},{bad}");
        assert!(
            parse_allowed_origins(&list).is_err(),
            "--allowed-origins {bad}"
        );
        // The functions: ALLOWED_ORIGINS from the environment fails their initialisation.
        let config = AuthConfig::from_lookup(|k| match k {
            "JWT_SECRET" => Some(SECRET.into()),
            "ALLOWED_ORIGINS" => Some(list.clone()),
            _ => None,
        })
        .unwrap();
        assert!(
            matches!(Authorizer::new(&config), Err(AuthConfigError::BadOrigin(_))),
            "ALLOWED_ORIGINS {bad}"
        );
        // chat-local, in dev mode too.
        let options = chat_local::Options {
            port: 0,
            allowed_origins: vec![APP.into(), bad.into()],
            ..chat_local::Options::default()
        };
        let err = chat_local::start(options).await.err().expect(bad);
        assert!(err.to_string().contains("--allowed-origins"), "{err}");
    }
    assert_eq!(
        parse_allowed_origins(" https://a.example/ , http://B.example:80,").unwrap(),
        ["https://a.example", "http://b.example"]
    );
}

#[test]
fn jwks_urls_are_judged_on_their_parsed_host() {
    let with_url = |url: &str| {
        Authorizer::new(&AuthConfig {
            jwks_url: Some(url.into()),
            ..AuthConfig::default()
        })
        .map(|_| ())
    };
    for bad in [
        "http://localhost.evil.example/jwks.json",
        "http://127.0.0.1@evil.example/jwks.json",
        "http://127.0.0.1.evil.example/jwks.json",
        "http://[::1].evil.example/jwks.json",
        "http://evil.example/jwks.json",
        "ftp://127.0.0.1/jwks.json",
        "127.0.0.1/jwks.json",
    ] {
        assert_eq!(
            with_url(bad),
            Err(AuthConfigError::InsecureJwksUrl),
            "{bad}"
        );
    }
    for good in [
        "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json",
        "http://127.0.0.1:9999/jwks.json",
        "http://[::1]/jwks.json",
        "http://localhost/jwks.json",
        "http://LOCALHOST:8080/jwks.json",
    ] {
        assert_eq!(with_url(good), Ok(()), "{good}");
    }
}

#[tokio::test]
async fn nbf_is_enforced_with_the_same_leeway_as_exp() {
    let auth = hs_auth(&[]);
    let with_nbf = |nbf: i64| {
        let mut c = claims();
        c["nbf"] = json!(nbf);
        hs(c)
    };
    let early = with_nbf(now_s() + 600);
    assert_eq!(auth.verify(Some(&early)).await, Err(AuthError::NotYetValid));
    for nbf in [now_s() - 60, now_s(), now_s() + 10] {
        assert!(auth.verify(Some(&with_nbf(nbf))).await.is_ok(), "nbf {nbf}");
    }
    // The same refusal from the `$connect` authorizer: a 401.
    let path = format!("{}/fixtures/ws_authorizer.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["queryStringParameters"]["token"] = json!(early);
    let event: AuthorizerEvent = serde_json::from_value(event).unwrap();
    assert_eq!(handle_authorizer(&auth, event).await, Err(UNAUTHORIZED));
}

#[tokio::test]
async fn a_token_naming_critical_extensions_is_refused() {
    let auth = hs_auth(&[]);
    let plain = hs_with_header(json!({ "alg": "HS256", "typ": "JWT" }), claims());
    assert!(auth.verify(Some(&plain)).await.is_ok(), "the control");
    for crit in [json!(["exp"]), json!(["b64"]), json!([]), json!("x")] {
        let header = json!({ "alg": "HS256", "typ": "JWT", "crit": crit, "b64": true });
        let token = hs_with_header(header, claims());
        assert_eq!(
            auth.verify(Some(&token)).await,
            Err(AuthError::Critical),
            "{crit}"
        );
    }
}
