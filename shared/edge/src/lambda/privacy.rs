//! The data-rules routes of the HTTP API (docs/data-rules.md): `GET /chat/export/{client}`
//! and `POST /chat/erasure/{client}` for people with a verified identity, and the booking
//! backend's SigV4-signed `/chat/system/export/{client}` and `/chat/system/erasure/{client}`.
//! Who may ask is the domain's rule (`Requester`); the audit lines are the use cases'.

use chat_shared::chat::Chat;
use chat_shared::domain::{ClientId, ExportCursor, Requester, ValidationError};
use chat_shared::error::ChatError;

use super::caller::{backend, caller};
use super::http::{json_response, query_of, HttpRequest, HttpResponse};
use crate::auth::Authorizer;
use crate::wire;

/// One page of the export document (200), `?cursor=` continuing where the last one ended.
pub(super) async fn export(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: &HttpRequest,
    client_id: &str,
    backend_route: bool,
) -> Result<HttpResponse, ChatError> {
    let subject = ClientId::parse_field("client_id", client_id)?;
    let cursor = parse_export_cursor(request)?;
    let requester = requester(request, auth, chat, backend_route).await?;
    let page = chat.export(&requester, &subject, cursor).await?;
    Ok(json_response(200, &wire::ExportResponse::from(&page)))
}

/// One bounded step of the erasure: 200 with the counts when it is done, 202 when more steps
/// remain (the caller repeats the request).
pub(super) async fn erase(
    chat: &Chat,
    auth: Option<&Authorizer>,
    request: &HttpRequest,
    client_id: &str,
    backend_route: bool,
) -> Result<HttpResponse, ChatError> {
    let subject = ClientId::parse_field("client_id", client_id)?;
    let requester = requester(request, auth, chat, backend_route).await?;
    let erasure = chat.erase(&requester, &subject).await?;
    let status = if erasure.completed_at_ms.is_some() {
        200
    } else {
        202
    };
    Ok(json_response(
        status,
        &wire::ErasureResponse::from(&erasure),
    ))
}

/// Who asks: the booking backend on its SigV4 routes, a verified person on the others.
async fn requester(
    request: &HttpRequest,
    auth: Option<&Authorizer>,
    chat: &Chat,
    backend_route: bool,
) -> Result<Requester, ChatError> {
    if backend_route {
        let principal = chat.settings().system_principal.as_ref();
        backend(
            request,
            principal,
            "only the booking backend calls this route",
        )?;
        return Ok(Requester::Backend);
    }
    let who = caller(request, auth).await?;
    Ok(Requester::Person {
        client_id: who.client_id,
        role: who.role,
    })
}

fn parse_export_cursor(request: &HttpRequest) -> Result<Option<ExportCursor>, ChatError> {
    let params = query_of(request);
    let raw = params.first("cursor").filter(|v| !v.is_empty());
    let cursor = raw.map(|raw| {
        ExportCursor::parse(raw).ok_or(ValidationError::new("cursor", "is not an export cursor"))
    });
    Ok(cursor.transpose()?)
}
