//! CSV imports: prices, licence assignments, cost centres, budgets, people costs and rules.
//!
//! Every file has a header row naming its columns (any order, case-insensitive, unknown columns
//! refused so that a typo is not silently ignored). Rows are checked one by one: a bad row is
//! rejected with its line number and reason, the good rows are kept, and the caller stores only
//! those, so a mistake in one row loses nothing else. Rules are the exception: they are an
//! ordered set whose meaning depends on every row, so one bad rule rejects the file.
//!
//! Amounts are decimals in major units (`18.70`), read exactly into minor units — no floating
//! point between the file and the ledger.

use crate::catalogue::{Catalogue, ChargeCategory, Meter, PriceOverride, check_override};
use crate::period::Period;
use crate::records::{
    AllocationRule, Budget, CostCentre, ImportedAssignment, PeopleCost, PeopleKind, RuleBasis, SplitBasis,
};
use crate::{CostError, Result};
use serde::Serialize;
use std::collections::HashMap;

/// A rejected row: its line in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// What a file held: the rows kept and the rows rejected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub rejected: Vec<RowError>,
}

/// Read `"18.70"`, `"-3"`, `"0.5"` as minor units (two decimal places at most).
pub fn parse_amount(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    let bad = || format!("'{s}' is not an amount like 18.70");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || int.len() > 13 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
        return Err(if frac.len() > 2 { format!("'{s}' has more than two decimal places") } else { bad() });
    }
    let whole: i64 = int.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let v = whole.checked_mul(100).and_then(|v| v.checked_add(cents)).ok_or_else(bad)?;
    Ok(if neg { -v } else { v })
}

fn parse_f64(s: &str, what: &str) -> std::result::Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{what} '{s}' is not a number"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{what} '{s}' must be zero or more"));
    }
    Ok(v)
}

/// Read `input` as CSV with the given columns; `row` turns one record (by column name) into a
/// value or a reason.
fn parse<T>(
    what: &str,
    input: &[u8],
    required: &[&str],
    optional: &[&str],
    mut row: impl FnMut(&HashMap<&str, &str>) -> std::result::Result<T, String>,
) -> Result<Parsed<T>> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
    let header_err = |reason: String| CostError::Input { what: what.to_string(), reason };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| header_err(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    for h in &headers {
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            return Err(header_err(format!(
                "unknown column '{h}'; the columns are {} (required) and {} (optional)",
                required.join(", "),
                optional.join(", ")
            )));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            return Err(header_err(format!(
                "the required column '{r}' is missing; the header row needs {}",
                required.join(", ")
            )));
        }
    }
    let mut out = Parsed { rows: Vec::new(), rejected: Vec::new() };
    for (i, record) in reader.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback, |p| line_at(input, p.byte()));
                out.rejected.push(RowError { line, reason: format!("not valid CSV: {e}") });
                continue;
            }
        };
        let line = record.position().map_or(fallback, |p| line_at(input, p.byte()));
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            out.rejected.push(RowError {
                line,
                reason: format!("{} fields where the header has {}", record.len(), headers.len()),
            });
            continue;
        }
        let fields: HashMap<&str, &str> = headers.iter().map(String::as_str).zip(record.iter()).collect();
        if let Some(missing) = required.iter().find(|r| fields.get(*r).is_none_or(|v| v.is_empty())) {
            out.rejected.push(RowError { line, reason: format!("'{missing}' is empty") });
            continue;
        }
        match row(&fields) {
            Ok(v) => out.rows.push(v),
            Err(reason) => out.rejected.push(RowError { line, reason }),
        }
    }
    Ok(out)
}

/// The 1-based line a byte offset is on. The csv crate's own line count skips blank lines, so
/// count from the bytes: the line a user sees in an editor.
fn line_at(input: &[u8], byte: u64) -> u64 {
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(input.len());
    // A record's position is where the previous one ended: step over the blank lines between.
    while end < input.len() && matches!(input[end], b'\n' | b'\r') {
        end += 1;
    }
    input[..end].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

fn opt(fields: &HashMap<&str, &str>, name: &str) -> Option<String> {
    fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_string)
}

fn req<'a>(fields: &HashMap<&str, &'a str>, name: &str) -> &'a str {
    fields.get(name).copied().unwrap_or_default()
}

fn id_ok(id: &str, what: &str) -> std::result::Result<(), String> {
    if id.len() > 200 || id.chars().any(|c| c.is_control() || c == '|') {
        return Err(format!("{what} '{id}' must be at most 200 characters without '|' or control characters"));
    }
    Ok(())
}

/// Prices: `id,price` required; `name,service,category,meter,unit,currency,capacity_type,skus`
/// optional (`skus` separated by `;`). A new id needs every descriptive column.
pub fn prices(input: &[u8]) -> Result<Parsed<PriceOverride>> {
    price_rows(input, |_| Ok(()))
}

