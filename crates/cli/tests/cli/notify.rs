//! `steward notify`: the delivery log from the command line, and a test message that fails
//! with a message naming what to configure when the channel is not set up.

use crate::support::{run_ok, steward};

#[test]
fn deliveries_list_and_test_messages_say_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    run_ok(steward().args(["--db", &url, "migrate"]));
    let out = run_ok(steward().current_dir(dir.path()).args(["--db", &url, "notify", "deliveries"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No deliveries."), "{out:?}");

    let out = steward()
        .current_dir(dir.path())
        .args(["--db", &url, "notify", "test", "--channel", "email", "--to", "ann@example.com"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[notify.smtp]"), "names the section to add: {err}");

    let out = steward()
        .current_dir(dir.path())
        .args(["--db", &url, "notify", "test", "--channel", "pigeon", "--to", "x"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("email, teams, slack, webhook"), "lists the channels");

    let out = steward().current_dir(dir.path()).args(["--db", &url, "notify", "retry", "7"]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("delivery '7' not found"), "{out:?}");
}
