//! The report laid out as text: headline figures, then sections of charts and tables.
//!
//! Both renderers read this one layout, so the HTML and the Markdown report can never show
//! different figures or different wording; each only decides how to mark it up.

use crate::charts::{self, Chart, Series};
use crate::format::{change, count, day};
use crate::report::*;
use crate::{Month, ReportError};
use steward_model::ResourceKind;

pub struct View {
    pub title: String,
    /// Label and value lines under the title.
    pub meta: Vec<(&'static str, String)>,
    pub figures: Vec<Figure>,
    pub sections: Vec<Section>,
}

/// A headline figure beside the previous month.
pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub previous: String,
    pub change: String,
    /// False when either month has no data: the page then says so instead of a change.
    pub comparable: bool,
    pub hint: &'static str,
}

pub struct Section {
    /// The HTML anchor.
    pub id: &'static str,
    pub title: String,
    pub intro: Option<String>,
    pub charts: Vec<Chart>,
    pub table: Option<Table>,
    /// Said instead of an empty table.
    pub empty: Option<String>,
    /// Said after the table (e.g. how many rows were left out).
    pub note: Option<String>,
}

pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

pub struct Column {
    pub title: String,
    /// Right-aligned.
    pub numeric: bool,
}

fn text(title: impl Into<String>) -> Column {
    Column { title: title.into(), numeric: false }
}

fn number(title: impl Into<String>) -> Column {
    Column { title: title.into(), numeric: true }
}

impl Section {
    fn new(id: &'static str, title: impl Into<String>) -> Section {
        Section { id, title: title.into(), intro: None, charts: Vec::new(), table: None, empty: None, note: None }
    }

    fn intro(mut self, intro: impl Into<String>) -> Section {
        self.intro = Some(intro.into());
        self
    }

    /// The table, or `empty` when it has no rows.
    fn table(mut self, columns: Vec<Column>, rows: Vec<Vec<String>>, empty: &str) -> Section {
        if rows.is_empty() {
            self.empty = Some(empty.to_string());
        } else {
            self.table = Some(Table { columns, rows });
        }
        self
    }
}

pub fn build(r: &BoardReport) -> Result<View, ReportError> {
    let month = r.period.month;
    let scope = match &r.tenant {
        Some(t) if t.display_name != t.id => format!("{} ({})", t.display_name, t.id),
        Some(t) => t.id.clone(),
        None => "all tenants".into(),
    };
    let meta = vec![
        ("Period", format!("{} to {}", r.period.first_day, r.period.last_day)),
        ("Tenant", scope),
        ("Compared with", r.period.previous.long_label()),
        ("Usage data", coverage(&r.usage_coverage)),
        ("Generated", r.generated_at.format("%Y-%m-%d %H:%M UTC").to_string()),
    ];
    Ok(View {
        title: format!("Governance board report: {}", month.long_label()),
        meta,
        figures: figures(r),
        sections: vec![
            by_kind(r),
            trends(r)?,
            top_by_uses(r),
            top_by_users(r),
            new_makers(r),
            success(r),
            leavers(r),
            compliance(r),
        ],
    })
}

fn coverage(c: &UsageCoverage) -> String {
    match (c.first_day, c.last_day, c.sealed_before) {
        (_, _, Some(sealed)) => format!(
            "monthly figures kept from before {sealed}; records from {} to {}",
            day(c.first_day),
            day(c.last_day)
        ),
        (Some(first), Some(last), None) => format!("records from {first} to {last}"),
        _ => "no usage records yet (import an audit log or run a sync)".into(),
    }
}

fn figures(r: &BoardReport) -> Vec<Figure> {
    let t = &r.totals;
    let figure = |label, c: Change, hint| Figure {
        label,
        value: count(c.current),
        previous: count(c.previous),
        change: change(c.change),
        comparable: true,
        hint,
    };
    let mut users = figure("Active users", t.active_users, "distinct users with a launch, run or session in the month");
    // A month without records has unknown users, not zero users: no value, no change.
    let (now, before) = (r.usage_coverage.covers(r.period.month), r.usage_coverage.covers(r.period.previous));
    if !now {
        users.value = "no data".into();
    }
    if !before {
        users.previous = "no data".into();
    }
    if !now || !before {
        users.change = "—".into();
        users.comparable = false;
    }
    vec![
        figure("Resources", t.resources, "apps, flows, agents and more at the end of the month"),
        figure("Environments", t.environments, "at the end of the month"),
        figure("Makers", t.makers, "distinct primary owners of those resources"),
        users,
    ]
}

