//! A stable fingerprint of a policy set's content.

use crate::model::PolicySet;
use serde_json::Value;
use std::fmt::Write as _;

/// `sha256:<hex>` of the set's policies in canonical JSON: sorted by id, object keys sorted,
/// without where each policy was written (`source`) and without the set's version label. Two
/// sets with the same policies have the same digest whatever their files, file order or name,
/// so the store can tell "v4 is v3 again" and a re-import of an unchanged set is recognised.
pub fn digest(set: &PolicySet) -> String {
    let mut policies: Vec<_> = set.policies.iter().collect();
    policies.sort_by(|a, b| a.id.cmp(&b.id));
    let mut canonical = String::from("steward-policy-set-1\n");
    for policy in policies {
        let mut value = serde_json::to_value(policy).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("source");
        }
        write_canonical(&value, &mut canonical);
        canonical.push('\n');
    }
    let hash = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
    let mut out = String::from("sha256:");
    for byte in hash.as_ref() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// JSON with object keys sorted, whatever map type serde_json was built with.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
