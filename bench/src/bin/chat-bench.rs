//! `chat-bench`: a load generator for any server that speaks the seed's WebSocket protocol
//! (`/ws/{client_id}`, the seed frame, delivered frames carrying `message_text`).
//!
//! ```text
//! chat-bench --url ws://127.0.0.1:8000 saturate --pairs 16 --window 8 --duration 10
//! chat-bench --url ws://127.0.0.1:8000 rate --rate 5000 --pairs 50 --duration 10
//! chat-bench --url ws://127.0.0.1:8000 --server-pid 1234 idle --connections 10000
//! ```
//!
//! Prints a short table; `--json FILE` also writes the figures as JSON.

use std::time::Duration;

use chat_bench::load::{self, IdleOptions, LoadOptions, Pace, Target};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "chat-bench", version, about)]
struct Cli {
    /// The server, `ws://host:port`.
    #[arg(long, default_value = "ws://127.0.0.1:8000")]
    url: String,
    /// Path before the client id.
    #[arg(long, default_value = "/ws/")]
    path: String,
    /// Appended to administrators' URLs (chat-local's dev identity: `?role=admin`).
    #[arg(long, default_value = "?role=admin")]
    admin_suffix: String,
    /// Appended to users' URLs.
    #[arg(long, default_value = "")]
    user_suffix: String,
    /// The server's process id: its CPU time and memory are read from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the figures to this file as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Worker threads of the generator.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Handshakes in progress at once.
    #[arg(long, default_value_t = 64)]
    connect_concurrency: usize,
    /// Exit with status 3 if nothing was delivered, a message was lost or refused, or a
    /// connection failed (for smoke tests).
    #[arg(long)]
    fail_on_loss: bool,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, clap::Args)]
struct Run {
    /// User/administrator pairs; each client writes to its peer.
    #[arg(long, default_value_t = 16)]
    pairs: usize,
    /// Seconds of sending before the measured window.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds to wait for messages still in flight after the window.
    #[arg(long, default_value_t = 5.0)]
    drain: f64,
    /// Approximate size of each message_text, bytes.
    #[arg(long, default_value_t = 64)]
    text_bytes: usize,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Maximum delivered messages/s: every client keeps `window` messages in flight.
    Saturate {
        #[command(flatten)]
        run: Run,
        /// Messages each client keeps sent but not yet delivered.
        #[arg(long, default_value_t = 8)]
        window: usize,
    },
    /// Latency at a fixed offered load (open loop, latency from the scheduled send time).
    Rate {
        #[command(flatten)]
        run: Run,
        /// Messages per second, all clients together.
        #[arg(long, default_value_t = 5000.0)]
        rate: f64,
    },
    /// Idle connections held open, and the server's memory per connection.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// Seconds every connection is held before it is checked with a ping.
        #[arg(long, default_value_t = 5.0)]
        hold: f64,
    },
}

