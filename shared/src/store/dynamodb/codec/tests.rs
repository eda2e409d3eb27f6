//! The stored format of every item kind, and items read back.

use super::*;
use crate::domain::{
    AppointmentId, ConversationKey, Deletion, Emoji, MessagePreview, MessageState, MessageText,
    Reply, ServiceId,
};

fn id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap()
}

/// The stored format, attribute by attribute.
fn stored(attributes: &[(&str, AttributeValue)]) -> Item {
    attributes
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
}

fn connection() -> Connection {
    Connection {
        connection_id: ConnectionId::parse("c1=").unwrap(),
        client_id: id("alice"),
        role: Role::Admin,
        connected_at_ms: 1_700_000_000_123,
        expires_at_s: 1_700_007_500,
    }
}

#[test]
fn connection_items_keep_their_stored_format() {
    let profile = to_item(&ProfileItem::new(&connection())).unwrap();
    let expected = [
        ("client_id", s("alice")),
        ("sk", s("#profile")),
        ("role", s("admin")),
        ("updated_at_ms", n(1_700_000_000_123_i64)),
    ];
    assert_eq!(profile, stored(&expected));
    let item = to_item(&ConnectionItem::new(&connection())).unwrap();
    let expected = [
        ("client_id", s("alice")),
        ("sk", s("c1=")),
        ("role", s("admin")),
        ("connected_at_ms", n(1_700_000_000_123_i64)),
        (super::super::TTL_ATTRIBUTE, n(1_700_007_500)),
    ];
    assert_eq!(item, stored(&expected));
    let ClientItem::Connection(back) = client_item(item).unwrap() else {
        panic!("a connection item reads back as a connection");
    };
    assert_eq!(back.into_connection(&id("alice")).unwrap(), connection());
}

