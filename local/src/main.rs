//! `chat-local`: run the whole chat on this machine. See the README.

use std::time::Duration;

use std::sync::Arc;

use chat_edge::auth::{mint_hs256, AuthConfig, Authorizer};
use chat_shared::domain::{ClientId, Role};
use chat_shared::settings::{
    hs256_secret_is_long_enough, parse_allowed_origins, DEFAULT_RATE_BURST,
    DEFAULT_RATE_PER_SECOND, DEFAULT_READ_RATE_BURST, DEFAULT_READ_RATE_PER_SECOND,
    MIN_HS256_SECRET_BYTES,
};
use chat_shared::store::RateRule;
use clap::{Parser, Subcommand, ValueEnum};

/// The serverless chat on one machine: the real Lambda handlers behind a local API Gateway
/// (WebSocket API, Management API, HTTP API).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "chat-local", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// How identities are established: `dev` takes them as claimed (`/ws/{id}?role=`);
    /// `jwt` verifies tokens as the deployed stack does.
    #[arg(long, value_enum, default_value_t = AuthMode::Dev)]
    auth: AuthMode,
    /// HS256 secret for `--auth jwt` (at least 32 bytes).
    #[arg(long, env = "CHAT_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// JWKS URL for `--auth jwt` with RS256/ES256 tokens (e.g. a Cognito user pool's).
    #[arg(long, value_name = "URL")]
    jwt_jwks_url: Option<String>,
    /// Required `iss` claim.
    #[arg(long)]
    jwt_issuer: Option<String>,
    /// Required `aud` claim.
    #[arg(long)]
    jwt_audience: Option<String>,
    /// Comma-separated browser origins (scheme://host[:port]) allowed to open WebSockets and call
    /// the HTTP API, in every --auth mode (default: any).
    #[arg(long, value_name = "ORIGINS")]
    allowed_origins: Option<String>,
    /// Messages a second per sender (0: unlimited).
    #[arg(long, default_value_t = DEFAULT_RATE_PER_SECOND)]
    rate_limit: u32,
    /// Burst of messages per sender.
    #[arg(long, default_value_t = DEFAULT_RATE_BURST)]
    rate_burst: u32,
    /// Reads (sync, history, unread counts, mark-read) a second per client (0: unlimited).
    #[arg(long, default_value_t = DEFAULT_READ_RATE_PER_SECOND)]
    read_rate_limit: u32,
    /// Burst of reads per client.
    #[arg(long, default_value_t = DEFAULT_READ_RATE_BURST)]
    read_rate_burst: u32,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Keep state in DynamoDB at this endpoint (e.g. DynamoDB Local), creating tables if missing.
    #[arg(long, value_name = "URL")]
    dynamodb_endpoint: Option<String>,
    /// Prefix of the table names in DynamoDB.
    #[arg(long, default_value = "chat-local-")]
    table_prefix: String,
    /// Send every event to this Lambda Invoke API (e.g. `cargo lambda watch` on
    /// http://127.0.0.1:9000) instead of calling the handlers in-process.
    #[arg(long, value_name = "URL")]
    invoke_endpoint: Option<String>,
    /// Stage name in events and in the optional `/{stage}/@connections/...` path.
    #[arg(long, default_value = "local")]
    stage: String,
    /// Idle timeout of a WebSocket connection, seconds (API Gateway: 600).
    #[arg(long, default_value_t = 600)]
    idle_timeout: u64,
    /// Longest WebSocket connection, seconds (API Gateway: 7200).
    #[arg(long, default_value_t = 7200)]
    max_connection: u64,
    /// Seconds a client may take to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a client may take to send a request's body (API Gateway: 30).
    #[arg(long, default_value_t = 30)]
    body_timeout: u64,
    /// Inbound WebSocket frames one connection may have in flight; more get `rate_limited`.
    #[arg(long, default_value_t = 16)]
    frames_in_flight: usize,
    /// Inbound WebSocket frames in flight across all connections.
    #[arg(long, default_value_t = 1000)]
    frames_in_flight_total: usize,
    /// Fault injection: share (0-1) of Management API posts answered 200 but not delivered.
    #[arg(long, default_value_t = 0.0)]
    fault_drop: f64,
    /// Share of posts answered 410 GoneException (the handlers then forget the connection).
    #[arg(long, default_value_t = 0.0)]
    fault_gone: f64,
    /// Share of posts answered 429 LimitExceededException.
    #[arg(long, default_value_t = 0.0)]
    fault_throttle: f64,
    /// Share of posts answered 500.
    #[arg(long, default_value_t = 0.0)]
    fault_error: f64,
    /// Share of posts delivered late, after --fault-delay-ms.
    #[arg(long, default_value_t = 0.0)]
    fault_delay: f64,
    #[arg(long, default_value_t = 1500)]
    fault_delay_ms: u64,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Access key id of Management API signatures (SigV4).
    #[arg(long, default_value = chat_local::management_auth::LOCAL_KEY)]
    management_access_key_id: String,
    /// Secret key of Management API signatures: given, SigV4 is required in every mode; not
    /// given, dev mode leaves the Management API open and `--auth jwt` draws one per run.
    #[arg(long, env = "CHAT_LOCAL_MANAGEMENT_SECRET", hide_env_values = true)]
    management_secret: Option<String>,
    /// The in-process handlers post to the Management API over loopback TCP, as a function in
    /// another process would, instead of handing the SDK's request to the gateway directly
    /// (for comparison: the benchmark measures both).
    #[arg(long)]
    management_over_tcp: bool,
    #[command(flatten)]
    events: events_flags::EventsFlags,
    #[command(flatten)]
    files: files_flags::FilesFlags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuthMode {
    Dev,
    Jwt,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prints an HS256 token for `--auth jwt` (development).
    Token {
        client_id: String,
        #[arg(long, default_value = "user")]
        role: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        #[arg(long, env = "CHAT_JWT_SECRET", hide_env_values = true)]
        jwt_secret: String,
    },
}

