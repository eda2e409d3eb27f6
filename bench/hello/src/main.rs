//! Hello world on the Lambda runtime: the cold-start floor the chat's functions are compared
//! with (same runtime crate, same async runtime, same release profile, no clients, no config).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(event.payload)
    }))
    .await
}
