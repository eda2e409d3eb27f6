//! chat-local in a process of its own, so a test can read that process's memory and logs
//! and nothing else's. The binary is not built for this crate's tests, so the test binary
//! runs itself: [`ChildLocal::spawn`] starts the current executable on one ignored test that
//! calls [`run_child`], which sets up logging as chat-local's `main` does and starts it.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::local::WAIT;

/// Set in the child's environment; without it [`run_child`] does nothing.
const CHILD_ENV: &str = "CHAT_TESTS_CHAT_LOCAL_CHILD";
/// The line the child prints once it listens.
const LISTENING: &str = "chat-local child listening on ";

/// The body of the ignored test the child runs: chat-local with the binary's logging set-up,
/// in-memory, no send rate limit (the tests seed history quickly), until stdin closes.
pub async fn run_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    chat_local::logging::init();
    let running = crate::local::start_with(chat_local::Options {
        port: 0,
        settings: chat_shared::Settings {
            rate_limit: None,
            ..chat_shared::Settings::default()
        },
        ..chat_local::Options::default()
    })
    .await;
    println!("{LISTENING}{}", running.addr);
    // The parent holds our stdin: its end (or the parent's) is the signal to stop.
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
    running.shutdown().await;
}

/// A running child; killed when dropped.
pub struct ChildLocal {
    pub addr: SocketAddr,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl ChildLocal {
    /// Runs `test` (the one calling [`run_child`]) of the current test binary with `env`.
    pub fn spawn(test: &str, env: &[(&str, &str)]) -> Self {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut command = Command::new(exe);
        command
            .args([
                test,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the child starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest may have printed `test <name> ... ` on the same line.
                if let Some((_, addr)) = line.split_once(LISTENING) {
                    let _ = addr_tx.send(addr.parse::<SocketAddr>().unwrap());
                }
            }
        });
        let addr = addr_rx
            .recv_timeout(WAIT)
            .expect("the child prints its address");
        let stdin = child.stdin.take();
        Self {
            addr,
            child,
            stdin,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}/ws/{path}", self.addr)
    }

    /// The child's resident memory, in KB (`VmRSS` of `/proc/<pid>/status`).
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the child's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("a VmRSS line")
    }

    /// Stops the child (clean shutdown: stdin closed) and returns everything it logged.
    pub fn stop(mut self) -> String {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + WAIT;
        while self.child.try_wait().ok().flatten().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "the child did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The pipe is closed: the reader has copied its last bytes once it returns.
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let logs = self.stderr.lock().unwrap().clone();
        String::from_utf8_lossy(&logs).into_owned()
    }
}

impl Drop for ChildLocal {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
