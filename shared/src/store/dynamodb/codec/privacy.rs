//! The erasure's progress record (Messages table, `{#erase#<client>, #erase}`): where a
//! resumable erasure stands (docs/data-rules.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{client_id, message_id};
use crate::domain::{ClientId, Erasure, ErasureCounts, ErasurePhase, Requester, Role};
use crate::store::StoreError;

pub(in crate::store::dynamodb) fn erasure_partition(client: &ClientId) -> String {
    format!("#erase#{}", client.as_str())
}
pub(in crate::store::dynamodb) const ERASURE_SK: &str = "#erase";

/// The erasure record. The `erasure_of` attribute is what the events' stream filter passes.
#[derive(Debug, Serialize, Deserialize)]
pub(in crate::store::dynamodb) struct ErasureItem {
    conversation_id: String,
    message_id: String,
    erasure_of: String,
    requested_by_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requested_by: Option<String>,
    started_at_ms: i64,
    phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    counts: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at_ms: Option<i64>,
}

const COUNT_NAMES: [&str; 8] = [
    "messages",
    "attachments",
    "connections",
    "read_state",
    "peer_entries",
    "claims",
    "rate_limits",
    "profile",
];

fn count_fields(c: &mut ErasureCounts) -> [&mut u64; 8] {
    [
        &mut c.messages,
        &mut c.attachments,
        &mut c.connections,
        &mut c.read_state,
        &mut c.peer_entries,
        &mut c.claims,
        &mut c.rate_limits,
        &mut c.profile,
    ]
}

impl ErasureItem {
    pub(in crate::store::dynamodb) fn new(e: &Erasure) -> Self {
        let mut counts = e.counts;
        let counts = (COUNT_NAMES.iter().zip(count_fields(&mut counts)))
            .map(|(name, n)| ((*name).to_owned(), *n))
            .collect();
        Self {
            conversation_id: erasure_partition(&e.client),
            message_id: ERASURE_SK.to_owned(),
            erasure_of: e.client.as_str().to_owned(),
            requested_by_role: e.requested_by.role().to_owned(),
            requested_by: e.requested_by.client_id().map(|c| c.as_str().to_owned()),
            started_at_ms: e.started_at_ms,
            phase: e.phase.as_str().to_owned(),
            cursor: e.cursor.as_ref().map(|c| c.as_str().to_owned()),
            counts,
            completed_at_ms: e.completed_at_ms,
        }
    }

    pub(in crate::store::dynamodb) fn into_erasure(self) -> Result<Erasure, StoreError> {
        let requested_by = match (self.requested_by_role.as_str(), self.requested_by) {
            ("backend", None) => Requester::Backend,
            (role, Some(id)) => Requester::Person {
                client_id: client_id(&id, "requested_by")?,
                role: Role::parse(role)
                    .ok_or_else(|| StoreError::Corrupt("requested_by_role".into()))?,
            },
            _ => return Err(StoreError::Corrupt("requested_by".into())),
        };
        let mut counts = ErasureCounts::default();
        for (name, n) in COUNT_NAMES.iter().zip(count_fields(&mut counts)) {
            *n = self.counts.get(*name).copied().unwrap_or(0);
        }
        Ok(Erasure {
            client: client_id(&self.erasure_of, "erasure_of")?,
            requested_by,
            started_at_ms: self.started_at_ms,
            phase: ErasurePhase::parse(&self.phase)
                .ok_or_else(|| StoreError::Corrupt("erasure phase".into()))?,
            cursor: (self.cursor.as_deref())
                .map(|c| message_id(c, "erasure cursor"))
                .transpose()?,
            counts,
            completed_at_ms: self.completed_at_ms,
        })
    }
}
