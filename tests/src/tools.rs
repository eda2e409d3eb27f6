//! Running the workspace's tools from tests: Node scripts under `tests/api/` (with
//! `tools/node_modules`), the virtualenv's programs, bounded in time, their output checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A file that `bash scripts/setup.sh` installs; panics saying so when it is missing.
pub fn installed(relative: &str) -> PathBuf {
    let path = workspace().join(relative);
    assert!(
        path.exists(),
        "{relative} is missing: run `bash scripts/setup.sh` (it installs the API document tools)"
    );
    path
}

/// Runs `command` to completion (in the workspace unless it has a directory of its own),
/// killing it if it takes longer than `limit`.
pub fn run(mut command: Command, limit: Duration) -> Output {
    if command.get_current_dir().is_none() {
        command.current_dir(workspace());
    }
    let program = format!("{:?}", command.get_program());
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (is it installed?): {e}"));
    let pid = child.id();
    let (done, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match waited.recv_timeout(limit) {
        Ok(output) => output.expect("the child's output"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("{program} did not finish within {limit:?}");
        }
    }
}

/// Asserts that `output` is a success; returns its standard output.
pub fn succeeded(output: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `node tests/api/<script> args...`.
pub fn node(script: &str, args: &[&Path]) -> Command {
    installed("tools/node_modules/@asyncapi/parser/package.json");
    let mut command = Command::new("node");
    command.arg(workspace().join("tests/api").join(script));
    command.args(args);
    command
}

/// A fresh scratch directory `name-<pid>-<random>` under `root` (a test's target directory).
pub fn scratch(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(format!(
        "{name}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
