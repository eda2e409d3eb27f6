//! chat-local: the whole chat on one machine. A local API Gateway (WebSocket API, Management
//! API, HTTP API) in front of the real handlers, in-process or through a Lambda Invoke API.

pub mod aws_api;
pub mod bus;
pub mod events;
pub mod faults;
pub mod files;
pub mod functions;
pub mod gateway;
pub mod identity;
pub mod logging;
pub mod management_auth;
mod origins;
pub mod pipes;
mod serve;
mod setup;
pub mod streams;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chat_shared::store::dynamodb::TableNames;
use chat_shared::store::Store;
use chat_shared::Settings;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::events::Api;
pub use crate::faults::Faults;
use crate::functions::InvokeApi;
use crate::gateway::loopback::{Loopback, Serving};
pub use crate::gateway::{Gateway, Limits};
pub use crate::identity::IdentityMode;
pub use crate::management_auth::ManagementKeys;
pub use crate::serve::Timeouts;

#[derive(Clone)]
pub struct Options {
    pub host: String,
    pub port: u16,
    /// Use DynamoDB at this endpoint (e.g. DynamoDB Local) instead of the in-memory store.
    pub dynamodb_endpoint: Option<String>,
    pub table_prefix: String,
    /// Send events to this Lambda Invoke API instead of calling the handlers in-process.
    pub invoke_endpoint: Option<String>,
    /// The in-process handlers reach the Management API over loopback TCP instead of handing
    /// the SDK's requests to the router ([`gateway::loopback`]).
    pub management_over_tcp: bool,
    pub stage: String,
    pub identity: IdentityMode,
    pub limits: Limits,
    /// Deadlines on the phases of an HTTP request (headers, body, idle keep-alive).
    pub timeouts: Timeouts,
    pub settings: Settings,
    /// A store supplied by the embedder (tests use it to inspect state); overrides
    /// `dynamodb_endpoint` for the in-process handlers.
    pub store: Option<Arc<dyn Store>>,
    /// Management API faults (off by default); `Gateway::set_faults` changes them later.
    pub faults: Faults,
    /// The SigV4 keys the Management API accepts ([`management_auth`]).
    pub management: ManagementKeys,
    /// Browser origins allowed on every route, in every identity mode (empty: any; in JWT mode
    /// the authorizer's own allowlist then applies). Entries must parse as origins.
    pub allowed_origins: Vec<String>,
    /// Events out ([`pipes`]): with DynamoDB, its streams read into the events handler and a
    /// local bus (`None`: off). The in-memory store has no stream, so no events.
    pub events: Option<pipes::EventsOptions>,
    /// Attachments ([`files`]): a local S3 the functions keep them in (`None`: off, and
    /// attachments are refused as unavailable).
    pub files: Option<files::FilesOptions>,
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
            management_over_tcp: false,
            stage: "local".into(),
            identity: IdentityMode::Dev,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            settings: Settings::default(),
            store: None,
            faults: Faults::default(),
            management: ManagementKeys::default(),
            allowed_origins: Vec::new(),
            events: Some(pipes::EventsOptions::default()),
            files: Some(files::FilesOptions::default()),
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
    #[error("--allowed-origins: {0}")]
    Origins(#[from] chat_shared::origin::BadOrigin),
    #[error(transparent)]
    Streams(#[from] streams::StreamError),
    #[error("cannot start the local S3: {0}")]
    Files(#[source] std::io::Error),
}

/// A running chat-local.
pub struct Running {
    pub addr: SocketAddr,
    /// What it is using, one line each (printed as the start-up banner).
    pub banner: Vec<String>,
    gateway: Arc<Gateway>,
    stop_server: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    /// The in-process handlers' Management API client reaches the router while this lives.
    _loopback: Serving,
    pipeline: Option<pipes::Pipeline>,
    files: Option<files::LocalFiles>,
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

    /// The local S3 attachments are kept in (`None` when off).
    pub fn files(&self) -> Option<&files::LocalFiles> {
        self.files.as_ref()
    }

    /// The local bus events go to (`None` when events are off).
    pub fn bus(&self) -> Option<&Arc<bus::LocalBus>> {
        self.pipeline.as_ref().map(|p| &p.bus)
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
    let origins = allowed_origins(&options)?;
    let bind = format!("{}:{}", options.host, options.port);
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|e| StartError::Bind(bind.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(bind.clone(), e))?;
    let management = management_endpoint(addr);
    let mut banner = banner(addr, &management, &options.identity);
    banner.push(access.banner.clone());
    let files = match &options.files {
        Some(files) => Some(
            files::start(files, &options.host, &access.signing, origins.clone())
                .await
                .map_err(StartError::Files)?,
        ),
        None => None,
    };
    banner.push(files.as_ref().map_or_else(
        || "  Attachments:    off (--no-attachments)".to_owned(),
        files::LocalFiles::describe,
    ));
    let store = setup::open_store(&options).await?;
    let pipeline = start_pipeline(&options, store.as_ref().map(|(s, _)| s), &mut banner).await?;
    let loopback = Loopback::default();
    let functions = setup::functions(
        &options,
        store,
        (&management, &access.signing, &loopback),
        files.as_ref(),
        &mut banner,
    );
    banner.push(format!("  Functions:      {}", functions.describe()));
    banner.push(format!("  Identity:       {}", options.identity.describe()));

    let api = Api {
        api_id: "local".into(),
        stage: options.stage.clone(),
        domain_name: addr.to_string(),
    };
    let local_aws = pipeline.as_ref().map(|p| aws_api::LocalAws {
        bus: p.bus.clone(),
        queue: p.queue.clone(),
        auth: access.auth.clone(),
    });
    let gateway = Gateway::new(
        api,
        functions,
        options.identity.clone(),
        options.limits.clone(),
        access.auth,
        access.signing.clone(),
    );
    if options.faults.any() {
        banner.push(format!("  FAULTS:         {}", options.faults.describe()));
    }
    gateway.set_faults(options.faults.clone());
    let csp = web::content_security_policy(files.as_ref().map(files::LocalFiles::origin));
    let mut app = gateway.router(&csp);
    if let Some(local_aws) = local_aws {
        app = app.merge(aws_api::routes(Arc::new(local_aws)));
    }
    let app = app.layer(axum::middleware::from_fn_with_state(
        options.timeouts.body,
        gateway::guard::requests,
    ));
    let app = app.layer(axum::middleware::from_fn_with_state(
        origins,
        origins::guard,
    ));
    let loopback = loopback.serve(app.clone());
    let (stop_server, stop) = watch::channel(false);
    let server = tokio::spawn(serve::serve(listener, app, options.timeouts.clone(), stop));
    Ok(Running {
        addr,
        banner,
        gateway,
        stop_server,
        server,
        _loopback: loopback,
        pipeline,
        files,
    })
}

/// Events out, when they are on and the store is DynamoDB (whose streams they come from).
async fn start_pipeline(
    options: &Options,
    store: Option<&Arc<dyn Store>>,
    banner: &mut Vec<String>,
) -> Result<Option<pipes::Pipeline>, StartError> {
    let (Some(events), Some(endpoint), Some(store)) =
        (&options.events, &options.dynamodb_endpoint, store)
    else {
        let why = match options.events {
            None => "off (--no-events)",
            Some(_) => "off (they come from DynamoDB Streams: use --dynamodb-endpoint)",
        };
        banner.push(format!("  Events:         {why}"));
        return Ok(None);
    };
    let tables = TableNames::with_prefix(&options.table_prefix);
    let invoke = (options.invoke_endpoint.as_deref())
        .map(|endpoint| Arc::new(InvokeApi::new(endpoint, Duration::from_secs(29))));
    let via = match &invoke {
        Some(_) => "the events binary through the Lambda Invoke API",
        None => "the events handler in-process",
    };
    let pipeline = pipes::start(
        endpoint,
        &[tables.messages.clone(), tables.inbox.clone()],
        store.clone(),
        events,
        invoke,
    )
    .await?;
    let webhook = match &events.webhook {
        Some(w) => format!(", forwarded signed to {}", w.url),
        None => String::new(),
    };
    let printed = if events.print { " (printed)" } else { "" };
    banner.push(format!(
        "  Events:         streams of {} and {} through {via} to the local bus{printed}{webhook}",
        tables.messages, tables.inbox
    ));
    Ok(Some(pipeline))
}

/// The allowlist every route applies: the options', else (JWT mode) the authorizer's.
fn allowed_origins(
    options: &Options,
) -> Result<Arc<chat_shared::origin::OriginAllowlist>, StartError> {
    let listed = chat_shared::origin::OriginAllowlist::parse(&options.allowed_origins)?;
    Ok(Arc::new(match &options.identity {
        IdentityMode::Jwt(auth) if listed.is_empty() => auth.allowed_origins().clone(),
        _ => listed,
    }))
}

/// The start-up banner's first lines: where everything listens.
fn banner(addr: SocketAddr, management: &str, identity: &IdentityMode) -> Vec<String> {
    vec![
        format!("chat-local listening on http://{addr}"),
        format!("  Browser client: http://{addr}/"),
        match identity {
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
    ]
}
