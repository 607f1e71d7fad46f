//! Reading a Power Platform inventory query body:
//! `{"TableName", "Clauses": [{"$type": …}…], "Options": {"Top", "Skip", "SkipToken"}}`.
//!
//! The subset understood is what a sync needs; anything else is refused with a message that
//! says what is supported, so a client never silently gets unfiltered data.

use crate::hash::digest;
use serde_json::{Map, Value};
use steward_ingest::powerplatform::wire::time;
use steward_model::Timestamp;

pub(crate) const TABLE: &str = "PowerPlatformResources";
/// Rows per answer when `Options.Top` is absent, and the most it may ask for.
pub(crate) const DEFAULT_TOP: usize = 100;
pub(crate) const MAX_TOP: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Where {
    /// `type` is one of these (lowercase).
    Type(Vec<String>),
    /// `properties.environmentId` is one of these (lowercase).
    Environment(Vec<String>),
    Modified(Cmp, Timestamp),
}

/// Fields `orderby` can sort on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Type,
    EnvironmentId,
    DisplayName,
    CreatedAt,
    LastModifiedAt,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    pub wheres: Vec<Where>,
    /// Field paths to keep (`name`, `properties.displayName`, …); `None` keeps every field.
    pub project: Option<Vec<String>>,
    pub take: Option<u64>,
    /// (field, descending)
    pub order: Vec<(Field, bool)>,
    pub top: usize,
    pub skip: u64,
    pub skip_token: Option<String>,
    /// Identifies the table and clauses (not the options), to tie skip tokens to their query.
    pub fingerprint: u64,
}

/// A field of a JSON object, matched exactly first and then without case.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn text<'a>(obj: &'a Map<String, Value>, name: &str, what: &str) -> Result<&'a str, String> {
    field(obj, name).and_then(Value::as_str).ok_or_else(|| format!("{what} needs a string field '{name}'"))
}

/// A KQL literal as the inventory API takes it: `'text'`, `"text"`, `datetime(…)` or bare.
fn literal(value: &str) -> &str {
    let v = value.trim();
    let unquoted = v
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| v.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
    if let Some(u) = unquoted {
        return u;
    }
    v.strip_prefix("datetime(").and_then(|s| s.strip_suffix(')')).map(literal).unwrap_or(v)
}

fn timestamp(value: &str) -> Result<Timestamp, String> {
    let v = literal(value);
    time::parse(v)
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().map(|d| d.and_time(Default::default()).and_utc())
        })
        .ok_or_else(|| format!("'{value}' is not a datetime like datetime(2026-10-01T00:00:00Z)"))
}

fn values(clause: &Map<String, Value>) -> Result<Vec<String>, String> {
    let list = field(clause, "Values").and_then(Value::as_array).ok_or("a where clause needs an array 'Values'")?;
    list.iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("where values must be strings, not {other}")),
        })
        .collect()
}

fn parse_where(clause: &Map<String, Value>) -> Result<Where, String> {
    let name = text(clause, "FieldName", "a where clause")?;
    let op = text(clause, "Operator", "a where clause")?.trim().to_ascii_lowercase();
    let vals = values(clause)?;
    let unsupported = || {
        format!(
            "where {name} {op} is not supported by the fake tenant; it supports type and \
             properties.environmentId with ==, =~ or in, and properties.lastModifiedAt with >, >=, < or <="
        )
    };
    let list = |vals: Vec<String>| -> Result<Vec<String>, String> {
        let single = matches!(op.as_str(), "==" | "=~");
        if single && vals.len() != 1 {
            return Err(format!("where {name} {op} takes exactly one value"));
        }
        if !single && !matches!(op.as_str(), "in" | "in~") {
            return Err(unsupported());
        }
        Ok(vals.iter().map(|v| literal(v).to_ascii_lowercase()).collect())
    };
    match name.to_ascii_lowercase().as_str() {
        "type" => Ok(Where::Type(list(vals)?)),
        "properties.environmentid" => Ok(Where::Environment(list(vals)?)),
        "properties.lastmodifiedat" => {
            let cmp = match op.as_str() {
                ">" => Cmp::Gt,
                ">=" => Cmp::Ge,
                "<" => Cmp::Lt,
                "<=" => Cmp::Le,
                _ => return Err(unsupported()),
            };
            let [v] = vals.as_slice() else {
                return Err(format!("where {name} {op} takes exactly one value"));
            };
            Ok(Where::Modified(cmp, timestamp(v)?))
        }
        _ => Err(unsupported()),
    }
}

fn parse_field(name: &str) -> Result<Field, String> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "name" => Field::Name,
        "type" => Field::Type,
        "properties.environmentid" => Field::EnvironmentId,
        "properties.displayname" => Field::DisplayName,
        "properties.createdat" => Field::CreatedAt,
        "properties.lastmodifiedat" => Field::LastModifiedAt,
        other => {
            return Err(format!(
                "orderby {other} is not supported by the fake tenant; it sorts on name, type, \
                 properties.environmentId, properties.displayName, properties.createdAt and properties.lastModifiedAt"
            ));
        }
    })
}

fn direction(word: &str) -> Result<bool, String> {
    match word.trim().to_ascii_lowercase().as_str() {
        "" | "asc" => Ok(false),
        "desc" => Ok(true),
        other => Err(format!("orderby direction '{other}' is neither asc nor desc")),
    }
}

