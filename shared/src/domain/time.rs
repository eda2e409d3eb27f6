//! Time: a clock that tests can replace, RFC 3339 timestamps, and time-sortable message ids.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::ValidationError;

/// Milliseconds since the Unix epoch.
pub type EpochMillis = i64;

pub trait Clock: Send + Sync {
    fn now_ms(&self) -> EpochMillis;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> EpochMillis {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as EpochMillis)
            .unwrap_or(0)
    }
}

/// Formats epoch milliseconds as RFC 3339 UTC with milliseconds: `2026-11-24T13:40:19.123Z`.
pub fn rfc3339_millis(ms: EpochMillis) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A message id in the ULID layout: 10 base32 characters of millisecond time, then 16 of
/// randomness (80 bits). Ids sort by creation time as plain strings, which is what DynamoDB's
/// sort key and every client compare.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    pub const LEN: usize = 26;

    /// A new id for time `ms` with fresh randomness.
    pub fn generate(ms: EpochMillis) -> Self {
        Self::from_parts(ms, fastrand::u128(..) & ((1u128 << 80) - 1))
    }

    fn from_parts(ms: EpochMillis, random: u128) -> Self {
        let value = ((ms.max(0) as u128 & ((1u128 << 48) - 1)) << 80) | random;
        let mut out = [0u8; Self::LEN];
        for (i, slot) in out.iter_mut().enumerate() {
            let shift = 5 * (Self::LEN - 1 - i);
            *slot = CROCKFORD[((value >> shift) & 0x1f) as usize];
        }
        Self(String::from_utf8(out.to_vec()).expect("base32 alphabet is ASCII"))
    }

    /// The smallest id of millisecond `ms`: every id generated at `ms` or later sorts after it.
    pub fn floor_of(ms: EpochMillis) -> Self {
        Self::from_parts(ms, 0)
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = raw.len() == Self::LEN
            && raw.bytes().all(|b| CROCKFORD.contains(&b))
            // The first character carries only 3 bits of the 48-bit time.
            && raw.as_bytes()[0] <= b'7';
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::new("message_id", "is not a message id"))
        }
    }

    /// The creation time encoded in the id.
    pub fn timestamp_ms(&self) -> EpochMillis {
        let mut value: u64 = 0;
        for b in self.0.bytes().take(10) {
            let digit = CROCKFORD.iter().position(|c| *c == b).unwrap_or(0) as u64;
            value = (value << 5) | digit;
        }
        value as EpochMillis
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_with_milliseconds_in_utc() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_795_527_619_123),
            "2026-11-24T13:40:19.123Z"
        );
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn message_ids_sort_by_time_and_round_trip() {
        let early = MessageId::generate(1_795_527_619_123);
        let late = MessageId::generate(1_795_527_619_124);
        assert!(early < late);
        assert_eq!(early.as_str().len(), MessageId::LEN);
        assert_eq!(early.timestamp_ms(), 1_795_527_619_123);
        assert_eq!(MessageId::parse(early.as_str()).unwrap(), early);
        assert!(MessageId::floor_of(1_795_527_619_124) <= late);
        assert!(MessageId::floor_of(1_795_527_619_124) > early);
    }

    #[test]
    fn message_id_parse_refuses_other_strings() {
        for bad in [
            "",
            "abc",
            "0000000000000000000000000u",
            "80000000000000000000000000",
        ] {
            assert!(MessageId::parse(bad).is_err(), "{bad}");
        }
    }
}
