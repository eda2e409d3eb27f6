//! System messages end to end through chat-local: the gateway checks the SigV4 signature of
//! `POST /chat/system/{receiver_id}` (as API Gateway's IAM authorization does) and hands the
//! signer to the HTTP function, which takes chat-local's signer as the booking backend. Signed
//! posts reach the receiver's WebSocket; unsigned, wrongly signed and token-carrying posts get
//! API Gateway's 403 and deliver nothing.

use std::sync::Arc;
use std::time::Duration;

use chat_edge::auth::{AuthConfig, Authorizer};
use chat_shared::domain::Role;
use chat_tests::local::{http, start_with, WsClient};
use chat_tests::management::{post_system, Keys};
use chat_tests::tokens::hs256_token;
use chat_tests::{store_for, system_body, Backend};
use serde_json::json;

const TEXT: &str = "Your appointment on Friday at 10:00 is confirmed.";

async fn start(
    backend: Backend,
    identity: chat_local::IdentityMode,
    secret: Option<&str>,
) -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(backend).await),
        identity,
        management: chat_local::ManagementKeys {
            secret_access_key: secret.map(str::to_owned),
            ..chat_local::ManagementKeys::default()
        },
        ..chat_local::Options::default()
    })
    .await
}

async fn a_signed_post_reaches_the_receiver_and_unsigned_ones_nothing(backend: Backend) {
    let local = start(backend, chat_local::IdentityMode::Dev, None).await;
    let base = local.http_url();
    let mut user = WsClient::connect(&local.ws_url("user123?role=user")).await;
    let local_keys = Keys::new("local", "local");
    let body = system_body("appt-789-confirmed", TEXT);

    let (status, refused, kind) = post_system(&base, "user123", &body, None, &[]).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("MissingAuthenticationTokenException")),
        "{refused}"
    );
    let wrong = Keys::new("local", "not-the-secret");
    let (status, _, kind) = post_system(&base, "user123", &body, Some(&wrong), &[]).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("InvalidSignatureException"))
    );
    // A dev identity claimed in the request counts for nothing on this route.
    let (status, _, _) =
        post_system(&base, "user123", &body, None, &[("x-chat-role", "admin")]).await;
    assert_eq!(status, 403);
    user.expect_nothing(200).await;

    let (status, stored, _) = post_system(&base, "user123", &body, Some(&local_keys), &[]).await;
    assert_eq!(status, 201, "{stored}");
    let frame = user.next_json().await;
    assert_eq!(frame["type"], "message");
    assert_eq!(frame["kind"], "system");
    assert_eq!(frame["sender_id"], "system");
    assert_eq!(frame["message_id"], stored["message_id"]);
    // Retried by the backend: the same message, not delivered again.
    let (status, again, _) = post_system(&base, "user123", &body, Some(&local_keys), &[]).await;
    assert_eq!((status, again["duplicate"].clone()), (200, json!(true)));
    user.expect_nothing(200).await;

    let (status, history, _) =
        http("GET", &format!("{base}/chat/history/user123/system"), None).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
    let (status, inbox, _) = http("GET", &format!("{base}/chat/conversations/user123"), None).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox["conversations"][0]["peer_id"], "system");
    assert_eq!(inbox["conversations"][0]["unread"], 1);
    user.close().await;
    local.shutdown().await;
}

const JWT_SECRET: &str = "a-system-message-test-secret-of-32-bytes";
const MANAGEMENT_SECRET: &str = "the-backend-and-the-functions-know-this";

fn token(id: &str, role: Role) -> String {
    hs256_token(JWT_SECRET, id, role, Duration::from_secs(300))
}

async fn tokens_are_refused_and_only_the_configured_keys_sign(backend: Backend) {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(JWT_SECRET.into()),
        ..AuthConfig::default()
    })
    .unwrap();
    let identity = chat_local::IdentityMode::Jwt(Arc::new(auth));
    let local = start(backend, identity, Some(MANAGEMENT_SECRET)).await;
    let base = local.http_url();
    let user_token = token("user123", Role::User);
    let mut user = WsClient::connect(&format!("ws://{}/ws?token={user_token}", local.addr)).await;
    let body = system_body("k-1", TEXT);
    for (id, role) in [("user123", Role::User), ("admin456", Role::Admin)] {
        let bearer = format!("Bearer {}", token(id, role));
        let (status, refused, kind) =
            post_system(&base, "user123", &body, None, &[("authorization", &bearer)]).await;
        assert_eq!(status, 403, "{id}'s token: {refused}");
        assert!(kind.is_some(), "API Gateway's error type");
    }
    // The dev secret is not this stack's.
    let (status, _, _) = post_system(
        &base,
        "user123",
        &body,
        Some(&Keys::new("local", "local")),
        &[],
    )
    .await;
    assert_eq!(status, 403);
    user.expect_nothing(200).await;
    let keys = Keys::new("local", MANAGEMENT_SECRET);
    let (status, stored, _) = post_system(&base, "user123", &body, Some(&keys), &[]).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(user.next_json().await["kind"], "system");
    user.close().await;
    local.shutdown().await;
}

chat_tests::on_both_stores!(
    a_signed_post_reaches_the_receiver_and_unsigned_ones_nothing,
    tokens_are_refused_and_only_the_configured_keys_sign,
);
