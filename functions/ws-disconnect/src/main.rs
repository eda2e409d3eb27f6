//! WebSocket route $disconnect: forgets the connection (best effort; TTL covers misses).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    chat_edge::lambda::run_ws(chat_edge::lambda::WsRoute::Disconnect).await
}
