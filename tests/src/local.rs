//! End-to-end helpers: chat-local on a free loopback port, real WebSocket and HTTP clients.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_shared::store::Store;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen.
pub const WAIT: Duration = Duration::from_secs(15);

/// chat-local on a free port, with `store` and otherwise default options.
pub async fn start_local(store: Arc<dyn Store>) -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        store: Some(store),
        ..chat_local::Options::default()
    })
    .await
}

pub async fn start_with(options: chat_local::Options) -> chat_local::Running {
    chat_local::start(options)
        .await
        .unwrap_or_else(|e| panic!("chat-local did not start: {e}"))
}

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    pub async fn connect(url: &str) -> Self {
        Self::try_connect(url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
    }

    pub async fn try_connect(url: &str) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let (stream, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(Self { stream })
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(
        &mut self,
        message: Message,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.stream.send(message).await
    }

    /// The next text frame, parsed.
    pub async fn next_json(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame within the wait")
                .expect("the connection is open")
                .expect("a valid frame");
            match next {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("frames are JSON")
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Asserts that no text frame arrives within `ms` milliseconds.
    pub async fn expect_nothing(&mut self, ms: u64) {
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(Duration::from_millis(ms), self.stream.next()).await
        {
            panic!("unexpected frame: {text}");
        }
    }

    /// Asserts that the connection stays open for `ms` milliseconds (frames read meanwhile,
    /// such as pongs, are dropped).
    pub async fn expect_open(&mut self, ms: u64) {
        let until = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(until, self.stream.next()).await {
                Err(_) => return,
                Ok(Some(Ok(Message::Close(frame)))) => panic!("closed by the server: {frame:?}"),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(err))) => panic!("connection failed: {err}"),
                Ok(None) => panic!("connection ended"),
            }
        }
    }

    /// Reads until the server closes; returns its close frame.
    pub async fn closed(&mut self) -> Option<CloseFrame> {
        loop {
            match tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("the server closes within the wait")
            {
                Some(Ok(Message::Close(frame))) => return frame,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// An HTTP call: status, JSON body (`Null` when empty), and the `x-amzn-errortype` header.
pub async fn http(method: &str, url: &str, body: Option<&str>) -> (u16, Value, Option<String>) {
    http_with(method, url, body, &[]).await
}

pub async fn http_with(
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>) {
    let client = chat_edge::net::http_client::<Full<Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .unwrap();
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .expect("an answer within the wait")
        .expect("the request succeeds");
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, json, error_type)
}

/// Polls `check` until it returns true (no sleeps standing in for readiness).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for: {what}");
}
