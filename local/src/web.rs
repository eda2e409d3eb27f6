//! The browser client: the static files of `local/web/`, built into the binary and served at
//! `/`, `/app.js` (with the modules it imports: `/state.js`, `/inbox.js`, `/messages.js`,
//! `/composer.js`, `/attachments.js`, `/privacy.js`) and `/app.css`, and the client library it uses (`clients/js/src/`, ES modules
//! served as they are at `/lib/`). No build step, no framework, nothing fetched from elsewhere
//! (the Content-Security-Policy allows only this origin).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STATE_JS: &str = include_str!("../web/state.js");
const INBOX_JS: &str = include_str!("../web/inbox.js");
const MESSAGES_JS: &str = include_str!("../web/messages.js");
const COMPOSER_JS: &str = include_str!("../web/composer.js");
const ATTACHMENTS_JS: &str = include_str!("../web/attachments.js");
const PRIVACY_JS: &str = include_str!("../web/privacy.js");
const APP_CSS: &str = include_str!("../web/app.css");

/// `(name, contents)` of files of `clients/js/src/`.
macro_rules! library {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../clients/js/src/", $file)))),*]
    };
}

/// The client library's modules, by file name (`tests/client_js.rs` checks that every file of
/// `clients/js/src/` is here).
const LIB: &[(&str, &str)] = library![
    "index.js",
    "attachments.js",
    "chat-http.js",
    "client.js",
    "catchup.js",
    "commands.js",
    "connection.js",
    "errors.js",
    "events.js",
    "frames.js",
    "http.js",
    "identity.js",
    "messages.js",
    "options.js",
    "privacy.js",
    "requests.js",
    "storage.js",
    "util.js",
    "wire.js",
];

/// Only this origin: scripts, styles and connections (`'self'` covers `ws://` to the same
/// host); no inline script or style, so text that slipped into the DOM as HTML could not run.
/// With attachments, the local S3's origin too, for uploads (`connect-src`) and images
/// (`img-src`): presigned URLs point there.
pub fn content_security_policy(files_origin: Option<&str>) -> String {
    let files = files_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; connect-src 'self'{files}; img-src 'self' data:{files}; \
         style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// The page's files: path, content type, contents.
const PAGES: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", INDEX_HTML),
    ("/app.js", "text/javascript; charset=utf-8", APP_JS),
    ("/state.js", "text/javascript; charset=utf-8", STATE_JS),
    ("/inbox.js", "text/javascript; charset=utf-8", INBOX_JS),
    (
        "/messages.js",
        "text/javascript; charset=utf-8",
        MESSAGES_JS,
    ),
    (
        "/composer.js",
        "text/javascript; charset=utf-8",
        COMPOSER_JS,
    ),
    (
        "/attachments.js",
        "text/javascript; charset=utf-8",
        ATTACHMENTS_JS,
    ),
    ("/privacy.js", "text/javascript; charset=utf-8", PRIVACY_JS),
    ("/app.css", "text/css; charset=utf-8", APP_CSS),
];

/// The client's routes, served with `csp` ([`content_security_policy`]).
pub fn routes<S: Clone + Send + Sync + 'static>(csp: &str) -> Router<S> {
    let csp: Arc<str> = Arc::from(csp);
    let mut router = Router::new();
    for &(path, content_type, body) in PAGES {
        let csp = csp.clone();
        router = router.route(
            path,
            get(move || async move { asset(content_type, body, &csp) }),
        );
    }
    router.route(
        "/lib/{file}",
        get(move |Path(file): Path<String>| async move { library(&file, &csp) }),
    )
}

fn library(file: &str, csp: &str) -> Response {
    match LIB.iter().find(|(name, _)| *name == file) {
        Some((_, body)) => asset("text/javascript; charset=utf-8", body, csp),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn asset(content_type: &'static str, body: &'static str, csp: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}
