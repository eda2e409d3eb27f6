//! Hostile connections against chat-local (issue 18, its connection limits): a client that
//! floods without reading, every slow phase of a request, WebSocket protocol violations,
//! bodies over the limit, and logs at `trace`. Memory and logs are read from chat-local in a
//! process of its own ([`chat_tests::child`]); the rest runs it in-process with short
//! deadlines. The limits are listed in docs/security.md ("Abuse: connections").

use std::time::{Duration, Instant};

use chat_tests::child::{run_child, ChildLocal};
use chat_tests::frame;
use chat_tests::local::{http, start_with, WsClient};
use futures_util::SinkExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const CHILD: &str = "chat_local_child";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "chat-local's own process, started by the tests of this file"]
async fn chat_local_child() {
    run_child().await;
}

// --- Flooding without reading -------------------------------------------------------------

/// How much a client flooding without reading may add to chat-local's resident memory. The
/// limits allow about 3 MB (1 MB queued for the client, 16 replies of ~125 KB waiting for
/// room); the rest is room for the allocator and tokio.
const FLOOD_BOUND_KB: u64 = 16 * 1024;
/// `{}` frames and `sync` frames (of a ~120 KB history) per flood.
const EMPTY_FRAMES: usize = 20_000;
const SYNC_FRAMES: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_flooding_without_reading_holds_bounded_memory() {
    let child = ChildLocal::spawn(CHILD, &[]);
    seed_history(&child).await;
    let before = child.rss_kb();
    let first = flood(&child).await;
    println!(
        "chat-local RSS: {before} KB before; flood peak {first} KB \
         ({EMPTY_FRAMES} `{{}}` + {SYNC_FRAMES} `sync` frames, never read)"
    );
    assert_no_panic(child.stop());
    assert!(
        first.saturating_sub(before) < FLOOD_BOUND_KB,
        "a flood added {} KB (bound {FLOOD_BOUND_KB} KB)",
        first - before
    );
}

/// A second flood after the first connection closed stays within the bound too: memory goes
/// back when a connection goes. (It once reached ~260 MB: a connection whose writer failed
/// first, while frames were still being read, panicked on polling its finished close signal
/// again; the task died without its clean-up, and the panic's backtrace, symbolised from the
/// test binary's debug info, was the 260 MB.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_flood_reuses_the_first_ones_memory() {
    let child = ChildLocal::spawn(CHILD, &[]);
    seed_history(&child).await;
    let first = flood(&child).await;
    let after_first = child.rss_kb();
    let second = flood(&child).await;
    let after_second = child.rss_kb();
    println!(
        "chat-local RSS: flood 1 peak {first} KB, {after_first} KB after it closed; \
         flood 2 peak {second} KB, {after_second} KB after"
    );
    assert_no_panic(child.stop());
    assert!(
        second.saturating_sub(first) < 8 * 1024 && after_second.saturating_sub(after_first) < 8 * 1024,
        "memory kept growing: {first} -> {second} KB peak, {after_first} -> {after_second} KB after"
    );
}

/// chat-local's log (stderr) holds no panic: a task that panics skips its clean-up.
fn assert_no_panic(logs: String) {
    assert!(!logs.contains("panicked"), "chat-local panicked:\n{logs}");
}

