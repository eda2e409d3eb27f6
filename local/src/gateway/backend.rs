//! The system-message route's caller. API Gateway authorizes `POST /chat/system/{receiver_id}`
//! with IAM: a SigV4 signature, checked before the function runs, whose signer it hands to the
//! function in `requestContext.authorizer.iam`. chat-local checks the signature with its one
//! key pair (the Management API's, its stand-in for the account's IAM: in dev mode without a
//! secret, `local`/`local`) and names the signer [`LOCAL_BACKEND_ARN`], which its in-process
//! functions take as the booking backend. Refusals are API Gateway's 403s; nothing is invoked.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::management::json_error;
use super::{sigv4, Gateway};
use crate::events::IamSigner;

/// The signer chat-local reports for a valid signature: the booking backend of a local run
/// (give it to functions run elsewhere as `SYSTEM_PRINCIPAL_ARN`).
pub const LOCAL_BACKEND_ARN: &str = "arn:aws:iam::000000000000:user/local-backend";

/// The request's signer, or why its signature is refused ([`refused`] answers it).
pub(super) fn signer(
    gw: &Gateway,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<IamSigner, sigv4::Refusal> {
    let keys = &gw.backend_keys;
    let now = std::time::SystemTime::now();
    sigv4::verify(keys, method, uri, headers, body, now)?;
    Ok(IamSigner {
        access_key: keys.access_key_id.clone(),
        user_arn: LOCAL_BACKEND_ARN.to_owned(),
    })
}

/// API Gateway's 403 for a refused signature; nothing is invoked.
pub(super) fn refused(refusal: &sigv4::Refusal) -> Response {
    tracing::info!(
        error_type = refusal.error_type(),
        "system message refused at the gateway"
    );
    json_error(
        StatusCode::FORBIDDEN,
        refusal.error_type(),
        &refusal.message(),
    )
}
