//! WebSocket route $default: stores a message, posts it to the receiver's connections, acks.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    chat_edge::lambda::run_ws(chat_edge::lambda::WsRoute::Message).await
}
