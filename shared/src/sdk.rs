//! The retry and timeout policy of every AWS SDK client, in one place: the deployed functions,
//! chat-local and the tests all use it.
//!
//! Standard retry mode: 3 attempts with jittered exponential backoff, throttling errors
//! included, and a client-side token bucket that stops retry storms. Timeouts keep a call
//! well inside the functions' 10 s limit: a DynamoDB call gives up after 5 s in all (2 s an
//! attempt); a Management API post after 3 s (1 s an attempt), because a slow or stuck
//! client must not hold up a send for long.
//!
//! [`management_client_with_keys`] builds the Management API client for chat-local with a
//! static key pair (chat-local checks its SigV4 signatures).

use std::time::Duration;

use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

pub fn retry() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

pub fn dynamodb_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

pub fn management_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(3))
        .build()
}

/// A Management API client for a local endpoint (chat-local), signing with a static key pair
/// and a fixed region (chat-local checks the key pair, not the region).
pub fn management_client_with_keys(
    endpoint: &str,
    access_key_id: &str,
    secret_access_key: &str,
) -> aws_sdk_apigatewaymanagement::Client {
    let config = management_config_with_keys(endpoint, access_key_id, secret_access_key);
    aws_sdk_apigatewaymanagement::Client::from_conf(config.build())
}

/// The configuration [`management_client_with_keys`] builds, for a caller that sets more (e.g.
/// chat-local's in-process HTTP client).
pub fn management_config_with_keys(
    endpoint: &str,
    access_key_id: &str,
    secret_access_key: &str,
) -> aws_sdk_apigatewaymanagement::config::Builder {
    use aws_sdk_apigatewaymanagement::config::{BehaviorVersion, Credentials, Region};
    let credentials = Credentials::new(access_key_id, secret_access_key, None, None, "static");
    aws_sdk_apigatewaymanagement::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .retry_config(retry())
        .timeout_config(management_timeouts())
}
