//! `ws-relay`: the reference a chat server's throughput is measured against. A bare WebSocket
//! relay that speaks the seed's protocol and does nothing else: it parses each send frame,
//! answers the sender with an ack and forwards a message frame to every open connection of the
//! receiver. Nothing is stored, checked or signed; no identity, no rate limit. What a server
//! does beyond this is what its throughput pays for.
//!
//! ```text
//! ws-relay --port 0     # prints "ws-relay listening on ws://127.0.0.1:PORT"
//! ```
//!
//! Same runtime as chat-local (tokio, a worker per core), same WebSocket library family, and
//! `TCP_NODELAY` on every socket, so the two differ only in what they do per message. The
//! outbound queues are unbounded: the generator's window is the flow control.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Parser)]
#[command(
    name = "ws-relay",
    about = "A bare WebSocket relay: the throughput reference"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

type Outbox = mpsc::UnboundedSender<Message>;

#[derive(Default)]
struct Relay {
    /// Open connections by client id, each with its id.
    clients: Mutex<HashMap<String, Vec<(u64, Outbox)>>>,
    next_id: AtomicU64,
}

/// The seed's send frame (what the generator sends).
#[derive(Deserialize)]
struct Send<'a> {
    receiver_id: &'a str,
    message_text: &'a str,
    #[serde(default)]
    appointment_id: Option<&'a str>,
    #[serde(default)]
    service_id: Option<&'a str>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let listener = TcpListener::bind((cli.host.as_str(), cli.port)).await?;
    println!("ws-relay listening on ws://{}", listener.local_addr()?);
    let relay = Arc::new(Relay::default());
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(serve(relay.clone(), tcp));
    }
}

/// The client id from `/ws/{client_id}[?…]`.
fn client_id(path: &str) -> Option<String> {
    let id = path.strip_prefix("/ws/")?.split('?').next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

// The handshake callback's error type is tungstenite's (an HTTP response), not ours.
#[allow(clippy::result_large_err)]
async fn serve(relay: Arc<Relay>, tcp: TcpStream) {
    let mut id = None;
    let callback = |request: &Request, response: Response| {
        id = client_id(request.uri().path());
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let Some(client) = id else { return };
    let (mut sink, mut stream) = ws.split();
    let (outbox, mut queued) = mpsc::unbounded_channel::<Message>();
    let connection = relay.next_id.fetch_add(1, Ordering::Relaxed);
    relay
        .clients
        .lock()
        .unwrap()
        .entry(client.clone())
        .or_default()
        .push((connection, outbox.clone()));
    let writer = tokio::spawn(async move {
        while let Some(frame) = queued.recv().await {
            if sink.send(frame).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(frame)) = stream.next().await {
        let Message::Text(text) = frame else { continue };
        relay.forward(&client, text.as_str(), &outbox);
    }
    let mut clients = relay.clients.lock().unwrap();
    if let Some(open) = clients.get_mut(&client) {
        open.retain(|(id, _)| *id != connection);
        if open.is_empty() {
            clients.remove(&client);
        }
    }
    drop(clients);
    writer.abort();
}

impl Relay {
    fn forward(&self, sender: &str, text: &str, reply: &Outbox) {
        let Ok(send) = serde_json::from_str::<Send>(text) else {
            let _ = reply.send(Message::text(
                r#"{"type":"error","code":"invalid_request"}"#,
            ));
            return;
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = serde_json::json!({
            "type": "message",
            "message_id": id.to_string(),
            "sender_id": sender,
            "receiver_id": send.receiver_id,
            "appointment_id": send.appointment_id,
            "service_id": send.service_id,
            "message_text": send.message_text,
        })
        .to_string();
        if let Some(open) = self.clients.lock().unwrap().get(send.receiver_id) {
            for (_, outbox) in open {
                let _ = outbox.send(Message::text(message.clone()));
            }
        }
        let ack = serde_json::json!({"type": "ack", "message_id": id.to_string()}).to_string();
        let _ = reply.send(Message::text(ack));
    }
}

#[cfg(test)]
mod tests {
    use super::client_id;

    #[test]
    fn the_client_id_is_the_path_after_ws() {
        assert_eq!(client_id("/ws/u1").as_deref(), Some("u1"));
        assert_eq!(client_id("/ws/a1?role=admin").as_deref(), Some("a1"));
        assert_eq!(client_id("/ws/"), None);
        assert_eq!(client_id("/other/u1"), None);
    }
}
