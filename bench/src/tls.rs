//! TLS in front of the benchmark's loopback endpoints, so a cold start pays what it pays on
//! Lambda: a verified handshake to every AWS endpoint.
//!
//! [`LocalCa::new`] makes a throwaway certificate authority and a certificate for `127.0.0.1`
//! and `localhost` signed by it, and writes the authority's certificate where the functions
//! are told to trust it (`SSL_CERT_FILE`). [`LocalCa::stranger`] writes another authority's,
//! which signed nothing here: a control run that trusts only it must see every handshake
//! refused, which shows the functions do verify. [`Terminator`] accepts TLS on a port of its
//! own and copies the plaintext to a loopback backend (the counting DynamoDB proxy, the
//! Management API of the Runtime API server).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A throwaway authority, the server certificate it signed, and where its certificate is.
pub struct LocalCa {
    /// The authority's certificate (PEM), for `SSL_CERT_FILE`.
    pub ca_file: PathBuf,
    server: Arc<ServerConfig>,
}

fn authority(name: &str) -> Result<(CertificateParams, KeyPair, String), rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate()?;
    let cert = params.clone().self_signed(&key)?;
    Ok((params, key, cert.pem()))
}

impl LocalCa {
    /// A new authority in `dir` (`ca.pem`) and a certificate for the loopback names.
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        let fail = |e: rcgen::Error| std::io::Error::other(e.to_string());
        std::fs::create_dir_all(dir)?;
        let (ca_params, ca_key, ca_pem) =
            authority("chat cold-start benchmark CA").map_err(fail)?;
        let issuer = Issuer::new(ca_params, ca_key);
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(fail)?;
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let key = KeyPair::generate().map_err(fail)?;
        let cert = params.signed_by(&key, &issuer).map_err(fail)?;
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_pem)?;
        let provider = Arc::new(crypto::aws_lc_rs::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(std::io::Error::other)?;
        Ok(Self {
            ca_file,
            server: Arc::new(server),
        })
    }

    /// Another authority's certificate in `dir` (`stranger.pem`): it signed nothing served here.
    pub fn stranger(dir: &Path) -> std::io::Result<PathBuf> {
        let (_, _, pem) =
            authority("a stranger's CA").map_err(|e| std::io::Error::other(e.to_string()))?;
        let file = dir.join("stranger.pem");
        std::fs::write(&file, pem)?;
        Ok(file)
    }

    /// Serves TLS with this authority's certificate in front of `backend`.
    pub async fn terminate(&self, backend: SocketAddr) -> std::io::Result<Terminator> {
        Terminator::start(backend, self.server.clone()).await
    }
}

/// TLS on a loopback port, its plaintext copied to and from `backend`; it counts the
/// handshakes completed and those the client gave up (refused our certificate).
pub struct Terminator {
    pub addr: SocketAddr,
    counts: Arc<[AtomicUsize; 2]>,
}

/// Handshakes since the last [`Terminator::take`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handshakes {
    pub completed: usize,
    pub failed: usize,
}

impl Terminator {
    async fn start(backend: SocketAddr, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let counts: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let counted = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let counts = counted.clone();
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    // A refused handshake (the control run) ends the connection.
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        counts[1].fetch_add(1, Ordering::SeqCst);
                        return;
                    };
                    counts[0].fetch_add(1, Ordering::SeqCst);
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = plain.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        Ok(Self { addr, counts })
    }

    /// The handshakes counted since the last call, and starts counting again.
    pub fn take(&self) -> Handshakes {
        Handshakes {
            completed: self.counts[0].swap(0, Ordering::SeqCst),
            failed: self.counts[1].swap(0, Ordering::SeqCst),
        }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

/// The TLS endpoints of a benchmark run: DynamoDB's and the Management API's, from one local
/// CA, and a stranger's CA for the control.
pub struct TlsEndpoints {
    pub ca: LocalCa,
    /// A CA that signed nothing served here (`SSL_CERT_FILE` of the control start).
    pub stranger: PathBuf,
    pub dynamodb: Terminator,
    pub management: Terminator,
}

impl TlsEndpoints {
    /// A CA in `dir`, and TLS in front of the `dynamodb` and `management` backends.
    pub async fn start(
        dir: &Path,
        dynamodb: SocketAddr,
        management: SocketAddr,
    ) -> std::io::Result<Self> {
        let ca = LocalCa::new(dir)?;
        let stranger = LocalCa::stranger(dir)?;
        let dynamodb = ca.terminate(dynamodb).await?;
        let management = ca.terminate(management).await?;
        Ok(Self {
            ca,
            stranger,
            dynamodb,
            management,
        })
    }

    /// The handshakes on both endpoints since the last call.
    pub fn handshakes(&self) -> Handshakes {
        let (a, b) = (self.dynamodb.take(), self.management.take());
        Handshakes {
            completed: a.completed + b.completed,
            failed: a.failed + b.failed,
        }
    }
}
