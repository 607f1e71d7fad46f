//! The board's ROI report: value, cost and ROI for a period, per resource, maker, environment,
//! business unit and tenant, with every value explained. One [`ValueReport`] (also the JSON
//! answer of the API) rendered as Markdown, a standalone HTML file or an HTML fragment for the
//! web page.

use crate::ValueError;
use crate::config::Rates;
use crate::gather::{ResourceValue, resource_facts, resource_values};
use crate::money::format_money;
use crate::period::ValuePeriod;
use crate::roi::{CostSource, Dimension, Entry, RoiRow, rows};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::value::ValueQuery;

/// Resources listed by name in the report; the groups and totals count them all.
pub const TOP: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueReport {
    pub period: ValuePeriod,
    pub currency: String,
    pub generated_at: Timestamp,
    /// Where costs come from.
    pub cost_source: String,
    /// Why no cost is available at all, when so.
    pub cost_unavailable: Option<String>,
    /// The whole estate in one row.
    pub total: RoiRow,
    /// Resources with a value record, highest actual value first.
    pub resources: Vec<RoiRow>,
    pub makers: Vec<RoiRow>,
    pub environments: Vec<RoiRow>,
    pub business_units: Vec<RoiRow>,
    pub tenants: Vec<RoiRow>,
    /// The computed values behind the resource rows, with their explanations.
    pub details: Vec<ResourceValue>,
}

/// Compute the report. Resources with a cost but no value record count in the groups (their
/// value is 0), so the tenant's ROI divides by everything it spends. `only` narrows everything
/// to these resources (a maker's own).
pub async fn build(
    store: &dyn Store,
    rates: &Rates,
    period: &ValuePeriod,
    costs: &dyn CostSource,
    now: Timestamp,
    only: Option<&HashSet<String>>,
) -> Result<ValueReport, ValueError> {
    let query = ValueQuery { resource_ids: only.map(|ids| ids.iter().cloned().collect()), ..Default::default() };
    let values = resource_values(store, rates, period, &query).await?;
    let (mut cost_map, cost_unavailable) = match costs.resource_costs(period).await {
        Ok(map) => (map, None),
        Err(reason) => (BTreeMap::new(), Some(reason)),
    };
    if let Some(only) = only {
        cost_map.retain(|id, _| only.contains(id));
    }
    let cost_only: Vec<String> =
        cost_map.keys().filter(|id| !values.iter().any(|v| &v.facts.resource_id == *id)).cloned().collect();
    let mut extra = if cost_only.is_empty() { BTreeMap::new() } else { resource_facts(store, &cost_only).await? };
    let mut entries: Vec<Entry> = values
        .iter()
        .map(|v| Entry {
            facts: v.facts.clone(),
            value: Some(v.clone()),
            cost: cost_map.get(&v.facts.resource_id).cloned(),
        })
        .collect();
    for id in cost_only {
        let facts = extra.remove(&id).unwrap_or_default();
        entries.push(Entry { facts, value: None, cost: cost_map.get(&id).cloned() });
    }
    let reason_owned = cost_unavailable.clone();
    let reason = reason_owned.as_deref();
    let currency = rates.currency.as_str();
    let valued: Vec<Entry> = entries.iter().filter(|e| e.value.is_some()).cloned().collect();
    let mut total_rows = rows(&entries, Dimension::Tenant, currency, reason);
    let total = if total_rows.len() == 1 {
        let mut t = total_rows.remove(0);
        t.key = String::new();
        t.label = "All tenants".into();
        t
    } else {
        // Several tenants: sum them, the ROI computed again over the sums.
        let value = total_rows.iter().map(|r| r.value).sum();
        let cost = total_rows.iter().filter_map(|r| r.cost).reduce(|a, b| a + b);
        RoiRow {
            dimension: Dimension::Tenant,
            key: String::new(),
            label: "All tenants".into(),
            value,
            potential: total_rows.iter().map(|r| r.potential).sum(),
            cost,
            roi: match (cost, reason) {
                (None, Some(r)) => crate::roi::Roi::NotAvailable { reason: r.to_string() },
                _ => crate::roi::Roi::of(value, cost.map(|c| (c, currency)), currency),
            },
            resources: total_rows.iter().map(|r| r.resources).sum(),
            without_cost: total_rows.iter().map(|r| r.without_cost).sum(),
        }
    };
    let mut details = values;
    details.sort_by(|a, b| b.actual_total().cmp(&a.actual_total()).then_with(|| a.facts.name().cmp(b.facts.name())));
    Ok(ValueReport {
        period: period.clone(),
        currency: currency.to_string(),
        generated_at: now,
        cost_source: costs.describe(),
        cost_unavailable,
        total,
        resources: rows(&valued, Dimension::Resource, currency, reason),
        makers: rows(&entries, Dimension::Maker, currency, reason),
        environments: rows(&entries, Dimension::Environment, currency, reason),
        business_units: rows(&entries, Dimension::BusinessUnit, currency, reason),
        tenants: rows(&entries, Dimension::Tenant, currency, reason),
        details,
    })
}