/// Prices checked against the catalogue in force (`base`: built-in, configured and earlier
/// imports), row by row: a row that would leave the catalogue invalid — a new id without its
/// name, service, category, meter and unit — is rejected with its line like an unreadable one,
/// and the rows before and after it are kept. Later rows see the earlier ones applied.
pub fn prices_against(input: &[u8], base: &Catalogue, currency: &str) -> Result<Parsed<PriceOverride>> {
    let mut running = base.clone();
    price_rows(input, |o| {
        let mut trial = running.clone();
        trial.apply(std::slice::from_ref(o), currency).map_err(|e| e.to_string())?;
        running = trial;
        Ok(())
    })
}

fn price_rows(
    input: &[u8],
    mut fits: impl FnMut(&PriceOverride) -> std::result::Result<(), String>,
) -> Result<Parsed<PriceOverride>> {
    parse(
        "the price file",
        input,
        &["id", "price"],
        &["name", "service", "category", "meter", "unit", "currency", "capacity_type", "skus"],
        |f| {
            let o = PriceOverride {
                id: req(f, "id").to_string(),
                price: Some(parse_amount(req(f, "price"))?),
                name: opt(f, "name"),
                service: opt(f, "service"),
                category: opt(f, "category")
                    .map(|c| c.parse::<ChargeCategory>())
                    .transpose()
                    .map_err(|e| e.to_string())?,
                meter: opt(f, "meter").map(|c| c.parse::<Meter>()).transpose().map_err(|e| e.to_string())?,
                unit: opt(f, "unit"),
                currency: opt(f, "currency"),
                capacity_type: opt(f, "capacity_type"),
                skus: opt(f, "skus")
                    .map(|s| s.split(';').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()),
            };
            check_override(&o).map_err(|e| e.to_string())?;
            fits(&o)?;
            Ok(o)
        },
    )
}

/// Licence assignments: `entry_id` required; `principal,quantity,environment_id,department`
/// optional (quantity 1 by default; a row needs a principal or an environment).
pub fn assignments(input: &[u8]) -> Result<Parsed<ImportedAssignment>> {
    parse(
        "the assignment file",
        input,
        &["entry_id"],
        &["principal", "quantity", "environment_id", "department"],
        |f| {
            let a = ImportedAssignment {
                principal: opt(f, "principal").unwrap_or_default(),
                entry_id: req(f, "entry_id").to_string(),
                quantity: match opt(f, "quantity") {
                    Some(q) => parse_f64(&q, "quantity")?,
                    None => 1.0,
                },
                environment_id: opt(f, "environment_id"),
                department: opt(f, "department"),
            };
            if a.principal.is_empty() && a.environment_id.is_none() {
                return Err("give the principal holding the licence or the environment it is assigned to".into());
            }
            if a.quantity > 1_000_000.0 {
                return Err(format!("quantity {} is more than 1,000,000", a.quantity));
            }
            id_ok(&a.principal, "principal")?;
            id_ok(&a.entry_id, "entry_id")?;
            Ok(a)
        },
    )
}

/// Cost centres: `id,name` required; `owner,head_count` optional.
pub fn cost_centres(input: &[u8]) -> Result<Parsed<CostCentre>> {
    parse("the cost centre file", input, &["id", "name"], &["owner", "head_count"], |f| {
        let id = req(f, "id").to_string();
        id_ok(&id, "id")?;
        if id.len() > 100 {
            return Err(format!("id '{id}' is longer than 100 characters"));
        }
        Ok(CostCentre {
            id,
            name: req(f, "name").to_string(),
            owner: opt(f, "owner"),
            head_count: opt(f, "head_count")
                .map(|h| h.parse::<u64>().map_err(|_| format!("head_count '{h}' is not a whole number")))
                .transpose()?,
        })
    })
}

/// Budgets: `cost_centre,period,amount` required (`2026-10`, `2026-Q4`, `2026`); `currency`
/// optional (the deployment's by default).
pub fn budgets(input: &[u8], default_currency: &str) -> Result<Parsed<Budget>> {
    parse("the budget file", input, &["cost_centre", "period", "amount"], &["currency"], |f| {
        let cost_centre = req(f, "cost_centre").to_string();
        id_ok(&cost_centre, "cost_centre")?;
        let period: Period = req(f, "period").parse().map_err(|e: CostError| e.to_string())?;
        let amount = parse_amount(req(f, "amount"))?;
        if amount < 0 {
            return Err("a budget cannot be negative".into());
        }
        let currency = opt(f, "currency").unwrap_or_else(|| default_currency.to_string());
        if currency != default_currency {
            return Err(format!("currency {currency} differs from the reports' currency {default_currency}"));
        }
        Ok(Budget { cost_centre, period, amount, currency })
    })
}

