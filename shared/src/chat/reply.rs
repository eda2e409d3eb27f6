//! Replies: each reply shown with a preview of the current state of the message it answers.

use std::collections::HashMap;

use crate::domain::{ConversationKey, Message, MessageId, MessagePreview};
use crate::error::Chain;
use crate::store::MessageStore;

/// Fills in the preview of every reply in `list` from the message it answers: taken from
/// `list` itself when it is there, else read (one batched read per conversation). A preview
/// that cannot be read is left out (logged): the reply is still shown, without its quote.
pub async fn fill_previews(messages: &dyn MessageStore, list: &mut [Message]) {
    let known: HashMap<MessageId, MessagePreview> = list
        .iter()
        .map(|m| (m.message_id.clone(), MessagePreview::of(m)))
        .collect();
    let mut wanted: HashMap<ConversationKey, (Message, Vec<MessageId>)> = HashMap::new();
    for m in list.iter() {
        let Some(to) = m.reply.as_ref().map(|r| &r.to) else {
            continue;
        };
        if known.contains_key(to) {
            continue;
        }
        let key = ConversationKey::between(&m.sender_id, &m.receiver_id);
        let slot = wanted.entry(key).or_insert_with(|| (m.clone(), Vec::new()));
        if !slot.1.contains(to) {
            slot.1.push(to.clone());
        }
    }
    let reads = wanted
        .values()
        .map(|(m, ids)| messages.messages(&m.sender_id, &m.receiver_id, ids));
    let mut found = known;
    for read in futures_util::future::join_all(reads).await {
        match read {
            Ok(originals) => found.extend(
                originals
                    .iter()
                    .map(|o| (o.message_id.clone(), MessagePreview::of(o))),
            ),
            Err(err) => tracing::warn!(error = %Chain(&err), "reply previews not read"),
        }
    }
    for m in list.iter_mut() {
        if let Some(reply) = &mut m.reply {
            reply.preview = found.get(&reply.to).cloned();
        }
    }
}
