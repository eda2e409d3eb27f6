//! Messages that change: edits, deletions (tombstones), reactions and replies. The rules are
//! pure functions of a message's current state, the caller and the time, so both stores and
//! every edge apply them alike (docs/design.md §12).

use std::collections::BTreeMap;
use std::fmt;

use super::{
    AppointmentId, ClientId, EpochMillis, Identity, Message, MessageId, MessageText, Role,
    ServiceId, ValidationError,
};

/// An author may edit a message for a day after sending it (Slack allows it for ever,
/// WhatsApp for 15 minutes, Telegram for 48 hours): long enough to fix an appointment time
/// typed wrong, short enough that yesterday's conversation stays what both sides read.
pub const EDIT_WINDOW_MS: EpochMillis = 24 * 3600 * 1000;

/// Most different emoji on one message (Slack allows 23, Discord 20).
pub const MAX_REACTIONS: usize = 20;

/// Longest emoji string, in bytes: enough for a family or flag ZWJ sequence with a skin tone.
pub const MAX_EMOJI_BYTES: usize = 32;

/// Longest reply or inbox preview, in characters (Unicode scalar values), before `…`.
pub const PREVIEW_CHARS: usize = 100;

/// One emoji as a reaction: 1 to 32 bytes of pictographic characters (the blocks Unicode's
/// emoji come from), with the joiners, variation selectors, skin tones, tags and keycap marks
/// that emoji sequences use. Everything else (letters of any script, digits, spaces, control
/// and invisible format characters) is refused, so a reaction cannot carry text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Emoji(String);

impl Emoji {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        const FIELD: &str = "emoji";
        if raw.is_empty() || raw.len() > MAX_EMOJI_BYTES {
            return Err(ValidationError::new(FIELD, "must be 1 to 32 bytes"));
        }
        let keycap = raw.contains('\u{20E3}');
        let ok = raw.chars().all(|c| match c {
            // Keycap sequences (1️⃣, #️⃣, *️⃣) start with an ASCII digit, # or *.
            '0'..='9' | '#' | '*' => keycap,
            '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' => true,
            '\u{E0020}'..='\u{E007F}' => true, // tag characters (subdivision flags)
            c => is_pictographic(c),
        });
        let keycap_sequence =
            keycap && raw.starts_with(|c: char| c.is_ascii_digit() || c == '#' || c == '*');
        let ok = ok && (raw.chars().any(is_pictographic) || keycap_sequence);
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new(FIELD, "must be an emoji"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters of the blocks emoji come from: the supplementary pictographs (faces, people,
/// animals, food, flags' regional indicators, skin tones), the BMP's symbols, dingbats,
/// arrows and technical signs that have emoji presentations, and the few singles (©, ®, ™,
/// ‼, ⁉, ℹ, Ⓜ, 〰, 〽, ㊗, ㊙).
fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{2190}'..='\u{21FF}'
        | '\u{2300}'..='\u{23FF}'
        | '\u{25A0}'..='\u{27BF}'
        | '\u{2900}'..='\u{297F}'
        | '\u{2B00}'..='\u{2BFF}'
        | '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{24C2}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}')
}

impl fmt::Display for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who reacted with what: each emoji with its reactors in the order they reacted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reactions(pub BTreeMap<Emoji, Vec<ClientId>>);

impl Reactions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn has(&self, emoji: &Emoji, who: &ClientId) -> bool {
        self.0.get(emoji).is_some_and(|by| by.contains(who))
    }
}

/// Who took a message back, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    pub by: ClientId,
    pub at_ms: EpochMillis,
}

/// What has happened to a message since it was sent. `version` starts at 1 and grows by one
/// with every change, so a client keeps whichever copy of a message has the higher version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageState {
    pub version: u64,
    pub edited_at_ms: Option<EpochMillis>,
    pub deleted: Option<Deletion>,
    pub reactions: Reactions,
}

impl Default for MessageState {
    fn default() -> Self {
        Self {
            version: 1,
            edited_at_ms: None,
            deleted: None,
            reactions: Reactions::default(),
        }
    }
}

/// A reply's reference to the message it answers, with a preview of that message's current
/// state (filled in when the reply is shown; never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub to: MessageId,
    pub preview: Option<MessagePreview>,
}

/// A short view of a message: for a reply's quote and an inbox's last message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePreview {
    pub message_id: MessageId,
    pub sender_id: ClientId,
    pub appointment_id: AppointmentId,
    pub service_id: ServiceId,
    /// At most [`PREVIEW_CHARS`] characters of the text, then `…`; empty once deleted.
    pub text: String,
    pub edited: bool,
    pub deleted: bool,
    /// The message's version the preview shows (a stale preview never replaces a newer one).
    pub version: u64,
}

