//! WebSocket route $connect: records the verified client's connection.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    chat_edge::lambda::run_ws(chat_edge::lambda::WsRoute::Connect).await
}
