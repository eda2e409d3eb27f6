//! The seed's own client code (examples/seed-client.mjs, run by Node) and its curl command,
//! against chat-local: the wire contract is the seed's.

use std::process::Command;

use chat_tests::local::start_local;
use chat_tests::{store_for, Backend};
use serde_json::{json, Value};

fn run(program: &str, args: &[&str], envs: &[(&str, String)]) -> std::process::Output {
    let mut command = Command::new(program);
    command.args(args);
    for (k, v) in envs {
        command.env(k, v);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (is it installed?): {e}"))
}

/// `node` with a global WebSocket: built in from Node 22, behind a flag on Node 20.
fn node_args() -> Vec<&'static str> {
    let plain = run(
        "node",
        &[
            "-e",
            "process.exit(typeof WebSocket === 'function' ? 0 : 1)",
        ],
        &[],
    );
    if plain.status.success() {
        vec![]
    } else {
        vec!["--experimental-websocket"]
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_javascript_example_and_curl_work_against_chat_local() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let port = local.addr.port();
    let script = format!("{}/../examples/seed-client.mjs", env!("CARGO_MANIFEST_DIR"));
    let env = [("CHAT_WS", format!("ws://localhost:{port}"))];
    let output = tokio::task::spawn_blocking(move || {
        let mut args = node_args();
        args.push(&script);
        run("node", &args, &env)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Connected to chat server"), "{stdout}");
    assert!(stdout.contains("seed example: OK"), "{stdout}");

    // The seed's curl, verbatim but for the port: user123 reads admin456's reply.
    let url = format!("http://localhost:{port}/chat/read/user123");
    let output = tokio::task::spawn_blocking(move || {
        run(
            "curl",
            &[
                "-sS",
                "-X",
                "PUT",
                &url,
                "-H",
                "Content-Type: application/json",
                "-d",
                "{\n    \"sender_id\": \"admin456\"\n  }",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: Value = serde_json::from_slice(&output.stdout).expect("JSON from curl");
    assert_eq!(
        body,
        json!({"message": "Messages marked as read successfully", "updated_count": 1})
    );
    local.shutdown().await;
}