fn main() {
    let cli = Cli::parse();
    let files = chat_bench::machine::raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    let target = Target {
        url: cli.url.clone(),
        path: cli.path.clone(),
        admin_suffix: cli.admin_suffix.clone(),
        user_suffix: cli.user_suffix.clone(),
    };
    let result = runtime.block_on(async {
        match &cli.mode {
            Mode::Saturate { run, window } => {
                let options = load_options(&cli, target, run, Pace::Saturate { window: *window });
                load::run(&options).await.map(|r| {
                    print_load(&r);
                    let bad = r.delivered == 0 || r.lost > 0 || r.errors > 0;
                    (serde_json::to_value(r).expect("serializable"), bad)
                })
            }
            Mode::Rate { run, rate } => {
                let options = load_options(&cli, target, run, Pace::Rate { per_second: *rate });
                load::run(&options).await.map(|r| {
                    print_load(&r);
                    let bad = r.delivered == 0 || r.lost > 0 || r.errors > 0;
                    (serde_json::to_value(r).expect("serializable"), bad)
                })
            }
            Mode::Idle { connections, hold } => {
                if (*connections as u64) + 64 > files {
                    eprintln!(
                        "chat-bench: {connections} connections need more open files than the limit ({files}); raise it with `ulimit -n`"
                    );
                }
                let options = IdleOptions {
                    target,
                    connections: *connections,
                    connect_concurrency: cli.connect_concurrency,
                    hold: Duration::from_secs_f64(*hold),
                    server_pid: cli.server_pid,
                };
                load::idle(&options).await.map(|r| {
                    print_idle(&r);
                    let bad = r.failed > 0 || r.alive_after_hold < r.connections;
                    (serde_json::to_value(r).expect("serializable"), bad)
                })
            }
        }
    });
    match result {
        Ok((value, bad)) => {
            if let Some(path) = &cli.json {
                let text = serde_json::to_string_pretty(&value).expect("serializable");
                if let Err(e) = std::fs::write(path, text + "\n") {
                    eprintln!("chat-bench: cannot write {}: {e}", path.display());
                    std::process::exit(1);
                }
            }
            if bad && cli.fail_on_loss {
                eprintln!("chat-bench: messages or connections were lost (--fail-on-loss)");
                std::process::exit(3);
            }
        }
        Err(e) => {
            eprintln!("chat-bench: {e}");
            std::process::exit(1);
        }
    }
}

fn load_options(cli: &Cli, target: Target, run: &Run, pace: Pace) -> LoadOptions {
    LoadOptions {
        target,
        pairs: run.pairs.max(1),
        pace,
        warmup: Duration::from_secs_f64(run.warmup),
        duration: Duration::from_secs_f64(run.duration.max(0.1)),
        drain: Duration::from_secs_f64(run.drain),
        text_bytes: run.text_bytes,
        connect_concurrency: cli.connect_concurrency,
        server_pid: cli.server_pid,
    }
}

fn print_load(r: &load::LoadResult) {
    let pace = match (r.window, r.offered_rate) {
        (Some(w), _) => format!("window {w}/client"),
        (_, Some(rate)) => format!("offered {rate:.0} msg/s"),
        _ => String::new(),
    };
    println!(
        "{} {} pairs ({} clients), {pace}, {:.1} s measured",
        r.mode, r.pairs, r.clients, r.duration_s
    );
    println!(
        "  {:>9} {:>9} {:>6} {:>6} {:>11} {:>8} {:>8} {:>8} {:>8}",
        "sent", "delivered", "lost", "errors", "msg/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    println!(
        "  {:>9} {:>9} {:>6} {:>6} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        r.sent,
        r.delivered,
        r.lost,
        r.errors,
        r.messages_per_s,
        r.latency_ms.p50,
        r.latency_ms.p90,
        r.latency_ms.p99,
        r.latency_ms.max
    );
    if let Some(e) = &r.first_error {
        println!("  first error frame: {e}");
    }
    if let Some(us) = r.server_cpu_us_per_message {
        println!(
            "  server CPU {:.1} µs/message; generator CPU {:.2} s; load average {:.2} -> {:.2}",
            us, r.client_cpu_s, r.loadavg_before[0], r.loadavg_after[0]
        );
    }
}

fn print_idle(r: &load::IdleResult) {
    println!(
        "idle: {} of {} connections opened in {:.1} s ({:.0}/s), {} alive after {:.0} s",
        r.opened, r.connections, r.connect_s, r.connections_per_s, r.alive_after_hold, r.hold_s
    );
    println!(
        "  handshake p50 {:.2} ms, p99 {:.2} ms",
        r.handshake_ms.p50, r.handshake_ms.p99
    );
    if let (Some(b), Some(a), Some(per)) = (
        r.server_rss_before_kb,
        r.server_rss_after_kb,
        r.server_bytes_per_connection,
    ) {
        println!(
            "  server RSS {b} kB -> {a} kB: {:.1} KB per connection",
            per / 1024.0
        );
    }
}