/// `FieldNamesAscDesc`: `{"field": "asc"}` (one key: JSON objects have no order), or a list of
/// `"field desc"` strings or one-key objects.
fn parse_order(clause: &Map<String, Value>) -> Result<Vec<(Field, bool)>, String> {
    let spec = field(clause, "FieldNamesAscDesc").ok_or("an orderby clause needs 'FieldNamesAscDesc'")?;
    let one = |v: &Value| -> Result<Vec<(Field, bool)>, String> {
        match v {
            Value::String(s) => {
                let (name, dir) = s.trim().split_once(' ').unwrap_or((s.trim(), ""));
                Ok(vec![(parse_field(name)?, direction(dir)?)])
            }
            Value::Object(map) => {
                if map.len() > 1 {
                    return Err("orderby on several fields needs a list, as JSON objects have no order".to_string());
                }
                map.iter().map(|(k, d)| Ok((parse_field(k)?, direction(d.as_str().unwrap_or_default())?))).collect()
            }
            other => Err(format!("orderby takes field names, not {other}")),
        }
    };
    match spec {
        Value::Array(items) => Ok(items.iter().map(one).collect::<Result<Vec<_>, _>>()?.concat()),
        other => one(other),
    }
}

pub(crate) fn parse(body: &[u8]) -> Result<Query, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let obj = root.as_object().ok_or("the body must be a JSON object")?;
    let table = text(obj, "TableName", "the query")?;
    if !table.eq_ignore_ascii_case(TABLE) {
        return Err(format!("unknown table '{table}'; the fake tenant has only {TABLE}"));
    }
    let empty = Vec::new();
    let clauses = match field(obj, "Clauses") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(list)) => list,
        Some(_) => return Err("'Clauses' must be an array".to_string()),
    };
    let mut q = Query {
        wheres: Vec::new(),
        project: None,
        take: None,
        order: Vec::new(),
        top: DEFAULT_TOP,
        skip: 0,
        skip_token: None,
        fingerprint: 0,
    };
    for clause in clauses {
        let c = clause.as_object().ok_or("each clause must be an object")?;
        let kind = text(c, "$type", "a clause")?;
        match kind.to_ascii_lowercase().as_str() {
            "where" => q.wheres.push(parse_where(c)?),
            "project" => {
                let list =
                    field(c, "FieldList").and_then(Value::as_array).ok_or("a project clause needs 'FieldList'")?;
                let names = list.iter().filter_map(Value::as_str).map(str::to_string).collect();
                q.project = Some(names);
            }
            "take" | "limit" => {
                let n =
                    field(c, "TakeCount").and_then(Value::as_u64).ok_or("a take clause needs a number 'TakeCount'")?;
                q.take = Some(q.take.map_or(n, |t| t.min(n)));
            }
            "orderby" => q.order.extend(parse_order(c)?),
            other => {
                return Err(format!(
                    "clause '{other}' is not supported by the fake tenant (supported: where, project, take, orderby)"
                ));
            }
        }
    }
    if let Some(Value::Object(options)) = field(obj, "Options") {
        if let Some(top) = field(options, "Top").and_then(Value::as_u64) {
            if top == 0 || top as usize > MAX_TOP {
                return Err(format!("Options.Top must be between 1 and {MAX_TOP}"));
            }
            q.top = top as usize;
        }
        q.skip = field(options, "Skip").and_then(Value::as_u64).unwrap_or(0);
        q.skip_token =
            field(options, "SkipToken").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    }
    let identity = serde_json::json!([table.to_ascii_lowercase(), clauses]).to_string();
    q.fingerprint = digest(0x9e4, identity.as_bytes());
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(body: serde_json::Value) -> Result<Query, String> {
        parse(body.to_string().as_bytes())
    }

    #[test]
    fn the_documented_example_parses() {
        let query = q(serde_json::json!({
            "TableName": "PowerPlatformResources",
            "Clauses": [
                { "$type": "where", "FieldName": "type", "Operator": "==", "Values": ["'microsoft.powerapps/canvasapps'"] },
                { "$type": "project", "FieldList": ["name","location","properties.displayName"] },
                { "$type": "take", "TakeCount": 100 }
            ]
        }))
        .unwrap();
        assert_eq!(query.wheres, vec![Where::Type(vec!["microsoft.powerapps/canvasapps".to_string()])]);
        assert_eq!(query.take, Some(100));
        assert_eq!(query.top, DEFAULT_TOP);
    }

    #[test]
    fn times_orders_and_options_parse() {
        let query = q(serde_json::json!({
            "TableName": "PowerPlatformResources",
            "Clauses": [
                { "$type": "where", "FieldName": "properties.lastModifiedAt", "Operator": ">", "Values": ["datetime(2026-10-01T00:00:00Z)"] },
                { "$type": "orderby", "FieldNamesAscDesc": ["properties.lastModifiedAt desc", {"name": "asc"}] }
            ],
            "Options": {"Top": 50, "SkipToken": "abc"}
        }))
        .unwrap();
        assert!(matches!(query.wheres[0], Where::Modified(Cmp::Gt, _)));
        assert_eq!(query.order, vec![(Field::LastModifiedAt, true), (Field::Name, false)]);
        assert_eq!((query.top, query.skip_token.as_deref()), (50, Some("abc")));
    }

    #[test]
    fn unsupported_clauses_say_what_is_supported() {
        let err = q(serde_json::json!({"TableName": "PowerPlatformResources", "Clauses": [{"$type": "summarize"}]}))
            .unwrap_err();
        assert!(err.contains("supported: where, project, take, orderby"), "{err}");
        let err = q(serde_json::json!({"TableName": "PowerPlatformResources", "Clauses": [
            {"$type": "where", "FieldName": "properties.ownerId", "Operator": "==", "Values": ["'x'"]}]}))
        .unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        assert!(q(serde_json::json!({"TableName": "Other"})).unwrap_err().contains("unknown table"));
    }
}
