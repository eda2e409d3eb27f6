//! chat-local: the whole chat on one machine. A local API Gateway (WebSocket API, Management
//! API, HTTP API) in front of the real handlers, in-process or through a Lambda Invoke API.

pub mod events;
pub mod faults;
pub mod functions;
pub mod gateway;
pub mod identity;
pub mod management_auth;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chat_shared::domain::SystemClock;
use chat_shared::notify::apigw::ApiGatewayNotifier;
use chat_shared::store::dynamodb::{create_tables, local_client, DynamoStore, TableNames};
use chat_shared::store::memory::MemoryStore;
use chat_shared::store::Store;
use chat_shared::{Chat, Settings};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::events::Api;
pub use crate::faults::Faults;
use crate::functions::{Functions, InProcess, InvokeApi};
pub use crate::gateway::{Gateway, Limits};
pub use crate::identity::IdentityMode;
pub use crate::management_auth::ManagementKeys;

#[derive(Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
    /// Use DynamoDB at this endpoint (e.g. DynamoDB Local) instead of the in-memory store.
    pub dynamodb_endpoint: Option<String>,
    pub table_prefix: String,
    /// Send events to this Lambda Invoke API instead of calling the handlers in-process.
    pub invoke_endpoint: Option<String>,
    pub stage: String,
    pub identity: IdentityMode,
    pub limits: Limits,
    pub settings: Settings,
    /// A store supplied by the embedder (tests use it to inspect state); overrides
    /// `dynamodb_endpoint` for the in-process handlers.
    pub store: Option<Arc<dyn Store>>,
    /// Management API faults (off by default); `Gateway::set_faults` changes them later.
    pub faults: Faults,
    /// The SigV4 keys the Management API accepts ([`management_auth`]).
    pub management: ManagementKeys,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dynamodb_endpoint", &self.dynamodb_endpoint)
            .field("invoke_endpoint", &self.invoke_endpoint)
            .field("store", &self.store.as_ref().map(|_| "supplied"))
            .field("management", &self.management)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8000,
            dynamodb_endpoint: None,
            table_prefix: "chat-local-".into(),
            invoke_endpoint: None,
            stage: "local".into(),
            identity: IdentityMode::Dev,
            limits: Limits::default(),
            settings: Settings::default(),
            store: None,
            faults: Faults::default(),
            management: ManagementKeys::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {0}: {1}")]
    Bind(String, #[source] std::io::Error),
    #[error("cannot prepare the DynamoDB tables at {0}: {1}")]
    Tables(String, #[source] chat_shared::store::StoreError),
    #[error(transparent)]
    ManagementSecret(#[from] management_auth::SecretNeeded),
}

/// A running chat-local.
pub struct Running {
    pub addr: SocketAddr,
    /// What it is using, one line each (printed as the start-up banner).
    pub banner: Vec<String>,
    gateway: Arc<Gateway>,
    stop_server: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self, client_id: &str) -> String {
        format!("ws://{}/ws/{client_id}", self.addr)
    }

    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    /// Clean shutdown: every socket is closed with 1001 and gets its `$disconnect`, then the
    /// server stops.
    pub async fn shutdown(self) {
        self.gateway.close_all(Duration::from_secs(10)).await;
        self.stop_server.send_replace(true);
        let _ = self.server.await;
    }
}

/// The address handlers use to reach the Management API: loopback when listening on all
/// interfaces.
fn management_endpoint(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    format!("http://{ip}:{}", addr.port())
}

/// Binds, prepares the store and functions, and starts serving.
pub async fn start(options: Options) -> Result<Running, StartError> {
    let access = management_auth::resolve(
        &options.management,
        &options.identity,
        options.invoke_endpoint.is_some(),
    )?;
    let bind = format!("{}:{}", options.host, options.port);
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|e| StartError::Bind(bind.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(bind.clone(), e))?;
    let management = management_endpoint(addr);

    let mut banner = vec![
        format!("chat-local listening on http://{addr}"),
        format!("  Browser client: http://{addr}/"),
        match &options.identity {
            IdentityMode::Dev => {
                format!("  WebSocket:      ws://{addr}/ws/{{client_id}}?role=user|admin")
            }
            IdentityMode::Jwt(_) => {
                format!(
                    "  WebSocket:      ws://{addr}/ws?token=JWT (or /ws/{{client_id}}?token=JWT)"
                )
            }
        },
        format!("  HTTP API:       http://{addr}/chat/..."),
        format!("  Management API: {management}/@connections/{{connectionId}}"),
        access.banner.clone(),
    ];

    let tables = TableNames::with_prefix(&options.table_prefix);
    let store: Option<(Arc<dyn Store>, String)> = match &options.dynamodb_endpoint {
        _ if options.store.is_some() => options
            .store
            .clone()
            .map(|s| (s, "supplied by the embedder".to_owned())),
        Some(endpoint) => {
            let client = local_client(endpoint);
            create_tables(&client, &tables)
                .await
                .map_err(|e| StartError::Tables(endpoint.clone(), e))?;
            let description = format!(
                "DynamoDB at {endpoint} (tables {}, {}, {})",
                tables.connections, tables.messages, tables.inbox
            );
            Some((Arc::new(DynamoStore::new(client, tables)), description))
        }
        None => None,
    };

    let functions: Arc<dyn Functions> = match &options.invoke_endpoint {
        Some(endpoint) => {
            if let Some((_, description)) = &store {
                banner.push(format!("  Tables ready:   {description}"));
            }
            Arc::new(InvokeApi::new(endpoint, Duration::from_secs(29)))
        }
        None => {
            let (store, description) = store.unwrap_or_else(|| {
                (
                    Arc::new(MemoryStore::new()) as Arc<dyn Store>,
                    "in-memory (lost on exit)".to_owned(),
                )
            });
            let notifier = ApiGatewayNotifier::new(management_auth::management_client(
                &management,
                &access.signing,
            ));
            let chat = Chat::new(
                store,
                Arc::new(notifier),
                Arc::new(chat_edge::wire::JsonFrames),
                Arc::new(SystemClock),
                options.settings.clone(),
            );
            Arc::new(InProcess::new(
                chat,
                description,
                options.identity.http_verifier(),
            ))
        }
    };
    banner.push(format!("  Functions:      {}", functions.describe()));
    banner.push(format!("  Identity:       {}", options.identity.describe()));

    let api = Api {
        api_id: "local".into(),
        stage: options.stage.clone(),
        domain_name: addr.to_string(),
    };
    let gateway = Gateway::new(
        api,
        functions,
        options.identity.clone(),
        options.limits.clone(),
        access.auth,
    );
    if options.faults.any() {
        banner.push(format!("  FAULTS:         {}", options.faults.describe()));
    }
    gateway.set_faults(options.faults.clone());
    let app = gateway
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let (stop_server, mut stop) = watch::channel(false);
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    Ok(Running {
        addr,
        banner,
        gateway,
        stop_server,
        server,
    })
}
