//! Typed configuration from the environment, checked once at start-up.

use std::ops::RangeInclusive;

use crate::chat::Settings;
use crate::domain::Retention;
use crate::principal::BackendPrincipal;
use crate::settings::{
    CONNECTION_TTL_RANGE_S, DEFAULT_RATE_BURST, DEFAULT_RATE_PER_SECOND, DEFAULT_READ_RATE_BURST,
    DEFAULT_READ_RATE_PER_SECOND, MAX_MESSAGE_CHARS_RANGE, RATE_BURST_RANGE, RATE_PER_SECOND_RANGE,
};
use crate::store::dynamodb::TableNames;
use crate::store::RateRule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub tables: TableNames,
    /// The WebSocket API's management endpoint, `https://{api}.execute-api.{region}.amazonaws.com/{stage}`.
    /// Required by functions that post to connections.
    pub management_endpoint: Option<String>,
    /// Overrides the DynamoDB endpoint (DynamoDB Local in development).
    pub dynamodb_endpoint: Option<String>,
    /// The attachments' bucket (`None`: attachments are refused as unavailable).
    pub attachments_bucket: Option<String>,
    /// Overrides the S3 endpoint (chat-local's S3 in development), reached path-style.
    pub s3_endpoint: Option<String>,
    pub settings: Settings,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {0} must be {1}")]
    Invalid(&'static str, &'static str),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    /// Defaults and bounds are [`crate::settings`]'s.
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `CONNECTIONS_TABLE`, `MESSAGES_TABLE`, `INBOX_TABLE` | table names | required |
    /// | `MANAGEMENT_ENDPOINT` | Management API endpoint | none |
    /// | `DYNAMODB_ENDPOINT` | DynamoDB endpoint override | AWS's |
    /// | `MAX_MESSAGE_CHARS` | longest message, characters (1 to 30000) | 4000 |
    /// | `CONNECTION_TTL_SECONDS` | lifetime of a connection item | 7500 |
    /// | `RATE_LIMIT_PER_SECOND`, `RATE_LIMIT_BURST` | messages per sender (0: unlimited) | 10, 20 |
    /// | `READ_RATE_LIMIT_PER_SECOND`, `READ_RATE_LIMIT_BURST` | reads per client (0: unlimited) | 5, 20 |
    /// | `SYSTEM_PRINCIPAL_ARN` | the booking backend's IAM role or user ARN (system messages) | none: refused |
    /// | `ATTACHMENTS_BUCKET` | the attachments' S3 bucket | none: attachments refused |
    /// | `S3_ENDPOINT` | S3 endpoint override (path-style) | AWS's |
    /// | `RETENTION_DAYS` | how long messages live, days (0 to 3650; 0: for ever) | 0 |
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |key: &'static str| {
            lookup(key)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(key))
        };
        let optional = |key: &'static str| lookup(key).filter(|v| !v.trim().is_empty());
        let defaults = Settings::default();
        let number = |key: &'static str,
                      default: i64,
                      range: RangeInclusive<i64>|
         -> Result<i64, ConfigError> {
            match optional(key) {
                None => Ok(default),
                Some(raw) => raw
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or(ConfigError::Invalid(key, "a whole number in range")),
            }
        };
        Ok(Self {
            tables: TableNames {
                connections: required("CONNECTIONS_TABLE")?,
                messages: required("MESSAGES_TABLE")?,
                inbox: required("INBOX_TABLE")?,
            },
            management_endpoint: optional("MANAGEMENT_ENDPOINT"),
            dynamodb_endpoint: optional("DYNAMODB_ENDPOINT"),
            attachments_bucket: optional("ATTACHMENTS_BUCKET"),
            s3_endpoint: optional("S3_ENDPOINT"),
            settings: Settings {
                max_message_chars: number(
                    "MAX_MESSAGE_CHARS",
                    defaults.max_message_chars as i64,
                    MAX_MESSAGE_CHARS_RANGE,
                )? as usize,
                connection_ttl_s: number(
                    "CONNECTION_TTL_SECONDS",
                    defaults.connection_ttl_s,
                    CONNECTION_TTL_RANGE_S,
                )?,
                rate_limit: rate_rule(
                    &number,
                    ("RATE_LIMIT_PER_SECOND", DEFAULT_RATE_PER_SECOND),
                    ("RATE_LIMIT_BURST", DEFAULT_RATE_BURST),
                )?,
                read_rate_limit: rate_rule(
                    &number,
                    ("READ_RATE_LIMIT_PER_SECOND", DEFAULT_READ_RATE_PER_SECOND),
                    ("READ_RATE_LIMIT_BURST", DEFAULT_READ_RATE_BURST),
                )?,
                system_rate_limit: defaults.system_rate_limit,
                upload_rate_limit: defaults.upload_rate_limit,
                retention: Retention::days(number("RETENTION_DAYS", 0, 0..=3650)? as u32),
                system_principal: optional("SYSTEM_PRINCIPAL_ARN")
                    .map(|arn| {
                        BackendPrincipal::parse(arn.trim()).ok_or(ConfigError::Invalid(
                            "SYSTEM_PRINCIPAL_ARN",
                            "an IAM role or user ARN",
                        ))
                    })
                    .transpose()?,
            },
        })
    }
}

