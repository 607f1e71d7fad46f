//! The document against the registry, and against the structural rules of OpenAPI 3.1.
//! How to document a new endpoint: docs/api.md, "Documenting an endpoint".

use super::*;
use std::collections::{BTreeSet, HashMap, HashSet};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn built() -> Value {
    document(&crate::routes::endpoints()).unwrap_or_else(|e| panic!("the OpenAPI document does not build: {e}"))
}

/// Every operation of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, &Map<String, Value>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (key, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&key.as_str()) {
                let op = op.as_object().unwrap_or_else(|| panic!("{key} {path}: an operation must be a mapping"));
                out.push((key.clone(), path.clone(), op));
            }
        }
    }
    out
}

/// Follow a `$ref` (one level or several) to the object it names.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut current = value;
    for _ in 0..10 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                current = reference
                    .strip_prefix('#')
                    .and_then(|pointer| doc.pointer(pointer))
                    .unwrap_or_else(|| panic!("$ref {reference} does not resolve"));
            }
            None => return current,
        }
    }
    panic!("$ref chain too long at {value}");
}

fn walk<'a>(value: &'a Value, at: &mut Vec<String>, visit: &mut dyn FnMut(&[String], &'a Value)) {
    visit(at, value);
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                at.push(key.clone());
                walk(child, at, visit);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(i.to_string());
                walk(child, at, visit);
                at.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn every_api_route_is_documented_and_every_operation_is_registered() {
    let doc = built();
    let registered: BTreeSet<(String, String)> = crate::routes::endpoints()
        .iter()
        .filter(|e| is_api(e.path))
        .map(|e| (method_key(&e.method).to_string(), e.path.to_string()))
        .collect();
    let documented: BTreeSet<(String, String)> = operations(&doc).into_iter().map(|(m, p, _)| (m, p)).collect();
    let missing: Vec<String> =
        registered.difference(&documented).map(|(m, p)| format!("{} {p}", m.to_uppercase())).collect();
    let unknown: Vec<String> =
        documented.difference(&registered).map(|(m, p)| format!("{} {p}", m.to_uppercase())).collect();
    assert!(
        missing.is_empty(),
        "registered API routes without an operation in crates/server/src/api/openapi/spec.yaml \
         (docs/api.md says how to document one): {missing:?}"
    );
    assert!(unknown.is_empty(), "spec.yaml documents routes the registry does not have: {unknown:?}");
    assert!(registered.contains(&("get".into(), PATH.into())), "the document documents itself");
}

#[test]
fn every_ref_resolves_and_every_component_is_used() {
    let doc = built();
    let mut refs: Vec<(String, String)> = Vec::new();
    walk(&doc, &mut Vec::new(), &mut |at, value| {
        if let Some(r) = value.get("$ref").and_then(Value::as_str) {
            refs.push((at.join("/"), r.to_string()));
        }
    });
    assert!(!refs.is_empty());
    for (at, reference) in &refs {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("{at}: only local refs, not {reference}"));
        assert!(doc.pointer(pointer).is_some(), "{at}: $ref {reference} resolves to nothing");
    }
    let used: HashSet<&str> = refs.iter().map(|(_, r)| r.as_str()).collect();
    for kind in ["schemas", "responses", "parameters", "requestBodies"] {
        for name in doc["components"][kind].as_object().into_iter().flatten().map(|(k, _)| k) {
            let reference = format!("#/components/{kind}/{name}");
            assert!(used.contains(reference.as_str()), "{reference} is defined but never used");
        }
    }
}

