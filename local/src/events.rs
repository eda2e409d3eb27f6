//! Builds the events API Gateway sends to Lambda, as the `aws_lambda_events` types the handlers
//! take: WebSocket proxy events and HTTP API payload 2.0 events, with the fields real events
//! carry. They become JSON only on the way to a Lambda Invoke API ([`crate::functions`]).

use std::collections::HashMap;
use std::net::SocketAddr;

use aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerIamDescription,
    ApiGatewayRequestIdentity, ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
    ApiGatewayWebsocketProxyRequest, ApiGatewayWebsocketProxyRequestContext,
};
use aws_lambda_events::query_map::QueryMap;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use base64::Engine;
use chat_edge::context::AuthorizerContext;

/// A SigV4 signer as API Gateway's IAM authorization reports it (`requestContext.authorizer.iam`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamSigner {
    pub access_key: String,
    pub user_arn: String,
}

/// What an HTTP API event's `requestContext.authorizer` carries.
#[derive(Debug, Clone)]
pub enum HttpAuthorizer {
    None,
    /// A Lambda authorizer's context (chat-local's dev identity).
    Lambda(AuthorizerContext),
    /// The signer of an IAM-authorized route.
    Iam(IamSigner),
}

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

/// A header value as a string, lossily: events are JSON, and JSON strings are UTF-8.
fn header_text(value: &HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// Headers as API Gateway passes them: `(joined, multi)`, where `joined` has one value per
/// name (repeated headers joined with commas) and `multi` every value.
fn event_headers(headers: &HeaderMap) -> (HeaderMap, HeaderMap) {
    let mut joined = HeaderMap::new();
    let mut multi = HeaderMap::new();
    for name in headers.keys() {
        let values: Vec<String> = headers.get_all(name).iter().map(header_text).collect();
        for value in &values {
            if let Ok(value) = HeaderValue::from_str(value) {
                multi.append(name.clone(), value);
            }
        }
        if let Ok(value) = HeaderValue::from_str(&values.join(",")) {
            joined.insert(name.clone(), value);
        }
    }
    (joined, multi)
}

/// Query parameters as `(single, multi)` maps: the last value of each name, and all of them.
fn event_query(query: &[(String, String)]) -> (QueryMap, QueryMap) {
    let mut multi: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in query {
        multi.entry(k.clone()).or_default().push(v.clone());
    }
    let single: HashMap<String, String> = multi
        .iter()
        .map(|(k, v)| (k.clone(), v.last().cloned().unwrap_or_default()))
        .collect();
    (QueryMap::from(single), QueryMap::from(multi))
}

/// The per-connection facts every WebSocket event repeats.
#[derive(Debug, Clone)]
pub struct WsConnectionInfo {
    pub connection_id: String,
    pub connected_at: i64,
    pub source_ip: String,
    pub user_agent: Option<String>,
    /// What the authorizer vouched for; API Gateway passes it to every route.
    pub authorizer: AuthorizerContext,
}

fn ws_request_context(
    api: &Api,
    conn: &WsConnectionInfo,
    route_key: &str,
    event_type: &str,
    now_ms: i64,
) -> ApiGatewayWebsocketProxyRequestContext {
    let rid = request_id();
    let mut identity = ApiGatewayRequestIdentity::default();
    identity.source_ip = Some(conn.source_ip.clone());
    identity.user_agent = conn.user_agent.clone();
    let mut ctx = ApiGatewayWebsocketProxyRequestContext::default();
    ctx.route_key = Some(route_key.to_owned());
    ctx.authorizer.fields = conn.authorizer.to_fields();
    ctx.event_type = Some(event_type.to_owned());
    ctx.extended_request_id = Some(rid.clone());
    ctx.request_time = Some(request_time(now_ms));
    ctx.message_direction = Some("IN".to_owned());
    ctx.stage = Some(api.stage.clone());
    ctx.connected_at = conn.connected_at;
    ctx.request_time_epoch = now_ms;
    ctx.identity = identity;
    ctx.request_id = Some(rid);
    ctx.domain_name = Some(api.domain_name.clone());
    ctx.connection_id = Some(conn.connection_id.clone());
    ctx.apiid = Some(api.api_id.clone());
    ctx
}

/// `$connect`: carries the handshake's headers and query string.
pub fn ws_connect(
    api: &Api,
    conn: &WsConnectionInfo,
    headers: &HeaderMap,
    query: &[(String, String)],
    now_ms: i64,
) -> ApiGatewayWebsocketProxyRequest {
    let mut event = ApiGatewayWebsocketProxyRequest::default();
    (event.headers, event.multi_value_headers) = event_headers(headers);
    (
        event.query_string_parameters,
        event.multi_value_query_string_parameters,
    ) = event_query(query);
    event.request_context = ws_request_context(api, conn, "$connect", "CONNECT", now_ms);
    event
}

/// A message on `route_key`. Binary frames arrive base64-encoded, as API Gateway sends them.
pub fn ws_message(
    api: &Api,
    conn: &WsConnectionInfo,
    route_key: &str,
    body: &[u8],
    binary: bool,
    now_ms: i64,
) -> ApiGatewayWebsocketProxyRequest {
    let mut event = ApiGatewayWebsocketProxyRequest::default();
    event.request_context = ws_request_context(api, conn, route_key, "MESSAGE", now_ms);
    event.request_context.message_id = Some(request_id());
    event.body = Some(if binary {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        String::from_utf8_lossy(body).into_owned()
    });
    event.is_base64_encoded = binary;
    event
}

/// `$disconnect`, with the close code and reason.
pub fn ws_disconnect(
    api: &Api,
    conn: &WsConnectionInfo,
    status_code: u16,
    reason: &str,
    now_ms: i64,
) -> ApiGatewayWebsocketProxyRequest {
    let mut headers = HeaderMap::new();
    if let Ok(host) = HeaderValue::from_str(&api.domain_name) {
        headers.insert(axum::http::header::HOST, host);
    }
    for name in ["x-api-key", "x-forwarded-for", "x-restapi"] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(""));
    }
    let mut event = ApiGatewayWebsocketProxyRequest::default();
    event.multi_value_headers = headers.clone();
    event.headers = headers;
    event.request_context = ws_request_context(api, conn, "$disconnect", "DISCONNECT", now_ms);
    event.request_context.disconnect_status_code = Some(i64::from(status_code));
    event.request_context.disconnect_reason = Some(reason.to_owned());
    event
}

