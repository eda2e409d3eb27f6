//! Hostile calls to chat-local's Management API: with `--auth jwt`, knowing a connection id is
//! not enough to inject a frame, read the client's address or disconnect it. Unsigned,
//! wrong-key, tampered and stale calls get API Gateway's 403 and change nothing; connection ids
//! are unpredictable and stay out of chat-local's `info` log.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use chat_edge::auth::{AuthConfig, Authorizer};
use chat_shared::domain::Role;
use chat_tests::frame;
use chat_tests::local::{http, http_with, start_with, WsClient};
use chat_tests::management::{call, encoded, Keys};
use chat_tests::tokens::hs256_token;
use serde_json::json;

const JWT_SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

fn token(id: &str, role: Role) -> String {
    hs256_token(JWT_SECRET, id, role, Duration::from_secs(300))
}

fn jwt_mode() -> chat_local::IdentityMode {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(JWT_SECRET.into()),
        ..AuthConfig::default()
    })
    .unwrap();
    chat_local::IdentityMode::Jwt(Arc::new(auth))
}

async fn start(identity: chat_local::IdentityMode, secret: Option<&str>) -> chat_local::Running {
    captured_logs();
    start_with(chat_local::Options {
        port: 0,
        identity,
        management: chat_local::ManagementKeys {
            secret_access_key: secret.map(str::to_owned),
            ..chat_local::ManagementKeys::default()
        },
        ..chat_local::Options::default()
    })
    .await
}

fn ws(local: &chat_local::Running, token: &str) -> String {
    format!("ws://{}/ws?token={token}", local.addr)
}

fn connection_url(local: &chat_local::Running, client_id: &str) -> String {
    let id = local.gateway().connection_ids_of(client_id).pop().unwrap();
    format!("{}/@connections/{}", local.http_url(), encoded(&id))
}