impl ValueReport {
    /// The group tables in report order.
    pub fn groups(&self) -> [(Dimension, &[RoiRow]); 4] {
        [
            (Dimension::Maker, &self.makers),
            (Dimension::Environment, &self.environments),
            (Dimension::BusinessUnit, &self.business_units),
            (Dimension::Tenant, &self.tenants),
        ]
    }
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn render_markdown(r: &ValueReport) -> String {
    let c = r.currency.as_str();
    let mut out = String::new();
    let _ = writeln!(out, "# Business value and ROI — {}\n", r.period);
    let _ = writeln!(
        out,
        "Period {} to {} · values in {c} · costs from {} · generated {}\n",
        r.period.from,
        r.period.to,
        r.cost_source,
        r.generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(reason) = &r.cost_unavailable {
        let _ = writeln!(out, "> No costs: {}. ROI is n/a throughout.\n", md_cell(reason));
    }
    let t = &r.total;
    let _ = writeln!(out, "| Actual value | Potential value | Cost | ROI | Resources |\n|---:|---:|---:|---|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n",
        t.value_text(c),
        t.potential_text(c),
        t.cost_text(c),
        md_cell(&t.roi.text()),
        t.resources
    );
    let table = |out: &mut String, title: &str, rows: &[RoiRow], limit: usize| {
        let _ = writeln!(out, "## {title}\n");
        if rows.is_empty() {
            let _ = writeln!(out, "Nothing recorded for the period.\n");
            return;
        }
        let _ = writeln!(out, "| {title} | Actual value | Potential value | Cost | ROI |\n|---|---:|---:|---:|---|");
        for row in rows.iter().take(limit) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_cell(&row.label),
                row.value_text(c),
                row.potential_text(c),
                row.cost_text(c),
                md_cell(&row.roi.text())
            );
        }
        if rows.len() > limit {
            let _ = writeln!(out, "\n{} more not listed.", rows.len() - limit);
        }
        out.push('\n');
    };
    table(&mut out, "Top resources by value", &r.resources, TOP);
    for (dimension, rows) in r.groups() {
        table(&mut out, dimension.title(), rows, usize::MAX);
    }
    let _ = writeln!(out, "## How the values were computed\n");
    for d in r.details.iter().take(TOP) {
        let _ = writeln!(out, "### {}\n", md_cell(d.facts.name()));
        for (label, value) in [("Actual", &d.actual), ("Potential", &d.potential)] {
            let Some(v) = value else { continue };
            let _ = writeln!(out, "{label}: **{}**\n", format_money(v.total, c));
            for line in &v.lines {
                let _ = writeln!(out, "- {}: {}", line.name, md_cell(&line.formula));
                for i in &line.inputs {
                    let _ = writeln!(out, "  - {} = {} (from {})", i.name, md_cell(&i.value), md_cell(&i.source));
                }
            }
            for n in &v.notes {
                let _ = writeln!(out, "- note: {}", md_cell(n));
            }
            out.push('\n');
        }
    }
    out
}

