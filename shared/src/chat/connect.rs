//! Connect and disconnect: a verified client's connection recorded and forgotten.

use crate::domain::{Connection, ConnectionId, EpochMillis, Identity};
use crate::error::ChatError;
use crate::store::ConnectionStore;

/// Records a verified client's new connection; it expires `ttl_s` after `connected_at_ms`
/// unless `$disconnect` forgets it first.
pub async fn connect(
    connections: &dyn ConnectionStore,
    ttl_s: i64,
    who: &Identity,
    connection_id: ConnectionId,
    connected_at_ms: EpochMillis,
) -> Result<(), ChatError> {
    let connection = Connection {
        connection_id,
        client_id: who.client_id.clone(),
        role: who.role,
        connected_at_ms,
        expires_at_s: connected_at_ms.div_euclid(1000) + ttl_s,
    };
    connections.put_connection(&connection).await?;
    Ok(())
}

/// Forgets a connection (an unknown one is not an error).
pub async fn disconnect(
    connections: &dyn ConnectionStore,
    who: &Identity,
    connection_id: &ConnectionId,
) -> Result<(), ChatError> {
    connections
        .delete_connection(&who.client_id, connection_id)
        .await?;
    Ok(())
}
