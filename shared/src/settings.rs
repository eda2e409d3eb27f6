//! Settings spelled once: the defaults and bounds that the functions' environment
//! ([`crate::config`], [`crate::auth::AuthConfig`]), chat-local's flags and `template.yaml`'s
//! parameters share. The template cannot import these; `tests/tests/template_settings.rs` holds
//! it against them.

use std::ops::RangeInclusive;

/// Messages a second per sender by default (`RATE_LIMIT_PER_SECOND`, `--rate-limit`).
pub const DEFAULT_RATE_PER_SECOND: u32 = 10;
/// Accepted `RATE_LIMIT_PER_SECOND` values; 0 means unlimited.
pub const RATE_PER_SECOND_RANGE: RangeInclusive<i64> = 0..=10_000;

/// Burst of messages per sender by default (`RATE_LIMIT_BURST`, `--rate-burst`).
pub const DEFAULT_RATE_BURST: u32 = 20;
/// Accepted `RATE_LIMIT_BURST` values.
pub const RATE_BURST_RANGE: RangeInclusive<i64> = 1..=100_000;

/// Reads a second per client by default (`READ_RATE_LIMIT_PER_SECOND`, `--read-rate-limit`):
/// sync, history, unread counts and mark-read each take one. A client opening the app syncs a
/// few pages, loads a conversation, reads its unread counts and marks a conversation read: a
/// burst of 20 covers that, 5 a second covers a person clicking through conversations.
pub const DEFAULT_READ_RATE_PER_SECOND: u32 = 5;
/// Burst of reads per client by default (`READ_RATE_LIMIT_BURST`, `--read-rate-burst`).
pub const DEFAULT_READ_RATE_BURST: u32 = 20;
/// System messages a second per receiver, and their burst: an appointment's confirmation,
/// reminder and change arrive minutes apart; twenty at once is already a backend bug.
pub const SYSTEM_RATE_PER_SECOND: u32 = 1;
pub const SYSTEM_RATE_BURST: u32 = 20;
/// Upload requests per client (attachments): 30 an hour, a burst of 10. Each upload may hold
/// up to 10 MiB of storage for a day even if never sent, so this bounds what one account can
/// stage (docs/attachments.md).
pub const UPLOAD_RATE: crate::store::RateRule = crate::store::RateRule {
    per_second: 30,
    burst: 10,
    period_s: 3600,
};
// The read bucket accepts the same ranges as the message bucket (RATE_PER_SECOND_RANGE,
// RATE_BURST_RANGE): the same GCRA, and the same "0: unlimited".

/// Accepted `MAX_MESSAGE_CHARS` values: 30,000 characters of up to 4 bytes each, plus the
/// frame's other fields, stay under API Gateway's 128 KB message limit.
pub const MAX_MESSAGE_CHARS_RANGE: RangeInclusive<i64> = 1..=30_000;

/// Accepted `CONNECTION_TTL_SECONDS` values: a minute to a week.
pub const CONNECTION_TTL_RANGE_S: RangeInclusive<i64> = 60..=7 * 86_400;

/// Shortest accepted HS256 secret, in bytes: RFC 7518 section 3.2 asks for a key at least as
/// long as the hash output (256 bits).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Whether `secret` is long enough to sign HS256 tokens.
pub fn hs256_secret_is_long_enough(secret: &str) -> bool {
    secret.len() >= MIN_HS256_SECRET_BYTES
}

/// Browser origins from a comma-separated list (`ALLOWED_ORIGINS`, `--allowed-origins`):
/// blanks dropped, each entry parsed as an origin and given as `scheme://host[:port]`; a
/// malformed entry is refused (start-up fails naming it). Empty allows any origin.
pub fn parse_allowed_origins(list: &str) -> Result<Vec<String>, crate::origin::BadOrigin> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| crate::origin::parse_origin(o).ok_or_else(|| crate::origin::BadOrigin(o.into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_trimmed_and_blanks_dropped() {
        assert_eq!(
            parse_allowed_origins(" https://a.example/ ,,https://B.example:443").unwrap(),
            ["https://a.example", "https://b.example"]
        );
        assert!(parse_allowed_origins("").unwrap().is_empty());
        assert!(parse_allowed_origins(" , ").unwrap().is_empty());
        assert!(parse_allowed_origins("https://a.example,a.example").is_err());
    }

    #[test]
    fn a_secret_of_31_bytes_is_too_short_and_32_is_enough() {
        assert!(!hs256_secret_is_long_enough(&"x".repeat(31)));
        assert!(hs256_secret_is_long_enough(&"x".repeat(32)));
    }

    #[test]
    fn the_default_rate_limit_is_within_its_bounds() {
        assert!(RATE_PER_SECOND_RANGE.contains(&DEFAULT_RATE_PER_SECOND.into()));
        assert!(RATE_BURST_RANGE.contains(&DEFAULT_RATE_BURST.into()));
        assert!(RATE_PER_SECOND_RANGE.contains(&DEFAULT_READ_RATE_PER_SECOND.into()));
        assert!(RATE_BURST_RANGE.contains(&DEFAULT_READ_RATE_BURST.into()));
    }
}
