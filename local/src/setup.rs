//! What runs the handlers: the store (the embedder's, DynamoDB Local's, or memory) and the
//! functions (a Lambda Invoke API, or the handlers in-process over that store).

use std::sync::Arc;
use std::time::Duration;

use chat_shared::domain::SystemClock;
use chat_shared::notify::apigw::ApiGatewayNotifier;
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;
use chat_shared::Chat;

use crate::functions::{Functions, InProcess, InvokeApi};
use crate::gateway::loopback::Loopback;
use crate::gateway::sigv4::Credentials;
use crate::{files, gateway, management_auth, Options, StartError};

/// The store the embedder supplied, or DynamoDB at `dynamodb_endpoint` (tables created), or
/// none (the caller then chooses), with a line describing it.
pub(crate) async fn open_store(
    options: &Options,
) -> Result<Option<(Arc<dyn Store>, String)>, StartError> {
    if let Some(store) = &options.store {
        return Ok(Some((store.clone(), "supplied by the embedder".to_owned())));
    }
    let Some(endpoint) = &options.dynamodb_endpoint else {
        return Ok(None);
    };
    let tables = TableNames::with_prefix(&options.table_prefix);
    let client = local_client(endpoint);
    create_tables(&client, &tables)
        .await
        .map_err(|e| StartError::Tables(endpoint.clone(), e))?;
    let description = format!(
        "DynamoDB at {endpoint} (tables {}, {}, {})",
        tables.connections, tables.messages, tables.inbox
    );
    Ok(Some((
        Arc::new(DynamoStore::new(client, tables)),
        description,
    )))
}

/// Where events go: a Lambda Invoke API, or the handlers in-process over `store` (in memory
/// when there is none).
pub(crate) fn functions(
    options: &Options,
    store: Option<(Arc<dyn Store>, String)>,
    (management, signing, loopback): (&str, &Credentials, &Loopback),
    files: Option<&files::LocalFiles>,
    banner: &mut Vec<String>,
) -> Arc<dyn Functions> {
    if let Some(endpoint) = &options.invoke_endpoint {
        if let Some((_, description)) = &store {
            banner.push(format!("  Tables ready:   {description}"));
        }
        return Arc::new(InvokeApi::new(endpoint, Duration::from_secs(29)));
    }
    let (store, description) = store.unwrap_or_else(|| {
        (
            Arc::new(MemoryStore::new()) as Arc<dyn Store>,
            "in-memory (lost on exit)".to_owned(),
        )
    });
    let loopback = (!options.management_over_tcp).then_some(loopback);
    let notifier = ApiGatewayNotifier::new(management_auth::management_client(
        management, signing, loopback,
    ));
    // The in-process functions take the gateway's signer of system messages as the backend.
    let mut settings = options.settings.clone();
    settings.system_principal = settings
        .system_principal
        .or_else(|| chat_shared::principal::BackendPrincipal::parse(gateway::LOCAL_BACKEND_ARN));
    let mut chat = Chat::new(
        store,
        Arc::new(notifier),
        Arc::new(chat_edge::wire::JsonFrames),
        Arc::new(SystemClock),
        settings,
    );
    if let Some(files) = files {
        chat = chat.with_files(files.client_files(signing));
    }
    Arc::new(InProcess::new(
        chat,
        description,
        options.identity.http_verifier(),
    ))
}