impl MessagePreview {
    pub fn of(message: &Message) -> Self {
        Self {
            message_id: message.message_id.clone(),
            sender_id: message.sender_id.clone(),
            appointment_id: message.appointment_id.clone(),
            service_id: message.service_id.clone(),
            text: preview_text(message.message_text.as_str()),
            edited: message.state.edited_at_ms.is_some(),
            deleted: message.state.deleted.is_some(),
            version: message.state.version,
        }
    }
}

/// The first [`PREVIEW_CHARS`] characters of `text`, with `…` when something was cut.
pub fn preview_text(text: &str) -> String {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A change a participant asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Edit(MessageText),
    Delete,
    React { emoji: Emoji, remove: bool },
}

impl Change {
    /// The action's name on the wire and in logs.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Edit(_) => "edit",
            Self::Delete => "delete",
            Self::React { .. } => "react",
        }
    }
}

/// Why a change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Only the author edits, and a user deletes only their own messages.
    NotAuthor,
    /// The edit window has passed.
    TooLate,
    /// The message was deleted: nothing more can change.
    Deleted,
    /// The message has [`MAX_REACTIONS`] different emoji already.
    TooManyReactions,
    /// A system message is the booking backend's record: people react to it, nobody edits or
    /// deletes it (a correction is a new system message).
    SystemMessage,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotAuthor => {
                "only the author may edit a message, and a user may delete only their own"
            }
            Self::TooLate => "a message can be edited for 24 hours after it was sent",
            Self::Deleted => "the message was deleted",
            Self::TooManyReactions => "a message can carry at most 20 different reactions",
            Self::SystemMessage => "a system message can be reacted to, not edited or deleted",
        }
    }
}

impl Message {
    /// Whether `client` is the sender or the receiver.
    pub fn has_participant(&self, client: &ClientId) -> bool {
        &self.sender_id == client || &self.receiver_id == client
    }

    /// The message after `who` applies `change` at `now_ms`: `Ok(None)` when it is in that
    /// state already (a retried command changes nothing), else the new state with its version
    /// one higher. The caller must be a participant (the lookup guarantees it).
    ///
    /// - edit: the author, within [`EDIT_WINDOW_MS`], not after a deletion;
    /// - delete: the author, or an administrator of the conversation (moderation), at any time;
    ///   the text, reactions and reply reference go, the tombstone stays in place;
    /// - react: either participant, not on a deleted message, at most [`MAX_REACTIONS`] emoji;
    /// - a system message is only reacted to.
    pub fn apply(
        &self,
        who: &Identity,
        change: &Change,
        now_ms: EpochMillis,
    ) -> Result<Option<Message>, Refusal> {
        debug_assert!(self.has_participant(&who.client_id));
        let author = who.client_id == self.sender_id;
        let deleted = self.state.deleted.is_some();
        let mut next = self.clone();
        if self.is_system() && !matches!(change, Change::React { .. }) {
            return Err(Refusal::SystemMessage);
        }
        match change {
            Change::Edit(text) => {
                if !author {
                    return Err(Refusal::NotAuthor);
                }
                if deleted {
                    return Err(Refusal::Deleted);
                }
                if &self.message_text == text {
                    return Ok(None);
                }
                if now_ms - self.timestamp_ms() > EDIT_WINDOW_MS {
                    return Err(Refusal::TooLate);
                }
                next.message_text = text.clone();
                next.state.edited_at_ms = Some(now_ms);
            }
            Change::Delete => {
                if deleted {
                    return Ok(None);
                }
                if !author && who.role != Role::Admin {
                    return Err(Refusal::NotAuthor);
                }
                next.message_text = MessageText::empty();
                next.reply = None;
                next.attachments = Vec::new();
                next.state.reactions = Reactions::default();
                next.state.deleted = Some(Deletion {
                    by: who.client_id.clone(),
                    at_ms: now_ms,
                });
            }
            Change::React { emoji, remove } => {
                if deleted {
                    return Err(Refusal::Deleted);
                }
                let reactions = &mut next.state.reactions.0;
                let me = &who.client_id;
                match (remove, self.state.reactions.has(emoji, me)) {
                    (false, true) | (true, false) => return Ok(None),
                    (false, false) => {
                        if !reactions.contains_key(emoji) && reactions.len() >= MAX_REACTIONS {
                            return Err(Refusal::TooManyReactions);
                        }
                        reactions.entry(emoji.clone()).or_default().push(me.clone());
                    }
                    (true, true) => {
                        let by = reactions.get_mut(emoji).expect("has the reaction");
                        by.retain(|c| c != me);
                        if by.is_empty() {
                            reactions.remove(emoji);
                        }
                    }
                }
            }
        }
        next.state.version = self.state.version + 1;
        Ok(Some(next))
    }
}

#[cfg(test)]
mod tests;
