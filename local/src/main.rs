//! `chat-local`: run the whole chat on this machine. See the README.

use std::time::Duration;

use clap::Parser;

/// The serverless chat on one machine: the real Lambda handlers behind a local API Gateway
/// (WebSocket API, Management API, HTTP API).
#[derive(Debug, Parser)]
#[command(name = "chat-local", version)]
struct Cli {
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
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,chat_local=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let options = chat_local::Options {
        host: cli.host,
        port: cli.port,
        dynamodb_endpoint: cli.dynamodb_endpoint,
        table_prefix: cli.table_prefix,
        invoke_endpoint: cli.invoke_endpoint,
        stage: cli.stage,
        limits: chat_local::Limits {
            idle_timeout: Duration::from_secs(cli.idle_timeout),
            max_connection: Duration::from_secs(cli.max_connection),
            ..chat_local::Limits::default()
        },
        ..chat_local::Options::default()
    };
    let running = match chat_local::start(options).await {
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
