//! The browser client (`local/web/`, served by chat-local at `/`): how it is served, and
//! `tests/browser/chat.mjs` driving headless Chromium (Debian's `/usr/bin/chromium`, through
//! playwright-core from `tools/node_modules`) while a user and an administrator chat.

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;
use chat_tests::local::{start_local, WAIT};
use chat_tests::{store_for, Backend};
use http_body_util::{BodyExt, Full};
use hyper::HeaderMap;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn get(url: &str) -> (u16, HeaderMap, String) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::get(url).body(Full::default()).unwrap();
    let response = tokio::time::timeout(WAIT, client.request(request))
        .await
        .expect("an answer within the wait")
        .expect("the request succeeds");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_browser_client_is_served_with_its_content_types_and_security_headers() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let base = local.http_url();
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
    ] {
        let (status, headers, body) = get(&format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-type"), content_type, "{path}");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&headers, "content-security-policy"), CSP, "{path}");
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(header(&headers, "referrer-policy"), "no-referrer", "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    // The CSP forbids inline script and style, so the page has none, and the script never
    // parses data as HTML.
    let (_, _, html) = get(&format!("{base}/")).await;
    assert!(html.contains(r#"<script src="/app.js" defer></script>"#));
    assert!(!html.contains("<script>") && !html.contains("style="));
    let (_, _, js) = get(&format!("{base}/app.js")).await;
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!js.contains(sink), "app.js uses {sink}");
    }
    // The rest of the gateway is unchanged: the HTTP API behind it, 404 elsewhere.
    let (status, _, body) = get(&format!("{base}/chat/unread/user123")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"total":0,"by_sender":{}}"#)
    );
    let (status, _, _) = get(&format!("{base}/index.php")).await;
    assert_eq!(status, 404);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_and_an_administrator_chat_in_headless_chromium() {
    let root = root();
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run bash scripts/setup.sh (apt-get install chromium)"
    );
    assert!(
        root.join("tools/node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is missing: run bash scripts/setup.sh (npm ci in tools/)"
    );
    let local = start_local(store_for(Backend::Memory).await).await;
    let url = local.http_url();
    let script = root.join("tests/browser/chat.mjs");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&url)
            .output()
            .unwrap_or_else(|e| panic!("cannot run node (is it installed?): {e}"))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser test failed (its output is above)\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    local.shutdown().await;
}
