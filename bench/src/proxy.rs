//! A recording HTTP proxy between an AWS SDK DynamoDB client and DynamoDB (Local): it asks
//! for `"ReturnConsumedCapacity":"TOTAL"` on every data-plane request, reads `ConsumedCapacity`
//! from each response, and timestamps each request so the number of sequential round trips of
//! an operation can be counted. The store code is unchanged: the client simply points here.
//!
//! DynamoDB Local does not check request signatures, so changing the body is harmless there;
//! against real DynamoDB the signature would no longer match.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chat_edge::net::{http_client, HttpClient};
use http_body_util::{BodyExt, Full};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Operations that accept `ReturnConsumedCapacity`.
const METERED: &[&str] = &[
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
];

/// One request through the proxy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    /// `PutItem`, `Query`, ... (from `X-Amz-Target`).
    pub operation: String,
    pub table: Option<String>,
    /// Nanoseconds since the proxy started.
    pub start_ns: u64,
    pub end_ns: u64,
    pub status: u16,
    /// The error type of a failed request (`ConditionalCheckFailedException`, ...).
    pub error: Option<String>,
    /// Capacity units the response reported (`ConsumedCapacity.CapacityUnits`), if any.
    pub consumed_units: Option<f64>,
    pub read_units: Option<f64>,
    pub write_units: Option<f64>,
    pub request_bytes: usize,
    pub response_bytes: usize,
    /// The request body as sent upstream (for computing units from item sizes).
    #[serde(skip)]
    pub request: Value,
    /// The response body.
    #[serde(skip)]
    pub response: Value,
}

impl Call {
    pub fn is_write(&self) -> bool {
        matches!(
            self.operation.as_str(),
            "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems"
        )
    }
}

struct ProxyState {
    upstream: String,
    client: HttpClient<Full<Bytes>>,
    epoch: Instant,
    calls: Mutex<Vec<Call>>,
    /// Added to every request: a network round trip, so that requests issued together are
    /// unambiguously concurrent at the proxy and sequential ones unambiguously not.
    delay: std::time::Duration,
}

pub struct Proxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port in front of `upstream` (`http://host:port`),
    /// delaying each request by `delay`.
    pub async fn start(upstream: &str, delay: std::time::Duration) -> std::io::Result<Self> {
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: http_client(),
            epoch: Instant::now(),
            calls: Mutex::new(Vec::new()),
            delay,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(forward).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The instant `start_ns`/`end_ns` count from.
    pub fn epoch(&self) -> Instant {
        self.state.epoch
    }

    pub fn now_ns(&self) -> u64 {
        self.state.epoch.elapsed().as_nanos() as u64
    }

    /// The calls recorded since the last `take`, in order of their start.
    pub fn take(&self) -> Vec<Call> {
        let mut calls = std::mem::take(&mut *self.state.calls.lock().unwrap());
        calls.sort_by_key(|c| c.start_ns);
        calls
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn units(consumed: &Value) -> (Option<f64>, Option<f64>, Option<f64>) {
    // Either one object or (batch operations) a list of them.
    let items: Vec<&Value> = match consumed {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![consumed],
        _ => return (None, None, None),
    };
    let sum = |field: &str| -> Option<f64> {
        let values: Vec<f64> = items
            .iter()
            .filter_map(|c| c.get(field).and_then(Value::as_f64))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    (
        sum("CapacityUnits"),
        sum("ReadCapacityUnits"),
        sum("WriteCapacityUnits"),
    )
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let start_ns = state.epoch.elapsed().as_nanos() as u64;
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("")
        .to_owned();
    let mut request_json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let body = if METERED.contains(&operation.as_str()) && request_json.is_object() {
        request_json["ReturnConsumedCapacity"] = Value::String("TOTAL".into());
        Bytes::from(serde_json::to_vec(&request_json).expect("JSON"))
    } else {
        body
    };
    let table = request_json
        .get("TableName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let uri = format!(
        "{}{}",
        state.upstream,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut upstream = hyper::Request::builder().method(parts.method).uri(uri);
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "host" {
            upstream = upstream.header(name, value);
        }
    }
    let request_bytes = body.len();
    let upstream = match upstream.body(Full::new(body)) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let response = match state.client.request(upstream).await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = response.status();
    let headers: HeaderMap = response.headers().clone();
    let bytes = match response.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let end_ns = state.epoch.elapsed().as_nanos() as u64;
    let response_json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let (consumed_units, read_units, write_units) = response_json
        .get("ConsumedCapacity")
        .map(units)
        .unwrap_or((None, None, None));
    let error = (!status.is_success()).then(|| {
        response_json
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
            .unwrap_or_else(|| status.to_string())
    });
    state.calls.lock().unwrap().push(Call {
        operation,
        table,
        start_ns,
        end_ns,
        status: status.as_u16(),
        error,
        consumed_units,
        read_units,
        write_units,
        request_bytes,
        response_bytes: bytes.len(),
        request: request_json,
        response: response_json,
    });
    let mut out = Response::builder().status(status);
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            out = out.header(name, value);
        }
    }
    out.body(Body::from(bytes))
        .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
}

/// The longest chain of calls where each starts after the previous one ended: the number of
/// sequential round trips. Only calls that ended by `before_ns` count (e.g. the first post).
pub fn sequential_round_trips(calls: &[Call], before_ns: Option<u64>) -> usize {
    let mut calls: Vec<&Call> = calls
        .iter()
        .filter(|c| before_ns.is_none_or(|b| c.end_ns <= b))
        .collect();
    calls.sort_by_key(|c| c.start_ns);
    // depth[i] = longest chain ending with call i.
    let mut depth = vec![1usize; calls.len()];
    for i in 0..calls.len() {
        for j in 0..i {
            if calls[j].end_ns <= calls[i].start_ns {
                depth[i] = depth[i].max(depth[j] + 1);
            }
        }
    }
    depth.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(start_ns: u64, end_ns: u64) -> Call {
        Call {
            operation: "GetItem".into(),
            table: None,
            start_ns,
            end_ns,
            status: 200,
            error: None,
            consumed_units: None,
            read_units: None,
            write_units: None,
            request_bytes: 0,
            response_bytes: 0,
            request: Value::Null,
            response: Value::Null,
        }
    }

    #[test]
    fn concurrent_calls_are_one_round_trip_and_chained_calls_add_up() {
        // Two concurrent calls, then one after both: two round trips.
        let calls = [call(0, 10), call(1, 9), call(11, 20)];
        assert_eq!(sequential_round_trips(&calls, None), 2);
        assert_eq!(sequential_round_trips(&calls, Some(10)), 1);
        assert_eq!(sequential_round_trips(&[], None), 0);
    }

    #[test]
    fn consumed_capacity_is_read_from_one_object_or_a_list() {
        let one = serde_json::json!({"TableName": "t", "CapacityUnits": 1.5});
        assert_eq!(units(&one).0, Some(1.5));
        let many = serde_json::json!([{"CapacityUnits": 1.0}, {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}]);
        assert_eq!(units(&many), (Some(3.0), None, Some(2.0)));
    }
}