/// People costs: `id,kind,name,quantity` required; `month,rate,principal_id,department,
/// resource_id,cost_centre` optional (`rate` as an amount: per FTE-month or per hour).
pub fn people(input: &[u8]) -> Result<Parsed<PeopleCost>> {
    parse(
        "the people cost file",
        input,
        &["id", "kind", "name", "quantity"],
        &["month", "rate", "principal_id", "department", "resource_id", "cost_centre"],
        |f| {
            let p = PeopleCost {
                id: req(f, "id").to_string(),
                kind: req(f, "kind").parse::<PeopleKind>().map_err(|e| e.to_string())?,
                name: req(f, "name").to_string(),
                month: opt(f, "month")
                    .map(|m| {
                        let p: Period = m.parse().map_err(|e: CostError| e.to_string())?;
                        if p.is_month() { Ok(p) } else { Err(format!("month '{m}' must be one month, like 2026-10")) }
                    })
                    .transpose()?,
                quantity: parse_f64(req(f, "quantity"), "quantity")?,
                rate: opt(f, "rate").map(|r| parse_amount(&r)).transpose()?,
                principal_id: opt(f, "principal_id"),
                department: opt(f, "department"),
                resource_id: opt(f, "resource_id"),
                cost_centre: opt(f, "cost_centre"),
            };
            id_ok(&p.id, "id")?;
            p.check()?;
            Ok(p)
        },
    )
}

