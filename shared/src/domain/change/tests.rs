use super::*;
use crate::domain::{AppointmentId, ServiceId};

const T: EpochMillis = 1_795_527_619_000;

fn who(id: &str, role: Role) -> Identity {
    Identity {
        client_id: ClientId::parse(id).unwrap(),
        role,
    }
}

fn message(text: &str) -> Message {
    Message {
        message_id: MessageId::generate(T),
        sender_id: ClientId::parse("user1").unwrap(),
        receiver_id: ClientId::parse("admin1").unwrap(),
        appointment_id: AppointmentId::parse_field("appointment_id", "a1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "s1").unwrap(),
        message_text: MessageText::parse(text, 100).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    }
}

fn text(raw: &str) -> MessageText {
    MessageText::parse(raw, 100).unwrap()
}

fn emoji(raw: &str) -> Emoji {
    Emoji::parse(raw).unwrap()
}

#[test]
fn the_author_edits_within_a_day_and_the_version_grows() {
    let m = message("see you at 10");
    let user = who("user1", Role::User);
    let edited = m
        .apply(&user, &Change::Edit(text("see you at 11")), T + 5)
        .unwrap()
        .unwrap();
    assert_eq!(edited.message_text.as_str(), "see you at 11");
    assert_eq!(edited.state.edited_at_ms, Some(T + 5));
    assert_eq!(edited.state.version, 2);
    assert_eq!(edited.message_id, m.message_id, "keeps its id and place");
    let late = m.apply(&user, &Change::Edit(text("x")), T + EDIT_WINDOW_MS + 1);
    assert_eq!(late, Err(Refusal::TooLate));
}

#[test]
fn only_the_author_edits() {
    let m = message("hi");
    let admin = who("admin1", Role::Admin);
    assert_eq!(
        m.apply(&admin, &Change::Edit(text("changed")), T),
        Err(Refusal::NotAuthor)
    );
}

#[test]
fn an_edit_to_the_same_text_changes_nothing() {
    let m = message("hi");
    assert_eq!(
        m.apply(&who("user1", Role::User), &Change::Edit(text("hi")), T),
        Ok(None)
    );
}

#[test]
fn a_deletion_leaves_a_tombstone_without_text_reactions_or_reply() {
    let mut m = message("oops, my card number");
    m.reply = Some(Reply {
        to: MessageId::generate(T - 10),
        preview: None,
    });
    let user = who("user1", Role::User);
    let m = m
        .apply(
            &user,
            &Change::React {
                emoji: emoji("👍"),
                remove: false,
            },
            T,
        )
        .unwrap()
        .unwrap();
    let gone = m.apply(&user, &Change::Delete, T + 1).unwrap().unwrap();
    assert!(gone.message_text.is_empty());
    assert!(gone.state.reactions.is_empty());
    assert_eq!(gone.reply, None);
    assert_eq!(
        gone.state.deleted.as_ref().map(|d| d.by.as_str()),
        Some("user1")
    );
    assert_eq!(gone.state.version, 3);
    assert_eq!(
        gone.apply(&user, &Change::Delete, T + 2),
        Ok(None),
        "twice: no change"
    );
    assert_eq!(
        gone.apply(&user, &Change::Edit(text("x")), T + 2),
        Err(Refusal::Deleted)
    );
    let react = Change::React {
        emoji: emoji("👍"),
        remove: false,
    };
    assert_eq!(gone.apply(&user, &react, T + 2), Err(Refusal::Deleted));
}

#[test]
fn an_administrator_moderates_but_a_user_deletes_only_their_own() {
    let from_admin = Message {
        sender_id: ClientId::parse("admin1").unwrap(),
        receiver_id: ClientId::parse("user1").unwrap(),
        ..message("hello")
    };
    assert_eq!(
        from_admin.apply(&who("user1", Role::User), &Change::Delete, T),
        Err(Refusal::NotAuthor)
    );
    let moderated = message("spam")
        .apply(&who("admin1", Role::Admin), &Change::Delete, T)
        .unwrap()
        .unwrap();
    assert_eq!(moderated.state.deleted.unwrap().by.as_str(), "admin1");
}

#[test]
fn reactions_are_sets_per_emoji_and_bounded() {
    let user = who("user1", Role::User);
    let admin = who("admin1", Role::Admin);
    let add = |e: &str| Change::React {
        emoji: emoji(e),
        remove: false,
    };
    let remove = |e: &str| Change::React {
        emoji: emoji(e),
        remove: true,
    };
    let m = message("hi");
    let m = m.apply(&user, &add("👍"), T).unwrap().unwrap();
    let m = m.apply(&admin, &add("👍"), T).unwrap().unwrap();
    assert_eq!(
        m.apply(&admin, &add("👍"), T),
        Ok(None),
        "added twice: no change"
    );
    let by: Vec<&str> = m.state.reactions.0[&emoji("👍")]
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(by, ["user1", "admin1"]);
    let m = m.apply(&user, &remove("👍"), T).unwrap().unwrap();
    let m = m.apply(&admin, &remove("👍"), T).unwrap().unwrap();
    assert!(
        m.state.reactions.is_empty(),
        "the last reactor removes the emoji"
    );
    assert_eq!(m.apply(&admin, &remove("👍"), T), Ok(None));
    let all = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
        "😗", "😙", "🥲", "😚", "🙂",
    ];
    let mut m = message("hi");
    for e in all {
        m = m.apply(&user, &add(e), T).unwrap().unwrap();
    }
    assert_eq!(
        m.apply(&user, &add("🤗"), T),
        Err(Refusal::TooManyReactions)
    );
    assert!(
        m.apply(&admin, &add("😀"), T).unwrap().is_some(),
        "an existing emoji still takes reactors"
    );
}

#[test]
fn emoji_are_pictographs_not_text() {
    for ok in ["👍", "❤️", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "✅"]
    {
        assert!(Emoji::parse(ok).is_ok(), "{ok:?}");
    }
    for bad in [
        "",
        "a",
        "+1",
        "lol",
        " 👍",
        "👍\n",
        "\u{202E}👍",
        "\u{200B}",
        "1",
        "👍".repeat(9).as_str(),
    ] {
        assert!(Emoji::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn previews_cut_long_text_on_a_character_boundary() {
    assert_eq!(preview_text("short"), "short");
    let long = "é".repeat(PREVIEW_CHARS + 5);
    let cut = preview_text(&long);
    assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
    assert!(cut.ends_with('…'));
    assert_eq!(
        preview_text(&"x".repeat(PREVIEW_CHARS)),
        "x".repeat(PREVIEW_CHARS)
    );
}
