//! Connections and profiles (the Connections table).

use async_trait::async_trait;

use super::codec::{client_item, s, to_item, ClientItem, ConnectionItem, ProfileItem};
use super::DynamoStore;
use crate::domain::{ClientId, Connection, ConnectionId};
use crate::store::{ConnectionStore, Presence, StoreError};

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let profile = self
            .client
            .put_item()
            .table_name(&self.tables.connections)
            .set_item(Some(to_item(&ProfileItem::new(connection))?))
            .send();
        let conn = self
            .client
            .put_item()
            .table_name(&self.tables.connections)
            .set_item(Some(to_item(&ConnectionItem::new(connection))?))
            .send();
        let (profile, conn) = tokio::join!(profile, conn);
        profile.map_err(|e| StoreError::backend("put_profile", e))?;
        conn.map_err(|e| StoreError::backend("put_connection", e))?;
        Ok(())
    }

    async fn delete_connection(
        &self,
        client_id: &ClientId,
        connection_id: &ConnectionId,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.tables.connections)
            .key("client_id", s(client_id.as_str()))
            .key("sk", s(connection_id.as_str()))
            .send()
            .await
            .map_err(|e| StoreError::backend("delete_connection", e))?;
        Ok(())
    }

    async fn presence(&self, client_id: &ClientId, now_s: i64) -> Result<Presence, StoreError> {
        let mut items = self
            .client
            .query()
            .table_name(&self.tables.connections)
            .key_condition_expression("client_id = :c")
            .expression_attribute_values(":c", s(client_id.as_str()))
            .into_paginator()
            .items()
            .send();
        let mut presence = Presence::default();
        while let Some(item) = items.next().await {
            let item = item.map_err(|e| StoreError::backend("query_presence", e))?;
            match client_item(item)? {
                ClientItem::Profile(role) => presence.role = Some(role),
                ClientItem::Other => {}
                // TTL deletion is lazy (it can lag by days), so expiry is checked here too.
                ClientItem::Connection(c) if c.expires_at <= now_s => {}
                ClientItem::Connection(c) => {
                    presence.connections.push(c.into_connection(client_id)?);
                }
            }
        }
        Ok(presence)
    }
}
