//! Seeded random damage to the sample files: truncations, flipped bytes, stray quotes and
//! delimiters, lost and repeated bytes and lines. Every import must either succeed or fail with a
//! positioned error naming the damaged input, never panic, and a failure must leave the
//! database as it was.

use crate::support::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use steward_ingest::IngestError;
use steward_ingest::files::{SourceFormat, detect};

const CASES: u64 = 300;

/// Bytes that matter to CSV, JSON and JSON Lines, plus some that are not text at all.
const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"\0",
    b"\xff\xfe",
    b"\xEF\xBB\xBF",
    b"null",
    b"-1",
    b"9999-99-99T99:99:99Z",
    b"\xc3",
];

/// The inputs damaged: (sample, format, file inside a directory sample to damage).
const SAMPLES: &[(&str, SourceFormat, Option<&str>)] = &[
    ("purview/audit-export.csv", SourceFormat::Purview, None),
    ("coe-kit", SourceFormat::CoeKit, Some("admin_environment.csv")),
    ("coe-kit", SourceFormat::CoeKit, Some("admin_app.csv")),
    ("coe-kit", SourceFormat::CoeKit, Some("admin_flow.csv")),
    ("coe-kit", SourceFormat::CoeKit, Some("admin_auditlog.csv")),
    ("steward-dir", SourceFormat::Steward, Some("manifest.json")),
    ("steward-dir", SourceFormat::Steward, Some("resources.jsonl")),
    ("steward-dir", SourceFormat::Steward, Some("usage.csv")),
    ("steward-appian.jsonl", SourceFormat::Steward, None),
];

fn mutate(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..=3) {
        let len = bytes.len();
        let at = if len == 0 { 0 } else { rng.random_range(0..len) };
        match rng.random_range(0..6) {
            0 => bytes.truncate(at),
            1 if len > 0 => bytes[at] = rng.random(),
            2 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + rng.random_range(1..64)).min(len);
                bytes.drain(at..end);
            }
            4 => {
                // Repeat the line holding `at`.
                let start = bytes[..at].iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
                let end = bytes[at..].iter().position(|b| *b == b'\n').map_or(len, |p| at + p + 1);
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
            _ => {
                // Swap two bytes far apart (moves a quote or a delimiter elsewhere).
                if len > 1 {
                    let other = rng.random_range(0..len);
                    bytes.swap(at, other);
                }
            }
        }
    }
}

/// A damaged copy of `sample` under `root`; returns the path to import and the damaged file.
fn damaged_copy(
    rng: &mut ChaCha8Rng,
    root: &Path,
    case: u64,
    sample: &str,
    target: Option<&str>,
) -> (PathBuf, PathBuf) {
    let from = data(sample);
    let name = Path::new(sample).file_name().unwrap();
    let to = root.join(format!("case-{case}")).join(name);
    let damaged = match target {
        Some(file) => {
            copy_dir(&from, &to);
            to.join(file)
        }
        None => {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
            to.clone()
        }
    };
    let mut bytes = std::fs::read(&damaged).unwrap();
    mutate(rng, &mut bytes);
    std::fs::write(&damaged, &bytes).unwrap();
    (to, damaged)
}

#[tokio::test]
async fn random_damage_fails_cleanly_or_imports() {
    let f = fixture().await;
    let work = tempfile::tempdir().unwrap();
    let mut failures = 0;
    for case in 0..CASES {
        let mut rng = ChaCha8Rng::seed_from_u64(case);
        let (sample, format, target) = SAMPLES[rng.random_range(0..SAMPLES.len())];
        let (path, damaged) = damaged_copy(&mut rng, work.path(), case, sample, target);
        // Detection must not panic either, whatever it decides.
        let _ = detect(&path);
        let before = digest(&f.store).await;
        match import(&f.store, &path, format, None).await {
            Ok(_) => {}
            Err(err) => {
                failures += 1;
                let text = err.to_string();
                // FUZZ_SHOW=1 prints every refusal, to judge the messages by eye.
                if std::env::var_os("FUZZ_SHOW").is_some() {
                    eprintln!("case {case}: {text}");
                }
                assert!(
                    !matches!(err, IngestError::Reader(_) | IngestError::Store { .. }),
                    "case {case} ({sample}): the reader must report bad input itself, not stop or reach the store: {text}"
                );
                let named = path.to_string_lossy();
                let file = damaged.to_string_lossy();
                assert!(
                    text.contains(named.as_ref()) || text.contains(file.as_ref()),
                    "case {case} ({sample}): the error names the input: {text}"
                );
                assert_eq!(
                    digest(&f.store).await,
                    before,
                    "case {case} ({sample}): a failed import changed the database"
                );
            }
        }
        let _ = std::fs::remove_dir_all(work.path().join(format!("case-{case}")));
    }
    eprintln!("{failures} of {CASES} damaged inputs were refused");
    assert!(failures > CASES / 4, "most damage is caught ({failures} of {CASES} failed)");
}
