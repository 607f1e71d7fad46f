//! Seeded random damage to audit files: truncated and spliced lines, flipped bytes, stray quotes
//! and brackets, lost and repeated lines. The parser never panics; every import either succeeds
//! (reporting each unreadable record with its line) or stops naming the file and a line, and a
//! stopped import leaves the store as it was.

#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use steward_store::Store;
use steward_usage::{ImportOptions, import_audit_file, parse};

const CASES: u64 = 120;

const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\\",
    b"\n",
    b"\0",
    b"\xff\xfe",
    b"null",
    b"-1",
    b"\xc3",
    b"9999-99-99T99:99:99",
];

fn sample() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..40 {
        let line = match i % 3 {
            0 => format!(
                r#"{{"PropertyCollection":[{{"Name":"powerplatform.analytics.resource.power_app.id","Value":"app-{i}"}},{{"Name":"enduser.id","Value":"u-{i}"}}],"Id":"r-{i}","RecordType":256,"CreationTime":"2026-10-0{}T10:00:00","Operation":"LaunchPowerApp","OrganizationId":"t1","Workload":"PowerPlatform"}}"#,
                1 + i % 9
            ),
            1 => format!(
                r#"{{"CreationTime":"2026-10-0{}T11:00:00","Id":"r-{i}","Operation":"LaunchPowerApp","OrganizationId":"t1","RecordType":45,"UserId":"U{i}@contoso.com","Workload":"PowerApps","AppName":"app-{i}","AdditionalInfo":"{{\"environmentName\":\"e1\"}}"}}"#,
                1 + i % 9
            ),
            _ => format!(
                r#"{{"CreationTime":"2026-10-0{}T12:00:00","Id":"r-{i}","Operation":"CreateFlow","OrganizationId":"t1","RecordType":30,"UserKey":"u-{i}","Workload":"MicrosoftFlow","ObjectId":"flow-{i}"}}"#,
                1 + i % 9
            ),
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn damage(mut bytes: Vec<u8>, r: &mut ChaCha8Rng) -> Vec<u8> {
    for _ in 0..r.random_range(1..6) {
        if bytes.is_empty() {
            break;
        }
        let at = r.random_range(0..bytes.len());
        match r.random_range(0..5) {
            0 => bytes.truncate(at),
            1 => bytes[at] = r.random(),
            2 => {
                let token = TOKENS[r.random_range(0..TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + r.random_range(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                let end = (at + r.random_range(1..200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

#[test]
fn the_parser_never_panics_on_damaged_records() {
    let mut r = ChaCha8Rng::seed_from_u64(7);
    let clean = sample();
    for _ in 0..2000 {
        let bytes = damage(clean.clone(), &mut r);
        for line in bytes.split(|b| *b == b'\n') {
            if let Ok(text) = std::str::from_utf8(line)
                && let Ok(record) = parse::record(text)
            {
                let _ = record.usage();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_import_cleanly_or_stop_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = steward_store_sqlite::SqliteStore::open(dir.path().join("f.db").to_str().unwrap()).unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let mut r = ChaCha8Rng::seed_from_u64(11);
    let path = dir.path().join("damaged.jsonl");
    for case in 0..CASES {
        std::fs::write(&path, damage(sample(), &mut r)).unwrap();
        let before = store.content_digest().await.unwrap();
        match import_audit_file(store.clone(), &path, &ImportOptions::default()).await {
            Ok(report) => assert_eq!(report.malformed, 0, "case {case}: no errors allowed, none reported"),
            Err(e) => {
                let text = e.to_string();
                assert!(text.contains("damaged.jsonl"), "case {case}: the error names the file: {text}");
                // These files are one commit long: a stopped import has committed nothing.
                assert_eq!(
                    store.content_digest().await.unwrap(),
                    before,
                    "case {case}: a stopped import writes nothing"
                );
            }
        }
        let lenient = ImportOptions { max_errors: u64::MAX, ..Default::default() };
        match import_audit_file(store.clone(), &path, &lenient).await {
            Ok(report) => {
                assert!(
                    report.first_errors.iter().all(|e| e.starts_with("line ")),
                    "case {case}: {:?}",
                    report.first_errors
                )
            }
            // Only a file that does not even start like JSON is refused whole.
            Err(e) => assert!(e.to_string().contains("JSON lines or a JSON array"), "case {case}: {e}"),
        }
    }
}
