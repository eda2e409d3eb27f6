//! HTTP API: `PUT /chat/read/{reader_id}`, `GET /chat/history/{client_id}/{peer_id}`,
//! `GET /chat/unread/{reader_id}`.

use chat_shared::lambda::{
    auth_from_env_or_exit, config_or_exit, http::handle_http_with_auth, production_chat,
};
use lambda_http::{service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = config_or_exit(false);
    let chat = production_chat(&config).await;
    // Verifies `Authorization: Bearer` tokens when no API Gateway authorizer vouched already.
    let auth = auth_from_env_or_exit();
    let (chat, auth) = (&chat, auth.as_ref());
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(handle_http_with_auth(chat, auth, request).await)
    }))
    .await
}