fn change_columns(month: Month, previous: Month) -> Vec<Column> {
    vec![number(month.long_label()), number(previous.long_label()), number("Change")]
}

fn by_kind(r: &BoardReport) -> Section {
    let mut columns = vec![text("Kind")];
    columns.extend(change_columns(r.period.month, r.period.previous));
    let rows = r
        .totals
        .by_kind
        .iter()
        .map(|k| {
            vec![
                k.kind.label().to_string(),
                count(k.figures.current),
                count(k.figures.previous),
                change(k.figures.change),
            ]
        })
        .collect();
    Section::new("inventory", "Inventory by kind")
        .intro(format!(
            "Resources not deleted at the end of {}, beside the end of {}.",
            r.period.month.long_label(),
            r.period.previous.long_label()
        ))
        .table(columns, rows, "The inventory is empty: import a tenant dump or run a sync.")
}

fn trends(r: &BoardReport) -> Result<Section, ReportError> {
    let months: Vec<Month> = r.trends.iter().map(|t| t.month).collect();
    let span = match (months.first(), months.last()) {
        (Some(first), Some(last)) => format!("{} to {}", first.long_label(), last.long_label()),
        _ => String::new(),
    };
    let recorded = |t: &MonthTrend, v: u64| t.usage_recorded.then_some(v);
    let users: Vec<Option<u64>> = r.trends.iter().map(|t| recorded(t, t.active_users)).collect();
    let makers: Vec<Option<u64>> = r.trends.iter().map(|t| recorded(t, t.active_makers)).collect();
    let series: Vec<Series> = ResourceKind::ALL
        .iter()
        .filter(|&&kind| r.trends.iter().any(|t| t.new_of(kind) > 0))
        .map(|&kind| Series {
            label: kind.label().to_string(),
            color: charts::kind_color(kind),
            values: r.trends.iter().map(|t| t.new_of(kind)).collect(),
        })
        .collect();
    let charts = vec![
        charts::line_chart("mau", "Monthly active users", "Users", &months, &users)?,
        charts::line_chart("makers", "Makers active per month", "Makers", &months, &makers)?,
        charts::stacked_bar_chart("new-resources", "New resources per month by kind", "Resources", &months, &series)?,
    ];
    let rows = r
        .trends
        .iter()
        .map(|t| {
            let usage = |v: u64| if t.usage_recorded { count(v) } else { "no data".into() };
            vec![t.month.long_label(), usage(t.active_users), usage(t.active_makers), count(t.new_resources_total())]
        })
        .collect();
    let mut section = Section::new("trends", "Trends over twelve months")
        .intro(format!(
            "{span}. Active users used a resource (launch, run, session) in the month; active makers \
             created, edited, published or shared one; new resources by their creation date."
        ))
        .table(
            vec![text("Month"), number("Active users"), number("Active makers"), number("New resources")],
            rows,
            "No months to show.",
        );
    section.charts = charts;
    Ok(section)
}

fn kind_label(kind: Option<ResourceKind>) -> String {
    kind.map_or_else(|| "unknown".into(), |k| k.label().to_string())
}

/// The columns both top-ten tables start with: rank, name, kind, environment, owner.
fn ranked_resource(i: usize, t: &TopResource) -> Vec<String> {
    vec![
        (i + 1).to_string(),
        t.display_name.clone(),
        kind_label(t.kind),
        t.environment.clone().unwrap_or_else(|| "—".into()),
        t.owner.clone().unwrap_or_else(|| "—".into()),
    ]
}

fn top_by_uses(r: &BoardReport) -> Section {
    let rows = r
        .top_by_uses
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut row = ranked_resource(i, t);
            row.extend([count(t.uses), count(t.unique_users), count(t.active_days)]);
            row
        })
        .collect();
    Section::new("top-uses", "Most used resources")
        .intro(format!(
            "The {TOP} resources with most uses (launches, runs, sessions) in {}.",
            r.period.month.long_label()
        ))
        .table(
            vec![
                number("#"),
                text("Resource"),
                text("Kind"),
                text("Environment"),
                text("Owner"),
                number("Uses"),
                number("Users"),
                number("Active days"),
            ],
            rows,
            "No recorded use in this month.",
        )
}

fn top_by_users(r: &BoardReport) -> Section {
    let rows = r
        .top_by_users
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut row = ranked_resource(i, t);
            row.extend([count(t.unique_users), count(t.departments), count(t.uses)]);
            row
        })
        .collect();
    Section::new("top-users", "Resources with most users")
        .intro(format!("The {TOP} resources used by most distinct people in {}.", r.period.month.long_label()))
        .table(
            vec![
                number("#"),
                text("Resource"),
                text("Kind"),
                text("Environment"),
                text("Owner"),
                number("Users"),
                number("Departments"),
                number("Uses"),
            ],
            rows,
            "No recorded use in this month.",
        )
}