/// Escape text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report's content as HTML, for a page of the web UI (`link` makes a resource's name a
/// link, e.g. to its page).
pub fn render_fragment(r: &ValueReport, link: &dyn Fn(&str) -> Option<String>) -> String {
    let c = r.currency.as_str();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<p class=\"value-meta\">Period {} to {} · values in {} · costs from {}</p>",
        r.period.from,
        r.period.to,
        esc(c),
        esc(&r.cost_source)
    );
    if let Some(reason) = &r.cost_unavailable {
        let _ = writeln!(out, "<p class=\"value-note\">No costs: {}. ROI is n/a throughout.</p>", esc(reason));
    }
    let t = &r.total;
    let _ = writeln!(
        out,
        "<dl class=\"value-totals\"><div><dt>Actual value</dt><dd>{}</dd></div><div><dt>Potential value</dt><dd>{}</dd></div>\
         <div><dt>Cost</dt><dd>{}</dd></div><div><dt>ROI</dt><dd>{}</dd></div><div><dt>Resources</dt><dd>{}</dd></div></dl>",
        esc(&t.value_text(c)),
        esc(&t.potential_text(c)),
        esc(&t.cost_text(c)),
        esc(&t.roi.text()),
        t.resources
    );
    let table = |out: &mut String, title: &str, rows: &[RoiRow], limit: usize, links: bool| {
        let _ = writeln!(out, "<h2>{}</h2>", esc(title));
        if rows.is_empty() {
            let _ = writeln!(out, "<p>Nothing recorded for the period.</p>");
            return;
        }
        let _ = writeln!(
            out,
            "<table class=\"value-table\"><thead><tr><th>{}</th><th class=\"num\">Actual value</th>\
             <th class=\"num\">Potential value</th><th class=\"num\">Cost</th><th>ROI</th></tr></thead><tbody>",
            esc(title)
        );
        for row in rows.iter().take(limit) {
            let name = match links.then(|| link(&row.key)).flatten() {
                Some(href) => format!("<a href=\"{}\">{}</a>", esc(&href), esc(&row.label)),
                None => esc(&row.label),
            };
            let _ = writeln!(
                out,
                "<tr><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&row.value_text(c)),
                esc(&row.potential_text(c)),
                esc(&row.cost_text(c)),
                esc(&row.roi.text())
            );
        }
        let _ = writeln!(out, "</tbody></table>");
        if rows.len() > limit {
            let _ = writeln!(out, "<p>{} more not listed.</p>", rows.len() - limit);
        }
    };
    table(&mut out, "Top resources by value", &r.resources, TOP, true);
    for (dimension, rows) in r.groups() {
        table(&mut out, dimension.title(), rows, usize::MAX, false);
    }
    out
}

/// One computed value with its explanation, as HTML (the resource page and the report use it).
pub fn render_explanation(v: &crate::compute::ComputedValue) -> String {
    let mut out = String::from("<ul class=\"value-explain\">");
    for line in &v.lines {
        let _ = write!(out, "<li><strong>{}</strong>: {}<ul>", esc(&line.name), esc(&line.formula));
        for i in &line.inputs {
            let _ = write!(
                out,
                "<li>{} = {} <span class=\"muted\">(from {})</span></li>",
                esc(&i.name),
                esc(&i.value),
                esc(&i.source)
            );
        }
        out.push_str("</ul></li>");
    }
    for n in &v.notes {
        let _ = write!(out, "<li class=\"muted\">{}</li>", esc(n));
    }
    out.push_str("</ul>");
    out
}

/// A standalone printable HTML file.
pub fn render_html(r: &ValueReport) -> String {
    let mut body = render_fragment(r, &|_| None);
    body.push_str("<h2>How the values were computed</h2>");
    for d in r.details.iter().take(TOP) {
        let _ = write!(body, "<h3>{}</h3>", esc(d.facts.name()));
        for (label, value) in [("Actual", &d.actual), ("Potential", &d.potential)] {
            let Some(v) = value else { continue };
            let _ = write!(
                body,
                "<p>{label}: <strong>{}</strong></p>{}",
                esc(&format_money(v.total, &r.currency)),
                render_explanation(v)
            );
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Business value and ROI — {title}</title>\
         <style>body{{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1b1f24}}\
         table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}}th,td{{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left}}\
         .num{{text-align:right}}.value-totals{{display:flex;gap:2rem}}.value-totals dd{{margin:0;font-size:1.3rem;font-weight:600}}\
         .muted{{color:#57606a}}</style></head><body><h1>Business value and ROI — {title}</h1>\n{body}\n</body></html>\n",
        title = esc(&r.period.label)
    )
}