#[test]
fn the_document_has_the_structure_of_openapi_3_1() {
    let doc = built();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "openapi: {}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string());
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let tags: HashSet<&str> = doc["tags"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    let schemes: HashSet<&str> =
        doc["components"]["securitySchemes"].as_object().into_iter().flatten().map(|(k, _)| k.as_str()).collect();
    assert!(schemes.contains("bearerToken") && schemes.contains("sessionCookie") && schemes.contains("csrfToken"));

    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        assert!(path.starts_with('/'), "path {path}");
        for key in item.as_object().into_iter().flatten().map(|(k, _)| k) {
            assert!(
                METHODS.contains(&key.as_str()) || ["parameters", "summary", "description"].contains(&key.as_str()),
                "{path}: unexpected key `{key}`"
            );
        }
    }

    let mut ids = HashSet::new();
    for (method, path, op) in operations(&doc) {
        let at = format!("{} {path}", method.to_uppercase());
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or_else(|| panic!("{at}: no operationId"));
        assert!(ids.insert(id.to_string()), "{at}: operationId {id} is used twice");
        assert!(op.get("summary").and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty()), "{at}: no summary");
        let op_tags = op.get("tags").and_then(Value::as_array).unwrap_or_else(|| panic!("{at}: no tags"));
        assert!(!op_tags.is_empty(), "{at}: no tags");
        for tag in op_tags {
            assert!(tag.as_str().is_some_and(|t| tags.contains(t)), "{at}: tag {tag} is not declared in `tags`");
        }

        // Parameters: well-formed, unique, and exactly the path's placeholders in the path.
        let mut seen = HashSet::new();
        let mut path_params = BTreeSet::new();
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(&doc, p);
            let name = p["name"].as_str().unwrap_or_else(|| panic!("{at}: a parameter without a name"));
            let place = p["in"].as_str().unwrap_or_default();
            assert!(["query", "path", "header", "cookie"].contains(&place), "{at}: parameter {name} in `{place}`");
            assert!(p["schema"].is_object(), "{at}: parameter {name} has no schema");
            assert!(seen.insert((name, place)), "{at}: parameter {name} twice");
            if place == "path" {
                assert_eq!(p["required"], true, "{at}: path parameter {name} must be required");
                path_params.insert(name.to_string());
            }
        }
        let placeholders: BTreeSet<String> =
            path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).map(str::to_string).collect();
        assert_eq!(path_params, placeholders, "{at}: path parameters must match the path's placeholders");

        if let Some(body) = op.get("requestBody") {
            assert!(resolve(&doc, body)["content"].is_object(), "{at}: requestBody without content");
        }

        let responses = op.get("responses").and_then(Value::as_object).unwrap_or_else(|| panic!("{at}: no responses"));
        assert!(responses.keys().any(|s| s.starts_with('2')), "{at}: no success response");
        for (status, response) in responses {
            assert!(status.len() == 3 && status.chars().all(|c| c.is_ascii_digit()), "{at}: status {status}");
            let response = resolve(&doc, response);
            assert!(response["description"].is_string(), "{at} {status}: no description");
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"];
                assert_eq!(schema["$ref"], "#/components/schemas/Error", "{at} {status}: errors use the Error schema");
            }
        }

        for requirement in op.get("security").and_then(Value::as_array).unwrap_or_else(|| panic!("{at}: no security")) {
            for name in requirement.as_object().into_iter().flatten().map(|(k, _)| k) {
                assert!(schemes.contains(name.as_str()), "{at}: unknown security scheme {name}");
            }
        }
    }
}

#[test]
fn schemas_are_json_schema_2020_12_and_require_only_what_they_define() {
    let doc = built();
    walk(&doc, &mut Vec::new(), &mut |at, value| {
        let Some(object) = value.as_object() else { return };
        let here = at.join("/");
        // `nullable` is OpenAPI 3.0; 3.1 writes `type: [T, "null"]`. (Unless it names a property.)
        let names_properties = at.last().is_some_and(|k| k == "properties");
        assert!(!object.contains_key("nullable") || names_properties, "{here}: `nullable` is not OpenAPI 3.1");
        if let (Some(required), Some(properties)) =
            (object.get("required").and_then(Value::as_array), object.get("properties").and_then(Value::as_object))
        {
            for name in required {
                let name = name.as_str().unwrap_or_default();
                assert!(properties.contains_key(name), "{here}: `{name}` is required but not a property");
            }
        }
    });
}

#[test]
fn access_and_security_come_from_the_registry() {
    let doc = built();
    let access: HashMap<(String, String), Access> = crate::routes::endpoints()
        .iter()
        .map(|e| ((method_key(&e.method).to_string(), e.path.to_string()), e.access))
        .collect();
    for (method, path, op) in operations(&doc) {
        let at = format!("{} {path}", method.to_uppercase());
        let Some(level) = access.get(&(method.clone(), path.clone())) else { continue };
        assert_eq!(op["x-steward-access"], level.as_str(), "{at}");
        let security = op["security"].as_array().cloned().unwrap_or_default();
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        if *level == Access::Public {
            assert!(security.is_empty(), "{at}: public operations need no credentials");
        } else {
            assert_eq!(security[0], json!({"bearerToken": []}), "{at}");
            let csrf = security[1].get("csrfToken").is_some();
            assert_eq!(csrf, method != "get", "{at}: cookie sessions send X-CSRF-Token on writes only");
            assert!(responses.contains_key("401") && responses.contains_key("403"), "{at}");
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{at}: a path that names something can be not found");
        }
    }
}

#[test]
fn the_served_document_is_the_built_one() {
    let bytes = cached().as_ref().unwrap_or_else(|e| panic!("{e}"));
    let served: Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(served, built());
}
