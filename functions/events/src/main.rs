//! The stream function (the Messages and Inbox tables' streams to EventBridge, notice checks
//! put off on SQS) and the notice function (the checks, when due): one binary, two functions.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    chat_edge::lambda::events::run().await
}
