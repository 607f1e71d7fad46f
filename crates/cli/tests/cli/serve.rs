//! `steward serve` on real data: it refuses to start without an enabled admin and names the
//! command that makes one; with an admin it serves, and nothing but the public routes answers
//! without signing in.

use crate::support::{spawn_serving, steward};
use std::io::Write;
use std::process::Stdio;

#[tokio::test]
async fn serve_needs_an_admin_first_and_then_asks_everyone_to_sign_in() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", tmp.path().join("steward.db").display());
    let out = steward().args(["--db", &db, "serve", "--addr", "127.0.0.1:0"]).output().expect("runs");
    assert!(!out.status.success(), "serve must refuse to start without an admin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no enabled admin"), "{stderr}");
    assert!(stderr.contains("steward user add --admin <name>"), "the exact command is named: {stderr}");

    let mut add = steward()
        .args(["--db", &db, "user", "add", "--admin", "ann", "--password-stdin"])
        .env("USER", "tester")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    add.stdin.take().expect("piped").write_all(b"correct horse battery\n").expect("password written");
    let added = add.wait_with_output().expect("finishes");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let served = spawn_serving(steward().args(["--db", &db, "serve", "--addr", "127.0.0.1:0"]));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let get = |path: &str| client.get(format!("{}{path}", served.base)).send();
    assert_eq!(get("/healthz").await.expect("send").status(), 200);
    assert_eq!(get("/signin").await.expect("send").status(), 200);
    assert_eq!(get("/api/v1/resources").await.expect("send").status(), 401);
    let page = get("/").await.expect("send");
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers().get("location").and_then(|v| v.to_str().ok()), Some("/signin?next=%2F"));
}