/// Allocation rules, in order: `by,cost_centre,split` plus `value,among` (`among` separated by
/// `;`). Any bad row rejects the whole file (the set's meaning depends on every rule).
pub fn rules(input: &[u8]) -> Result<Vec<AllocationRule>> {
    let parsed = parse("the rule file", input, &["by"], &["value", "cost_centre", "split", "among"], |f| {
        let r = AllocationRule {
            by: req(f, "by").parse::<RuleBasis>().map_err(|e| e.to_string())?,
            value: opt(f, "value").unwrap_or_default(),
            cost_centre: opt(f, "cost_centre"),
            split: opt(f, "split").map(|s| s.parse::<SplitBasis>()).transpose().map_err(|e| e.to_string())?,
            among: opt(f, "among")
                .map(|s| s.split(';').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default(),
        };
        r.check()?;
        Ok(r)
    })?;
    if let Some(first) = parsed.rejected.first() {
        return Err(CostError::Input {
            what: "the rule file".into(),
            reason: format!(
                "line {}: {} ({} bad row(s); rules are replaced as a whole, so nothing was changed)",
                first.line,
                first.reason,
                parsed.rejected.len()
            ),
        });
    }
    Ok(parsed.rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn amounts_are_read_exactly() {
        assert_eq!(parse_amount("18.70"), Ok(1870));
        assert_eq!(parse_amount("18.7"), Ok(1870));
        assert_eq!(parse_amount("5"), Ok(500));
        assert_eq!(parse_amount("-0.05"), Ok(-5));
        assert_eq!(parse_amount(" 0.01 "), Ok(1));
        for bad in ["", "1.234", "1,5", "abc", "1.", ".5", "--1", "1e3", "99999999999999", "１"] {
            assert!(parse_amount(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn bad_rows_are_rejected_with_their_line_and_the_rest_kept() -> Result<()> {
        let csv = "id,price,name\npower_apps_premium,18.70,\nbroken,12.345,\n,3,\nnew_thing,2,\n\npower_automate_premium,abc,\nx,-1,\n";
        let p = prices(csv.as_bytes())?;
        assert_eq!(p.rows.len(), 2, "{p:?}");
        assert_eq!(p.rows[0].price, Some(1870));
        let lines: Vec<u64> = p.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4, 7, 8], "{:?}", p.rejected);
        assert!(p.rejected[0].reason.contains("two decimal places"));
        assert!(p.rejected[1].reason.contains("'id' is empty"));
        Ok(())
    }

    #[test]
    fn an_incomplete_new_entry_is_rejected_on_its_line_and_the_rest_kept() -> Result<()> {
        let base = Catalogue::builtin()?;
        let csv = "id,price,name,service,category,meter,unit\n\
                   power_apps_premium,18.70,,,,,\n\
                   my_bot,99.00,RPA bot,\n\
                   my_bot2,99.00,RPA bot,Power Automate,purchase,assigned,user/month\n\
                   my_bot2,80.00,,,,,\n";
        // Line 3 has too few fields for the header; make it a readable but incomplete row.
        let csv = csv.replace("my_bot,99.00,RPA bot,\n", "my_bot,99.00,RPA bot,,,,\n");
        let p = prices_against(csv.as_bytes(), &base, "USD")?;
        let ids: Vec<&str> = p.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["power_apps_premium", "my_bot2", "my_bot2"], "{p:?}");
        assert_eq!(p.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [3], "{:?}", p.rejected);
        assert!(p.rejected[0].reason.contains("my_bot"), "names the entry: {:?}", p.rejected);
        // What was kept still makes a valid catalogue, with the later price winning.
        let mut all = base.clone();
        all.apply(&p.rows, "USD")?;
        assert_eq!(all.entries().find(|e| e.id == "my_bot2").map(|e| e.price), Some(8000));
        // Without the catalogue the same row passes the reading: only the check against it refuses.
        assert_eq!(prices(csv.as_bytes())?.rows.len(), 4);
        Ok(())
    }

    #[test]
    fn headers_must_name_known_columns() {
        assert!(prices(b"id,prize\nx,1\n").is_err_and(|e| e.to_string().contains("unknown column 'prize'")));
        assert!(budgets(b"cost_centre,amount\nx,1\n", "USD").is_err_and(|e| e.to_string().contains("'period'")));
    }

    #[test]
    fn each_kind_reads_its_rows() -> Result<()> {
        let a = assignments(b"principal,entry_id,quantity,environment_id\nu@x.com,power_apps_premium,,\n,power_apps_per_app,40,env-1\n,x,1,\n")?;
        assert_eq!(a.rows.len(), 2);
        assert_eq!(a.rejected.len(), 1);
        let b = budgets(b"cost_centre,period,amount\nfin,2026-Q4,30000\nfin,2026-13,1\nhr,2026,-5\n", "USD")?;
        assert_eq!(b.rows.len(), 1);
        assert_eq!(b.rows[0].amount, 3_000_000);
        assert_eq!(b.rejected.len(), 2);
        let p = people(b"id,kind,name,quantity,rate,month\nlead,coe_team,CoE lead,1,9500,\nt1,maker_time,Ana,12.5,,2026-10\nt2,maker_time,Bo,3,,2026-Q4\nt3,coe_team,X,1,,\n")?;
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].rate, Some(950_000));
        assert_eq!(p.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), vec![4, 5]);
        let c = cost_centres(b"id,name,head_count\nfin,Finance,40\nhr,HR,many\n")?;
        assert_eq!((c.rows.len(), c.rejected.len()), (1, 1));
        let r = rules(b"by,value,cost_centre,split,among\ndepartment,Finance,fin,,\nany,,,head_count,fin;hr\n")?;
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].among, vec!["fin".to_string(), "hr".to_string()]);
        assert!(
            rules(b"by,value,cost_centre\ndepartment,Finance,fin\nplanet,Mars,fin\n")
                .is_err_and(|e| e.to_string().contains("line 3"))
        );
        Ok(())
    }

    /// Fuzz: random bytes and random mutations of valid files never panic, and every data line
    /// ends up either kept or rejected (never both, never lost).
    #[test]
    fn parsers_survive_random_input() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let seeds: [&[u8]; 3] = [
            b"id,price,name,skus\npower_apps_premium,18.70,P,A;B\nx,1,,\n",
            b"cost_centre,period,amount\nfin,2026-10,100\nhr,2026,5.5\n",
            b"id,kind,name,quantity,rate\nlead,coe_team,Lead,1,9000\n",
        ];
        let alphabet = b"abc,.;\"\n\r-0123456789Q \xff\xfe=";
        for i in 0..3000 {
            let mut input: Vec<u8> = seeds[i % 3].to_vec();
            for _ in 0..rng.random_range(0..8) {
                let pos = rng.random_range(0..=input.len());
                match rng.random_range(0..3) {
                    0 => input.insert(pos, alphabet[rng.random_range(0..alphabet.len())]),
                    1 if pos < input.len() => {
                        input.remove(pos);
                    }
                    _ => input.truncate(pos),
                }
            }
            if i % 10 == 0 {
                input = (0..rng.random_range(0..200)).map(|_| rng.random()).collect();
            }
            let _ = prices(&input);
            let _ = cost_centres(&input);
            let _ = people(&input);
            let _ = rules(&input);
            if let Ok(p) = budgets(&input, "USD") {
                let data_lines =
                    std::str::from_utf8(&input).map(|s| s.lines().skip(1).filter(|l| !l.trim().is_empty()).count());
                if let Ok(n) = data_lines
                    && !input.contains(&b'"')
                    && !input.contains(&b'\r')
                {
                    assert_eq!(p.rows.len() + p.rejected.len(), n, "{:?}", String::from_utf8_lossy(&input));
                }
            }
        }
    }
}
