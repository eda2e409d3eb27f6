//! Verified identity: JWT verification (HS256 with a shared secret, or RS256/ES256 against a
//! JWKS such as a Cognito user pool's) and the checks an authorizer makes before a connection
//! or request gets an identity. Tokens are never logged or returned.
//!
//! Claims: `sub` is the client id; the role is the `role` claim, else `custom:role`, else
//! Cognito's `cognito:groups` (`admin` in the groups means administrator, `user` user);
//! `exp` is required, `nbf` checked when present (both with the same leeway); `iss` and `aud`
//! are checked when configured; a header naming `crit` extensions is refused (we know none). `alg: none`, algorithms
//! other than the configured family, and keys of the wrong family are refused.

mod jwks;

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::Value;

use chat_shared::domain::{ClientId, Identity, Role};
use chat_shared::origin::OriginAllowlist;
use chat_shared::settings::{hs256_secret_is_long_enough, MIN_HS256_SECRET_BYTES};

/// Why a token or request was refused. The variants name the kind only, never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no token")]
    MissingToken,
    #[error("token is malformed")]
    Malformed,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not yet valid")]
    NotYetValid,
    #[error("token header names critical extensions")]
    Critical,
    #[error("token algorithm is not accepted")]
    Algorithm,
    #[error("token issuer is not accepted")]
    Issuer,
    #[error("token audience is not accepted")]
    Audience,
    #[error("token lacks a valid sub or role claim")]
    Claims,
    #[error("token key id is unknown")]
    UnknownKey,
    #[error("signing keys could not be fetched")]
    KeysUnavailable,
    #[error("origin is not allowed")]
    Origin,
    #[error("token subject does not match the requested client id")]
    WrongClient,
}

impl AuthError {
    /// A stable, loggable name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::Critical => "critical",
            Self::Algorithm => "algorithm",
            Self::Issuer => "issuer",
            Self::Audience => "audience",
            Self::Claims => "claims",
            Self::UnknownKey => "unknown_key",
            Self::KeysUnavailable => "keys_unavailable",
            Self::Origin => "origin",
            Self::WrongClient => "wrong_client",
        }
    }

    /// 403 for a verified caller asking for the wrong thing (origin, client id); 401 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Origin | Self::WrongClient => 403,
            _ => 401,
        }
    }
}

fn map_jwt_error(err: jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind as K;
    match err.kind() {
        K::ExpiredSignature => AuthError::Expired,
        K::ImmatureSignature => AuthError::NotYetValid,
        K::InvalidSignature => AuthError::BadSignature,
        K::InvalidAlgorithm | K::InvalidAlgorithmName => AuthError::Algorithm,
        K::InvalidIssuer => AuthError::Issuer,
        K::InvalidAudience => AuthError::Audience,
        K::MissingRequiredClaim(_) | K::InvalidSubject => AuthError::Claims,
        _ => AuthError::Malformed,
    }
}

/// Where the verification keys come from.
enum Keys {
    /// HS256 with a shared secret.
    Secret(DecodingKey),
    /// RS256/ES256 keys by `kid` from a JWKS document, inline or fetched.
    Jwks(Box<jwks::Jwks>),
}

/// How tokens are checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthConfig {
    /// HS256 shared secret (development, or services that mint their own tokens).
    pub secret: Option<String>,
    /// A JWKS document (JSON) for RS256/ES256.
    pub jwks: Option<String>,
    /// A JWKS URL for RS256/ES256 (e.g. `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`).
    pub jwks_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// Browser origins allowed to open WebSockets; empty allows any (non-browser clients send
    /// none). Each must parse as an origin ([`Authorizer::new`] refuses one that does not).
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthConfigError {
    #[error("configure exactly one of JWT_SECRET, JWT_JWKS, JWT_JWKS_URL")]
    KeySource,
    #[error("JWT_SECRET must be at least {MIN_HS256_SECRET_BYTES} bytes")]
    WeakSecret,
    #[error("JWT_JWKS is not a JWKS document with RS256 or ES256 keys")]
    BadJwks,
    #[error("JWT_JWKS_URL must be https (plain http only for loopback)")]
    InsecureJwksUrl,
    #[error("ALLOWED_ORIGINS: {0}")]
    BadOrigin(#[from] chat_shared::origin::BadOrigin),
}

impl AuthConfig {
    /// From `JWT_SECRET`, `JWT_JWKS`, `JWT_JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`,
    /// `ALLOWED_ORIGINS` (comma-separated). `None` when no key source is configured.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let config = Self {
            secret: get("JWT_SECRET"),
            jwks: get("JWT_JWKS"),
            jwks_url: get("JWT_JWKS_URL"),
            issuer: get("JWT_ISSUER"),
            audience: get("JWT_AUDIENCE"),
            // Parsed (and a bad entry refused) by `Authorizer::new`.
            allowed_origins: get("ALLOWED_ORIGINS")
                .map(|list| {
                    let entries = list.split(',').map(str::trim).filter(|o| !o.is_empty());
                    entries.map(str::to_owned).collect()
                })
                .unwrap_or_default(),
        };
        (config.secret.is_some() || config.jwks.is_some() || config.jwks_url.is_some())
            .then_some(config)
    }
}

/// Checks tokens and origins; the one place identities are established.
pub struct Authorizer {
    keys: Keys,
    validation: Validation,
    allowed_origins: OriginAllowlist,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(flatten)]
    other: HashMap<String, Value>,
}

