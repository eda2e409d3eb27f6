//! Lambda entry points: handlers (plain async fns over `aws_lambda_events` types) and the shared
//! start-up of the function binaries.

pub mod authorizer;
mod caller;
pub mod events;
pub mod http;
pub mod prime;
mod privacy;
#[cfg(feature = "lambda")]
mod start;
pub mod webhook;
pub mod ws;

#[cfg(feature = "lambda")]
pub use start::{dynamo_store, files, production_chat, run_ws, sdk_config};

use chat_shared::config::{Config, ConfigError};
use chat_shared::Chat;

/// Seeds the TLS stack's random number generator now, in init, rather than in the first
/// handshake of the first invocation. aws-lc (rustls's crypto provider, which the SDK uses)
/// is built without its CPU-jitter entropy source (`.cargo/config.toml`; why in
/// docs/security.md), so seeding is a `getrandom` call and this costs microseconds; with
/// the jitter source it was ~58 ms of CPU, ~800 ms at the 128 MB share in an invocation.
/// `CHAT_WARM_CRYPTO=0` skips it. Returns whether it ran.
pub fn warm_crypto() -> bool {
    if std::env::var_os("CHAT_WARM_CRYPTO").is_some_and(|v| v == "0") {
        return false;
    }
    use aws_lc_rs::rand::SecureRandom;
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new().fill(&mut seed).is_ok()
}

/// Reads configuration or exits with a message naming what is wrong: a function that cannot
/// be configured must fail its init, loudly, not its first request.
pub fn config_or_exit(require_management_endpoint: bool) -> Config {
    let result = Config::from_env().and_then(|c| {
        if require_management_endpoint && c.management_endpoint.is_none() {
            Err(ConfigError::Missing("MANAGEMENT_ENDPOINT"))
        } else {
            Ok(c)
        }
    });
    match result {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(error = %err, "invalid configuration");
            eprintln!("invalid configuration: {err}");
            std::process::exit(1);
        }
    }
}

/// The authorizer of functions that verify tokens: configured from `JWT_*` and
/// `ALLOWED_ORIGINS`, or `None` when no key source is configured. Exits on a bad configuration.
pub fn auth_from_env_or_exit() -> Option<crate::auth::Authorizer> {
    let config = crate::auth::AuthConfig::from_lookup(|k| std::env::var(k).ok())?;
    match crate::auth::Authorizer::new(&config) {
        Ok(auth) => Some(auth),
        Err(err) => {
            tracing::error!(error = %err, "invalid token configuration");
            eprintln!("invalid token configuration: {err}");
            std::process::exit(1);
        }
    }
}

/// The WebSocket routes, one Lambda function each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsRoute {
    Connect,
    Disconnect,
    Message,
}

impl WsRoute {
    /// DynamoDB connections opened in init ([`prime`]): as many as the route's first
    /// invocation uses at once (a send's rate limit, presence and inbox reads run together).
    /// `$connect` and `$disconnect` only write, and may not read: not primed.
    pub fn primers(self) -> usize {
        match self {
            Self::Connect | Self::Disconnect => 0,
            Self::Message => 4,
        }
    }

    /// Calls this route's handler.
    pub async fn handle(self, chat: &Chat, event: ws::WsEvent) -> ws::WsResponse {
        match self {
            Self::Connect => ws::handle_connect(chat, event).await,
            Self::Disconnect => ws::handle_disconnect(chat, event).await,
            Self::Message => ws::handle_message(chat, event).await,
        }
    }
}
