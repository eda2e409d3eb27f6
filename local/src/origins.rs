//! The browser-origin allowlist in front of every route (WebSocket upgrade, HTTP API), in every
//! identity mode: without it, in dev mode any page a developer visits could connect as an
//! administrator. Checked before the body is read; a refused request gets 403.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chat_shared::origin::OriginAllowlist;
use serde_json::json;

/// The middleware; its state is the allowlist (empty: any origin).
pub async fn guard(
    State(allowed): State<Arc<OriginAllowlist>>,
    request: Request,
    next: Next,
) -> Response {
    let values: Vec<&[u8]> = request
        .headers()
        .get_all(header::ORIGIN)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    if allowed.allows(&values) {
        return next.run(request).await;
    }
    tracing::info!(auth = "origin", path = %request.uri().path(), "request refused");
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({ "code": "forbidden_origin", "message": "origin is not allowed" })),
    )
        .into_response()
}
