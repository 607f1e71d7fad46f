//! Seeded random damage of good policy files: the loader never panics, every error names the
//! file and a plausible line, and whatever loads is a valid policy.

use super::*;

/// splitmix64: a tiny deterministic generator, so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Characters that mean something to YAML, plus a few that do not.
const NOISE: &[u8] = b":-[]{}#&*!|>'\"%@`,? \t\n\r\\ax0~\x00\xff\xc3";

fn damage(rng: &mut Rng, good: &[u8]) -> Vec<u8> {
    let mut bytes = good.to_vec();
    for _ in 0..=rng.below(4) {
        let len = bytes.len();
        match rng.below(7) {
            // Delete a range.
            0 => {
                let at = rng.below(len);
                let n = rng.below(20).min(len - at);
                bytes.drain(at..at + n);
            }
            // Insert noise.
            1 => {
                let at = rng.below(len + 1);
                for _ in 0..=rng.below(5) {
                    bytes.insert(at, NOISE[rng.below(NOISE.len())]);
                }
            }
            // Overwrite one byte.
            2 if len > 0 => {
                let at = rng.below(len);
                bytes[at] = NOISE[rng.below(NOISE.len())];
            }
            // Truncate.
            3 => bytes.truncate(rng.below(len + 1)),
            // Duplicate, drop or swap whole lines (duplicate keys and ids, broken nesting).
            _ => {
                let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let n = lines.len();
                let (a, b) = (rng.below(n), rng.below(n));
                match rng.below(3) {
                    0 => {
                        let line = lines[a].clone();
                        lines.insert(b, line);
                    }
                    1 => {
                        lines.remove(a);
                    }
                    _ => lines.swap(a, b),
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    bytes
}

fn check(file: &str, text_lines: usize, policies: &[crate::model::Policy], errors: &[LoadError]) {
    for e in errors {
        assert_eq!(e.file, file, "{e}");
        assert!(!e.message.is_empty(), "{e:?}");
        assert!((e.line as usize) <= text_lines + 1, "line {} of a {text_lines}-line file: {e}", e.line);
    }
    for p in policies {
        assert!(policy::is_kebab_case(&p.id), "{p:?}");
        assert!(!p.condition.trim().is_empty(), "{p:?}");
        assert!(!p.title.trim().is_empty(), "{p:?}");
        assert!(p.version >= 1);
    }
}

#[test]
fn damaged_files_never_panic_and_errors_name_the_file() {
    let good: Vec<&str> = crate::builtin::FILES.iter().map(|(_, text)| *text).chain([super::tests::GOOD]).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut loaded_some = 0;
    for seed in 0..3000u64 {
        let mut rng = Rng(seed);
        let original = good[rng.below(good.len())];
        let bytes = damage(&mut rng, original.as_bytes());
        let file = format!("damaged-{seed}.yaml");
        if seed % 50 == 0 {
            // Through the file system too: invalid UTF-8 and the set loader.
            let path = dir.path().join(&file);
            std::fs::write(&path, &bytes).expect("write");
            let (set, errors) = load_set(&path, "fuzz");
            let shown = path.display().to_string();
            for e in &errors {
                assert_eq!(e.file, shown, "seed {seed}: {e}");
            }
            check(&shown, bytes.split(|&b| b == b'\n').count(), &[], &errors);
            let _ = set;
            std::fs::remove_file(&path).expect("remove");
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let (policies, errors) = parse_policies(&file, &text);
        check(&file, text.lines().count(), &policies, &errors);
        if !policies.is_empty() {
            loaded_some += 1;
        }
    }
    // Damage that misses every policy must leave them loading; otherwise the test would pass
    // on a loader that gives up on everything.
    assert!(loaded_some > 1000, "only {loaded_some} damaged files kept a policy");
}
