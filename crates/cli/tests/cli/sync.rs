//! `steward sync` against `steward fake-tenant`, both as child processes: the configuration a
//! user writes, the report, and a run killed with SIGKILL that the next run resumes.

use crate::support::{run_ok, spawn_serving, steward};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use steward_store::Store;

const AS_OF: &str = "2026-11-02T00:00:00Z";

fn write_config(dir: &Path, base: &str, tenant_id: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("secret.txt"), steward_fake_tenant::DEFAULT_CLIENT_SECRET).expect("test setup");
    let toml = steward_fake_tenant::steward_toml("fake", tenant_id, base, "secret.txt");
    let path = dir.join("steward.toml");
    std::fs::write(&path, toml).expect("test setup");
    path
}

fn sync_cmd(config: &Path, db: &Path) -> Command {
    let mut cmd = steward();
    cmd.arg("--config").arg(config).arg("--db").arg(format!("sqlite://{}", db.display()));
    cmd.args(["sync"]).env("STEWARD_SYNC_AS_OF", AS_OF);
    cmd
}

async fn digest(db: &Path) -> String {
    let store = steward_store_sqlite::SqliteStore::open(db.to_str().expect("test setup")).expect("test setup");
    store.migrate().await.expect("test setup");
    store.content_digest().await.expect("test setup")
}

fn tenant_id() -> String {
    steward_fake_tenant::FakeTenant::new(steward_fake_tenant::FakeConfig::new(
        steward_ingest::synthetic::Preset::Small,
        3,
    ))
    .tenant_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_prints_a_report_and_a_killed_run_resumes_to_the_same_state() {
    let fake =
        spawn_serving(steward().args(["fake-tenant", "--preset", "small", "--seed", "3", "--addr", "127.0.0.1:0"]));
    let dir = tempfile::tempdir().expect("test setup");
    let config = write_config(dir.path(), &fake.base, &tenant_id());

    let reference = dir.path().join("reference.db");
    let out = run_ok(&mut sync_cmd(&config, &reference));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("source fake"), "{text}");
    assert!(text.contains("all resources"), "per-environment table with totals: {text}");
    assert!(text.contains("calls:") && text.contains("throttled"), "{text}");
    assert!(!text.contains(steward_fake_tenant::DEFAULT_CLIENT_SECRET), "the secret never shows");

    let killed = dir.path().join("killed.db");
    let mut kills = 0;
    for delay_ms in [150u64, 400, 900, 1500] {
        let mut child = sync_cmd(&config, &killed).stdout(std::process::Stdio::null()).spawn().expect("test setup");
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().expect("test setup").is_none() {
            child.kill().expect("test setup"); // SIGKILL
            kills += 1;
        }
        let _ = child.wait();
    }
    assert!(kills >= 1, "at least one run must have been killed mid-way");
    let out = run_ok(&mut sync_cmd(&config, &killed));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("resumed") || kills < 4, "the run after kills resumes: {text}");
    assert_eq!(digest(&killed).await, digest(&reference).await, "killed and resumed runs converge");
}

#[test]
fn sync_without_sources_says_what_to_do() {
    let dir = tempfile::tempdir().expect("test setup");
    let config = dir.path().join("steward.toml");
    std::fs::write(&config, "[database]\n").expect("test setup");
    let out = steward().arg("--config").arg(&config).arg("sync").output().expect("test setup");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no sources configured") && err.contains("[[sources]]"), "{err}");
}

#[test]
fn sync_with_a_missing_secret_variable_names_it() {
    let dir = tempfile::tempdir().expect("test setup");
    let config = dir.path().join("steward.toml");
    std::fs::write(
        &config,
        "[[sources]]\ntype = \"powerplatform\"\nname = \"contoso\"\ntenant_id = \"t\"\nclient_id = \"c\"\n\
         client_secret = { env = \"STEWARD_TEST_NO_SUCH_SECRET\" }\n",
    )
    .expect("test setup");
    let db = dir.path().join("s.db");
    let out = steward()
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(format!("sqlite://{}", db.display()))
        .arg("sync")
        .env_remove("STEWARD_TEST_NO_SUCH_SECRET")
        .output()
        .expect("test setup");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("contoso") && err.contains("STEWARD_TEST_NO_SUCH_SECRET"), "{err}");
}
