//! System messages: what the booking backend writes into a client's conversation with the
//! system ("Your appointment on Friday at 10:00 is confirmed"). The sender is the reserved
//! `system` id, which no person can be; the message is stored, delivered live, synced, kept in
//! history and counted in the receiver's inbox like any other. Idempotent by the backend's key
//! (a send claim, as a client's `client_msg_id`), and bounded per receiver rather than per
//! sender: the system is one sender for everyone.

use crate::domain::{
    AppointmentId, ClientId, Identity, MessageText, NewMessage, Retention, Role, ServiceId,
    ValidationError,
};
use crate::error::ChatError;
use crate::store::{RateRule, Store};

use super::admit::Budget;
use super::deliver::Deliverer;
use super::send::{send, Sent};

/// A system message the backend asks to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemMessage {
    pub receiver_id: ClientId,
    pub appointment_id: AppointmentId,
    pub service_id: ServiceId,
    pub message_text: MessageText,
    /// The backend's idempotency key: the same key again (within
    /// [`super::CLIENT_MSG_ID_TTL_S`]) answers with the stored message.
    pub idempotency_key: String,
}

/// Posts a system message. `rule` bounds how many system messages one receiver gets (a token
/// bucket of the receiver's, apart from its own sending budget; `None`: unbounded). The caller
/// has verified that the backend asks: no identity here can be the system's otherwise.
///
/// A send in every other respect, with its two round trips before the first post: the
/// receiver's bucket is taken in the first, beside the lookup and the claim (a claim left by a
/// refused message is finished by the backend's retry, as a person's is).
pub async fn post_system(
    store: &dyn Store,
    deliverer: &Deliverer,
    rule: Option<RateRule>,
    message: SystemMessage,
    now_ms: i64,
) -> Result<Sent, ChatError> {
    if message.receiver_id.is_system() {
        return Err(ValidationError::new("receiver_id", "must not be the system").into());
    }
    // The system writes to anyone, as an administrator does, and has no inbox (send skips the
    // sender's places).
    let system = Identity {
        client_id: ClientId::system(),
        role: Role::Admin,
    };
    let new = NewMessage {
        receiver_id: message.receiver_id,
        appointment_id: message.appointment_id,
        service_id: message.service_id,
        message_text: message.message_text,
        client_msg_id: Some(message.idempotency_key),
        reply_to: None,
        attachments: Vec::new(),
    };
    // No files; and the system has no inbox entry whose expiry a retention would move.
    send(
        store,
        (None, Retention::default()),
        deliverer,
        Budget::Receiver(rule),
        &system,
        new,
        now_ms,
    )
    .await
}
