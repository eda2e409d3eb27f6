//! What the server tells open connections, as domain values. The use cases decide what goes
//! to whom; the edge's wire module renders it (see `chat::deliver::FrameEncoder`).

use super::{ClientId, EpochMillis, Message, MessageId};

/// A server-initiated frame, before rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outbound<'a> {
    /// A new message, to each connection of its receiver.
    Message(&'a Message),
    /// A message's current state after an edit, a deletion or a reaction, to each connection
    /// of both participants (but the one that asked for the change).
    Update(&'a Message),
    /// `reader` has read the sender's messages up to `up_to`, to each connection of the sender.
    Read {
        reader: &'a ClientId,
        up_to: &'a MessageId,
        read_at_ms: EpochMillis,
    },
    /// `sender` is typing, to each connection of the receiver.
    Typing { sender: &'a ClientId },
}
