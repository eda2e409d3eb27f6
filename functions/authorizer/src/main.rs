//! `$connect` authorizer: a verified token (`?token=`) and an allowed `Origin`, or no connection.

use chat_edge::lambda::authorizer::{handle_authorizer, AuthorizerEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let Some(auth) = chat_edge::lambda::auth_from_env_or_exit() else {
        eprintln!("no token configuration: set JWT_SECRET, JWT_JWKS or JWT_JWKS_URL");
        std::process::exit(1);
    };
    // Keys fetched over HTTPS: the TLS stack's generator is seeded now, not in the first call.
    if std::env::var_os("JWT_JWKS_URL").is_some() {
        chat_edge::lambda::warm_crypto();
    }
    let auth = &auth;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<AuthorizerEvent>| async move {
            handle_authorizer(auth, event.payload)
                .await
                .map_err(Error::from)
        },
    ))
    .await
}
