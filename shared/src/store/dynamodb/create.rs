//! Table creation from [`schema`](super::schema), for chat-local, the tests and the benchmarks
//! (production tables come from `template.yaml`, which a test holds against the same schema).

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    StreamSpecification, TableStatus, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use super::schema::{self, KeyAttribute, TableSchema};
use super::TableNames;
use crate::store::StoreError;

/// Creates the three tables unless they exist, waits until they are active, and enables TTL
/// where the schema has a TTL attribute.
pub async fn create_tables(client: &Client, tables: &TableNames) -> Result<(), StoreError> {
    create(client, tables, true).await
}

/// The tables as [`create_tables`] makes them, with TTL deletion left off: for tests whose
/// clock stands at a fixed time that may be long past. DynamoDB Local's TTL sweeper deletes
/// expired items within seconds, so it would remove such a test's connections, rate-limit
/// state and claims under it; every read filters expired items itself, so nothing else
/// differs.
pub async fn create_tables_without_ttl(
    client: &Client,
    tables: &TableNames,
) -> Result<(), StoreError> {
    create(client, tables, false).await
}

async fn create(client: &Client, tables: &TableNames, ttl: bool) -> Result<(), StoreError> {
    let schemas = schema::tables();
    for table in &schemas {
        let created = create_request(client, table.role.name(tables), table)?
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_in_use_exception()) => {}
            Err(e) => return Err(StoreError::backend("create_table", e)),
        }
    }
    for table in &schemas {
        wait_active(client, table.role.name(tables)).await?;
    }
    for table in schemas.iter().filter(|_| ttl) {
        if let Some(attribute) = table.ttl_attribute {
            enable_ttl(client, table.role.name(tables), attribute).await?;
        }
    }
    Ok(())
}

fn create_request(
    client: &Client,
    name: &str,
    table: &TableSchema,
) -> Result<CreateTableFluentBuilder, StoreError> {
    let mut create = client
        .create_table()
        .table_name(name)
        .billing_mode(table.billing_mode.clone())
        .key_schema(key(&table.partition_key, KeyType::Hash))
        .key_schema(key(&table.sort_key, KeyType::Range));
    for attribute in table.key_attributes() {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute.name)
                .attribute_type(attribute.kind.clone())
                .build()
                .map_err(|e| StoreError::backend("attribute_spec", e))?,
        );
    }
    if let Some(view) = &table.stream {
        create = create.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(view.clone())
                .build()
                .map_err(|e| StoreError::backend("stream_spec", e))?,
        );
    }
    for index in &table.indexes {
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .key_schema(key(&index.partition_key, KeyType::Hash))
                .key_schema(key(&index.sort_key, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(index.projection.clone())
                        .build(),
                )
                .build()
                .map_err(|e| StoreError::backend("index_spec", e))?,
        );
    }
    Ok(create)
}

fn key(attribute: &KeyAttribute, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(attribute.name)
        .key_type(key_type)
        .build()
        .expect("name and type are set")
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), StoreError> {
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(attribute)
                .build()
                .map_err(|e| StoreError::backend("ttl_spec", e))?,
        )
        .send()
        .await
        .map(|_| ())
        .or_else(|e| {
            // Enabling TTL twice is refused with "TimeToLive is already enabled".
            let already = e
                .as_service_error()
                .and_then(ProvideErrorMetadata::message)
                .is_some_and(|m| m.contains("already enabled"));
            if already {
                Ok(())
            } else {
                Err(StoreError::backend("update_time_to_live", e))
            }
        })
}

async fn wait_active(client: &Client, name: &str) -> Result<(), StoreError> {
    for _ in 0..120 {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| StoreError::backend("describe_table", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::backend(
        "wait_table_active",
        format!("table {name} did not become active within 60 s"),
    ))
}