mod events_flags;
mod files_flags;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("chat-local: {message}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    chat_local::logging::init();
    let cli = Cli::parse();
    if let Some(Command::Token {
        client_id,
        role,
        ttl,
        jwt_secret,
    }) = &cli.command
    {
        print_token(client_id, role, Duration::from_secs(*ttl), jwt_secret);
        return;
    }
    let running = match chat_local::start(options(cli)).await {
        Ok(running) => running,
        Err(err) => {
            eprintln!("chat-local: {err}");
            std::process::exit(1);
        }
    };
    for line in &running.banner {
        println!("{line}");
    }
    wait_for_signal().await;
    println!("chat-local: shutting down (closing connections with 1001)");
    running.shutdown().await;
}

/// `chat-local token`: prints an HS256 token, or exits naming what is wrong.
fn print_token(client_id: &str, role: &str, ttl: Duration, jwt_secret: &str) {
    let id = ClientId::parse_person(client_id).unwrap_or_else(|e| fail(e));
    let role = Role::parse(role).unwrap_or_else(|| fail("--role must be user or admin"));
    if !hs256_secret_is_long_enough(jwt_secret) {
        fail(format!(
            "the secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    println!("{}", mint_hs256(jwt_secret, &id, role, ttl, now));
}

/// How identities are established, from the `--auth` and `--jwt-*` flags; exits on a bad
/// token configuration.
fn identity_mode(cli: &Cli) -> chat_local::IdentityMode {
    match cli.auth {
        AuthMode::Dev => chat_local::IdentityMode::Dev,
        AuthMode::Jwt => {
            let config = AuthConfig {
                secret: cli.jwt_secret.clone(),
                jwks: None,
                jwks_url: cli.jwt_jwks_url.clone(),
                issuer: cli.jwt_issuer.clone(),
                audience: cli.jwt_audience.clone(),
                allowed_origins: allowed_origins(cli),
            };
            let auth = Authorizer::new(&config).unwrap_or_else(|e| fail(e));
            chat_local::IdentityMode::Jwt(Arc::new(auth))
        }
    }
}

/// `--allowed-origins`, parsed; exits naming a malformed entry.
fn allowed_origins(cli: &Cli) -> Vec<String> {
    parse_allowed_origins(cli.allowed_origins.as_deref().unwrap_or(""))
        .unwrap_or_else(|e| fail(format!("--allowed-origins: {e}")))
}

/// chat-local's options from the flags; exits on a bad one.
fn options(cli: Cli) -> chat_local::Options {
    let identity = identity_mode(&cli);
    let allowed_origins = allowed_origins(&cli);
    let settings = chat_shared::Settings {
        rate_limit: (cli.rate_limit > 0).then_some(RateRule {
            per_second: cli.rate_limit,
            burst: cli.rate_burst.max(1),
            period_s: 1,
        }),
        read_rate_limit: (cli.read_rate_limit > 0).then_some(RateRule {
            per_second: cli.read_rate_limit,
            burst: cli.read_rate_burst.max(1),
            period_s: 1,
        }),
        ..chat_shared::Settings::default()
    };
    let faults = chat_local::Faults {
        drop: cli.fault_drop,
        gone: cli.fault_gone,
        throttle: cli.fault_throttle,
        error: cli.fault_error,
        delay: cli.fault_delay,
        delay_by: Duration::from_millis(cli.fault_delay_ms),
        seed: cli.fault_seed,
    };
    faults.validate().unwrap_or_else(|e| fail(e));
    let events = cli.events.options().unwrap_or_else(|e| fail(e));
    chat_local::Options {
        events,
        files: cli.files.options(),
        faults,
        management: chat_local::ManagementKeys {
            access_key_id: cli.management_access_key_id,
            secret_access_key: cli.management_secret,
        },
        host: cli.host,
        port: cli.port,
        dynamodb_endpoint: cli.dynamodb_endpoint,
        table_prefix: cli.table_prefix,
        invoke_endpoint: cli.invoke_endpoint,
        management_over_tcp: cli.management_over_tcp,
        stage: cli.stage,
        identity,
        allowed_origins,
        settings,
        limits: chat_local::Limits {
            idle_timeout: Duration::from_secs(cli.idle_timeout),
            max_connection: Duration::from_secs(cli.max_connection),
            frames_in_flight: cli.frames_in_flight.max(1),
            frames_in_flight_total: cli.frames_in_flight_total.max(1),
            ..chat_local::Limits::default()
        },
        timeouts: chat_local::Timeouts {
            header: Duration::from_secs(cli.header_timeout.max(1)),
            body: Duration::from_secs(cli.body_timeout.max(1)),
        },
        ..chat_local::Options::default()
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("can listen for SIGTERM");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[cfg(test)]
#[path = "main_tests.rs"]
mod tests;
