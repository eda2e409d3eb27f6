//! The JavaScript client library (`clients/js/`) against a real chat-local: its Node tests
//! (`node --test clients/js/test/*.test.mjs`), once with the in-process store and once with
//! DynamoDB Local, and its soak (`clients/js/test/soak.mjs`: 60 library clients, random
//! disconnects, Management API faults). chat-local runs in this process, so the Node side asks
//! for faults, cut connections and restarts through a small loopback control API that calls
//! `Gateway::set_faults`, the Management API's `DELETE`, a SigV4-signed system message (as the
//! booking backend posts one), and a shutdown and start on the same port with the same store (with DynamoDB Local, the data survives the restart as it would
//! with a real database).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_edge::auth::{AuthConfig, Authorizer};
use chat_local::Faults;
use chat_shared::store::Store;
use chat_tests::local::{http, start_with};
use chat_tests::{store_for, Backend, FaultyStore};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};
use tokio::sync::Mutex;

/// The longest a Node run may take before it is killed (they take well under a minute).
const NODE_LIMIT: Duration = Duration::from_secs(180);

const JWT_SECRET: &str = "a-client-library-test-secret-32-bytes!";

/// One Node run at a time: they switch faults on a shared machine and share two cores.
static NODE: Mutex<()> = Mutex::const_new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// chat-local as the Node tests see it: restartable on its port, with a store whose failures
/// can be switched on.
struct Harness {
    store: Arc<FaultyStore>,
    local: Mutex<Option<chat_local::Running>>,
    port: u16,
}

impl Harness {
    async fn start(store: Arc<dyn Store>) -> Arc<Self> {
        let store = FaultyStore::new(store);
        let local = Self::launch(store.clone(), 0).await;
        Arc::new(Self {
            store,
            port: local.addr.port(),
            local: Mutex::new(Some(local)),
        })
    }

    async fn launch(store: Arc<FaultyStore>, port: u16) -> chat_local::Running {
        start_with(chat_local::Options {
            port,
            store: Some(store),
            ..chat_local::Options::default()
        })
        .await
    }

    fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every socket closed with 1001 (as a deployment would), then a new chat-local on the same
    /// port and store.
    async fn restart(&self) {
        let mut local = self.local.lock().await;
        if let Some(running) = local.take() {
            running.shutdown().await;
        }
        *local = Some(Self::launch(self.store.clone(), self.port).await);
    }

    async fn set_faults(&self, faults: Faults) {
        if let Some(local) = self.local.lock().await.as_ref() {
            local.gateway().set_faults(faults);
        }
    }

    /// Closes `client_id`'s connections from the server side (Management API `DELETE`).
    async fn cut(&self, client_id: &str) -> usize {
        let ids = match self.local.lock().await.as_ref() {
            Some(local) => local.gateway().connection_ids_of(client_id),
            None => Vec::new(),
        };
        for id in &ids {
            let url = format!("{}/@connections/{id}", self.http_url());
            http("DELETE", &url, None).await;
        }
        ids.len()
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let number = |k: &str| body[k].as_f64().unwrap_or(0.0);
        match path {
            "/faults" => {
                self.set_faults(Faults {
                    drop: number("drop"),
                    gone: number("gone"),
                    throttle: number("throttle"),
                    error: number("error"),
                    delay: number("delay"),
                    delay_by: Duration::from_millis(number("delay_ms") as u64),
                    seed: number("seed") as u64,
                })
                .await;
                json!({})
            }
            "/cut" => json!({ "closed": self.cut(body["client_id"].as_str().unwrap_or("")).await }),
            "/restart" => {
                self.restart().await;
                json!({})
            }
            "/store" => {
                let flag = |k: &str| body[k].as_bool().unwrap_or(false);
                for operation in ["put_message", "sync"] {
                    if flag(&format!("fail_{operation}")) {
                        self.store.fail(operation);
                    } else {
                        self.store.heal(operation);
                    }
                }
                let slow_ms = body["slow_sync_ms"].as_u64().unwrap_or(0);
                self.store.slow("sync", Duration::from_millis(slow_ms));
                json!({})
            }
            "/system" => {
                // As the booking backend posts it: SigV4 with chat-local's dev keys.
                let receiver = body["receiver_id"].as_str().unwrap_or("").to_owned();
                let body = chat_tests::system_body(
                    body["idempotency_key"].as_str().unwrap_or(""),
                    body["message_text"].as_str().unwrap_or(""),
                );
                let keys = chat_tests::management::Keys::new("local", "local");
                let (status, answer, _) = chat_tests::management::post_system(
                    &self.http_url(),
                    &receiver,
                    &body,
                    Some(&keys),
                    &[],
                )
                .await;
                json!({ "status": status, "body": answer })
            }
            _ => json!({ "error": format!("no control {path}") }),
        }
    }

    async fn shutdown(&self) {
        if let Some(local) = self.local.lock().await.take() {
            local.shutdown().await;
        }
    }
}

/// The control API on a loopback port: `POST /faults|/cut|/restart|/store` with a JSON body.
async fn serve_control(harness: Arc<Harness>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let harness = harness.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let harness = harness.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        let bytes = request.into_body().collect().await.unwrap().to_bytes();
                        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        let answer = harness.control(&path, body).await;
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(
                            answer.to_string(),
                        ))))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    url
}

