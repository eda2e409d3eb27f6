//! HTTP API: `PUT /chat/read/{reader_id}`, `GET /chat/history/{client_id}/{peer_id}`,
//! `GET /chat/unread/{reader_id}`.

use chat_shared::lambda::{config_or_exit, http::handle_http, production_chat};
use lambda_http::{service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = config_or_exit(false);
    let chat = production_chat(&config).await;
    let chat = &chat;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(handle_http(chat, request).await)
    }))
    .await
}
