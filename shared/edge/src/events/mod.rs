//! Events out, deployed: the EventBridge bus events are published to ([`eventbridge`]) and
//! the SQS queue whose delivery delay puts off notice checks ([`sqs`]). The handlers that use
//! them are `crate::lambda::events`; chat-local has its own bus and timers.

pub mod eventbridge;
pub mod sqs;

pub use eventbridge::EventBridgeSink;
pub use sqs::{check_body, parse_check, SqsNoticeTimer};