/// chat-local with `--auth jwt` (HS256 with [`JWT_SECRET`], any origin) for the token tests.
async fn start_jwt() -> chat_local::Running {
    let auth = Authorizer::new(&AuthConfig {
        secret: Some(JWT_SECRET.into()),
        ..AuthConfig::default()
    })
    .unwrap();
    start_with(chat_local::Options {
        port: 0,
        store: Some(store_for(Backend::Memory).await),
        identity: chat_local::IdentityMode::Jwt(Arc::new(auth)),
        ..chat_local::Options::default()
    })
    .await
}

/// Runs `node --experimental-websocket <args>` from the repository root with `envs`; returns
/// its stdout, and panics with its output when it fails.
async fn node(args: Vec<String>, envs: Vec<(&'static str, String)>) -> String {
    let root = root();
    assert!(
        root.join("clients/js/node_modules/yaml/package.json")
            .exists(),
        "clients/js/node_modules is missing: run bash scripts/setup.sh (npm ci in clients/js)"
    );
    let _one_at_a_time = NODE.lock().await;
    let output = tokio::task::spawn_blocking(move || {
        let child = Command::new("node")
            // Node 22+ has a global WebSocket; Node 20 needs the flag (harmless later).
            .arg("--experimental-websocket")
            .args(args)
            .current_dir(root)
            .envs(envs)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node (is it installed?): {e}"));
        // Bounded whatever happens: a hung test must not hang cargo test.
        let pid = child.id();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if finished.recv_timeout(NODE_LIMIT).is_err() {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        });
        let output = child.wait_with_output().expect("node's output");
        let _ = done.send(());
        output
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}");
    assert!(
        output.status.success(),
        "node failed (its output is above)\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn test_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("clients/js/test"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("clients/js/test/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no clients/js/test/*.test.mjs");
    files
}

/// The library's Node tests against chat-local on `store`, and a second chat-local with
/// `--auth jwt`.
async fn node_tests_against(store: Arc<dyn Store>, label: &str) {
    let harness = Harness::start(store).await;
    let control = serve_control(harness.clone()).await;
    let jwt = start_jwt().await;
    let mut args = vec![
        "--test".to_owned(),
        "--test-reporter=tap".to_owned(),
        "--test-concurrency=1".to_owned(),
    ];
    args.extend(test_files());
    let envs = vec![
        ("CHAT_WS_URL", format!("ws://127.0.0.1:{}/ws", harness.port)),
        ("CHAT_HTTP_URL", harness.http_url()),
        ("CHAT_CONTROL_URL", control),
        ("CHAT_JWT_WS_URL", format!("ws://{}/ws", jwt.addr)),
        ("CHAT_JWT_HTTP_URL", jwt.http_url()),
        ("CHAT_JWT_SECRET", JWT_SECRET.to_owned()),
        ("CHAT_STORE", label.to_owned()),
    ];
    let stdout = node(args, envs).await;
    for line in ["# fail 0", "# skipped 0", "# cancelled 0"] {
        assert!(
            stdout.contains(line),
            "{label}: no `{line}` in the output above"
        );
    }
    assert!(!stdout.contains("# pass 0\n"), "{label}: no test passed");
    jwt.shutdown().await;
    harness.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_library_passes_its_node_tests_against_chat_local_in_memory() {
    node_tests_against(store_for(Backend::Memory).await, "memory").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_library_passes_its_node_tests_against_chat_local_on_dynamodb_local() {
    node_tests_against(store_for(Backend::Dynamo).await, "dynamodb").await;
}

/// 60 library clients through random disconnects and every kind of Management API fault:
/// nothing lost, nothing delivered twice (the script prints its figures).
#[tokio::test(flavor = "multi_thread")]
async fn sixty_library_clients_lose_and_duplicate_nothing_through_faults() {
    let harness = Harness::start(store_for(Backend::Memory).await).await;
    let control = serve_control(harness.clone()).await;
    let envs = vec![
        ("CHAT_WS_URL", format!("ws://127.0.0.1:{}/ws", harness.port)),
        ("CHAT_HTTP_URL", harness.http_url()),
        ("CHAT_CONTROL_URL", control),
    ];
    let stdout = node(vec!["clients/js/test/soak.mjs".into()], envs).await;
    assert!(stdout.contains("soak: 0 lost, 0 duplicated"), "{stdout}");
    let report = root().join("target/client-soak-report.txt");
    let _ = std::fs::write(&report, &stdout);
    harness.shutdown().await;
}

/// The library's files are served by chat-local for the browser client, byte for byte, with
/// the browser client's headers.
#[tokio::test]
async fn chat_local_serves_every_library_file_under_lib() {
    let local = chat_tests::local::start_local(store_for(Backend::Memory).await).await;
    let dir = root().join("clients/js/src");
    let mut served = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let client = chat_edge::net::http_client::<Full<Bytes>>();
        let url = format!("{}/lib/{name}", local.http_url());
        let request = hyper::Request::get(&url).body(Full::default()).unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let header = |h: &str| {
            response
                .headers()
                .get(h)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            header("content-type").as_deref(),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            header("content-security-policy").as_deref(),
            Some(
                chat_local::web::content_security_policy(local.files().map(|f| f.origin()))
                    .as_str()
            )
        );
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            body,
            std::fs::read(&path).unwrap(),
            "{name} differs from the file"
        );
        served += 1;
    }
    assert!(served >= 5, "{served} files");
    let (status, _, _) = http("GET", &format!("{}/lib/nope.js", local.http_url()), None).await;
    assert_eq!(status, 404);
    local.shutdown().await;
}
