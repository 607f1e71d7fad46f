//! The model parser: every problem named with its line and a fix, a models directory that adds
//! and replaces models, and no panic on damaged input.

use rand::{Rng, SeedableRng};
use steward_assess::load::{BUILTIN, LoadError, parse_model};
use steward_assess::{Models, model::Level};

const SMALL: &str = "id: mine
title: My model
version: \"1\"
source: our wiki
areas:
  - id: area-a
    title: Area A
    source: wiki
    scopes: [organisation]
    questions:
      - id: mine.q1
        text: Is it so?
        answer: yes_no
        weight: 2
        level: 200
        why: because
";

#[test]
fn a_small_model_parses() {
    let m = parse_model(SMALL, "mine.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.areas[0].questions[0].level, Level(200));
    assert_eq!(m.areas[0].questions[0].source, "wiki", "the area's source when the question has none");
}

fn problems(text: &str) -> String {
    match parse_model(text, "bad.yaml") {
        Ok(_) => panic!("expected refusal of:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn problems_name_the_file_line_and_fix() {
    let bad_level = SMALL.replace("level: 200", "level: 250");
    let e = problems(&bad_level);
    assert!(e.contains("bad.yaml:line 15:") && e.contains("level 250") && e.contains("use 100, 200"), "{e}");

    let bad_weight = SMALL.replace("weight: 2", "weight: 11");
    let e = problems(&bad_weight);
    assert!(e.contains("line 14") && e.contains("weight 11"), "{e}");

    let twice = format!(
        "{SMALL}      - id: mine.q1\n        text: Again?\n        answer: yes_no\n        weight: 1\n        level: 300\n        why: x\n"
    );
    let e = problems(&twice);
    assert!(e.contains("line 17") && e.contains("used twice"), "{e}");

    let choice = SMALL.replace("answer: yes_no", "answer: choice");
    assert!(problems(&choice).contains("list at least two `choices`"));

    let probe = SMALL.replace("why: because", "why: because\n        evidence: telepathy");
    let e = problems(&probe);
    assert!(e.contains("'telepathy' is not an evidence probe") && e.contains("monitoring"), "{e}");

    let unknown_field = SMALL.replace("why: because", "why: because\n        wieght: 3");
    let e = problems(&unknown_field);
    assert!(e.contains("wieght") && e.contains("line 17"), "{e}");

    let answer = SMALL.replace("answer: yes_no", "answer: maybe");
    assert!(problems(&answer).contains("use one of yes_no, scale, choice, number, text"));

    let scope = SMALL.replace("[organisation]", "[planet]");
    assert!(problems(&scope).contains("'planet' is not an assessment scope"));

    let number = SMALL.replace("answer: yes_no", "answer: number");
    assert!(problems(&number).contains("`target:`"));

    let syntax = SMALL.replace("title: Area A", "title: [Area A");
    assert!(problems(&syntax).contains("bad.yaml:line"), "syntax errors have a line too");
}

#[test]
fn several_problems_are_reported_together() {
    let text = SMALL.replace("level: 200", "level: 7").replace("weight: 2", "weight: -1");
    let e = problems(&text);
    assert!(e.contains("level 7") && e.contains("weight -1"), "{e}");
}

#[test]
fn a_models_directory_adds_and_replaces_models() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("mine.yaml"), SMALL).expect("write");
    let support = BUILTIN.iter().find(|(n, _)| *n == "support.yaml").map(|(_, t)| *t).expect("support");
    let replaced = support.replace("version: \"2024-01\"", "version: \"ours-1\"");
    std::fs::write(dir.path().join("support.yaml"), replaced).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a model").expect("write");
    let models = Models::load(Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = models.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["adoption", "alm", "mine", "program", "support"]);
    let support = models.get("support").expect("support");
    assert_eq!(support.version, "ours-1");
    assert!(support.origin.ends_with("support.yaml") && !support.origin.starts_with("built-in"));
}

#[test]
fn question_ids_must_be_unique_across_models() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("mine.yaml"), SMALL.replace("mine.q1", "alignment.coe")).expect("write");
    match Models::load(Some(dir.path())) {
        Err(LoadError::DuplicateQuestion { id, .. }) => assert_eq!(id, "alignment.coe"),
        other => panic!("expected a duplicate question, got {other:?}"),
    }
}

#[test]
fn a_missing_directory_says_which_setting() {
    let e = Models::load(Some(std::path::Path::new("/nonexistent/steward-models"))).expect_err("missing dir");
    assert!(e.to_string().contains("[assess] models_dir"), "{e}");
}

/// Damaged model files (bytes changed, lines cut, cut short, lines repeated) never panic the
/// parser: each is either a model or a list of problems.
#[test]
fn damaged_models_never_panic() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_a55e);
    let seeds: Vec<&str> = BUILTIN.iter().map(|(_, t)| *t).chain(std::iter::once(SMALL)).collect();
    let alphabet: &[u8] = b" :-[]{}\"'#&*!|>%@`\n\t0123456789abcyesno.,?\\";
    let mut refused = 0;
    for round in 0..600 {
        let base = seeds[round % seeds.len()];
        let mut bytes = base.as_bytes().to_vec();
        match rng.random_range(0..4) {
            0 => {
                for _ in 0..rng.random_range(1..8) {
                    let i = rng.random_range(0..bytes.len());
                    bytes[i] = alphabet[rng.random_range(0..alphabet.len())];
                }
            }
            1 => bytes.truncate(rng.random_range(0..bytes.len())),
            2 => {
                let lines: Vec<&str> = base.lines().collect();
                let keep: Vec<&str> = lines.iter().copied().filter(|_| rng.random_range(0..10) > 0).collect();
                bytes = keep.join("\n").into_bytes();
            }
            _ => {
                let lines: Vec<&str> = base.lines().collect();
                let i = rng.random_range(0..lines.len());
                let mut out = lines.clone();
                out.insert(i, lines[rng.random_range(0..lines.len())]);
                bytes = out.join("\n").into_bytes();
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = parse_model(&text, "fuzz.yaml") {
            refused += 1;
            assert!(!e.problems.is_empty(), "a refusal names at least one problem");
        }
    }
    assert!(refused > 100, "most damaged files are refused ({refused} of 600)");
}
