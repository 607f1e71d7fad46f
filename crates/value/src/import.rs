//! Value records from a file: CSV with a header row, or JSON (a list of objects with the same
//! field names). Each row is checked on its own: a bad row is reported with its place and the
//! reason and the others still count; only a file that cannot be read as a whole (no header,
//! not JSON) is refused at once.
//!
//! Fields: `resource_id` and `kind` (`potential` or `actual`) are required; `currency`
//! (ISO 4217) is required when an amount is given; `users_impacted`, `minutes_per_use`,
//! `minutes_per_week`, `cost_avoided_per_year`, `revenue_enabled_per_year` (decimals with at
//! most two places) and the story `problem`, `solution`, `obstacles`, `value`, `next_steps`
//! are optional. Unknown columns are refused (a misspelt column would silently lose data).

use crate::money::parse_hundredths;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_store::value::{ValueFigures, ValueKind, ValueStory};

/// Every field name the format knows.
pub const FIELDS: &[&str] = &[
    "resource_id",
    "kind",
    "users_impacted",
    "minutes_per_use",
    "minutes_per_week",
    "cost_avoided_per_year",
    "revenue_enabled_per_year",
    "currency",
    "problem",
    "solution",
    "obstacles",
    "value",
    "next_steps",
];

/// A row that parsed: what to record, without who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// `line 3` (CSV) or `record 2` (JSON).
    pub place: String,
    pub resource_id: String,
    pub kind: ValueKind,
    pub figures: ValueFigures,
    pub story: ValueStory,
}

/// A row refused, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub place: String,
    pub reason: String,
}

/// What a file holds: the rows that parsed and the rows refused, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    pub errors: Vec<RowError>,
}

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// By extension (`.csv`, `.json`), else by the first non-blank character.
    pub fn detect(path: &str, content: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        match content.trim_start().chars().next() {
            Some('[') | Some('{') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// Parse a whole file. `Err` only when the file as a whole cannot be read.
pub fn parse(content: &str, format: Format) -> Result<Parsed, String> {
    match format {
        Format::Csv => parse_csv(content),
        Format::Json => parse_json(content),
    }
}

fn parse_csv(content: &str) -> Result<Parsed, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(content.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header row cannot be read: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err("the file is empty; the first row must name the columns (resource_id,kind,…)".into());
    }
    for h in &headers {
        if !FIELDS.contains(&h.as_str()) {
            return Err(format!("unknown column '{h}'; the columns are {}", FIELDS.join(", ")));
        }
    }
    for required in ["resource_id", "kind"] {
        if !headers.iter().any(|h| h == required) {
            return Err(format!("the header row has no '{required}' column"));
        }
    }
    let mut out = Parsed::default();
    for (i, record) in reader.records().enumerate() {
        let fallback = format!("data row {}", i + 1);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let place = e.position().map_or(fallback, |p| format!("line {}", p.line()));
                out.errors.push(RowError { place, reason: format!("not a CSV row: {e}") });
                continue;
            }
        };
        let place = record.position().map_or(fallback, |p| format!("line {}", p.line()));
        if record.len() != headers.len() {
            out.errors.push(RowError {
                place,
                reason: format!("{} fields where the header names {}", record.len(), headers.len()),
            });
            continue;
        }
        let fields: BTreeMap<&str, String> =
            headers.iter().map(String::as_str).zip(record.iter().map(str::to_string)).collect();
        match row(&fields) {
            Ok((resource_id, kind, figures, story)) => {
                out.rows.push(ImportRow { place, resource_id, kind, figures, story })
            }
            Err(reason) => out.errors.push(RowError { place, reason }),
        }
    }
    Ok(out)
}

fn parse_json(content: &str) -> Result<Parsed, String> {
    let value: serde_json::Value =
        serde_json::from_str(content).map_err(|e| format!("not JSON: {e}; the file must be a list of objects"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) => match o.remove("records") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err("a JSON file must be a list of objects, or an object with a \"records\" list".into()),
        },
        _ => return Err("a JSON file must be a list of objects, or an object with a \"records\" list".into()),
    };
    let mut out = Parsed::default();
    for (i, item) in items.into_iter().enumerate() {
        let place = format!("record {}", i + 1);
        let serde_json::Value::Object(object) = item else {
            out.errors.push(RowError { place, reason: "not an object".into() });
            continue;
        };
        let mut fields = BTreeMap::new();
        let mut bad = None;
        for (key, v) in &object {
            let Some(name) = FIELDS.iter().find(|f| **f == key.as_str()) else {
                bad = Some(format!("unknown field '{key}'; the fields are {}", FIELDS.join(", ")));
                break;
            };
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.trim().to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    bad = Some(format!("field '{key}' is {other}, not a string or number"));
                    break;
                }
            };
            fields.insert(*name, text);
        }
        let parsed = match bad {
            Some(reason) => Err(reason),
            None => row(&fields),
        };
        match parsed {
            Ok((resource_id, kind, figures, story)) => {
                out.rows.push(ImportRow { place, resource_id, kind, figures, story })
            }
            Err(reason) => out.errors.push(RowError { place, reason }),
        }
    }
    Ok(out)
}

type RowParts = (String, ValueKind, ValueFigures, ValueStory);

