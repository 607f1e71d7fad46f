//! SARIF 2.1.0 output for `steward check --format sarif`, so that code-scanning tools (GitHub,
//! Azure DevOps, VS Code's SARIF viewer) show policy violations beside other findings.
//!
//! Resources are not files: each result carries a logical location
//! (`tenants/<t>/environments/<e>/resources/<id>`) and a partial fingerprint on policy and
//! subject, so a viewer tracks one violation across runs.

use serde_json::{Value, json};

/// One policy as a SARIF rule.
pub struct SarifRule<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub rationale: &'a str,
    pub remediation: &'a str,
    /// `must`, `should` or `could`.
    pub level: &'a str,
}

/// One violation as a SARIF result.
pub struct SarifResult<'a> {
    pub policy_id: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: &'a str,
    pub subject_name: &'a str,
    pub tenant_id: &'a str,
    pub environment_id: &'a str,
    pub state: &'a str,
    pub evidence: Value,
}

/// SARIF's three levels for our three: a `must` breaks the build of a pipeline that gates on
/// errors, `should` warns, `could` informs.
pub fn sarif_level(level: &str) -> &'static str {
    match level {
        "must" => "error",
        "should" => "warning",
        _ => "note",
    }
}

pub fn document(set_version: &str, rules: &[SarifRule<'_>], results: &[SarifResult<'_>]) -> Value {
    let index: std::collections::HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.rationale },
                "help": { "text": r.remediation },
                "defaultConfiguration": { "level": sarif_level(r.level) },
                "properties": { "tags": ["governance", r.level] },
            })
        })
        .collect();
    let results_json: Vec<Value> = results
        .iter()
        .map(|f| {
            let location = match f.subject_kind {
                "environment" => format!("tenants/{}/environments/{}", f.tenant_id, f.subject_id),
                _ => format!("tenants/{}/environments/{}/resources/{}", f.tenant_id, f.environment_id, f.subject_id),
            };
            let level = rules.get(index.get(f.policy_id).copied().unwrap_or(usize::MAX)).map(|r| r.level);
            let mut result = json!({
                "ruleId": f.policy_id,
                "level": sarif_level(level.unwrap_or("could")),
                "message": { "text": format!("{} '{}' violates {}", f.subject_kind, f.subject_name, f.policy_id) },
                "locations": [{ "logicalLocations": [{
                    "name": f.subject_name,
                    "fullyQualifiedName": location,
                    "kind": f.subject_kind,
                }]}],
                "partialFingerprints": { "stewardViolation/v1": format!("{}:{}", f.policy_id, f.subject_id) },
                "properties": { "state": f.state, "evidence": f.evidence },
            });
            if let (Some(i), Some(obj)) = (index.get(f.policy_id), result.as_object_mut()) {
                obj.insert("ruleIndex".into(), json!(i));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "Steward",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/steward",
                "rules": rules_json,
            }},
            "automationDetails": { "id": format!("steward-check/{set_version}") },
            "results": results_json,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_point_at_their_rule_and_subject() {
        let rules = [
            SarifRule { id: "a", title: "A", rationale: "why", remediation: "fix", level: "must" },
            SarifRule { id: "b", title: "B", rationale: "why", remediation: "fix", level: "could" },
        ];
        let results = [SarifResult {
            policy_id: "b",
            subject_kind: "resource",
            subject_id: "r1",
            subject_name: "Expenses",
            tenant_id: "t",
            environment_id: "e",
            state: "open",
            evidence: json!({"resource.shared_users": 25}),
        }];
        let doc = document("v3", &rules, &results);
        let run = &doc["runs"][0];
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"], "error");
        let result = &run["results"][0];
        assert_eq!(result["ruleIndex"], 1);
        assert_eq!(result["level"], "note");
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "tenants/t/environments/e/resources/r1"
        );
        assert_eq!(result["properties"]["evidence"]["resource.shared_users"], 25);
        assert_eq!(result["partialFingerprints"]["stewardViolation/v1"], "b:r1");
    }
}
