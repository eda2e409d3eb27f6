//! The function binaries' start-up (the `lambda` feature): the SDK's configuration from the
//! environment, the clients built once per container, and the WebSocket functions' runtime loop.

use std::sync::Arc;

use chat_shared::config::Config;
use chat_shared::domain::SystemClock;
use chat_shared::notify::apigw::ApiGatewayNotifier;
use chat_shared::notify::Notifier;
use chat_shared::store::dynamodb::DynamoStore;
use chat_shared::Chat;

use super::{config_or_exit, prime, warm_crypto, ws, WsRoute};

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
    sdk: &aws_types::SdkConfig,
) -> Option<Arc<dyn chat_shared::files::Files>> {
    let bucket = config.attachments_bucket.as_ref()?;
    let client = crate::files::S3Files::client(sdk, config.s3_endpoint.as_deref());
    Some(Arc::new(crate::files::S3Files::new(client, bucket)))
}

/// The AWS SDK's configuration from the environment, with explicit retry and timeout bounds
/// (`chat_shared::sdk`; posts get tighter ones than DynamoDB).
pub async fn sdk_config() -> aws_types::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(chat_shared::sdk::retry())
        .timeout_config(chat_shared::sdk::dynamodb_timeouts())
        .load()
        .await
}

/// The DynamoDB store of `config`'s tables (and endpoint override).
pub fn dynamo_store(config: &Config, sdk: &aws_types::SdkConfig) -> DynamoStore {
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