fn row(fields: &BTreeMap<&str, String>) -> Result<RowParts, String> {
    let get = |name: &str| fields.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let resource_id = get("resource_id").ok_or("resource_id is empty")?.to_string();
    let kind: ValueKind = get("kind")
        .ok_or("kind is empty; write potential or actual")?
        .to_ascii_lowercase()
        .parse()
        .map_err(|e: steward_model::UnknownValue| e.to_string())?;
    let hundredths = |name: &str| get(name).map(|t| parse_hundredths(t, name)).transpose();
    let users_impacted = get("users_impacted")
        .map(|t| t.parse::<u32>().map_err(|_| format!("users_impacted must be a whole number ≥ 0 (got '{t}')")))
        .transpose()?;
    let figures = ValueFigures {
        users_impacted,
        centiminutes_per_use: hundredths("minutes_per_use")?,
        centiminutes_per_week: hundredths("minutes_per_week")?,
        cost_avoided_per_year: hundredths("cost_avoided_per_year")?,
        revenue_enabled_per_year: hundredths("revenue_enabled_per_year")?,
        currency: get("currency").unwrap_or_default().to_ascii_uppercase(),
    };
    let has_amount = figures.cost_avoided_per_year.is_some() || figures.revenue_enabled_per_year.is_some();
    if figures.currency.is_empty() && has_amount {
        return Err("currency is empty but an amount is given; write its ISO 4217 code (EUR, USD…)".into());
    }
    if !figures.currency.is_empty()
        && (figures.currency.len() != 3 || !figures.currency.chars().all(|c| c.is_ascii_uppercase()))
    {
        return Err(format!("currency '{}' is not a three-letter ISO 4217 code", figures.currency));
    }
    let text = |name: &str| get(name).unwrap_or_default().to_string();
    let story = ValueStory {
        problem: text("problem"),
        solution: text("solution"),
        obstacles: text("obstacles"),
        value: text("value"),
        next_steps: text("next_steps"),
    };
    Ok((resource_id, kind, figures, story))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_checked_one_by_one() {
        let csv = "resource_id,kind,minutes_per_use,cost_avoided_per_year,currency,problem\n\
                   app-1,actual,5,1200.50,EUR,Paper claims\n\
                   app-2,later,5,,EUR,\n\
                   app-3,potential,-2,,EUR,\n\
                   app-4,potential,1.5,,,\n\
                   ,actual,1,,EUR,\n\
                   app-5,actual,1,100,,\n\
                   app-6,actual\n";
        let p = parse(csv, Format::Csv).expect("parses");
        assert_eq!(p.rows.iter().map(|r| r.resource_id.as_str()).collect::<Vec<_>>(), vec!["app-1", "app-4"]);
        assert_eq!(p.rows[0].figures.cost_avoided_per_year, Some(120_050));
        assert_eq!(p.rows[0].figures.centiminutes_per_use, Some(500));
        assert_eq!(p.rows[0].story.problem, "Paper claims");
        assert_eq!(p.rows[1].figures.centiminutes_per_use, Some(150));
        let places: Vec<&str> = p.errors.iter().map(|e| e.place.as_str()).collect();
        assert_eq!(places, vec!["line 3", "line 4", "line 6", "line 7", "line 8"]);
        assert!(p.errors[0].reason.contains("later"), "{:?}", p.errors[0]);
        assert!(p.errors[1].reason.contains("negative"));
        assert!(p.errors[3].reason.contains("currency"));
    }

    #[test]
    fn csv_header_problems_refuse_the_file() {
        assert!(parse("", Format::Csv).is_err());
        assert!(parse("resource,kind\nx,actual\n", Format::Csv).unwrap_err().contains("unknown column 'resource'"));
        assert!(parse("resource_id\nx\n", Format::Csv).unwrap_err().contains("'kind'"));
    }

    #[test]
    fn json_rows_are_checked_one_by_one() {
        let json = r#"[{"resource_id":"app-1","kind":"actual","minutes_per_week":90,"users_impacted":12},
                       {"resource_id":"app-2","kind":"actual","colour":"red"},
                       42,
                       {"resource_id":"app-3","kind":"potential","revenue_enabled_per_year":"1000","currency":"usd"},
                       {"resource_id":"app-4","kind":"actual","users_impacted":-1}]"#;
        let p = parse(json, Format::Json).expect("parses");
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].figures.centiminutes_per_week, Some(9000));
        assert_eq!(p.rows[0].figures.users_impacted, Some(12));
        assert_eq!(p.rows[1].figures.currency, "USD");
        assert_eq!(
            p.errors.iter().map(|e| e.place.as_str()).collect::<Vec<_>>(),
            vec!["record 2", "record 3", "record 5"]
        );
        assert!(parse("{\"records\": []}", Format::Json).expect("empty list").rows.is_empty());
        assert!(parse("{oops", Format::Json).is_err());
    }

    #[test]
    fn format_from_name_then_content() {
        assert_eq!(Format::detect("a.JSON", ""), Format::Json);
        assert_eq!(Format::detect("a.csv", "[x"), Format::Csv);
        assert_eq!(Format::detect("-", "  [ ]"), Format::Json);
        assert_eq!(Format::detect("-", "resource_id"), Format::Csv);
    }
}
