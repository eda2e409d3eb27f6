//! Fault switches for the Management API, for tests and experiments: a share of the posts to
//! connections is lost, delayed, or answered with an error instead of being delivered.
//! Everything is off by default.

use std::time::Duration;

/// Shares (0.0 to 1.0, summing to at most 1.0) of Management API posts that are:
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// answered 200 but never delivered (a frame lost on its way to the client);
    pub drop: f64,
    /// answered 410 `GoneException` without delivering (the handlers then forget the
    /// connection, as they must for a connection that is really gone);
    pub gone: f64,
    /// answered 429 `LimitExceededException` without delivering;
    pub throttle: f64,
    /// answered 500 `InternalServerErrorException` without delivering;
    pub error: f64,
    /// delivered after `delay_by` (longer than the client's attempt timeout: the SDK retries,
    /// and the client may receive the frame more than once);
    pub delay: f64,
    pub delay_by: Duration,
    /// Seed of the random draws (the same seed and order of posts give the same faults).
    pub seed: u64,
}

/// What happens to one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Deliver,
    Drop,
    Status(u16),
    Delay(Duration),
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        let shares = [self.drop, self.gone, self.throttle, self.error, self.delay];
        if shares.iter().any(|s| !(0.0..=1.0).contains(s)) {
            return Err("fault shares must be between 0 and 1".into());
        }
        if shares.iter().sum::<f64>() > 1.0 + 1e-9 {
            return Err("fault shares must add up to at most 1".into());
        }
        Ok(())
    }

    pub fn any(&self) -> bool {
        self.drop + self.gone + self.throttle + self.error + self.delay > 0.0
    }

    /// The fate of a post, for a uniform draw `r` in [0, 1).
    pub fn fate(&self, r: f64) -> Fate {
        let mut edge = 0.0;
        for (share, fate) in [
            (self.drop, Fate::Drop),
            (self.gone, Fate::Status(410)),
            (self.throttle, Fate::Status(429)),
            (self.error, Fate::Status(500)),
            (self.delay, Fate::Delay(self.delay_by)),
        ] {
            edge += share;
            if r < edge {
                return fate;
            }
        }
        Fate::Deliver
    }

    /// One line for the banner.
    pub fn describe(&self) -> String {
        format!(
            "posts dropped {:.0}%, 410 {:.0}%, 429 {:.0}%, 500 {:.0}%, delayed {:.0}% by {} ms (seed {})",
            self.drop * 100.0,
            self.gone * 100.0,
            self.throttle * 100.0,
            self.error * 100.0,
            self.delay * 100.0,
            self.delay_by.as_millis(),
            self.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_follow_the_shares_in_order() {
        let f = Faults {
            drop: 0.1,
            gone: 0.1,
            throttle: 0.1,
            error: 0.1,
            delay: 0.1,
            delay_by: Duration::from_millis(5),
            seed: 1,
        };
        assert_eq!(f.fate(0.05), Fate::Drop);
        assert_eq!(f.fate(0.15), Fate::Status(410));
        assert_eq!(f.fate(0.25), Fate::Status(429));
        assert_eq!(f.fate(0.35), Fate::Status(500));
        assert_eq!(f.fate(0.45), Fate::Delay(Duration::from_millis(5)));
        assert_eq!(f.fate(0.55), Fate::Deliver);
        assert_eq!(Faults::default().fate(0.0), Fate::Deliver);
        assert!(f.validate().is_ok());
        assert!(Faults {
            drop: 0.7,
            error: 0.4,
            ..Faults::default()
        }
        .validate()
        .is_err());
        assert!(Faults {
            drop: -0.1,
            ..Faults::default()
        }
        .validate()
        .is_err());
    }
}
