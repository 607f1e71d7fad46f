//! Running the real binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn steward() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_steward"));
    // Tests must not pick up a developer's configuration or database.
    cmd.env_remove("STEWARD_DATABASE_URL").env_remove("STEWARD_CONFIG").env_remove("STEWARD_ADDR");
    cmd.env_remove("STEWARD_DATA_DIR").env("STEWARD_LOG", "warn");
    cmd
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the steward binary runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn generate_small(dir: &Path, usage_days: u32) {
    run_ok(
        steward()
            .args(["generate", "--preset", "small", "--seed", "7", "--usage-days"])
            .arg(usage_days.to_string())
            .arg("--out")
            .arg(dir),
    );
}

/// A server started as a child process; killed when dropped.
pub struct Served {
    pub child: Child,
    pub base: String,
    pub stdout: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start a long-running command and wait for it to print the URL it serves.
pub fn spawn_serving(cmd: &mut Command) -> Served {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("steward starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading to the end even after the URL is found: closing the pipe early would kill
        // the child with a broken pipe on its next line of output (it prints a config after the URL).
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                let url = line.split("serving at ").nth(1).map(|u| u.trim().trim_end_matches('/').to_string());
                lines.push(line);
                if let Some(base) = url {
                    return Served { child, base, stdout: lines };
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("steward did not print the URL it serves; it printed: {lines:?}");
            }
        }
    }
}
