//! A webhook receiver on loopback, as a business would run one: it records every request (its
//! signature header, event id and body) and answers with the status the test sets.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub signature: Option<String>,
    pub event_id: Option<String>,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }
}

pub struct Receiver {
    pub url: String,
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<Received>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on a free loopback port, answering `status` until told otherwise.
    pub async fn start(status: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/chat", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (answer, log) = (status.clone(), received.clone());
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (answer, log) = (answer.clone(), log.clone());
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let (answer, log) = (answer.clone(), log.clone());
                            async move {
                                let header = |name: &str| {
                                    (request.headers().get(name))
                                        .and_then(|v| v.to_str().ok())
                                        .map(str::to_owned)
                                };
                                let signature = header(chat_edge::webhook::SIGNATURE_HEADER);
                                let event_id = header(chat_edge::webhook::EVENT_ID_HEADER);
                                let body = request.into_body().collect().await?.to_bytes();
                                log.lock().unwrap().push(Received {
                                    signature,
                                    event_id,
                                    body,
                                });
                                let mut response = hyper::Response::new(Full::new(Bytes::new()));
                                *response.status_mut() =
                                    hyper::StatusCode::from_u16(answer.load(Ordering::SeqCst))
                                        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
                                Ok::<_, hyper::Error>(response)
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Self {
            url,
            status,
            received,
            _server: server,
        }
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
