//! Who may call chat-local's Management API, and the client its in-process functions call it
//! with.
//!
//! API Gateway authorizes `@connections` calls with IAM (SigV4). chat-local does the same with
//! one configured key pair: the in-process functions sign with it, and so do the real function
//! binaries under `cargo lambda watch` when given it as `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY`. Binding the API where only the functions reach it is not possible
//! here: under `cargo lambda watch` they are other processes on the same loopback interface as
//! any browser page or local program. See docs/security.md, "Abuse: the Management API".
//!
//! - A secret is given (`--management-secret`): SigV4 is required, in every identity mode.
//! - `--auth jwt`, no secret: a random secret is drawn for the run, known only to the in-process
//!   functions; with `--invoke-endpoint` chat-local refuses to start (the functions could not
//!   sign).
//! - Dev mode, no secret: open, as dev identities are (anyone may claim any id); the banner says
//!   so. The in-process functions still sign (with `local`/`local`).

use base64::Engine;

use crate::gateway::loopback::Loopback;
use crate::gateway::sigv4::Credentials;
use crate::identity::IdentityMode;

/// The default access key id, and the dev-mode secret the in-process functions sign with
/// (the README's `cargo lambda watch` line passes the same pair).
pub const LOCAL_KEY: &str = "local";

/// The Management API keys, as configured (`--management-access-key-id`,
/// `--management-secret`).
#[derive(Clone)]
pub struct ManagementKeys {
    pub access_key_id: String,
    /// `None`: open in dev mode, a secret drawn for the run in JWT mode.
    pub secret_access_key: Option<String>,
}

impl Default for ManagementKeys {
    fn default() -> Self {
        Self {
            access_key_id: LOCAL_KEY.into(),
            secret_access_key: None,
        }
    }
}

impl std::fmt::Debug for ManagementKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagementKeys")
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// What the Management API checks.
#[derive(Debug, Clone)]
pub enum ManagementAuth {
    /// Nothing: anyone who reaches the port may call it (dev mode without a secret).
    Open,
    /// A SigV4 signature with these keys, as API Gateway's IAM authorization requires.
    SigV4(Credentials),
}

/// The checks, the keys chat-local's own functions sign with, and a banner line.
#[derive(Debug)]
pub struct Resolved {
    pub auth: ManagementAuth,
    pub signing: Credentials,
    pub banner: String,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "--auth jwt with --invoke-endpoint needs --management-secret (or CHAT_LOCAL_MANAGEMENT_SECRET): \
     the functions sign their Management API calls with it (pass it to them as AWS_SECRET_ACCESS_KEY)"
)]
pub struct SecretNeeded;

/// Decides the Management API's checks from the keys and the mode (see the module docs).
pub fn resolve(
    keys: &ManagementKeys,
    identity: &IdentityMode,
    functions_elsewhere: bool,
) -> Result<Resolved, SecretNeeded> {
    let id = keys.access_key_id.clone();
    let with = |secret: String| Credentials {
        access_key_id: id.clone(),
        secret_access_key: secret,
    };
    let (auth, signing, banner) = match (&keys.secret_access_key, identity) {
        (Some(secret), _) => {
            let keys = with(secret.clone());
            let banner = format!("SigV4 required, access key id `{id}` and the configured secret");
            (ManagementAuth::SigV4(keys.clone()), keys, banner)
        }
        (None, IdentityMode::Jwt(_)) if functions_elsewhere => return Err(SecretNeeded),
        (None, IdentityMode::Jwt(_)) => {
            let keys = with(random_secret());
            let banner = format!(
                "SigV4 required, access key id `{id}` and a secret drawn for this run \
                 (only the in-process functions know it)"
            );
            (ManagementAuth::SigV4(keys.clone()), keys, banner)
        }
        (None, IdentityMode::Dev) => (
            ManagementAuth::Open,
            with(LOCAL_KEY.into()),
            "OPEN (dev mode): unsigned calls accepted; --management-secret requires SigV4"
                .to_owned(),
        ),
    };
    Ok(Resolved {
        auth,
        signing,
        banner: format!("  Management auth: {banner}"),
    })
}

/// 256 bits from the operating system's generator.
fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator does not fail on supported platforms; if it did, no safe secret exists.
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The real Management API client, pointed at this gateway, signing with `keys`; its requests
/// go to the gateway's router in-process when given a [`Loopback`], else over TCP.
pub fn management_client(
    endpoint: &str,
    keys: &Credentials,
    loopback: Option<&Loopback>,
) -> aws_sdk_apigatewaymanagement::Client {
    let mut config = chat_shared::sdk::management_config_with_keys(
        endpoint,
        &keys.access_key_id,
        &keys.secret_access_key,
    );
    if let Some(loopback) = loopback {
        config = config.http_client(loopback.clone());
    }
    aws_sdk_apigatewaymanagement::Client::from_conf(config.build())
}
