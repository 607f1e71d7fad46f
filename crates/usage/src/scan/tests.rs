//! The extractor against serde_json: whenever it answers, serde_json must give the same
//! record; on ordinary records it must answer (else it would be a slow detour).

#![allow(clippy::unwrap_used)]

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Both readers' view of `text`: `Some(debug)` of the record, `None` for an error. Debug text
/// compares the values whether serde borrowed or unescaped them.
fn both(text: &str) -> (Option<String>, Option<String>) {
    let fast = record(text).map(|r| format!("{r:?}"));
    let slow = crate::parse::record(text).ok().map(|r| format!("{r:?}"));
    (fast, slow)
}

/// The extractor's answer, when it gives one, is serde_json's.
fn agree(text: &str) -> bool {
    let (fast, slow) = both(text);
    if let Some(fast) = &fast {
        assert_eq!(Some(fast), slow.as_ref(), "the extractor and serde_json differ on {text:?}");
    }
    fast.is_some()
}

const NEW: &str = r#"{"PropertyCollection":[{"Name":"powerplatform.analytics.resource.power_app.display_name","Value":"TestEmptyApp"},{"Name":"powerplatform.analytics.resource.power_app.id","Value":"6c39e97c-6ddd-4a37-afd4-494a605925cf"},{"Name":"powerplatform.analytics.resource.environment.id","Value":"aa289efd-09f4-eaeb-bbb8-c08fc9e27d09"},{"Name":"powerplatform.analytics.activity.name","Value":"LaunchPowerApp"},{"Name":"enduser.id","Value":"7ff1e0f1-e2a4-48a0-874e-34db43893df1"},{"Name":"enduser.principal_name","Value":"AmberR@CONTOSO.OnMicrosoft.com"}],"EnvironmentId":"aa289efd-09f4-eaeb-bbb8-c08fc9e27d09","UserId":"AmberR@CONTOSO.OnMicrosoft.com","ClientIP":"167.220.196.178","Id":"e2a84675-8952-4d91-a2ea-4d89f310f1a7","RecordType":256,"CreationTime":"2026-05-19T13:17:34","Operation":"LaunchPowerApp","OrganizationId":"33333333-3333-3333-3333-333333333333","UserType":2,"UserKey":"7ff1e0f1-e2a4-48a0-874e-34db43893df1","Workload":"PowerPlatform","ResultStatus":"Succeeded","Version":1,"RequiresCustomerKeyEncryption":false}"#;
const LEGACY: &str = r#"{"CreationTime":"2026-05-19T23:59:59","Id":"A1","Operation":"LaunchPowerApp","RecordType":45,"UserId":"Bob@Contoso.com","Workload":"PowerApps","AppName":"app-1","AdditionalInfo":{"environmentName":"env-9","targetObjectId":"app-1","permissionType":"CanView","n":[1,2.5e-3,{"x":null}]}}"#;
const FLOW: &str = r#"{"CreationTime":"2026-05-19T01:00:00","Id":"F1","Operation":"EditFlow","RecordType":"30","Workload":"MicrosoftFlow","ObjectId":"flow-1","UserKey":"u-1","FlowDetailsUrl":"https://admin.powerplatform.microsoft.com/environments/env-2/flows/flow-1/flowDetails"}"#;

