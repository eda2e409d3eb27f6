//! The Messages and Inbox tables' stream records (new and old images), decoded with the codec
//! the store reads with, so an event says exactly what a read would.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{client_id, from_item, message_from_item, ErasureItem, InboxItem, Item};
use crate::domain::{Erasure, InboxEntry, Message};
use crate::events::TableChange;
use crate::store::StoreError;

/// Decodes one record's images (an empty image is an absent one, as Lambda hands them out).
/// Which table a record is from is read off its item: Inbox items are keyed by `owner_id`,
/// messages by a conversation (claims and change records live under `#` partitions).
pub fn decode(
    old: Option<serde_dynamo::Item>,
    new: Option<serde_dynamo::Item>,
) -> Result<TableChange, StoreError> {
    let old = old.filter(|i| !i.is_empty()).map(sdk_item);
    let new = new.filter(|i| !i.is_empty()).map(sdk_item);
    let Some(any) = new.as_ref().or(old.as_ref()) else {
        return Ok(TableChange::Other);
    };
    if let Some(AttributeValue::S(owner)) = any.get("owner_id") {
        let owner = client_id(owner, "owner_id")?;
        let peer = match any.get("peer_id") {
            Some(AttributeValue::S(peer)) => client_id(peer, "peer_id")?,
            _ => return Err(StoreError::Corrupt("inbox item without peer_id".into())),
        };
        let entry = |item: Option<Item>| -> Result<Option<Box<InboxEntry>>, StoreError> {
            item.map(|i| from_item::<InboxItem>(i)?.into_entry().map(Box::new))
                .transpose()
        };
        return Ok(TableChange::Inbox {
            owner,
            peer,
            old: entry(old)?,
            new: entry(new)?,
        });
    }
    if any.contains_key("erasure_of") {
        let erasure = |item: Option<Item>| -> Result<Option<Box<Erasure>>, StoreError> {
            item.map(|i| from_item::<ErasureItem>(i)?.into_erasure().map(Box::new))
                .transpose()
        };
        return Ok(TableChange::Erasure {
            old: erasure(old)?,
            new: erasure(new)?,
        });
    }
    let is_message = matches!(any.get("conversation_id"), Some(AttributeValue::S(c)) if !c.starts_with('#'))
        && any.contains_key("sender_id");
    if !is_message {
        return Ok(TableChange::Other);
    }
    let message = |item: Option<Item>| -> Result<Option<Box<Message>>, StoreError> {
        item.map(|i| message_from_item(i).map(Box::new)).transpose()
    };
    Ok(TableChange::Message {
        old: message(old)?,
        new: message(new)?,
    })
}

fn sdk_item(item: serde_dynamo::Item) -> Item {
    HashMap::<String, AttributeValue>::from(item)
}
