//! The test command's own time: `scripts/test.sh` writes each step's wall time to
//! `target/test-times.txt`, and `scripts/bench.sh` copies the last run's into its results.

use std::fmt::Write as _;

/// One run of the test command.
#[derive(Debug, Clone, PartialEq)]
pub struct TestTimes {
    pub commit: String,
    pub total_s: u64,
    /// Each step's seconds and name, in the order they ran.
    pub steps: Vec<(u64, String)>,
}

impl TestTimes {
    /// Reads `commit C`, `total S`, then one `S step name` line per step; `None` if the text
    /// is not such a record.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let commit = lines.next()?.strip_prefix("commit ")?.to_owned();
        let total_s = lines.next()?.strip_prefix("total ")?.parse().ok()?;
        let steps = lines
            .map(|line| {
                let (s, name) = line.split_once(' ')?;
                Some((s.parse().ok()?, name.to_owned()))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            commit,
            total_s,
            steps,
        })
    }

    /// The sentence the report prints: the total and the three slowest steps.
    pub fn summary(&self) -> String {
        let mut slowest = self.steps.clone();
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        let mut out = format!(
            "The test command, `bash scripts/test.sh` (every check CI runs), took {} in its last \
             run on this machine (commit `{}`); its slowest steps: ",
            minutes(self.total_s),
            self.commit
        );
        for (i, (s, name)) in slowest.iter().take(3).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}{name} {}", minutes(*s));
        }
        out.push_str(". Each step's time: `target/test-times.txt`.");
        out
    }
}

fn minutes(s: u64) -> String {
    format!("{} min {:02} s", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_names_its_slowest_steps() {
        let t = TestTimes::parse(
            "commit 44eb0af+changes\ntotal 812\n12 setup\n401 cargo test\n95 cargo clippy\n130 bench smoke\n",
        )
        .expect("a record");
        assert_eq!(t.total_s, 812);
        assert_eq!(t.steps.len(), 4);
        let s = t.summary();
        assert!(s.contains("13 min 32 s"), "{s}");
        assert!(s.contains("`44eb0af+changes`"), "{s}");
        assert!(
            s.contains("cargo test 6 min 41 s, bench smoke 2 min 10 s, cargo clippy 1 min 35 s."),
            "{s}"
        );
    }

    #[test]
    fn anything_else_is_not_a_record() {
        assert_eq!(TestTimes::parse(""), None);
        assert_eq!(TestTimes::parse("total 5\ncommit x\n"), None);
        assert_eq!(TestTimes::parse("commit x\ntotal 5\nfive setup\n"), None);
    }
}