#[test]
fn reads_the_three_shapes_as_serde_does() {
    for text in [
        NEW,
        LEGACY,
        FLOW,
        "{}",
        " { } \n",
        r#"{"Id":null,"RecordType":null,"AdditionalInfo":null,"PropertyCollection":null}"#,
    ] {
        assert!(agree(text), "the extractor gave up on {text}");
    }
    // An escaped value of an entry that is not read is only checked.
    let agent = r#"{"PropertyCollection":[{"Value":"Mozilla \"x\" \u00e9","Name":"user_agent.original"},{"Name":"enduser.id","Value":"u"}]}"#;
    assert!(agree(agent));
    assert!(!agree(&agent.replace("user_agent.original", "enduser.principal_name")), "a read entry's escape");
    assert!(!agree(&agent.replace(r#"\u00e9"#, r#"\u00g9"#)), "a bad escape anywhere");
    let r = record(NEW).unwrap();
    assert_eq!(r.properties.app_id.as_deref(), Some("6c39e97c-6ddd-4a37-afd4-494a605925cf"));
    assert_eq!(r.record_type, Some(256));
    let r = record(LEGACY).unwrap();
    assert_eq!(r.additional_info.environment_name.as_deref(), Some("env-9"));
    assert_eq!(record(FLOW).unwrap().record_type, Some(30));
}

#[test]
fn gives_up_on_what_serde_reads_differently_or_refuses() {
    let cases = [
        // Escapes in read fields and keys: serde unescapes.
        r#"{"Id":"a\u0062c"}"#,
        r#"{"\u0049d":"x"}"#,
        r#"{"AdditionalInfo":"{\"environmentName\":\"e\"}"}"#,
        // Duplicates and wrong types: serde refuses.
        r#"{"Id":"a","Id":"b"}"#,
        r#"{"Id":5}"#,
        r#"{"PropertyCollection":[{"Name":"enduser.id","Name":"x"}]}"#,
        r#"{"PropertyCollection":[{"Value":"x"}]}"#,
        r#"{"PropertyCollection":[["enduser.id","x"]]}"#,
        r#"{"RecordType":2.5}"#,
        r#"{"RecordType":-3}"#,
        r#"{"RecordType":007}"#,
        // Broken JSON.
        r#"{"Id":"x""#,
        r#"{"Id":"x",}"#,
        r#"{"Id":"x"} x"#,
        "{\"ClientIP\":\"a\tb\"}",
        r#"{"n":01}"#,
        r#"{"n":1.}"#,
        r#"{"n":tru}"#,
        r#"{"s":"\x"}"#,
        r#"{"s":"\u12g4"}"#,
        r#"[{"Id":"x"}]"#,
    ];
    for text in cases {
        assert!(!agree(text), "the extractor answered {text}");
    }
    // Keys that share a read field's length and first bytes, or its first eight bytes, are
    // other fields.
    for key in ["UserKeyx", "UserKe", "Ix", "CreationTimes", "CreationTimf", "PropertyCollectioN"] {
        let text = format!(r#"{{"{key}":5,"Id":"a"}}"#);
        assert!(agree(&text), "{text}");
        assert_eq!(record(&text).unwrap().id.as_deref(), Some("a"));
    }
    // Deep nesting in a skipped field: the extractor gives up, serde decides.
    let deep = format!(r#"{{"x":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    assert!(!agree(&deep));
    let shallow = format!(r#"{{"x":{}1{}}}"#, "[".repeat(20), "]".repeat(20));
    assert!(agree(&shallow));
}

#[test]
fn the_special_byte_search_finds_the_first_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..20_000 {
        let len = rng.random_range(0..40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.random_range(0..10) {
                0 => b'"',
                1 => b'\\',
                2 => rng.random_range(0..0x20),
                3 => rng.random_range(0x80..=0xff),
                _ => rng.random_range(0x20..0x7f),
            })
            .collect();
        let naive = bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        assert_eq!(find_special(&bytes), naive, "{bytes:?}");
    }
}

/// Random records: the read fields (sometimes twice, null, of another type, escaped), unknown
/// fields with nested values, in any order, with whitespace anywhere JSON allows it.
struct Gen {
    rng: ChaCha8Rng,
}

const KEYS: &[&str] = &[
    "Id",
    "CreationTime",
    "Operation",
    "Workload",
    "RecordType",
    "OrganizationId",
    "UserKey",
    "UserId",
    "UserUPN",
    "AppName",
    "ObjectId",
    "EnvironmentId",
    "FlowDetailsUrl",
    "AdditionalInfo",
    "PropertyCollection",
    "ClientIP",
    "UserType",
    "Version",
    "ResultStatus",
    "id",
    "Ids",
];

const NAMES: &[&str] = &[
    "powerplatform.analytics.resource.power_app.id",
    "powerplatform.analytics.resource.environment.id",
    "powerplatform.analytics.activity.name",
    "enduser.id",
    "enduser.principal_name",
    "powerplatform.analytics.resource.power_app.display_name",
];

impl Gen {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn ws(&mut self, out: &mut String) {
        if self.chance(0.1) {
            for _ in 0..self.rng.random_range(1..3) {
                out.push([' ', '\n', '\t', '\r'][self.rng.random_range(0..4)]);
            }
        }
    }

    /// String content, escaped or not.
    fn string(&mut self, out: &mut String, escapes: bool) {
        out.push('"');
        for _ in 0..self.rng.random_range(0..24) {
            let c = match self.rng.random_range(0..20) {
                0 if escapes => ["\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\u0041", "\\ud83d\\ude00"]
                    [self.rng.random_range(0..8)],
                1 => "é",
                2 => "日本",
                3 => "@",
                4 => "-",
                5 => "A",
                _ => ["a", "b", "0", "7", "x", "Z", ".", " "][self.rng.random_range(0..8)],
            };
            out.push_str(c);
        }
        out.push('"');
    }

    fn number(&mut self, out: &mut String) {
        let n = ["0", "7", "256", "-1", "3.25", "1e3", "-0.5E-2", "45", "30", "123456789012"];
        out.push_str(n[self.rng.random_range(0..n.len())]);
    }

    fn value(&mut self, out: &mut String, depth: u32) {
        match self.rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
            0 | 1 => {
                let escapes = self.chance(0.3);
                self.string(out, escapes)
            }
            2 => self.number(out),
            3 => out.push_str(["true", "false", "null"][self.rng.random_range(0..3)]),
            4 => self.string(out, false),
            5 => {
                out.push('[');
                let n = self.rng.random_range(0..4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.value(out, depth - 1);
                    self.ws(out);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                let n = self.rng.random_range(0..4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.string(out, false);
                    out.push(':');
                    self.ws(out);
                    self.value(out, depth - 1);
                }
                out.push('}');
            }
        }
    }

    /// A value for a read field: mostly the right type.
    fn text_value(&mut self, out: &mut String) {
        match self.rng.random_range(0..20) {
            0 => out.push_str("null"),
            1 => self.value(out, 1),
            2 => {
                let escapes = self.chance(0.5);
                self.string(out, escapes)
            }
            _ => self.string(out, false),
        }
    }

    fn properties(&mut self, out: &mut String) {
        if self.chance(0.05) {
            return self.value(out, 2);
        }
        out.push('[');
        let n = self.rng.random_range(0..8);
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            self.ws(out);
            out.push('{');
            let mut keys = vec!["Name", "Value"];
            if self.chance(0.1) {
                keys.push("Name");
            }
            if self.chance(0.1) {
                keys.retain(|k| *k != "Name");
            }
            if self.chance(0.2) {
                keys.push("Other");
            }
            if self.chance(0.5) {
                keys.reverse();
            }
            for (j, k) in keys.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                self.ws(out);
                out.push_str(&format!("\"{k}\":"));
                self.ws(out);
                match *k {
                    "Name" if self.chance(0.9) => {
                        out.push_str(&format!("\"{}\"", NAMES[self.rng.random_range(0..NAMES.len())]))
                    }
                    "Other" => self.value(out, 2),
                    _ => self.text_value(out),
                }
            }
            out.push('}');
        }
        out.push(']');
    }

    fn additional_info(&mut self, out: &mut String) {
        match self.rng.random_range(0..10) {
            0 => out.push_str("null"),
            1 => out.push_str(r#""{\"environmentName\":\"env-1\",\"targetObjectId\":\"t\"}""#),
            2 => self.value(out, 2),
            _ => {
                out.push('{');
                let mut keys = vec!["environmentName", "targetObjectId", "permissionType"];
                if self.chance(0.1) {
                    keys.push("environmentName");
                }
                for (j, k) in keys.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&format!("\"{k}\":"));
                    self.ws(out);
                    self.text_value(out);
                }
                out.push('}');
            }
        }
    }

    fn record(&mut self) -> String {
        let mut out = String::new();
        self.ws(&mut out);
        out.push('{');
        let n = self.rng.random_range(0..KEYS.len() + 4);
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            self.ws(&mut out);
            let key = KEYS[self.rng.random_range(0..KEYS.len())];
            out.push_str(&format!("\"{key}\""));
            self.ws(&mut out);
            out.push(':');
            self.ws(&mut out);
            match key {
                "RecordType" => match self.rng.random_range(0..4) {
                    0 => out.push_str(["\"30\"", "\" 45 \"", "\"x\"", "null"][self.rng.random_range(0..4)]),
                    _ => self.number(&mut out),
                },
                "AdditionalInfo" => self.additional_info(&mut out),
                "PropertyCollection" => self.properties(&mut out),
                "ClientIP" | "UserType" | "Version" | "ResultStatus" | "id" | "Ids" => self.value(&mut out, 3),
                _ => self.text_value(&mut out),
            }
            self.ws(&mut out);
        }
        out.push('}');
        self.ws(&mut out);
        out
    }
}

const DAMAGE: &[&str] = &["\"", "{", "}", "[", "]", ":", ",", "\\", "\n", "\u{1}", "null", "-", "0", "e", "\\u", "é"];

fn damage(text: &str, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..4) {
            0 => bytes.truncate(at),
            1 => bytes[at] = rng.random_range(0x20..0x7f),
            2 => {
                let token = DAMAGE[rng.random_range(0..DAMAGE.len())];
                bytes.splice(at..at, token.bytes());
            }
            _ => {
                let end = (at + rng.random_range(1..12)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

#[test]
fn generated_and_damaged_records_read_as_serde_reads_them() {
    let mut g = Gen { rng: ChaCha8Rng::seed_from_u64(2026) };
    let mut damage_rng = ChaCha8Rng::seed_from_u64(11);
    let (mut answered, mut serde_ok, mut damaged_answered) = (0, 0, 0);
    const CASES: usize = 20_000;
    for _ in 0..CASES {
        let text = g.record();
        serde_ok += usize::from(crate::parse::record(&text).is_ok());
        answered += usize::from(agree(&text));
        for _ in 0..3 {
            let bytes = damage(&text, &mut damage_rng);
            if let Ok(text) = std::str::from_utf8(&bytes) {
                damaged_answered += usize::from(agree(text));
            }
        }
    }
    println!(
        "serde read {serde_ok} of {CASES}; the extractor {answered}; damaged read by the extractor {damaged_answered}"
    );
    // The generator makes readable records often enough, and the extractor reads most of them
    // (what it leaves is escapes, duplicates and wrong types, all on purpose).
    assert!(serde_ok > CASES / 10, "serde read {serde_ok} of {CASES}");
    assert!(answered > serde_ok / 3, "the extractor read {answered} of serde's {serde_ok}");
    assert!(damaged_answered > 100, "damaged records the extractor read: {damaged_answered}");
}

#[test]
fn plain_records_in_any_order_with_whitespace_are_read_by_the_extractor() {
    // The record shapes with their fields shuffled and spaced out: always the fast path.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for base in [NEW, LEGACY, FLOW] {
        let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(base).unwrap();
        let mut fields: Vec<_> = value.into_iter().collect();
        for _ in 0..200 {
            for i in (1..fields.len()).rev() {
                fields.swap(i, rng.random_range(0..=i));
            }
            let sep = [",", " , ", ",\n\t", "\r\n,"][rng.random_range(0..4)];
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| {
                    format!("{}{}{}", serde_json::to_string(k).unwrap(), [":", " : "][rng.random_range(0..2)], v)
                })
                .collect();
            let text = format!("{{ {} }}", body.join(sep));
            assert!(agree(&text), "gave up on {text}");
        }
    }
}

#[test]
fn property_entries_read_in_one_go_or_field_by_field_agree_with_serde() {
    // Entries in the service's exact form take the one-go path; each variation below leaves it
    // part-way (after the name, after the value, at the close) and must be read again whole.
    let entries = [
        r#"{"Name":"enduser.id","Value":"u-1"}"#,
        r#"{"Name":"enduser.id","Value":null}"#,
        r#"{"Name":"enduser.id"}"#,
        r#"{"Name":"enduser.id","Value":"u-1","Other":[1,{"a":"b"}]}"#,
        r#"{"Name":"enduser.id" ,"Value":"u-1"}"#,
        r#"{"Name":"enduser.id","Value": "u-1"}"#,
        r#"{"Name":"enduser.id","Value":"u-1" }"#,
        r#"{"Value":"u-1","Name":"enduser.id"}"#,
        r#"{"Name":"user_agent.original","Value":"Mozilla \"x\""}"#,
        r#"{"Name":"enduser.id","Value":"u\"1"}"#,
        r#"{"Name":"enduser.\u0069d","Value":"u-1"}"#,
        r#"{"Name":"enduser.id","Value":5}"#,
        r#"{"Name":"enduser.id","Value":"u-1","Name":"x"}"#,
        r#"{"Name":"enduser.id","Value":"u-1"#,
    ];
    let (mut answered, mut refused) = (0, 0);
    for entry in entries {
        for (before, after) in
            [("", ""), (r#"{"Name":"x","Value":"y"},"#, ""), ("", r#",{"Name":"enduser.id","Value":"u-2"}"#)]
        {
            let text = format!(r#"{{"PropertyCollection":[{before}{entry}{after}],"Id":"r"}}"#);
            if agree(&text) {
                answered += 1;
            } else {
                refused += 1;
            }
        }
    }
    // Most variations are read (by one path or the other); escapes in read entries, wrong
    // types, duplicates and broken text are not.
    assert!(answered >= 24 && refused >= 9, "{answered} read, {refused} left to serde_json");
    let r =
        record(r#"{"PropertyCollection":[{"Name":"enduser.id","Value":"u-1"},{"Name":"enduser.id","Value":"u-2"}]}"#)
            .unwrap();
    assert_eq!(r.properties.user_id.as_deref(), Some("u-2"), "a later entry of the same name wins, as in serde");
}

#[test]
fn every_read_field_is_found_by_its_name_and_only_by_it() {
    for (name, f) in FIELDS {
        assert_eq!(field(name).map(|g| g as u32), Some(f as u32), "{name}");
        // Every one-byte change, one byte more or less: another key (or another field's name).
        let b = name.as_bytes();
        for i in 0..b.len() {
            let mut other = b.to_vec();
            other[i] ^= 0x20;
            let other = String::from_utf8(other).unwrap();
            let expected = FIELDS.iter().find(|(n, _)| *n == other).map(|(_, g)| *g as u32);
            assert_eq!(field(&other).map(|g| g as u32), expected, "{other}");
        }
        assert!(field(&format!("{name}x")).is_none() && field(&name[..name.len() - 1]).is_none(), "{name}");
    }
}
