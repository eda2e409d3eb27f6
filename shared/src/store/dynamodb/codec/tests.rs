//! The stored format of every item kind, and items read back.

use super::*;

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
