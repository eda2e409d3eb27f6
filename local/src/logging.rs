//! chat-local's log set-up: `RUST_LOG` chooses the levels (default `warn,chat_local=info`),
//! except that the WebSocket library is never heard below `debug`, whatever `RUST_LOG` says:
//! its `trace` records print every frame's payload ("Received message {text}", frames in
//! hex) and the handshake's request line with its `?token=`. Logs must never hold message
//! text or tokens.

use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Targets whose records can carry what clients send, and the most they may log.
const CAPPED: &[(&str, Level)] = &[
    ("tungstenite", Level::DEBUG),
    ("tokio_tungstenite", Level::DEBUG),
];

/// The cap on [`CAPPED`]; everything else passes (the `RUST_LOG` filter decides).
pub fn payload_cap() -> Targets {
    CAPPED.iter().fold(
        Targets::new().with_default(Level::TRACE),
        |t, (target, level)| t.with_target(*target, *level),
    )
}

/// Installs the global subscriber on stderr (also taking `log` records, as the WebSocket
/// library writes them). Call once, first thing in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,chat_local=info"));
    // Both filters must pass a record: `RUST_LOG` cannot lift the cap.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(payload_cap())
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .try_init();
}
