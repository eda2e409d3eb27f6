//! WebSocket route $connect: records the verified client's connection.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    chat_shared::lambda::run_ws(chat_shared::lambda::WsRoute::Connect).await
}