#[test]
fn message_items_keep_their_stored_format() {
    let mut message = Message {
        message_id: MessageId::generate(1_700_000_000_000),
        sender_id: id("bob"),
        receiver_id: id("alice"),
        appointment_id: AppointmentId::parse_field("appointment_id", "ap1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "sv1").unwrap(),
        message_text: MessageText::parse("hi", 10).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    };
    let mut expected = vec![
        ("conversation_id", s("alice#bob")),
        ("message_id", s(message.message_id.as_str())),
        ("sender_id", s("bob")),
        ("receiver_id", s("alice")),
        ("appointment_id", s("ap1")),
        ("service_id", s("sv1")),
        ("message_text", s("hi")),
    ];
    let item = to_item(&MessageItem::new(&message)).unwrap();
    assert_eq!(item, stored(&expected));
    assert_eq!(message_from_item(item).unwrap(), message);

    message.client_msg_id = Some("k1".into());
    expected.push(("client_msg_id", s("k1")));
    let item = to_item(&MessageItem::new(&message)).unwrap();
    assert_eq!(item, stored(&expected));
    assert_eq!(message_from_item(item).unwrap(), message);
}

#[test]
fn changed_messages_keep_their_stored_format() {
    let replied = MessageId::generate(1_699_999_999_000);
    let mut message = Message {
        message_id: MessageId::generate(1_700_000_000_000),
        sender_id: id("bob"),
        receiver_id: id("alice"),
        appointment_id: AppointmentId::parse_field("appointment_id", "ap1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "sv1").unwrap(),
        message_text: MessageText::parse("hi!", 10).unwrap(),
        client_msg_id: None,
        reply: Some(Reply {
            to: replied.clone(),
            preview: None,
        }),
        state: MessageState {
            version: 3,
            edited_at_ms: Some(7),
            deleted: None,
            reactions: Default::default(),
        },
        attachments: Vec::new(),
    };
    message
        .state
        .reactions
        .0
        .insert(Emoji::parse("👍").unwrap(), vec![id("alice"), id("bob")]);
    let item = to_item(&MessageItem::new(&message)).unwrap();
    let reactions = AttributeValue::M(HashMap::from([(
        "👍".to_owned(),
        AttributeValue::L(vec![s("alice"), s("bob")]),
    )]));
    let expected = [
        ("conversation_id", s("alice#bob")),
        ("message_id", s(message.message_id.as_str())),
        ("sender_id", s("bob")),
        ("receiver_id", s("alice")),
        ("appointment_id", s("ap1")),
        ("service_id", s("sv1")),
        ("message_text", s("hi!")),
        ("reply_to", s(replied.as_str())),
        ("version", n(3)),
        ("edited_at_ms", n(7)),
        ("reactions", reactions),
    ];
    assert_eq!(item, stored(&expected));
    assert_eq!(message_from_item(item).unwrap(), message);

    // A tombstone keeps no text and no reactions.
    message.message_text = MessageText::empty();
    message.reply = None;
    message.state.reactions = Default::default();
    message.state.deleted = Some(Deletion {
        by: id("alice"),
        at_ms: 9,
    });
    let item = to_item(&MessageItem::new(&message)).unwrap();
    for gone in ["message_text", "reactions", "reply_to"] {
        assert!(!item.contains_key(gone), "{gone}");
    }
    assert_eq!(item["deleted_by"], s("alice"));
    assert_eq!(message_from_item(item).unwrap(), message);
}

#[test]
fn change_records_hold_no_content() {
    let message = Message {
        message_id: MessageId::generate(1_700_000_000_000),
        sender_id: id("bob"),
        receiver_id: id("alice"),
        appointment_id: AppointmentId::parse_field("appointment_id", "ap1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "sv1").unwrap(),
        message_text: MessageText::parse("secret", 10).unwrap(),
        client_msg_id: None,
        reply: None,
        state: MessageState::default(),
        attachments: Vec::new(),
    };
    let change = MessageId::generate(1_700_000_000_500);
    let item = to_item(&ChangeItem::new(&change, &message)).unwrap();
    let expected = [
        ("conversation_id", s("#chg#alice#bob")),
        ("message_id", s(change.as_str())),
        ("sender_id", s("bob")),
        ("receiver_id", s("alice")),
        ("changed", s(message.message_id.as_str())),
    ];
    assert_eq!(item, stored(&expected));
    assert_eq!(
        change_partition(&ConversationKey::between(&id("bob"), &id("alice"))),
        "#chg#alice#bob"
    );
    let FeedItem::Change {
        position, changed, ..
    } = feed_item(item).unwrap()
    else {
        panic!("a change record reads back as one");
    };
    assert_eq!((position, changed), (change, message.message_id));
}

#[test]
fn inbox_previews_read_back_with_their_entry() {
    let last = MessageId::generate(1_700_000_000_000);
    let preview = MessagePreview {
        message_id: last.clone(),
        sender_id: id("b"),
        appointment_id: AppointmentId::parse_field("appointment_id", "ap1").unwrap(),
        service_id: ServiceId::parse_field("service_id", "sv1").unwrap(),
        text: "see you".into(),
        edited: true,
        deleted: false,
        version: 1,
    };
    let value = serde_dynamo::to_attribute_value(LastItem::new(&preview)).unwrap();
    let item = stored(&[
        ("owner_id", s("a")),
        ("peer_id", s("b")),
        ("last_message_id", s(last.as_str())),
        ("activity", s(last.as_str())),
        ("last", value),
    ]);
    let entry = from_item::<InboxItem>(item).unwrap().into_entry().unwrap();
    assert_eq!(entry.last, Some(preview));
    assert_eq!(entry.activity, Some(last));
}

#[test]
fn claim_items_keep_their_stored_format() {
    let claim = SendClaim {
        message_id: MessageId::generate(1_700_000_000_000),
        receiver_id: id("alice"),
        fingerprint: u64::MAX,
        claimed_at_ms: 1_700_000_000_000,
    };
    let item = to_item(&ClaimItem::new(&id("bob"), "k1", &claim, 1_700_086_400)).unwrap();
    let expected = [
        ("conversation_id", s("#sent#bob")),
        ("message_id", s("k1")),
        ("claimed_message_id", s(claim.message_id.as_str())),
        ("claimed_receiver_id", s("alice")),
        ("fingerprint", n(u64::MAX)),
        ("claimed_at_ms", n(1_700_000_000_000_i64)),
        (super::super::TTL_ATTRIBUTE, n(1_700_086_400)),
    ];
    assert_eq!(item, stored(&expected));
    let back: ClaimItem = from_item(item).unwrap();
    assert_eq!(back.into_claim().unwrap(), claim);
}

#[test]
fn inbox_items_read_missing_attributes_as_absent() {
    let entry: InboxItem = from_item(stored(&[("owner_id", s("a")), ("peer_id", s("b"))])).unwrap();
    assert_eq!(entry.into_entry().unwrap(), InboxEntry::default());
    let last = MessageId::generate(1_700_000_000_000);
    let item = stored(&[
        ("owner_id", s("a")),
        ("peer_id", s("b")),
        ("unread", n(-1)),
        ("last_message_id", s(last.as_str())),
        ("read_at_ms", n(5)),
    ]);
    let entry = from_item::<InboxItem>(item).unwrap().into_entry().unwrap();
    assert_eq!(entry.unread, 0);
    assert_eq!(entry.last_message_id, Some(last));
    assert_eq!(entry.read_at_ms, Some(5));
}

#[test]
fn a_rate_limit_item_is_neither_profile_nor_connection() {
    let item = stored(&[("client_id", s("a")), ("sk", s("#rate")), ("tat", n(1))]);
    assert!(matches!(client_item(item).unwrap(), ClientItem::Other));
}

#[test]
fn a_read_rate_limit_item_is_neither_profile_nor_connection() {
    let item = stored(&[
        ("client_id", s("a")),
        ("sk", s("#rate#reads")),
        ("tat", n(1)),
    ]);
    assert!(matches!(client_item(item).unwrap(), ClientItem::Other));
}
