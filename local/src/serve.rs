//! The HTTP server under the gateway: one hyper HTTP/1.1 connection per socket, with a
//! deadline on every phase a client controls before the gateway's own handlers take over.
//! (`axum::serve` sets none of these, so this loop replaces it.)
//!
//! | phase | deadline | API Gateway |
//! |---|---|---|
//! | request line and headers, from the first byte or from the end of the previous response (so also the idle keep-alive wait) | [`Timeouts::header`], 10 s | not documented; its front end drops slow clients |
//! | request body | [`Timeouts::body`], 30 s | 30 s (HTTP API integration timeout) |
//! | an upgraded WebSocket | `Limits::idle_timeout` (10 min) and `Limits::max_connection` (2 h) | the same |

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// How long a client may take over each phase of a request (see the module's table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// Request line and headers; also how long an idle keep-alive connection stays open
    /// (hyper starts this clock as soon as it waits for the next request).
    pub header: Duration,
    /// The whole request body, from the end of the headers.
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(10),
            body: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true; then lets open requests finish
/// (up to 10 s). Upgraded WebSockets are not waited for: the gateway closes them itself.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // Every connection task holds a clone; `recv` returns `None` once all have ended.
    let (open_tx, mut open_rx) = mpsc::channel::<Infallible>(1);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        // Frames are small and latency-bound: without TCP_NODELAY, Nagle's algorithm holds a
        // frame written while the previous one is unacknowledged until the client's delayed
        // ACK (about 40 ms on Linux).
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "TCP_NODELAY not set");
        }
        let open = open_tx.clone();
        tokio::spawn(serve_connection(
            tcp,
            peer,
            router.clone(),
            timeouts.header,
            stop.clone(),
            open,
        ));
    }
    drop(open_tx);
    let _ = tokio::time::timeout(Duration::from_secs(10), open_rx.recv()).await;
    Ok(())
}

/// One HTTP/1.1 connection (upgradable to a WebSocket), with the header deadline.
async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _open: mpsc::Sender<Infallible>,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // What `into_make_service_with_connect_info` did: handlers read the peer address.
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        // A Router is always ready, so `call` needs no `poll_ready` first.
        tower_service::Service::call(&mut router, request)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades();
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        // The `Ref` that `wait_for` gives must not live across the await below.
        _ = async { let _ = stop.wait_for(|s| *s).await; } => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = ended {
        // Timeouts, resets and malformed requests: the client's doing, not a server fault.
        tracing::debug!(error = %err, "connection ended with an error");
    }
}
