//! Lambda's CPU share for a process under measurement: a cgroup v1 CPU group whose quota is
//! the share's microseconds per 100,000 µs period (128 MB: 7,200 µs, about 7.2 % of a CPU;
//! Lambda gives a full vCPU at 1,769 MB). A process is moved in by its pid once its init is
//! done (Lambda does not throttle init), and leaves it when it exits.

use std::path::{Path, PathBuf};

/// The CPU period the quota is a share of.
pub const PERIOD_US: u64 = 100_000;

/// The CPU share Lambda gives a function of `memory_mb` (linear, 1 vCPU at 1,769 MB), in µs
/// per [`PERIOD_US`].
pub fn lambda_quota_us(memory_mb: u64) -> u64 {
    (memory_mb * PERIOD_US / 1769).min(PERIOD_US)
}

/// A CPU group of its own under `root` (e.g. `/sys/fs/cgroup/cpu`), removed when dropped.
pub struct CpuQuota {
    dir: PathBuf,
    pub quota_us: u64,
}

impl CpuQuota {
    /// Creates `root/name` with `quota_us` per [`PERIOD_US`]; fails where cgroup v1's CPU
    /// controller is not mounted or not writable (not root).
    pub fn create(root: &Path, name: &str, quota_us: u64) -> std::io::Result<Self> {
        let dir = root.join(name);
        if !dir.is_dir() {
            std::fs::create_dir(&dir)?;
        }
        std::fs::write(dir.join("cpu.cfs_period_us"), PERIOD_US.to_string())?;
        std::fs::write(dir.join("cpu.cfs_quota_us"), quota_us.to_string())?;
        Ok(Self { dir, quota_us })
    }

    /// Moves process `pid` (all its threads) into the group.
    pub fn admit(&self, pid: u32) -> std::io::Result<()> {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }

    /// Times the group's processes were held back, and for how long in all (ns).
    pub fn throttled(&self) -> (u64, u64) {
        let text = std::fs::read_to_string(self.dir.join("cpu.stat")).unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
                .unwrap_or(0)
        };
        (field("nr_throttled"), field("throttled_time"))
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        // Only an empty group can go; its processes were killed and reaped before.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_grows_with_memory_up_to_one_cpu_at_1769_mb() {
        assert_eq!(lambda_quota_us(128), 7_235);
        assert_eq!(lambda_quota_us(256), 14_471);
        assert_eq!(lambda_quota_us(1769), PERIOD_US);
        assert_eq!(lambda_quota_us(3008), PERIOD_US);
    }
}
