//! `bench-report`: records the machine before a run, and turns a run's JSON results into
//! `docs/performance.md`, `docs/cost.md` and the charts in `docs/img/`.
//!
//! ```text
//! bench-report meta target/bench/results --date 2026-11-24T15:00Z --commit abc1234
//! bench-report render target/bench/results --docs docs
//! ```

use std::path::PathBuf;

use chat_bench::{machine, report};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bench-report", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes `<dir>/meta.json`: the machine, the date, the commit, the load average now.
    Meta {
        dir: PathBuf,
        #[arg(long)]
        date: String,
        #[arg(long)]
        commit: String,
        /// A smoke run (seconds per mode).
        #[arg(long)]
        smoke: bool,
    },
    /// Writes the documents (and charts) from the results in `<dir>`.
    Render {
        dir: PathBuf,
        /// Where performance.md, cost.md and img/ go.
        #[arg(long, default_value = "docs")]
        docs: PathBuf,
    },
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Meta {
            dir,
            date,
            commit,
            smoke,
        } => {
            let meta = serde_json::json!({
                "date": date,
                "commit": commit,
                "smoke": smoke,
                "machine": machine::describe(),
                "loadavg_start": machine::loadavg(),
            });
            write(
                &dir.join("meta.json"),
                &serde_json::to_string_pretty(&meta).unwrap(),
            );
        }
        Command::Render { dir, docs } => {
            let path = dir.join("meta.json");
            if let Ok(text) = std::fs::read_to_string(&path) {
                // The load average at the end of the run, next to the one at its start: taken
                // by the render that ends the run (scripts/bench.sh), kept by later ones.
                if let Ok(mut meta) = serde_json::from_str::<serde_json::Value>(&text) {
                    if meta.get("loadavg_end").is_none() {
                        meta["loadavg_end"] = serde_json::json!(machine::loadavg());
                        write(&path, &serde_json::to_string_pretty(&meta).unwrap());
                    }
                }
            }
            let inputs = report::load(&dir);
            let charts = report::draw_charts(&inputs, &docs.join("img"));
            write(
                &docs.join("performance.md"),
                &report::performance_md(&inputs, &charts),
            );
            write(&docs.join("cost.md"), &report::cost_md(&inputs));
            println!(
                "bench-report: wrote {}, {} and {} chart(s)",
                docs.join("performance.md").display(),
                docs.join("cost.md").display(),
                charts.len()
            );
        }
    }
}

fn write(path: &std::path::Path, text: &str) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(path, text.trim_end().to_owned() + "\n") {
        eprintln!("bench-report: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