/// A token bucket from its two variables (each with its default); `None` when the rate is 0.
fn rate_rule(
    number: &impl Fn(&'static str, i64, RangeInclusive<i64>) -> Result<i64, ConfigError>,
    (rate_key, default_rate): (&'static str, u32),
    (burst_key, default_burst): (&'static str, u32),
) -> Result<Option<RateRule>, ConfigError> {
    let per_second = number(rate_key, default_rate.into(), RATE_PER_SECOND_RANGE)?;
    let burst = number(burst_key, default_burst.into(), RATE_BURST_RANGE)?;
    Ok((per_second > 0).then_some(RateRule {
        per_second: per_second as u32,
        burst: burst as u32,
        period_s: 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const TABLES: [(&str, &str); 3] = [
        ("CONNECTIONS_TABLE", "c"),
        ("MESSAGES_TABLE", "m"),
        ("INBOX_TABLE", "i"),
    ];

    #[test]
    fn names_the_missing_variable() {
        assert_eq!(
            from(&[]).unwrap_err(),
            ConfigError::Missing("CONNECTIONS_TABLE")
        );
        assert_eq!(
            from(&TABLES[..2]).unwrap_err(),
            ConfigError::Missing("INBOX_TABLE")
        );
    }

    #[test]
    fn applies_defaults_and_refuses_out_of_range_numbers() {
        let config = from(&TABLES).unwrap();
        assert_eq!(config.settings, Settings::default());
        assert_eq!(config.management_endpoint, None);
        let mut bad = TABLES.to_vec();
        bad.push(("MAX_MESSAGE_CHARS", "0"));
        assert!(matches!(
            from(&bad),
            Err(ConfigError::Invalid("MAX_MESSAGE_CHARS", _))
        ));
        let mut ok = TABLES.to_vec();
        ok.push(("MAX_MESSAGE_CHARS", "500"));
        assert_eq!(from(&ok).unwrap().settings.max_message_chars, 500);
    }

    #[test]
    fn each_bucket_has_its_own_variables_and_zero_turns_it_off() {
        let mut env = TABLES.to_vec();
        env.extend([
            ("READ_RATE_LIMIT_PER_SECOND", "2"),
            ("READ_RATE_LIMIT_BURST", "3"),
            ("RATE_LIMIT_PER_SECOND", "0"),
        ]);
        let settings = from(&env).unwrap().settings;
        assert_eq!(settings.rate_limit, None);
        assert_eq!(
            settings.read_rate_limit,
            Some(RateRule {
                per_second: 2,
                burst: 3,
                period_s: 1,
            })
        );
        env.push(("READ_RATE_LIMIT_BURST", "0"));
        assert!(matches!(
            from(&env),
            Err(ConfigError::Invalid("READ_RATE_LIMIT_BURST", _))
        ));
    }

    #[test]
    fn the_backend_principal_is_an_iam_arn_or_absent() {
        assert_eq!(from(&TABLES).unwrap().settings.system_principal, None);
        let mut env = TABLES.to_vec();
        env.push((
            "SYSTEM_PRINCIPAL_ARN",
            "arn:aws:iam::123456789012:role/booking",
        ));
        let principal = from(&env).unwrap().settings.system_principal.unwrap();
        assert!(principal.matches("arn:aws:sts::123456789012:assumed-role/booking/s1"));
        env.push(("SYSTEM_PRINCIPAL_ARN", "*"));
        assert!(matches!(
            from(&env),
            Err(ConfigError::Invalid("SYSTEM_PRINCIPAL_ARN", _))
        ));
    }
}
