//! chat-local with `--auth jwt`: the same verification as the deployed stack, end to end, and
//! logs that never carry tokens or message text.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_edge::auth::{AuthConfig, Authorizer};
use chat_shared::domain::Role;
use chat_tests::local::{http_with, start_with, WsClient};
use chat_tests::tokens::hs256_token;
use chat_tests::{frame, store_for, Backend};
use serde_json::json;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

fn token(id: &str, role: Role) -> String {
    hs256_token(SECRET, id, role, Duration::from_secs(300))
}

async fn start_jwt(backend: Backend) -> chat_local::Running {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(SECRET.into()),
        allowed_origins: vec!["https://booking.example.com".into()],
        ..AuthConfig::default()
    })
    .unwrap();
    start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(backend).await),
        identity: chat_local::IdentityMode::Jwt(Arc::new(auth)),
        ..chat_local::Options::default()
    })
    .await
}

fn ws(local: &chat_local::Running, token: &str) -> String {
    format!("ws://{}/ws?token={token}", local.addr)
}

async fn only_verified_identities_connect_and_act(backend: Backend) {
    let local = start_jwt(backend).await;
    let admin_token = token("admin456", Role::Admin);
    let user_token = token("user123", Role::User);

    // Refused at the handshake: no token, a bad one, a claimed id that is not the token's,
    // the dev-mode role parameter (ignored: the role comes from the token).
    for (url, status) in [
        (format!("ws://{}/ws", local.addr), "401"),
        (format!("ws://{}/ws/user123", local.addr), "401"),
        (ws(&local, "not-a-token"), "401"),
        (
            ws(&local, &token("user123", Role::User).replace('.', "x")),
            "401",
        ),
        (
            format!("ws://{}/ws/admin456?token={user_token}", local.addr),
            "403",
        ),
    ] {
        let err = WsClient::try_connect(&url).await.err().expect("refused");
        assert!(err.to_string().contains(status), "{url}: {err}");
    }

    let mut admin = WsClient::connect(&ws(&local, &admin_token)).await;
    // The seed's URL form works when the path matches the token.
    let mut user = WsClient::connect(&format!(
        "ws://{}/ws/user123?token={user_token}&role=admin",
        local.addr
    ))
    .await;
    // `role=admin` in the URL did not make the user an administrator.
    let mut other = WsClient::connect(&ws(&local, &token("user777", Role::User))).await;
    user.send_text(&frame("user777", "user to user")).await;
    assert_eq!(user.next_json().await["code"], "forbidden");
    other.expect_nothing(100).await;

    user.send_text(&frame("admin456", "verified hello")).await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(admin.next_json().await["sender_id"], "user123");

    // HTTP: bearer tokens, verified by the HTTP function.
    let base = local.http_url();
    let bearer = format!("Bearer {admin_token}");
    let auth = [("authorization", bearer.as_str())];
    let (status, body, _) =
        http_with("GET", &format!("{base}/chat/unread/admin456"), None, &auth).await;
    assert_eq!(
        (status, body),
        (200, json!({"total": 1, "by_sender": {"user123": 1}}))
    );
    let (status, _, _) = http_with("GET", &format!("{base}/chat/unread/admin456"), None, &[]).await;
    assert_eq!(status, 401);
    let (status, _, _) = http_with(
        "GET",
        &format!("{base}/chat/unread/admin456"),
        None,
        &[("authorization", "Bearer nope")],
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) =
        http_with("GET", &format!("{base}/chat/unread/user123"), None, &auth).await;
    assert_eq!(status, 403);
    let (status, body, _) = http_with(
        "PUT",
        &format!("{base}/chat/read/admin456"),
        Some(r#"{"sender_id":"user123"}"#),
        &auth,
    )
    .await;
    assert_eq!((status, body["updated_count"].as_u64()), (200, Some(1)));
    local.shutdown().await;
}

async fn a_foreign_origin_is_refused_with_403(backend: Backend) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let local = start_jwt(backend).await;
    let mut request = ws(&local, &token("user123", Role::User))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(request)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    let mut request = ws(&local, &token("user123", Role::User))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://booking.example.com".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());
    local.shutdown().await;
}

/// Collects everything logged, at every level, by this thread's tasks.
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

async fn no_token_or_message_text_reaches_the_logs(backend: Backend) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace,aws_smithy_runtime=info,aws_sdk_dynamodb=info,aws_config=info,hyper=info,hyper_util=info,tungstenite=info,tokio_tungstenite=info,h2=info,rustls=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let local = start_jwt(backend).await;
    let admin_token = token("admin456", Role::Admin);
    let user_token = token("user123", Role::User);
    let secret_text = "my-secret-diagnosis-7f3a9c";
    let mut admin = WsClient::connect(&ws(&local, &admin_token)).await;
    let mut user = WsClient::connect(&ws(&local, &user_token)).await;
    user.send_text(&frame("admin456", secret_text)).await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(admin.next_json().await["message_text"], secret_text);
    // Refusals log their kind, not the token.
    let _ = WsClient::try_connect(&ws(&local, &format!("{user_token}tampered"))).await;
    let bearer = format!("Bearer {admin_token}");
    http_with(
        "GET",
        &format!("{}/chat/history/user123/admin456", local.http_url()),
        None,
        &[("authorization", bearer.as_str())],
    )
    .await;
    user.send_text(&frame("user777", secret_text)).await;
    assert_eq!(user.next_json().await["code"], "forbidden");
    local.shutdown().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("message sent"), "the capture works: {logs}");
    assert!(logs.contains("user123"), "ids are logged");
    for secret in [
        admin_token.as_str(),
        user_token.as_str(),
        secret_text,
        SECRET,
    ] {
        assert!(!logs.contains(secret), "leaked {secret:?} in:\n{logs}");
    }
    // No fragment of a token either (the signature part).
    let signature = user_token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature));
}

chat_tests::on_both_stores!(
    only_verified_identities_connect_and_act,
    a_foreign_origin_is_refused_with_403,
    no_token_or_message_text_reaches_the_logs,
);
