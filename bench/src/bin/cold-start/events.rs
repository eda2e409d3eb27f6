//! What the functions are handed: each function's API Gateway event fixture, made fresh for
//! every run, and the store state those events need.

use std::path::Path;
use std::time::Duration;

use chat_edge::context::AuthorizerContext;
use chat_shared::domain::{
    AppointmentId, ClientId, Clock, Connection, ConnectionId, MessageId, MessagePreview, Role,
    ServiceId, SystemClock,
};
use chat_shared::store::Store;
use serde_json::Value;

use crate::JWT_SECRET;

pub(crate) fn fixture(dir: &Path, name: &str) -> Value {
    let file = match base_name(name) {
        "ws-connect" => "ws_connect.json",
        "ws-disconnect" => "ws_disconnect.json",
        "ws-message" => "ws_message.json",
        "http-api" => "http_put_read.json",
        "authorizer" => "ws_authorizer.json",
        _ => return serde_json::json!({ "hello": "world" }),
    };
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The function a `function+variant` name is a build of.
pub(crate) fn base_name(name: &str) -> &str {
    chat_bench::split_variant(name).0
}

/// The event for one run: WebSocket events get a sender of their own per run (so the rate
/// limiter treats every cold start alike); the authorizer gets a freshly minted token.
pub(crate) fn event_for(template: &Value, name: &str, run: usize) -> Value {
    let mut event = template.clone();
    if let Some(auth) = event
        .pointer_mut("/requestContext/authorizer")
        .and_then(Value::as_object_mut)
    {
        if base_name(name).starts_with("ws-") {
            let role = AuthorizerContext::from_fields(&*auth).map_or("user".into(), |c| c.role);
            // A variant has senders of its own: its sends start conversations as the
            // function's do, instead of continuing theirs.
            let sender = match chat_bench::split_variant(name).1 {
                Some(variant) => format!("coldstart{run}.{variant}"),
                None => format!("coldstart{run}"),
            };
            let context = AuthorizerContext::new(sender, role);
            auth.extend(context.with_principal_id().to_fields());
        }
    }
    if base_name(name) == "authorizer" {
        let now = SystemClock.now_ms() / 1000;
        let token = chat_edge::auth::mint_hs256(
            JWT_SECRET,
            &ClientId::parse("user123").expect("id"),
            Role::User,
            Duration::from_secs(3600),
            now,
        );
        event["queryStringParameters"]["token"] = Value::String(token.clone());
        event["multiValueQueryStringParameters"]["token"] = serde_json::json!([token]);
    }
    event
}

/// State the events need: the administrator `admin456` online (ws-message posts to it) and an
/// unread message from it for `user123` (http-api marks it read).
pub(crate) async fn seed(store: &dyn Store) {
    let admin = ClientId::parse("admin456").expect("id");
    let user = ClientId::parse("user123").expect("id");
    let now = SystemClock.now_ms();
    store
        .put_connection(&Connection {
            connection_id: ConnectionId::parse("AdminDevice1234=").expect("connection id"),
            client_id: admin.clone(),
            role: Role::Admin,
            connected_at_ms: now - 60_000,
            expires_at_s: now / 1000 + 7200,
        })
        .await
        .expect("seed connection");
    let last = MessagePreview {
        message_id: MessageId::generate(now),
        sender_id: admin.clone(),
        appointment_id: AppointmentId::parse_field("appointment_id", "appointment789").expect("id"),
        service_id: ServiceId::parse_field("service_id", "service123").expect("id"),
        text: "Your appointment is confirmed".into(),
        edited: false,
        deleted: false,
        version: 1,
    };
    store
        .record_unread(&user, &admin, &last, true)
        .await
        .expect("seed unread");
}