/// Every way of calling without the keys, on each method: 403 with API Gateway's error type.
async fn assert_refused_without_the_keys(url: &str, known_wrong: &Keys) {
    let now = SystemTime::now();
    let forged = r#"{"type":"message","message_text":"forged"}"#;
    for method in ["POST", "GET", "DELETE"] {
        let body = (method == "POST").then_some(forged);
        let signed_over = body.unwrap_or("");
        let (status, answer, kind) = call(method, url, body, None).await;
        assert_eq!(
            (status, kind.as_deref()),
            (403, Some("MissingAuthenticationTokenException")),
            "unsigned {method}"
        );
        assert_eq!(answer, json!({"message": "Missing Authentication Token"}));
        let wrong = Some((known_wrong, now, signed_over));
        let (status, _, kind) = call(method, url, body, wrong).await;
        assert_eq!(
            (status, kind.as_deref()),
            (403, Some("InvalidSignatureException")),
            "{method} signed with {known_wrong:?}"
        );
    }
    // What a browser page can send without a preflight: a text/plain POST.
    let (status, _, _) = http_with(
        "POST",
        url,
        Some(forged),
        &[
            ("content-type", "text/plain"),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(status, 403, "a no-preflight browser post");
}

#[tokio::test]
async fn with_jwt_auth_an_unsigned_or_forged_management_call_changes_nothing() {
    let local = start(jwt_mode(), None).await;
    assert!(
        local.banner.iter().any(|l| l.contains("SigV4 required")),
        "{:?}",
        local.banner
    );
    let mut admin = WsClient::connect(&ws(&local, &token("admin456", Role::Admin))).await;
    let mut user = WsClient::connect(&ws(&local, &token("user123", Role::User))).await;
    let url = connection_url(&local, "admin456");
    // The well-known dev pair is not this run's secret.
    assert_refused_without_the_keys(&url, &Keys::new("local", "local")).await;
    let (status, answer, _) = http("GET", &url, None).await;
    assert!(
        status == 403 && !answer.to_string().contains("127.0.0.1"),
        "no address read"
    );
    // Nothing was injected, the admin is still connected, and the functions' own signed posts
    // still deliver.
    admin.expect_nothing(200).await;
    user.send_text(&frame("admin456", "still here?")).await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(admin.next_json().await["message_text"], "still here?");
    local.shutdown().await;
}

#[tokio::test]
async fn tampered_stale_and_foreign_key_signatures_are_refused_like_api_gateway() {
    let secret = "the-configured-management-secret";
    let local = start(jwt_mode(), Some(secret)).await;
    let mut admin = WsClient::connect(&ws(&local, &token("admin456", Role::Admin))).await;
    let url = connection_url(&local, "admin456");
    let keys = Keys::new("local", secret);
    let now = SystemTime::now();
    let good = r#"{"type":"hello"}"#;
    let forged = r#"{"type":"message","message_text":"forged"}"#;

    let cases = [
        (
            "tampered body",
            Keys::new("local", secret),
            now,
            good,
            "InvalidSignatureException",
        ),
        (
            "wrong secret",
            Keys::new("local", "guess"),
            now,
            forged,
            "InvalidSignatureException",
        ),
        (
            "foreign key id",
            Keys::new("AKIDOTHER", secret),
            now,
            forged,
            "UnrecognizedClientException",
        ),
        (
            "signed 6 minutes ago",
            Keys::new("local", secret),
            now - Duration::from_secs(360),
            forged,
            "InvalidSignatureException",
        ),
        (
            "signed 6 minutes ahead",
            Keys::new("local", secret),
            now + Duration::from_secs(360),
            forged,
            "InvalidSignatureException",
        ),
    ];
    for (case, keys, at, signed_over, kind) in &cases {
        let (status, answer, error_type) =
            call("POST", &url, Some(forged), Some((keys, *at, signed_over))).await;
        assert_eq!(
            (status, error_type.as_deref()),
            (403, Some(*kind)),
            "{case}: {answer}"
        );
        assert!(answer["message"].is_string(), "{case}: {answer}");
        // Signed over a body it does not carry: refused even with the right keys.
        let (status, _, _) = call("DELETE", &url, None, Some((keys, *at, "x"))).await;
        assert_eq!(status, 403, "{case}: DELETE");
    }
    let stale = call(
        "GET",
        &url,
        None,
        Some((&keys, now - Duration::from_secs(360), "")),
    )
    .await;
    assert!(stale.1["message"]
        .as_str()
        .unwrap()
        .starts_with("Signature expired"));
    admin.expect_nothing(200).await;

    // The right keys, signed now, over the body sent: accepted.
    let (status, _, _) = call("POST", &url, Some(good), Some((&keys, now, good))).await;
    assert_eq!(status, 200);
    assert_eq!(admin.next_json().await, json!({"type": "hello"}));
    local.shutdown().await;
}

#[tokio::test]
async fn jwt_auth_with_functions_elsewhere_needs_a_management_secret() {
    let refused = chat_local::start(chat_local::Options {
        port: 0,
        identity: jwt_mode(),
        invoke_endpoint: Some("http://127.0.0.1:9".into()),
        ..chat_local::Options::default()
    })
    .await;
    let Err(err) = refused else {
        panic!("started without a secret the functions could sign with");
    };
    assert!(err.to_string().contains("--management-secret"), "{err}");
}

#[tokio::test]
async fn dev_mode_is_open_and_says_so_unless_a_secret_is_configured() {
    let open = start(chat_local::IdentityMode::Dev, None).await;
    assert!(open.banner.iter().any(|l| l.contains("OPEN (dev mode)")));
    let _desk = WsClient::connect(&open.ws_url("admin456?role=admin")).await;
    let (status, _, _) = http("GET", &connection_url(&open, "admin456"), None).await;
    assert_eq!(status, 200);
    open.shutdown().await;

    let locked = start(chat_local::IdentityMode::Dev, Some("a-dev-secret")).await;
    assert!(locked.banner.iter().any(|l| l.contains("SigV4 required")));
    let mut desk = WsClient::connect(&locked.ws_url("admin456?role=admin")).await;
    let url = connection_url(&locked, "admin456");
    assert_refused_without_the_keys(&url, &Keys::new("local", "local")).await;
    // The in-process functions sign with the configured secret.
    let mut alice = WsClient::connect(&locked.ws_url("user123")).await;
    alice.send_text(&frame("admin456", "signed delivery")).await;
    assert_eq!(alice.next_json().await["type"], "ack");
    assert_eq!(desk.next_json().await["message_text"], "signed delivery");
    locked.shutdown().await;
}

/// Collects what chat-local logs at `info`, from every test of this binary. Installed globally
/// before any chat-local starts: a thread-scoped subscriber can miss events when parallel tests
/// register the same callsites without one.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_env_filter("chat_local=info")
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

#[tokio::test]
async fn connection_ids_are_unpredictable_and_stay_out_of_the_info_log() {
    let local = start(chat_local::IdentityMode::Dev, Some("a-dev-secret")).await;
    let mut ids = HashSet::new();
    for _ in 0..20 {
        let client = WsClient::connect(&local.ws_url("user123")).await;
        let id = local.gateway().connection_ids_of("user123").pop().unwrap();
        // A refused Management API call is logged at info, without the id it named.
        let url = format!("{}/@connections/{}", local.http_url(), encoded(&id));
        assert_eq!(http("GET", &url, None).await.0, 403);
        ids.insert(id);
        client.close().await;
    }
    local.shutdown().await;

    assert_eq!(ids.len(), 20, "every connection has its own id");
    for id in &ids {
        assert_eq!((id.len(), id.ends_with('=')), (16, true), "{id}");
    }
    let logs = String::from_utf8(captured_logs().0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("refused"), "the capture works: {logs}");
    for id in &ids {
        assert!(!logs.contains(id.as_str()), "{id} logged at info:\n{logs}");
    }
}
