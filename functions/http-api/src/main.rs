//! HTTP API: `PUT /chat/read/{reader_id}`, `GET /chat/history/{client_id}/{peer_id}`,
//! `GET /chat/unread/{reader_id}`.

use chat_edge::lambda::{
    auth_from_env_or_exit, config_or_exit, http::handle_http_event, production_chat,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = config_or_exit(false);
    // Mark-read's reads and writes run up to four at once, as a send's do.
    let chat = production_chat(&config, 4).await;
    // Verifies `Authorization: Bearer` tokens when no API Gateway authorizer vouched already.
    let auth = auth_from_env_or_exit();
    let (chat, auth) = (&chat, auth.as_ref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(handle_http_event(chat, auth, event.payload).await)
    }))
    .await
}
