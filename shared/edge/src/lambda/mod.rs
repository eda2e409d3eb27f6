//! Lambda entry points: handlers (plain async fns over `aws_lambda_events` types) and the shared
//! start-up of the function binaries.

pub mod authorizer;
mod caller;
pub mod events;
pub mod http;
pub mod prime;
mod privacy;
pub mod webhook;
pub mod ws;

use std::sync::Arc;

use chat_shared::config::{Config, ConfigError};
use chat_shared::domain::SystemClock;
use chat_shared::notify::apigw::ApiGatewayNotifier;
use chat_shared::notify::Notifier;
use chat_shared::store::dynamodb::DynamoStore;
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

/// Builds the production [`Chat`] from configuration: one DynamoDB client, one Management API
/// client (if an endpoint is configured), built once per container, and the TLS stack's
/// random number generator seeded ([`warm_crypto`]). Then, unless `CHAT_PRIME=0`, opens
/// `primers` DynamoDB connections and the Management API's ([`prime`]): the only network
/// calls of init, each a request whose answer is dropped.
pub async fn production_chat(config: &Config, primers: usize) -> Chat {
    warm_crypto();
    let sdk = sdk_config().await;
    let store = dynamo_store(config, &sdk);
    let management: Option<Arc<dyn Notifier>> = match &config.management_endpoint {
        Some(endpoint) => Some(Arc::new(ApiGatewayNotifier::new(
            aws_sdk_apigatewaymanagement::Client::from_conf(
                aws_sdk_apigatewaymanagement::config::Builder::from(&sdk)
                    .endpoint_url(endpoint)
                    .timeout_config(chat_shared::sdk::management_timeouts())
                    .build(),
            ),
        ))),
        None => None,
    };
    if primers > 0 && prime::enabled() {
        let primed = prime::prime(&store, management.as_deref(), primers).await;
        tracing::info!(?primed, "primed");
    }
    let notifier = management.unwrap_or_else(|| Arc::new(chat_shared::notify::Unconfigured));
    let chat = Chat::new(
        Arc::new(store),
        notifier,
        Arc::new(crate::wire::JsonFrames),
        Arc::new(SystemClock),
        config.settings.clone(),
    );
    match files(config, &sdk) {
        Some(files) => chat.with_files(files),
        None => chat,
    }
}

/// The attachments' bucket of `config` (and its endpoint override), if it has one.
pub fn files(
    config: &Config,
    sdk: &aws_config::SdkConfig,
) -> Option<Arc<dyn chat_shared::files::Files>> {
    let bucket = config.attachments_bucket.as_ref()?;
    let client = crate::files::S3Files::client(sdk, config.s3_endpoint.as_deref());
    Some(Arc::new(crate::files::S3Files::new(client, bucket)))
}

/// The AWS SDK's configuration from the environment, with explicit retry and timeout bounds
/// (`chat_shared::sdk`; posts get tighter ones than DynamoDB).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(chat_shared::sdk::retry())
        .timeout_config(chat_shared::sdk::dynamodb_timeouts())
        .load()
        .await
}

/// The DynamoDB store of `config`'s tables (and endpoint override).
pub fn dynamo_store(config: &Config, sdk: &aws_config::SdkConfig) -> DynamoStore {
    let mut dynamo = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = &config.dynamodb_endpoint {
        dynamo = dynamo.endpoint_url(endpoint);
    }
    DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(dynamo.build()),
        config.tables.clone(),
    )
    .with_retention(config.settings.retention)
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

/// The whole `main` of a WebSocket function: tracing, configuration, clients, then the
/// Lambda runtime loop calling `route`'s handler.
pub async fn run_ws(route: WsRoute) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = config_or_exit(route == WsRoute::Message);
    let chat = production_chat(&config, route.primers()).await;
    let chat = &chat;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<ws::WsEvent>| async move {
            Ok::<_, lambda_runtime::Error>(route.handle(chat, event.payload).await)
        },
    ))
    .await
}