fn listed_note<T>(listing: &Listing<T>, what: &str) -> Option<String> {
    (listing.total > listing.items.len() as u64).then(|| {
        format!("Showing {} of {} {what}; the JSON report lists the same.", listing.items.len(), count(listing.total))
    })
}

fn new_makers(r: &BoardReport) -> Section {
    let rows = r
        .new_makers
        .items
        .iter()
        .map(|m| {
            vec![
                m.display_name.clone(),
                m.upn.clone().unwrap_or_else(|| "—".into()),
                m.department.clone().unwrap_or_else(|| "—".into()),
                m.first_created.to_string(),
                count(m.resources_created),
            ]
        })
        .collect();
    let mut section = Section::new("new-makers", format!("New makers ({})", count(r.new_makers.total)))
        .intro(format!(
            "People whose first resource (as primary owner) was created in {}: candidates for onboarding \
             and the maker community.",
            r.period.month.long_label()
        ))
        .table(
            vec![text("Maker"), text("UPN"), text("Department"), text("First resource"), number("Created this month")],
            rows,
            "No new makers this month.",
        );
    section.note = listed_note(&r.new_makers, "new makers");
    section
}

fn success(r: &BoardReport) -> Section {
    let rows = r
        .success_candidates
        .iter()
        .map(|c| {
            vec![c.display_name.clone(), kind_label(c.kind), c.rule_title.clone(), c.figures.clone(), c.state.clone()]
        })
        .collect();
    Section::new("success", "Success candidates")
        .intro("Resources that success detection proposes for recognition, support or a move to a managed environment.")
        .table(
            vec![text("Resource"), text("Kind"), text("Rule"), text("Figures"), text("State")],
            rows,
            "No candidates for this period.",
        )
}

fn leavers(r: &BoardReport) -> Section {
    let rows = r
        .leavers_resources
        .items
        .iter()
        .map(|l| {
            vec![
                l.display_name.clone(),
                l.kind.label().to_string(),
                l.environment.clone(),
                match &l.owner_upn {
                    Some(upn) => format!("{} ({upn})", l.owner_name),
                    None => l.owner_name.clone(),
                },
                l.owner_left.map_or_else(|| "disabled".into(), |d| format!("left {d}")),
                count(l.users_in_period),
                count(l.uses_in_period),
                day(l.last_use),
            ]
        })
        .collect();
    let mut section = Section::new("leavers", format!("Leavers' resources ({})", count(r.leavers_resources.total)))
        .intro(
            "Live resources whose primary owner has left the directory or is disabled, most used first: \
                 each needs a new owner or a decision to retire it.",
        )
        .table(
            vec![
                text("Resource"),
                text("Kind"),
                text("Environment"),
                text("Owner"),
                text("Owner status"),
                number("Users this month"),
                number("Uses this month"),
                text("Last use"),
            ],
            rows,
            "No live resource belongs to a leaver.",
        );
    section.note = listed_note(&r.leavers_resources, "resources");
    section
}

fn compliance(r: &BoardReport) -> Section {
    let section = Section::new("compliance", "Compliance");
    match &r.compliance {
        None => Section {
            empty: Some(
                "Policies are not configured yet: once governance policies are defined and evaluated, this \
                 section shows compliant, non-compliant and exempt resources per policy."
                    .into(),
            ),
            ..section
        },
        Some(c) => {
            let rows = c
                .policies
                .iter()
                .map(|p| {
                    vec![
                        p.title.clone(),
                        p.level.clone(),
                        count(p.in_scope),
                        count(p.compliant),
                        count(p.non_compliant),
                        count(p.exempt),
                    ]
                })
                .collect();
            let when = c.last_run_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into());
            let open: u64 = c.policies.iter().map(|p| p.non_compliant).sum();
            section
                .intro(format!(
                    "Where compliance stands after the latest compliance run ({when}, policy set {}), not at the end \
                     of the month: {} open violations over {} policies. In scope counts the live resources (or \
                     environments) a policy's scope admits; compliant = in scope − non-compliant − exempt.",
                    c.policy_set_version,
                    count(open),
                    c.policies.len()
                ))
                .table(
                    vec![
                        text("Policy"),
                        text("Level"),
                        number("In scope"),
                        number("Compliant"),
                        number("Non-compliant"),
                        number("Exempt"),
                    ],
                    rows,
                    "No policy of the set has been evaluated yet: run `steward check`.",
                )
        }
    }
}
