//! Events out, deployed: the EventBridge bus events are published to ([`eventbridge`]) and
//! the SQS queue whose delivery delay puts off notice checks ([`sqs`]), both with the `lambda`
//! feature; a check's body on the queue ([`check`]). The handlers that use them are
//! `crate::lambda::events`; chat-local has its own bus and timers.

pub mod check;
#[cfg(feature = "lambda")]
pub mod eventbridge;
#[cfg(feature = "lambda")]
pub mod sqs;

pub use check::{check_body, parse_check};
#[cfg(feature = "lambda")]
pub use eventbridge::EventBridgeSink;
#[cfg(feature = "lambda")]
pub use sqs::SqsNoticeTimer;
