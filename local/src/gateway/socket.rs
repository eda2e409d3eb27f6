//! A connection's socket ends: the writer task that batches queued frames into one write,
//! and how a read error or our own close is told to the client (code and reason).

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::{mpsc, oneshot};

use super::flow::Reserved;

/// Frames for a connection's writer task.
pub(super) enum Outbound {
    /// A frame and the outbound bytes it holds until written.
    Frame(Message, Reserved),
    Close(u16, &'static str),
}

/// Why a connection ended: close code, reason, and whether we (not the client) close it.
pub(super) type Ending = (u16, String, bool);

/// The connection's writer: frames already queued go out together, in one write; a `Close`
/// sends the close frame, closes the socket and tells the reader. A batch's outbound bytes
/// are given back once it is flushed (handed to the socket).
pub(super) async fn write_frames(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Outbound>,
    closed_tx: oneshot::Sender<(u16, &'static str)>,
) {
    let mut next = rx.recv().await;
    let mut batch = Vec::new();
    while let Some(out) = next.take() {
        match out {
            Outbound::Frame(message, reserved) => {
                batch.push(reserved);
                let mut ok = sink.feed(message).await.is_ok();
                while ok {
                    match rx.try_recv() {
                        Ok(Outbound::Frame(m, reserved)) => {
                            batch.push(reserved);
                            ok = sink.feed(m).await.is_ok();
                        }
                        Ok(close) => {
                            next = Some(close);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if !ok || sink.flush().await.is_err() {
                    break;
                }
                batch.clear();
                if next.is_none() {
                    next = rx.recv().await;
                }
            }
            Outbound::Close(code, reason) => {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = sink.close().await;
                let _ = closed_tx.send((code, reason));
                break;
            }
        }
    }
}

/// How a read error ends the connection: a frame over the quota (1009), a protocol
/// violation such as an unmasked frame (1002) or a text frame that is not UTF-8 (1007) are
/// answered with a close frame; anything else is a lost connection.
pub(super) fn ending_of(err: axum::Error) -> Ending {
    use tokio_tungstenite::tungstenite::Error;
    let code = match err.into_inner().downcast_ref::<Error>() {
        Some(Error::Capacity(_)) => 1009,
        Some(Error::Protocol(_)) => 1002,
        Some(Error::Utf8(_)) => 1007,
        _ => return (1006, "Connection lost".into(), false),
    };
    (code, close_reason(code).into(), true)
}

/// The reason sent with a close frame of ours.
pub(super) fn close_reason(code: u16) -> &'static str {
    match code {
        1002 => "Protocol error",
        1007 => "Invalid frame payload data",
        1009 => "Message too big",
        _ => "Going away",
    }
}
