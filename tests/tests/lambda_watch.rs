//! The product owner's local workflow: the real function binaries under `cargo lambda watch`,
//! behind `chat-local --invoke-endpoint`, state in DynamoDB Local.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chat_tests::dynamodb_endpoint;
use chat_tests::files::{download_url, pdf, request, send_with, uploaded};
use chat_tests::frame;
use chat_tests::local::{start_with, WsClient};

const FUNCTIONS: [&str; 5] = [
    "ws-connect",
    "ws-disconnect",
    "ws-message",
    "http-api",
    "events",
];

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `cargo-lambda` from the project's virtualenv, else from PATH.
fn cargo_lambda() -> Command {
    let venv = workspace().join(".venv/bin/cargo-lambda");
    let mut command = if venv.exists() {
        Command::new(venv)
    } else {
        Command::new("cargo-lambda")
    };
    command.arg("lambda");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Stops `cargo lambda watch` (and the functions it runs) however the test ends.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Watch {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // SIGINT lets cargo-lambda stop the function processes it started.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_function_binaries_under_cargo_lambda_watch_exchange_a_message() {
    let dynamodb = dynamodb_endpoint();
    // The function binaries, built like `cargo lambda watch` builds them, so the watcher finds
    // them fresh instead of compiling during the first invocation.
    let mut build = Command::new(env!("CARGO"));
    build.arg("build").current_dir(workspace());
    for f in FUNCTIONS {
        build.args(["-p", f]);
    }
    let built = build.status().expect("cargo build runs");
    assert!(built.success(), "building the function binaries failed");

    let watch_port = free_port();
    let prefix = format!("watch{:08x}-", fastrand::u32(..));
    let local = start_with(chat_local::Options {
        port: 0,
        invoke_endpoint: Some(format!("http://127.0.0.1:{watch_port}")),
        dynamodb_endpoint: Some(dynamodb.clone()),
        table_prefix: prefix.clone(),
        ..chat_local::Options::default()
    })
    .await;
    assert!(local.banner.iter().any(|l| l.contains("Lambda Invoke API")));
    assert!(
        local
            .banner
            .iter()
            .any(|l| l.contains("through the events binary")),
        "{:?}",
        local.banner
    );
    let mut events = local
        .bus()
        .expect("events are on with DynamoDB")
        .subscribe();

    let s3 = local.files().expect("attachments are on").endpoint.clone();
    let log = workspace().join(format!("target/lambda-watch-{watch_port}.log"));
    let log_file = std::fs::File::create(&log).unwrap();
    let env = [
        ("CONNECTIONS_TABLE", format!("{prefix}connections")),
        ("MESSAGES_TABLE", format!("{prefix}messages")),
        ("INBOX_TABLE", format!("{prefix}inbox")),
        ("DYNAMODB_ENDPOINT", dynamodb),
        ("MANAGEMENT_ENDPOINT", local.http_url()),
        // Attachments: chat-local's S3, which checks the signatures with the keys below.
        ("ATTACHMENTS_BUCKET", chat_local::files::LOCAL_BUCKET.into()),
        ("S3_ENDPOINT", s3),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        // The events binary: chat-local's EventBridge and SQS (crate::aws_api).
        ("EVENT_BUS_NAME", "local".into()),
        (
            "NOTICE_QUEUE_URL",
            format!("{}/aws/000000000000/notices", local.http_url()),
        ),
        (
            "AWS_ENDPOINT_URL_EVENTBRIDGE",
            format!("{}/aws", local.http_url()),
        ),
        ("AWS_ENDPOINT_URL_SQS", format!("{}/aws", local.http_url())),
        ("NOTICE_OFFLINE_DELAY_SECONDS", "1".into()),
        // admin999's $disconnect may still be running when the run starts: then it counts as
        // connected, and the check waits this delay instead.
        ("NOTICE_UNREAD_DELAY_SECONDS", "1".into()),
    ];
    let mut command = cargo_lambda();
    command
        .args(["watch", "--invoke-address", "127.0.0.1", "--invoke-port"])
        .arg(watch_port.to_string())
        .args(["--ignore-changes", "--timeout", "120"])
        .current_dir(workspace())
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file);
    for (k, v) in &env {
        command.args(["--env-var", &format!("{k}={v}")]);
        command.env(k, v);
    }
    let watch = Watch {
        child: command
            .spawn()
            .expect("cargo-lambda runs (bash scripts/setup.sh installs it into .venv)"),
        log,
    };

    // The first connection starts (and if needed builds) ws-connect: retry until it is up.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut admin = loop {
        match WsClient::try_connect(&local.ws_url("admin456?role=admin")).await {
            Ok(client) => break client,
            Err(err) if Instant::now() < deadline => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(err) => panic!(
                "no connection through cargo lambda watch: {err}\n{}",
                watch.log_tail()
            ),
        }
    };
    let mut user = WsClient::connect(&local.ws_url("user123")).await;
    user.send_text(&frame("admin456", "via the real binaries"))
        .await;
    let ack = user.next_json().await;
    assert_eq!(ack["type"], "ack", "{ack}\n{}", watch.log_tail());
    let got = admin.next_json().await;
    assert_eq!(got["message_text"], "via the real binaries");
    assert_eq!(got["message_id"], ack["message_id"]);

    // The HTTP function too.
    let (status, body, _) = chat_tests::local::http(
        "PUT",
        &format!("{}/chat/read/admin456", local.http_url()),
        Some(r#"{"sender_id":"user123"}"#),
    )
    .await;
    assert_eq!(
        (status, body["updated_count"].as_u64()),
        (200, Some(1)),
        "{}",
        watch.log_tail()
    );

    // Attachments: the HTTP function presigns the upload, the message function checks and
    // tags it, and the HTTP function presigns the receiver's download of the same bytes.
    let base = local.http_url();
    let letter = pdf(20_000);
    let id = uploaded(
        &base,
        ("user123", "user"),
        "referral.pdf",
        "application/pdf",
        letter.clone(),
    )
    .await;
    user.send_text(&send_with("admin456", &[&id], "watch-file"))
        .await;
    // The read receipt of the mark-read comes first.
    assert_eq!(user.next_json().await["type"], "read");
    let ack = user.next_json().await;
    assert_eq!(
        ack["attachments"][0]["attachment_id"],
        id.as_str(),
        "{ack}\n{}",
        watch.log_tail()
    );
    let got = admin.next_json().await;
    assert_eq!(got["attachments"][0]["size"], 20_000, "{got}");
    let (status, link) = download_url(&base, ("admin456", "admin"), &id).await;
    assert_eq!(status, 200, "{link}\n{}", watch.log_tail());
    let (status, _, bytes) = request("GET", link["url"].as_str().unwrap(), &[], Vec::new()).await;
    assert_eq!((status, bytes == letter), (200, true));

    // Events out through the events binary: the messages, the read, and (to an administrator
    // who is not connected) a notice through chat-local's SQS and the binary again.
    // (A user writes only to an administrator the chat knows: admin999 was connected once.)
    WsClient::connect(&local.ws_url("admin999?role=admin"))
        .await
        .close()
        .await;
    user.send_text(&frame("admin999", "anyone there?")).await;
    assert_eq!(user.next_json().await["type"], "ack");
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let kinds = |seen: &[serde_json::Value]| -> Vec<String> {
        seen.iter()
            .map(|e| e["detail-type"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    // admin456 may get one too: the file's message is left unread.
    let notice_to = |seen: &[serde_json::Value], who: &str| {
        seen.iter()
            .find(|e| {
                e["detail-type"] == "chat.notification.needed" && e["detail"]["receiver_id"] == who
            })
            .cloned()
    };
    while notice_to(&seen, "admin999").is_none() {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => seen.push(event),
            _ => panic!(
                "no notice through the events binary: {seen:#?}\n{}",
                watch.log_tail()
            ),
        }
    }
    let kinds = kinds(&seen);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "chat.message.created")
            .count(),
        3,
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"chat.conversation.read".to_owned()),
        "{kinds:?}"
    );
    let notice = notice_to(&seen, "admin999").unwrap();
    assert_eq!(notice["detail"]["waiting"], 1);

    user.close().await;
    admin.close().await;
    local.shutdown().await;
    drop(watch);
}
