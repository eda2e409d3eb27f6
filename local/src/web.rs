//! The browser client: the static files of `local/web/`, built into the binary and served at
//! `/`, `/app.js` (with the modules it imports: `/state.js`, `/inbox.js`, `/messages.js`,
//! `/composer.js`) and `/app.css`, and the client library it uses (`clients/js/src/`, ES modules
//! served as they are at `/lib/`). No build step, no framework, nothing fetched from elsewhere
//! (the Content-Security-Policy allows only this origin).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STATE_JS: &str = include_str!("../web/state.js");
const INBOX_JS: &str = include_str!("../web/inbox.js");
const MESSAGES_JS: &str = include_str!("../web/messages.js");
const COMPOSER_JS: &str = include_str!("../web/composer.js");
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
    "client.js",
    "catchup.js",
    "commands.js",
    "connection.js",
    "errors.js",
    "frames.js",
    "http.js",
    "identity.js",
    "messages.js",
    "requests.js",
    "storage.js",
    "util.js",
    "wire.js",
];

/// Only this origin: scripts, styles and connections (`'self'` covers `ws://` to the same
/// host); no inline script or style, so text that slipped into the DOM as HTML could not run.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
     img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The client's routes, for any router state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/state.js",
            get(|| async { asset("text/javascript; charset=utf-8", STATE_JS) }),
        )
        .route(
            "/inbox.js",
            get(|| async { asset("text/javascript; charset=utf-8", INBOX_JS) }),
        )
        .route(
            "/messages.js",
            get(|| async { asset("text/javascript; charset=utf-8", MESSAGES_JS) }),
        )
        .route(
            "/composer.js",
            get(|| async { asset("text/javascript; charset=utf-8", COMPOSER_JS) }),
        )
        .route(
            "/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route("/lib/{file}", get(library))
}

async fn library(Path(file): Path<String>) -> Response {
    match LIB.iter().find(|(name, _)| *name == file) {
        Some((_, body)) => asset("text/javascript; charset=utf-8", body),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}