fn role_of(claims: &Claims) -> Option<Role> {
    for name in ["role", "custom:role"] {
        if let Some(v) = claims.other.get(name) {
            return v.as_str().and_then(Role::parse);
        }
    }
    let groups = claims.other.get("cognito:groups")?.as_array()?;
    let has = |g: &str| groups.iter().any(|v| v.as_str() == Some(g));
    if has("admin") {
        Some(Role::Admin)
    } else if has("user") {
        Some(Role::User)
    } else {
        None
    }
}

impl Authorizer {
    pub fn new(config: &AuthConfig) -> Result<Self, AuthConfigError> {
        let allowed_origins = OriginAllowlist::parse(&config.allowed_origins)?;
        let sources = [&config.secret, &config.jwks, &config.jwks_url]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources != 1 {
            return Err(AuthConfigError::KeySource);
        }
        let (keys, algorithms) = if let Some(secret) = &config.secret {
            if !hs256_secret_is_long_enough(secret) {
                return Err(AuthConfigError::WeakSecret);
            }
            (
                Keys::Secret(DecodingKey::from_secret(secret.as_bytes())),
                vec![Algorithm::HS256],
            )
        } else {
            (
                Keys::Jwks(Box::new(jwks::Jwks::new(
                    config.jwks.as_deref(),
                    config.jwks_url.as_deref(),
                )?)),
                vec![Algorithm::RS256, Algorithm::ES256],
            )
        };
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.required_spec_claims = ["exp", "sub"].iter().map(|s| s.to_string()).collect();
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &config.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        Ok(Self {
            keys,
            validation,
            allowed_origins,
        })
    }

    /// The origin allowlist (chat-local applies it to its HTTP API too).
    pub fn allowed_origins(&self) -> &OriginAllowlist {
        &self.allowed_origins
    }

    /// `Ok` when no allowlist is configured, the request has no `Origin` (not a browser), or
    /// its one `Origin` parses to a listed origin. `origins`: every `Origin` value, raw.
    pub fn check_origins(&self, origins: &[&[u8]]) -> Result<(), AuthError> {
        if self.allowed_origins.allows(origins) {
            Ok(())
        } else {
            Err(AuthError::Origin)
        }
    }

    /// [`Self::check_origins`] for a request with at most one `Origin`.
    pub fn check_origin(&self, origin: Option<&str>) -> Result<(), AuthError> {
        let values: Vec<&[u8]> = origin.map(str::as_bytes).into_iter().collect();
        self.check_origins(&values)
    }

    /// Verifies a token and returns the identity it proves.
    pub async fn verify(&self, token: Option<&str>) -> Result<Identity, AuthError> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::MissingToken)?;
        if token.len() > 8 * 1024 {
            return Err(AuthError::Malformed);
        }
        refuse_critical(token)?;
        let header = jsonwebtoken::decode_header(token).map_err(map_jwt_error)?;
        if !self.validation.algorithms.contains(&header.alg) {
            return Err(AuthError::Algorithm);
        }
        let key = match &self.keys {
            Keys::Secret(key) => key.clone(),
            Keys::Jwks(jwks) => {
                let kid = header.kid.as_deref().ok_or(AuthError::UnknownKey)?;
                jwks.key(kid, header.alg).await?
            }
        };
        // jsonwebtoken wants every allowed algorithm in the key's family: narrow to the
        // header's, already checked against the allowed set and (JWKS) bound to the key.
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(map_jwt_error)?;
        let client_id = data
            .claims
            .sub
            .as_deref()
            .and_then(|s| ClientId::parse_person(s).ok())
            .ok_or(AuthError::Claims)?;
        let role = role_of(&data.claims).ok_or(AuthError::Claims)?;
        Ok(Identity { client_id, role })
    }

    /// Origin check, then token verification: what a `$connect` authorizer does.
    pub async fn authorize(
        &self,
        token: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Identity, AuthError> {
        self.check_origin(origin)?;
        self.verify(token).await
    }

    /// [`Self::authorize`] given every `Origin` value the request carries, raw.
    pub async fn authorize_origins(
        &self,
        token: Option<&str>,
        origins: &[&[u8]],
    ) -> Result<Identity, AuthError> {
        self.check_origins(origins)?;
        self.verify(token).await
    }
}

/// Refuses a token whose header has `crit` (RFC 7515 section 4.1.11: a recipient that does not
/// understand a listed extension must reject the token; we understand none). jsonwebtoken's
/// `Header` ignores unknown members, so the header's JSON is read here.
fn refuse_critical(token: &str) -> Result<(), AuthError> {
    use base64::Engine as _;
    let encoded = token.split('.').next().ok_or(AuthError::Malformed)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| AuthError::Malformed)?;
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(&json).map_err(|_| AuthError::Malformed)?;
    if header.contains_key("crit") {
        return Err(AuthError::Critical);
    }
    Ok(())
}

/// Mints an HS256 token (development: `chat-local token`; tests).
pub fn mint_hs256(
    secret: &str,
    client_id: &ClientId,
    role: Role,
    ttl: Duration,
    now_s: i64,
) -> String {
    let claims = serde_json::json!({
        "sub": client_id.as_str(),
        "role": role.as_str(),
        "iat": now_s,
        "exp": now_s + ttl.as_secs() as i64,
    });
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}
