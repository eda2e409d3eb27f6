//! The events functions' configuration, from the environment, checked at start-up.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `EVENT_BUS_NAME` | the EventBridge bus events go to | required by the events function |
//! | `EVENT_SOURCE` | the events' `source` | `chat` |
//! | `EVENTS_INCLUDE_TEXT` | `true`: message text in `chat.message.*` events | `false` |
//! | `NOTICE_QUEUE_URL` | the SQS queue notice checks wait on | required by the events function |
//! | `NOTICE_OFFLINE_DELAY_SECONDS` | a notice's delay when the receiver is offline (0 to 900) | 10 |
//! | `NOTICE_UNREAD_DELAY_SECONDS` | a notice's delay when the receiver is connected (0 to 900) | 300 |

use super::{NoticeDelays, MAX_NOTICE_DELAY_S};
use crate::config::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsConfig {
    pub bus: Option<String>,
    pub source: String,
    pub include_text: bool,
    pub notice_queue_url: Option<String>,
    pub delays: NoticeDelays,
}

impl EventsConfig {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let optional = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let delay = |key: &'static str, default: u32| match optional(key) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|s| *s <= MAX_NOTICE_DELAY_S)
                .ok_or(ConfigError::Invalid(
                    key,
                    "a number of seconds from 0 to 900",
                )),
        };
        let include_text = match optional("EVENTS_INCLUDE_TEXT").as_deref().map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(ConfigError::Invalid("EVENTS_INCLUDE_TEXT", "true or false")),
        };
        let defaults = NoticeDelays::default();
        Ok(Self {
            bus: optional("EVENT_BUS_NAME"),
            source: optional("EVENT_SOURCE").unwrap_or_else(|| "chat".to_owned()),
            include_text,
            notice_queue_url: optional("NOTICE_QUEUE_URL"),
            delays: NoticeDelays {
                offline_s: delay("NOTICE_OFFLINE_DELAY_SECONDS", defaults.offline_s)?,
                unread_s: delay("NOTICE_UNREAD_DELAY_SECONDS", defaults.unread_s)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<EventsConfig, ConfigError> {
        EventsConfig::from_lookup(|k| {
            (pairs.iter())
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_leave_text_out_and_wait_ten_seconds_for_the_offline() {
        let config = from(&[]).unwrap();
        assert!(!config.include_text);
        assert_eq!(config.source, "chat");
        assert_eq!(config.delays, NoticeDelays::default());
    }

    #[test]
    fn delays_beyond_what_sqs_can_hold_are_refused() {
        let config = from(&[
            ("NOTICE_OFFLINE_DELAY_SECONDS", "0"),
            ("NOTICE_UNREAD_DELAY_SECONDS", "900"),
            ("EVENTS_INCLUDE_TEXT", "true"),
        ])
        .unwrap();
        assert_eq!((config.delays.offline_s, config.delays.unread_s), (0, 900));
        assert!(config.include_text);
        for (key, bad) in [
            ("NOTICE_UNREAD_DELAY_SECONDS", "901"),
            ("NOTICE_OFFLINE_DELAY_SECONDS", "-1"),
            ("EVENTS_INCLUDE_TEXT", "yes"),
        ] {
            assert!(matches!(from(&[(key, bad)]), Err(ConfigError::Invalid(k, _)) if k == key));
        }
    }
}
