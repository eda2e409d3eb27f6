//! The browser client (`local/web/`, served by chat-local at `/`): how it is served, and
//! `tests/browser/chat.mjs` driving headless Chromium (Debian's `/usr/bin/chromium`, through
//! playwright-core from `tools/node_modules`) while a user and an administrator chat, and
//! `tests/browser/attachments.mjs` while they send each other files through the local S3, and
//! `tests/browser/privacy.mjs` while an administrator exports and erases a user's data.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chat_edge::auth::{AuthConfig, Authorizer};
use chat_shared::domain::Role;
use chat_tests::local::{start_local, WAIT};
use chat_tests::tokens::hs256_token;
use chat_tests::{store_for, Backend};
use http_body_util::{BodyExt, Full};
use hyper::HeaderMap;

/// The page's policy: this origin, and the local S3's for uploads and images.
fn csp(s3: &str) -> String {
    format!(
        "default-src 'self'; connect-src 'self' {s3}; img-src 'self' data: {s3}; \
         style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// One browser at a time: two Chromiums on a two-core machine make both slow.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn get(url: &str) -> (u16, HeaderMap, String) {
    let client = chat_edge::net::http_client::<Full<Bytes>>();
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

/// The page's script modules (local/web/*.js), each served at its own path.
const PAGE_MODULES: [&str; 7] = [
    "/app.js",
    "/state.js",
    "/inbox.js",
    "/messages.js",
    "/composer.js",
    "/attachments.js",
    "/privacy.js",
];

#[tokio::test]
async fn the_browser_client_is_served_with_its_content_types_and_security_headers() {
    let local = start_local(store_for(Backend::Memory).await).await;
    let base = local.http_url();
    let scripts = PAGE_MODULES.map(|m| (m, "text/javascript; charset=utf-8"));
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
    ]
    .into_iter()
    .chain(scripts)
    {
        let (status, headers, body) = get(&format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-type"), content_type, "{path}");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        let s3 = local.files().expect("attachments are on").origin();
        assert_eq!(
            header(&headers, "content-security-policy"),
            csp(s3),
            "{path}"
        );
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
    assert!(html.contains(r#"<script type="module" src="/app.js"></script>"#));
    assert!(!html.contains("<script>") && !html.contains("style="));
    for module in PAGE_MODULES {
        let (_, _, js) = get(&format!("{base}{module}")).await;
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!js.contains(sink), "{module} uses {sink}");
        }
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

/// Runs `tests/browser/{script}` against `base_url` with `envs`; panics with its output when a
/// check fails.
async fn run_browser_test(script: &str, base_url: String, envs: Vec<(&'static str, String)>) {
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
    let _one_at_a_time = BROWSER.lock().await;
    let script = root.join("tests/browser").join(script);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&base_url)
            .envs(envs)
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
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_and_an_administrator_chat_in_headless_chromium() {
    let local = start_local(store_for(Backend::Memory).await).await;
    // A system message waiting for `user-sys` (tests/browser/chat.mjs, systemScenario), posted
    // as the booking backend posts it: SigV4-signed (chat-local's dev keys).
    let body = chat_tests::system_body("browser-appt-confirmed", SYSTEM_TEXT);
    let keys = chat_tests::management::Keys::new("local", "local");
    let (status, answer, _) =
        chat_tests::management::post_system(&local.http_url(), "user-sys", &body, Some(&keys), &[])
            .await;
    assert_eq!(status, 201, "{answer}");
    run_browser_test("chat.mjs", local.http_url(), vec![]).await;
    run_browser_test("attachments.mjs", local.http_url(), vec![]).await;
    run_browser_test("privacy.mjs", local.http_url(), vec![]).await;
    local.shutdown().await;
}

const SECRET: &str = "a-browser-test-secret-of-32-bytes-at-least";

/// The system message tests/browser/chat.mjs expects `user-sys` to find.
const SYSTEM_TEXT: &str = "Your appointment on Friday at 10:00 is confirmed.";

fn token(id: &str, role: Role) -> String {
    hs256_token(SECRET, id, role, Duration::from_secs(600))
}

/// chat-local with `--auth jwt` and the page's own origin as the only allowed one. The origin
/// names the port, so a free port is found first (and another tried if it is taken meanwhile).
async fn start_jwt_allowing_its_own_origin() -> chat_local::Running {
    let mut last_error = None;
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let auth = Authorizer::new(&AuthConfig {
            secret: Some(SECRET.into()),
            allowed_origins: vec![format!("http://127.0.0.1:{port}")],
            ..AuthConfig::default()
        })
        .unwrap();
        match chat_local::start(chat_local::Options {
            port,
            store: Some(store_for(Backend::Memory).await),
            identity: chat_local::IdentityMode::Jwt(Arc::new(auth)),
            ..chat_local::Options::default()
        })
        .await
        {
            Ok(local) => return local,
            Err(e) => last_error = Some(e),
        }
    }
    panic!("chat-local did not start: {last_error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_tokens_the_browser_signs_in_and_uses_bearer_auth_in_headless_chromium() {
    let local = start_jwt_allowing_its_own_origin().await;
    // A user and an administrator of their own for each script, so each conversation starts
    // empty.
    for (script, suffix) in [
        ("chat.mjs", ""),
        ("attachments.mjs", "-files"),
        ("privacy.mjs", "-privacy"),
    ] {
        let envs = vec![
            (
                "CHAT_BROWSER_USER_TOKEN",
                token(&format!("user-tok{suffix}"), Role::User),
            ),
            (
                "CHAT_BROWSER_ADMIN_TOKEN",
                token(&format!("admin-tok{suffix}"), Role::Admin),
            ),
        ];
        run_browser_test(script, local.http_url(), envs).await;
    }
    local.shutdown().await;
}
