//! chat-local's Management API as real AWS SDK clients see it: the Rust
//! `aws-sdk-apigatewaymanagement` client the functions use, and boto3 from PyPI (the project's
//! `.venv`). Post, get (API Gateway's field names and types), delete, 410 for unknown and closed
//! ids, all signed; unsigned and wrong-key calls refused.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_sdk_apigatewaymanagement::error::ProvideErrorMetadata;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use chat_tests::local::{eventually, http, start_with, WAIT};
use chat_tests::management::{encoded, Keys};

const SECRET: &str = "fidelity-management-secret";
const USER_AGENT: &str = "fidelity-client/1.0";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn start() -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        management: chat_local::ManagementKeys {
            secret_access_key: Some(SECRET.into()),
            ..chat_local::ManagementKeys::default()
        },
        ..chat_local::Options::default()
    })
    .await
}

/// A WebSocket client that says who it is (`User-Agent`), and its connection id.
async fn connect(local: &chat_local::Running, client_id: &str) -> (Socket, String) {
    let mut request = local.ws_url(client_id).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("user-agent", USER_AGENT.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let id = local.gateway().connection_ids_of(client_id).pop().unwrap();
    (socket, id)
}

/// The next data frame (text), or the close code; `None` when the socket just ends.
async fn next(socket: &mut Socket) -> Result<Value, Option<u16>> {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame within the wait");
        match message {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(close))) => return Err(close.map(|c| u16::from(c.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(None),
        }
    }
}

#[tokio::test]
async fn the_rust_sdk_posts_gets_deletes_and_sees_410() {
    let local = start().await;
    let endpoint = local.http_url();
    let client = Keys::new("local", SECRET).sdk_client(&endpoint);
    let (mut socket, id) = connect(&local, "admin456").await;

    let info = client
        .get_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    let connected = info.connected_at().expect("connectedAt");
    let since = SystemTime::try_from(*connected).unwrap().elapsed().unwrap();
    assert!(since < Duration::from_secs(60), "connected {since:?} ago");
    assert!(info.last_active_at().is_some(), "lastActiveAt");
    let identity = info.identity().expect("identity");
    assert_eq!(identity.source_ip(), Some("127.0.0.1"));
    assert_eq!(identity.user_agent(), Some(USER_AGENT));

    let data = Blob::new(r#"{"type":"from-rust"}"#);
    client
        .post_to_connection()
        .connection_id(&id)
        .data(data)
        .send()
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await, Ok(json!({"type": "from-rust"})));

    // Refused: another secret, another key id, no signature at all.
    for (keys, code) in [
        (
            Keys::new("local", "not-the-secret"),
            "InvalidSignatureException",
        ),
        (
            Keys::new("AKIDOTHER", SECRET),
            "UnrecognizedClientException",
        ),
    ] {
        let refused = keys
            .sdk_client(&endpoint)
            .delete_connection()
            .connection_id(&id)
            .send()
            .await;
        let err = refused.expect_err("refused");
        assert_eq!(err.code(), Some(code), "{err:?}");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    }
    let url = format!("{endpoint}/@connections/{}", encoded(&id));
    let (status, _, kind) = http("DELETE", &url, None).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("MissingAuthenticationTokenException"))
    );

    let unknown = client
        .post_to_connection()
        .connection_id("NoSuchConn0000=")
        .data(Blob::new("{}"))
        .send()
        .await;
    assert!(unknown
        .unwrap_err()
        .into_service_error()
        .is_gone_exception());

    client
        .delete_connection()
        .connection_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(next(&mut socket).await, Err(Some(1000)));
    eventually("a post to the closed connection is 410", || async {
        let post = client
            .post_to_connection()
            .connection_id(&id)
            .data(Blob::new("{}"))
            .send()
            .await;
        post.is_err_and(|e| e.into_service_error().is_gone_exception())
    })
    .await;
    local.shutdown().await;
}

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Runs tests/fidelity/management_boto3.py (bounded to 60 s) and parses its report.
async fn boto3(endpoint: &str, step: &str, id: &str) -> Value {
    let python = workspace().join(".venv/bin/python");
    assert!(
        python.exists(),
        "no .venv: run `bash scripts/setup.sh` (installs boto3)"
    );
    let script = workspace().join("tests/fidelity/management_boto3.py");
    let mut command = Command::new("timeout");
    command.arg("60").arg(python).arg(script);
    command.args([endpoint, "local", SECRET, step, id]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("timeout(1) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "boto3 script failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn boto3_posts_gets_deletes_and_sees_410() {
    let local = start().await;
    let endpoint = local.http_url();
    let (mut socket, id) = connect(&local, "admin456").await;

    let report = boto3(&endpoint, "live", &id).await;
    assert_eq!(
        report["get"],
        json!({
            "status": 200,
            "connected_at_type": "datetime",
            "connected_at": report["get"]["connected_at"],
            "last_active_at_type": "datetime",
            "source_ip": "127.0.0.1",
            "user_agent": USER_AGENT,
        }),
        "{report}"
    );
    assert!(report["get"]["connected_at"]
        .as_str()
        .unwrap()
        .ends_with("+00:00"));
    assert_eq!(report["post"], json!({"status": 200}), "{report}");
    for (call, code) in [
        ("unsigned_post", "MissingAuthenticationTokenException"),
        ("wrong_secret_get", "InvalidSignatureException"),
        ("wrong_secret_delete", "InvalidSignatureException"),
    ] {
        assert_eq!(report[call]["status"], 403, "{call}: {report}");
        assert_eq!(report[call]["code"], code, "{call}: {report}");
    }
    assert_eq!(report["unknown_post"]["status"], 410, "{report}");
    assert_eq!(report["unknown_post"]["code"], "GoneException", "{report}");
    assert_eq!(report["delete"], json!({"status": 204}), "{report}");

    // Only the signed post arrived, then the close the signed delete asked for.
    assert_eq!(next(&mut socket).await, Ok(json!({"type": "from-boto3"})));
    assert_eq!(next(&mut socket).await, Err(Some(1000)));
    eventually("the connection is gone", || async {
        local.gateway().connection_ids_of("admin456").is_empty()
    })
    .await;
    let closed = boto3(&endpoint, "closed", &id).await;
    for call in ["post", "get"] {
        assert_eq!(closed[call]["status"], 410, "{call}: {closed}");
        assert_eq!(closed[call]["code"], "GoneException", "{call}: {closed}");
    }
    local.shutdown().await;
}
