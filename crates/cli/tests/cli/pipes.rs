//! `steward … | head`: a reader that closes the pipe early ends the command quietly, with
//! the status a shell expects from SIGPIPE, not a panic report.

use crate::support::steward;
use std::process::Stdio;

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().expect("test setup");
    let mut child = steward()
        .current_dir(dir.path())
        .args(["policy", "fields"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("steward starts");
    // Close the read end before the command has printed anything: its first line fails.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("steward ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "no panic report: {err}");
    assert!(matches!(out.status.code(), Some(141) | Some(0)), "{:?}: {err}", out.status);
}
