//! Priming: the connections a function's first invocation would open (TCP, TLS handshake,
//! the SDK's first request), opened in init instead, where Lambda does not throttle the CPU.
//!
//! At 128 MB a function gets 7.2 % of a CPU from its first event on; the four DynamoDB
//! handshakes and one Management API handshake of a first `sendmessage` are ~5 ms of CPU, so
//! paid in the first invocation they cost a whole extra 100 ms quota period of waiting. In
//! init they cost a few ms at full speed, and the first caller's message is as fast as a warm
//! one. AWS recommends the same for Lambda ("priming": exercise the SDK's clients in init).
//!
//! Each primer is a request whose answer is dropped: a `Query` of the connections table for a
//! client id nobody uses ([`PRIME_CLIENT`]: at most 0.5 read units, nothing written) and a
//! Management API post to a connection id API Gateway never assigns ([`PRIME_CONNECTION`]:
//! answered 410 or 400; nothing is delivered). All run concurrently (each concurrent request
//! opens its own connection, which then waits in the SDK's pool), bounded by
//! [`PRIME_TIMEOUT`]; a primer that fails is logged and the function starts anyway: priming
//! only moves work, it never decides whether init succeeds. `CHAT_PRIME=0` turns it off (the
//! cold-start benchmark measures both).

use std::time::Duration;

use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use chat_shared::domain::{ClientId, Clock, ConnectionId, SystemClock};
use chat_shared::notify::{Notifier, NotifyError};
use chat_shared::store::ConnectionStore;
use futures_util::future::{join, join_all};

/// The client id the DynamoDB primers look up (a read; no client is told or changed).
pub const PRIME_CLIENT: &str = "chat-prime";

/// A connection id API Gateway cannot have assigned: its ids are 16 characters of standard
/// base64 ending in `=`, never containing `-`.
pub const PRIME_CONNECTION: &str = "chat-prime-connection";

/// The longest init waits for its primers.
pub const PRIME_TIMEOUT: Duration = Duration::from_secs(2);

/// What priming did, for the init log line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Primed {
    /// DynamoDB primers answered, and failed.
    pub dynamodb: usize,
    pub dynamodb_failed: usize,
    /// The Management API primer was answered (any answer: 410 and 400 included).
    pub management: bool,
    /// Not all primers answered within [`PRIME_TIMEOUT`].
    pub timed_out: bool,
}

/// Whether `CHAT_PRIME` allows priming (anything but `0`).
pub fn enabled() -> bool {
    std::env::var_os("CHAT_PRIME").is_none_or(|v| v != "0")
}

/// Opens `dynamodb` connections to DynamoDB (one concurrent primer each) and, with a
/// notifier, one to the Management API.
pub async fn prime(
    store: &dyn ConnectionStore,
    notifier: Option<&dyn Notifier>,
    dynamodb: usize,
) -> Primed {
    let client = ClientId::parse(PRIME_CLIENT).expect("a valid client id");
    let connection = ConnectionId::parse(PRIME_CONNECTION).expect("a valid connection id");
    let now_s = SystemClock.now_ms() / 1000;
    let reads = join_all((0..dynamodb).map(|_| store.presence(&client, now_s)));
    let post = async {
        match notifier {
            Some(n) => Some(n.post(&connection, b"{}").await),
            None => None,
        }
    };
    let Ok((reads, post)) = tokio::time::timeout(PRIME_TIMEOUT, join(reads, post)).await else {
        tracing::warn!(
            timeout_ms = PRIME_TIMEOUT.as_millis() as u64,
            "priming timed out"
        );
        return Primed {
            timed_out: true,
            ..Primed::default()
        };
    };
    let mut primed = Primed::default();
    for read in reads {
        match read {
            Ok(_) => primed.dynamodb += 1,
            Err(err) => {
                primed.dynamodb_failed += 1;
                tracing::warn!(error = %err, "a DynamoDB primer failed");
            }
        }
    }
    primed.management = match post {
        // Answered: the connection is open, whatever the answer.
        Some(Ok(())) | Some(Err(NotifyError::Gone)) => true,
        Some(Err(NotifyError::Failed(err))) => {
            // A service error (400 for an id of that shape, 403, ...) came over the connection.
            let answered = err
                .downcast_ref::<SdkError<PostToConnectionError>>()
                .is_some_and(|e| matches!(e, SdkError::ServiceError(_)));
            if !answered {
                tracing::warn!(error = %err, "the Management API primer failed");
            }
            answered
        }
        None => false,
    };
    primed
}
