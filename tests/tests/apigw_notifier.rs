//! The production notifier: the real `aws-sdk-apigatewaymanagement` client against a loopback
//! server that answers like the Management API. Checks the request it sends and that a 410
//! GoneException becomes `NotifyError::Gone` (which makes the chat forget the connection).

use aws_sdk_apigatewaymanagement::config::{
    retry::RetryConfig, BehaviorVersion, Credentials, Region,
};
use chat_shared::domain::ConnectionId;
use chat_shared::notify::apigw::ApiGatewayNotifier;
use chat_shared::notify::{Notifier, NotifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Seen {
    request_line: String,
    body: Vec<u8>,
}

/// Serves exactly one request with `status` and `headers`, returning what it received.
async fn one_shot(
    status: &'static str,
    headers: &'static str,
) -> (String, tokio::task::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let header_end = loop {
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "client closed early");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < header_end + length {
            let n = socket.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = r#"{"message":null}"#;
        let response = format!(
            "HTTP/1.1 {status}\r\n{headers}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        Seen {
            request_line: head.lines().next().unwrap_or_default().to_owned(),
            body: buf[header_end..header_end + length].to_vec(),
        }
    });
    (url, task)
}

fn notifier(endpoint: &str) -> ApiGatewayNotifier {
    let config = aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    ApiGatewayNotifier::new(aws_sdk_apigatewaymanagement::Client::from_conf(config))
}

#[tokio::test]
async fn posts_the_frame_to_the_connection_path() {
    let (url, server) = one_shot("200 OK", "").await;
    let id = ConnectionId::parse("BpNEYd7ODoECFyA=").unwrap();
    notifier(&url)
        .post(&id, br#"{"type":"message"}"#)
        .await
        .unwrap();
    let seen = server.await.unwrap();
    assert_eq!(
        seen.request_line,
        "POST /@connections/BpNEYd7ODoECFyA%3D HTTP/1.1"
    );
    assert_eq!(seen.body, br#"{"type":"message"}"#);
}

#[tokio::test]
async fn a_410_gone_exception_means_the_connection_is_gone() {
    let (url, server) = one_shot("410 Gone", "x-amzn-errortype: GoneException\r\n").await;
    let id = ConnectionId::parse("staleConn=").unwrap();
    let result = notifier(&url).post(&id, b"{}").await;
    assert!(matches!(result, Err(NotifyError::Gone)), "{result:?}");
    server.await.unwrap();
}

#[tokio::test]
async fn other_failures_are_not_mistaken_for_gone() {
    let (url, server) = one_shot(
        "429 Too Many Requests",
        "x-amzn-errortype: LimitExceededException\r\n",
    )
    .await;
    let id = ConnectionId::parse("busyConn=").unwrap();
    let result = notifier(&url).post(&id, b"{}").await;
    assert!(matches!(result, Err(NotifyError::Failed(_))), "{result:?}");
    server.await.unwrap();
}