/// 40 messages of 3000 characters from user123 to admin456: a `sync` answers ~120 KB.
async fn seed_history(child: &ChildLocal) {
    // Users write only to administrators chat-local has seen connected as such.
    let admin = WsClient::connect(&child.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&child.ws_url("user123")).await;
    let text = "x".repeat(3000);
    for _ in 0..40 {
        user.send_text(&frame("admin456", &text)).await;
        let ack = user.next_json().await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    user.send_text(r#"{"action":"sync","since":""}"#).await;
    let sync = user.next_json().await;
    assert_eq!(sync["type"], "sync", "{sync}");
    assert!(sync.to_string().len() > 100_000, "the history is large");
    user.close().await;
    admin.close().await;
}

/// Floods as user123 without ever reading; returns the highest RSS seen, in KB.
async fn flood(child: &ChildLocal) -> u64 {
    let (mut socket, _) = tokio_tungstenite::connect_async(child.ws_url("user123"))
        .await
        .expect("connects");
    let mut peak = child.rss_kb();
    let per_sync = EMPTY_FRAMES / SYNC_FRAMES;
    for i in 0..EMPTY_FRAMES + SYNC_FRAMES {
        let text = if i % (per_sync + 1) == 0 {
            r#"{"action":"sync","since":""}"#
        } else {
            "{}"
        };
        socket.feed(Message::Text(text.into())).await.expect("send");
        if i % 500 == 0 {
            socket.flush().await.expect("send");
            peak = peak.max(child.rss_kb());
        }
    }
    socket.flush().await.expect("send");
    // Measuring, not waiting for readiness: sample until the figure stops rising.
    let mut steady = 0;
    let started = Instant::now();
    while steady < 10 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = child.rss_kb();
        steady = if now > peak { 0 } else { steady + 1 };
        peak = peak.max(now);
    }
    drop(socket);
    peak
}

// --- Slow phases --------------------------------------------------------------------------

const HEADER_TIMEOUT: Duration = Duration::from_millis(300);
const BODY_TIMEOUT: Duration = Duration::from_millis(300);
const IDLE_TIMEOUT: Duration = Duration::from_millis(500);
/// Slack on top of a deadline before a test calls the connection "still open".
const SLACK: Duration = Duration::from_millis(1500);

async fn start_with_short_deadlines() -> chat_local::Running {
    start_with(chat_local::Options {
        port: 0,
        timeouts: chat_local::Timeouts {
            header: HEADER_TIMEOUT,
            body: BODY_TIMEOUT,
        },
        limits: chat_local::Limits {
            idle_timeout: IDLE_TIMEOUT,
            ..chat_local::Limits::default()
        },
        ..chat_local::Options::default()
    })
    .await
}

/// Reads until the server closes (within `deadline` + [`SLACK`], else panics); returns what
/// it sent.
async fn read_until_closed(stream: &mut TcpStream, deadline: Duration) -> Vec<u8> {
    let started = Instant::now();
    let mut got = Vec::new();
    let read = tokio::time::timeout(deadline + SLACK, stream.read_to_end(&mut got)).await;
    assert!(
        read.is_ok(),
        "still open {:?} after the start (deadline {deadline:?}); got {:?}",
        started.elapsed(),
        String::from_utf8_lossy(&got)
    );
    got
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let local = start_with_short_deadlines().await;
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    read_until_closed(&mut stream, HEADER_TIMEOUT).await;
}

#[tokio::test]
async fn headers_that_never_finish_are_cut_off_even_when_trickled() {
    let local = start_with_short_deadlines().await;
    let stream = TcpStream::connect(local.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"GET /chat/unread/user123 HTTP/1.1\r\nHost: local\r\n")
        .await
        .unwrap();
    // One header byte every 50 ms: each read makes progress, the deadline is for all of them.
    let trickle = tokio::spawn(async move {
        while write.write_all(b"X").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let started = Instant::now();
    let mut got = Vec::new();
    let closed = tokio::time::timeout(HEADER_TIMEOUT + SLACK, read.read_to_end(&mut got)).await;
    assert!(closed.is_ok(), "still open after {:?}", started.elapsed());
    trickle.abort();
}

#[tokio::test]
async fn a_websocket_handshake_that_never_completes_is_closed() {
    let local = start_with_short_deadlines().await;
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    // Everything but the blank line that ends the upgrade request.
    stream
        .write_all(
            b"GET /ws/user123 HTTP/1.1\r\nHost: local\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        )
        .await
        .unwrap();
    read_until_closed(&mut stream, HEADER_TIMEOUT).await;
}

#[tokio::test]
async fn an_upgraded_socket_that_stays_silent_is_closed_at_the_idle_timeout() {
    let local = start_with_short_deadlines().await;
    let mut client = WsClient::connect(&local.ws_url("user123")).await;
    let started = Instant::now();
    let close = client.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
    assert!(started.elapsed() < IDLE_TIMEOUT + SLACK);
}

#[tokio::test]
async fn a_body_that_never_arrives_gets_408_and_the_connection_closes() {
    let local = start_with_short_deadlines().await;
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    stream
        .write_all(
            b"PUT /chat/read/user123 HTTP/1.1\r\nHost: local\r\n\
              Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"up",
        )
        .await
        .unwrap();
    let (status, body) = response(&read_until_closed(&mut stream, BODY_TIMEOUT).await);
    assert_eq!(
        (status, body["code"].as_str()),
        (408, Some("request_timeout"))
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let local = start_with_short_deadlines().await;
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    stream
        .write_all(b"GET /app.css HTTP/1.1\r\nHost: local\r\n\r\n")
        .await
        .unwrap();
    let got = read_until_closed(&mut stream, HEADER_TIMEOUT).await;
    assert!(got.starts_with(b"HTTP/1.1 200"), "the request was served");
}

/// Status and JSON body of a raw HTTP/1.1 response (`Null` if the body is not JSON).
fn response(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

// --- Protocol violations and error shapes -------------------------------------------------

/// A raw WebSocket to `/ws/user123`, past the handshake.
async fn raw_websocket(local: &chat_local::Running) -> TcpStream {
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    stream
        .write_all(
            b"GET /ws/user123 HTTP/1.1\r\nHost: local\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        stream
            .read_exact(&mut byte)
            .await
            .expect("a handshake answer");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// A client frame, masked as RFC 6455 requires (payload under 126 bytes).
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// The code of the first close frame in what the server sent (its frames are unmasked).
fn close_code(mut raw: &[u8]) -> Option<u16> {
    while raw.len() >= 2 {
        let (opcode, len) = (raw[0] & 0x0f, (raw[1] & 0x7f) as usize);
        let (len, start) = match len {
            126 => (u16::from_be_bytes([raw[2], raw[3]]) as usize, 4),
            127 => return None, // a chat reply is never that large here
            n => (n, 2),
        };
        let payload = raw.get(start..start + len)?;
        if opcode == 0x8 {
            return payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        }
        raw = &raw[start + len..];
    }
    None
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_is_closed_with_1007() {
    let local = start_with_short_deadlines().await;
    let mut ws = raw_websocket(&local).await;
    ws.write_all(&masked(0x1, &[b'{', 0xff, 0xfe, b'}']))
        .await
        .unwrap();
    let got = read_until_closed(&mut ws, Duration::ZERO).await;
    assert_eq!(close_code(&got), Some(1007), "{got:?}");
}

#[tokio::test]
async fn an_unmasked_client_frame_is_closed_with_1002() {
    let local = start_with_short_deadlines().await;
    let mut ws = raw_websocket(&local).await;
    ws.write_all(&[0x81, 0x02, b'{', b'}']).await.unwrap();
    let got = read_until_closed(&mut ws, Duration::ZERO).await;
    assert_eq!(close_code(&got), Some(1002), "{got:?}");
}

#[tokio::test]
async fn a_body_over_2_mb_gets_a_json_413() {
    let local = start_with_short_deadlines().await;
    let mut stream = TcpStream::connect(local.addr).await.unwrap();
    stream
        .write_all(
            b"PUT /chat/read/user123 HTTP/1.1\r\nHost: local\r\n\
              Content-Type: application/json\r\nContent-Length: 2097153\r\n\r\n",
        )
        .await
        .unwrap();
    let (status, body) = response(&read_until_closed(&mut stream, Duration::ZERO).await);
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert!(body["message"].is_string(), "{body}");
}

#[tokio::test]
async fn every_4xx_of_chat_local_itself_is_json_with_a_code() {
    let local = start_with_short_deadlines().await;
    let ws_path = format!("{}/ws/user123", local.http_url());
    // Not an upgrade; a wrong method; an unreadable path parameter.
    for (method, url) in [
        ("GET", ws_path.clone()),
        ("DELETE", ws_path),
        ("GET", format!("{}/ws/%FF%FE", local.http_url())),
    ] {
        let (status, body, _) = http(method, &url, None).await;
        assert!((400..500).contains(&status), "{method} {url}: {status}");
        assert!(
            body["code"].is_string() && body["message"].is_string(),
            "{method} {url}: {status} {body}"
        );
    }
}

// --- Logs ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_text_never_reaches_the_logs_even_at_trace() {
    let child = ChildLocal::spawn(
        CHILD,
        &[(
            "RUST_LOG",
            "trace,tungstenite=trace,tokio_tungstenite=trace",
        )],
    );
    let marker = format!("zqmark{:016x}", fastrand::u64(..));
    let mut admin = WsClient::connect(&child.ws_url("admin456?role=admin")).await;
    let mut user = WsClient::connect(&child.ws_url("user123")).await;
    user.send_text(&frame("admin456", &marker)).await;
    assert_eq!(user.next_json().await["type"], "ack");
    assert_eq!(admin.next_json().await["message_text"], marker.as_str());
    let history = format!("http://{}/chat/history/admin456/user123", child.addr);
    let (status, body, _) = http("GET", &history, None).await;
    assert!(
        status == 200 && body.to_string().contains(&marker),
        "{body}"
    );
    user.close().await;
    admin.close().await;

    let logs = child.stop();
    assert!(logs.contains("TRACE"), "the child logged at trace");
    // The WebSocket library prints payloads as text and as hex.
    let hex: String = marker.bytes().map(|b| format!("{b:02x}")).collect();
    for (form, needle) in [("text", &marker), ("hex", &hex)] {
        if let Some(at) = logs.find(needle.as_str()) {
            let line = logs[..at].rsplit('\n').next().unwrap_or("");
            panic!("the message text is in the logs ({form}), in a line starting: {line:.200}");
        }
    }
}