/// An HTTP API payload 2.0 event's request context.
fn http_request_context(
    api: &Api,
    method: &Method,
    uri: &Uri,
    user_agent: &str,
    source: SocketAddr,
    now_ms: i64,
) -> ApiGatewayV2httpRequestContext {
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.account_id = Some("000000000000".to_owned());
    ctx.apiid = Some(api.api_id.clone());
    ctx.domain_name = Some(api.domain_name.clone());
    ctx.domain_prefix = Some(api.api_id.clone());
    ctx.http.method = method.clone();
    ctx.http.path = Some(uri.path().to_owned());
    ctx.http.protocol = Some("HTTP/1.1".to_owned());
    ctx.http.source_ip = Some(source.ip().to_string());
    ctx.http.user_agent = Some(user_agent.to_owned());
    ctx.request_id = Some(request_id());
    ctx.route_key = Some("$default".to_owned());
    ctx.stage = Some("$default".to_owned());
    ctx.time = Some(request_time(now_ms));
    ctx.time_epoch = now_ms;
    ctx
}

/// An HTTP API payload 2.0 event.
#[allow(clippy::too_many_arguments)] // one per part of the request, as API Gateway has them
pub fn http_v2(
    api: &Api,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    source: SocketAddr,
    authorizer: HttpAuthorizer,
    now_ms: i64,
) -> ApiGatewayV2httpRequest {
    let user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let raw_query = uri.query().unwrap_or("");
    let mut event = ApiGatewayV2httpRequest::default();
    event.request_context = http_request_context(api, method, uri, user_agent, source, now_ms);
    match authorizer {
        HttpAuthorizer::None => {}
        HttpAuthorizer::Lambda(context) => {
            let mut lambda = ApiGatewayRequestAuthorizer::default();
            lambda.fields = context.to_fields();
            event.request_context.authorizer = Some(lambda);
        }
        HttpAuthorizer::Iam(signer) => {
            let mut iam = ApiGatewayRequestAuthorizerIamDescription::default();
            iam.access_key = Some(signer.access_key);
            iam.account_id = Some("000000000000".to_owned());
            iam.caller_id = Some(signer.user_arn.rsplit('/').next().unwrap_or("").to_owned());
            iam.user_arn = Some(signer.user_arn);
            let mut authorizer = ApiGatewayRequestAuthorizer::default();
            authorizer.iam = Some(iam);
            event.request_context.authorizer = Some(authorizer);
        }
    }
    event.version = Some("2.0".to_owned());
    event.route_key = Some("$default".to_owned());
    event.raw_path = Some(uri.path().to_owned());
    event.raw_query_string = Some(raw_query.to_owned());
    event.headers = event_headers(headers).0;
    event.query_string_parameters = event_query(&url_pairs(raw_query)).0;
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    event.is_base64_encoded = is_base64;
    event.body = (!body.is_empty()).then_some(body);
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
    fn repeated_headers_are_joined_and_kept_apart() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        let (joined, multi) = event_headers(&headers);
        assert_eq!(joined.get_all("x-a").iter().count(), 1);
        assert_eq!(joined["x-a"], "1,2");
        assert_eq!(multi.get_all("x-a").iter().count(), 2);
    }

    #[test]
    fn query_parameters_keep_the_last_value_and_all_of_them() {
        let (single, multi) = event_query(&url_pairs("a=1&a=2&b=3"));
        assert_eq!(single.first("a"), Some("2"));
        assert_eq!(multi.all("a"), Some(vec!["1", "2"]));
        assert_eq!(single.first("b"), Some("3"));
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
