//! The workspace's HTTP clients, built one way: hyper-util's pooling client, HTTP/1 only.
//! Build one per component and reuse it (it keeps connections alive); each caller bounds its
//! own requests with a timeout.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A plain-HTTP client.
pub type HttpClient<B = Full<Bytes>> = Client<HttpConnector, B>;

/// An HTTPS client (webpki roots) that also speaks plain HTTP.
pub type HttpsClient<B = Full<Bytes>> = Client<HttpsConnector<HttpConnector>, B>;

/// The TCP connector every client uses: TCP_NODELAY on, since requests are small and
/// latency-bound (Nagle would hold a request's last segment for the peer's delayed ACK).
fn connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.enforce_http(false);
    connector
}

/// A plain-HTTP client: loopback servers (chat-local, a Lambda Invoke API, DynamoDB Local).
pub fn http_client<B>() -> HttpClient<B>
where
    B: Body + Send,
    B::Data: Send,
{
    let mut connector = connector();
    connector.enforce_http(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// An HTTPS client trusting the webpki roots (no system store to read on Lambda). Plain
/// `http://` is allowed too: callers decide which URLs they accept (e.g. loopback only).
pub fn https_client<B>() -> HttpsClient<B>
where
    B: Body + Send,
    B::Data: Send,
{
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector());
    Client::builder(TokioExecutor::new()).build(connector)
}
