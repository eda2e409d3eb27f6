//! Builds the event JSON API Gateway sends to Lambda: WebSocket proxy events and HTTP API
//! payload 2.0 events, with the fields real events carry.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::http::{HeaderMap, Method, Uri};
use base64::Engine;
use serde_json::{json, Map, Value};

/// What stays the same for every event of one gateway.
#[derive(Debug, Clone)]
pub struct Api {
    pub api_id: String,
    pub stage: String,
    /// `host:port` the gateway listens on (API Gateway's `domainName`).
    pub domain_name: String,
}

/// A fresh request id in API Gateway's style.
pub fn request_id() -> String {
    let mut bytes = [0u8; 11];
    bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A connection id in API Gateway's format: 16 base64 characters ending in `=`, from the
/// operating system's generator: an id is what a Management API call names, so it must not be
/// guessable from earlier ones.
pub fn connection_id() -> String {
    let mut bytes = [0u8; 11];
    // The OS generator does not fail on supported platforms; there is no safe fallback.
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// API Gateway's `requestTime`: `24/Nov/2026:13:40:19 +0000`.
pub fn request_time(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = chat_shared::domain::rfc3339_millis(ms); // 2026-11-24T13:40:19.123Z
    let (year, month, day) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    let month = MONTHS[month.parse::<usize>().unwrap_or(1).clamp(1, 12) - 1];
    format!("{day}/{month}/{year}:{} +0000", &iso[11..19])
}

fn headers_json(headers: &HeaderMap, lowercase: bool) -> (Map<String, Value>, Map<String, Value>) {
    let mut single: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let name = if lowercase {
            name.as_str().to_owned()
        } else {
            canonical_header(name.as_str())
        };
        single
            .entry(name)
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let mut joined = Map::new();
    let mut multi = Map::new();
    for (name, values) in single {
        joined.insert(name.clone(), json!(values.join(",")));
        multi.insert(name, json!(values));
    }
    (joined, multi)
}

/// `sec-websocket-key` -> `Sec-WebSocket-Key`, as API Gateway's WebSocket events spell them.
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| match part {
            "websocket" => "WebSocket".to_owned(),
            _ => {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Query parameters as `(single, multi)` maps (`null` when there are none, as API Gateway does).
fn query_json(query: &[(String, String)]) -> (Value, Value) {
    if query.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut multi: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in query {
        multi.entry(k).or_default().push(v);
    }
    let single: Map<String, Value> = multi
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v.last().copied().unwrap_or(""))))
        .collect();
    (Value::Object(single), json!(multi))
}

/// The per-connection facts every WebSocket event repeats.
#[derive(Debug, Clone)]
pub struct WsConnectionInfo {
    pub connection_id: String,
    pub connected_at: i64,
    pub source_ip: String,
    pub user_agent: Option<String>,
    /// The authorizer context (`principalId`, `client_id`, `role`, ...).
    pub authorizer: Value,
}

fn ws_request_context(
    api: &Api,
    conn: &WsConnectionInfo,
    route_key: &str,
    event_type: &str,
    now_ms: i64,
) -> Map<String, Value> {
    let rid = request_id();
    let mut identity = Map::new();
    identity.insert("sourceIp".into(), json!(conn.source_ip));
    if let Some(agent) = &conn.user_agent {
        identity.insert("userAgent".into(), json!(agent));
    }
    let mut ctx = Map::new();
    ctx.insert("routeKey".into(), json!(route_key));
    if !conn.authorizer.is_null() {
        ctx.insert("authorizer".into(), conn.authorizer.clone());
    }
    ctx.insert("eventType".into(), json!(event_type));
    ctx.insert("extendedRequestId".into(), json!(rid));
    ctx.insert("requestTime".into(), json!(request_time(now_ms)));
    ctx.insert("messageDirection".into(), json!("IN"));
    ctx.insert("stage".into(), json!(api.stage));
    ctx.insert("connectedAt".into(), json!(conn.connected_at));
    ctx.insert("requestTimeEpoch".into(), json!(now_ms));
    ctx.insert("identity".into(), Value::Object(identity));
    ctx.insert("requestId".into(), json!(rid));
    ctx.insert("domainName".into(), json!(api.domain_name));
    ctx.insert("connectionId".into(), json!(conn.connection_id));
    ctx.insert("apiId".into(), json!(api.api_id));
    ctx
}

/// `$connect`: carries the handshake's headers and query string.
pub fn ws_connect(
    api: &Api,
    conn: &WsConnectionInfo,
    headers: &HeaderMap,
    query: &[(String, String)],
    now_ms: i64,
) -> Value {
    let (joined, multi) = headers_json(headers, false);
    let (single_q, multi_q) = query_json(query);
    let mut event = Map::new();
    event.insert("headers".into(), Value::Object(joined));
    event.insert("multiValueHeaders".into(), Value::Object(multi));
    if !single_q.is_null() {
        event.insert("queryStringParameters".into(), single_q);
        event.insert("multiValueQueryStringParameters".into(), multi_q);
    }
    event.insert(
        "requestContext".into(),
        Value::Object(ws_request_context(api, conn, "$connect", "CONNECT", now_ms)),
    );
    event.insert("isBase64Encoded".into(), json!(false));
    Value::Object(event)
}

/// A message on `route_key`. Binary frames arrive base64-encoded, as API Gateway sends them.
pub fn ws_message(
    api: &Api,
    conn: &WsConnectionInfo,
    route_key: &str,
    body: &[u8],
    binary: bool,
    now_ms: i64,
) -> Value {
    let mut ctx = ws_request_context(api, conn, route_key, "MESSAGE", now_ms);
    ctx.insert("messageId".into(), json!(request_id()));
    let body = if binary {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    json!({
        "requestContext": Value::Object(ctx),
        "body": body,
        "isBase64Encoded": binary,
    })
}

/// `$disconnect`, with the close code and reason.
pub fn ws_disconnect(
    api: &Api,
    conn: &WsConnectionInfo,
    status_code: u16,
    reason: &str,
    now_ms: i64,
) -> Value {
    let mut ctx = ws_request_context(api, conn, "$disconnect", "DISCONNECT", now_ms);
    ctx.insert("disconnectStatusCode".into(), json!(status_code));
    ctx.insert("disconnectReason".into(), json!(reason));
    json!({
        "headers": { "Host": api.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": "" },
        "multiValueHeaders": { "Host": [api.domain_name], "x-api-key": [""], "X-Forwarded-For": [""], "x-restapi": [""] },
        "requestContext": Value::Object(ctx),
        "isBase64Encoded": false,
    })
}

/// An HTTP API payload 2.0 event.
#[allow(clippy::too_many_arguments)]
pub fn http_v2(
    api: &Api,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    source: SocketAddr,
    authorizer: Value,
    now_ms: i64,
) -> Value {
    let (joined, _) = headers_json(headers, true);
    let raw_query = uri.query().unwrap_or("");
    let query: Vec<(String, String)> = url_pairs(raw_query);
    let (single_q, _) = query_json(&query);
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rid = request_id();
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let mut ctx = json!({
        "accountId": "000000000000",
        "apiId": api.api_id,
        "domainName": api.domain_name,
        "domainPrefix": api.api_id,
        "http": {
            "method": method.as_str(),
            "path": uri.path(),
            "protocol": "HTTP/1.1",
            "sourceIp": source.ip().to_string(),
            "userAgent": user_agent,
        },
        "requestId": rid,
        "routeKey": "$default",
        "stage": "$default",
        "time": request_time(now_ms),
        "timeEpoch": now_ms,
    });
    if !authorizer.is_null() {
        ctx["authorizer"] = json!({ "lambda": authorizer });
    }
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "headers": Value::Object(joined),
        "requestContext": ctx,
        "isBase64Encoded": is_base64,
    });
    if !single_q.is_null() {
        event["queryStringParameters"] = single_q;
    }
    if !body.is_empty() {
        event["body"] = json!(body);
    }
    event
}

/// Decodes `a=1&b=x%20y` into pairs (`+` is a space, as in forms).
pub fn url_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_matches_api_gateway_format() {
        assert_eq!(
            request_time(1_795_527_619_123),
            "24/Nov/2026:13:40:19 +0000"
        );
    }

    #[test]
    fn connection_ids_look_like_api_gateway_ones() {
        let id = connection_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
        assert!(chat_shared::domain::ConnectionId::parse(&id).is_ok());
    }

    #[test]
    fn header_names_are_spelled_like_api_gateway() {
        assert_eq!(canonical_header("sec-websocket-key"), "Sec-WebSocket-Key");
        assert_eq!(canonical_header("x-forwarded-for"), "X-Forwarded-For");
    }

    #[test]
    fn query_strings_decode() {
        assert_eq!(
            url_pairs("role=admin&x=a%20b+c&flag"),
            vec![
                ("role".into(), "admin".into()),
                ("x".into(), "a b c".into()),
                ("flag".into(), "".into())
            ]
        );
    }
}
