//! SVG charts drawn with plotters (SVG backend only), made accessible afterwards.
//!
//! Every chart is a standalone SVG document: the Markdown report writes it to a file, the HTML
//! report inlines it. Each carries its title in the picture (a printed page has no tooltip), a
//! `<title>` and `<desc>` with every value in words for screen readers, and the value of each
//! month printed beside its point or bar, so nothing depends on hovering or JavaScript.

use crate::format::count;
use crate::{Month, ReportError};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use steward_model::ResourceKind;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 320;
const LEGEND_WIDTH: u32 = 150;
const FONT: &str = "sans-serif";

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Unique within a report; also the suffix of its file next to a Markdown report.
    pub name: &'static str,
    pub title: String,
    /// Every value in words (the SVG's `<desc>`).
    pub description: String,
    pub svg: String,
}

/// One series of a stacked bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    /// One value per month.
    pub values: Vec<u64>,
}

/// A line over months, with each month's value printed above its point. Months without data
/// (`None`) leave a gap: a zero there would claim that nothing happened.
pub fn line_chart(
    name: &'static str,
    title: &str,
    y_label: &str,
    months: &[Month],
    values: &[Option<u64>],
) -> Result<Chart, ReportError> {
    let fail = |e: &dyn std::fmt::Display| ReportError::render(format!("chart '{title}'"), e);
    let y_max = nice_ceiling(values.iter().flatten().copied().max().unwrap_or(0));
    let color = RGBColor(0x2b, 0x5c, 0x9e);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let label_of = |v: &SegmentValue<i32>| month_label(months, v);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(month_axis(months), 0f64..y_max as f64)
            .map_err(|e| fail(&e))?;
        configure_axes(&mut chart, months.len(), y_label, &label_of).map_err(|e| fail(&e))?;
        let point = |i: usize, v: u64| (SegmentValue::CenterOf(i as i32), v as f64);
        let points: Vec<(SegmentValue<i32>, f64)> =
            values.iter().enumerate().filter_map(|(i, v)| v.map(|v| point(i, v))).collect();
        // One path per run of months with data.
        let mut runs: Vec<Vec<(SegmentValue<i32>, f64)>> = vec![Vec::new()];
        for (i, v) in values.iter().enumerate() {
            match (v, runs.last_mut()) {
                (Some(v), Some(run)) => run.push(point(i, *v)),
                (None, Some(run)) if !run.is_empty() => runs.push(Vec::new()),
                _ => {}
            }
        }
        chart
            .draw_series(
                runs.into_iter().filter(|r| r.len() > 1).map(|run| PathElement::new(run, color.stroke_width(2))),
            )
            .map_err(|e| fail(&e))?;
        let value_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(points.iter().map(|(x, v)| {
                EmptyElement::at((x.clone(), *v))
                    + Circle::new((0, 0), 3, color.filled())
                    + Text::new(count(*v as u64), (0, -6), value_style.clone())
            }))
            .map_err(|e| fail(&e))?;
        let gap_style = TextStyle::from((FONT, 11).into_font())
            .color(&RGBColor(0x6b, 0x72, 0x80))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(
                values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_none())
                    .map(|(i, _)| Text::new("no data", (SegmentValue::CenterOf(i as i32), 0.0), gap_style.clone())),
            )
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    let description = format!("{title}: {}", words(months, values));
    Ok(Chart { name, title: title.into(), svg: accessible(&svg, name, title, &description), description })
}

/// Bars over months, one colour per series stacked on each other, the month's total above
/// each bar and a legend on the right.
pub fn stacked_bar_chart(
    name: &'static str,
    title: &str,
    y_label: &str,
    months: &[Month],
    series: &[Series],
) -> Result<Chart, ReportError> {
    let fail = |e: &dyn std::fmt::Display| ReportError::render(format!("chart '{title}'"), e);
    let totals: Vec<u64> =
        (0..months.len()).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).sum()).collect();
    let y_max = nice_ceiling(totals.iter().copied().max().unwrap_or(0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH + LEGEND_WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let (plot, legend) = root.split_horizontally(WIDTH);
        let label_of = |v: &SegmentValue<i32>| month_label(months, v);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, (FONT, 22))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(month_axis(months), 0f64..y_max as f64)
            .map_err(|e| fail(&e))?;
        configure_axes(&mut chart, months.len(), y_label, &label_of).map_err(|e| fail(&e))?;
        for (i, _) in months.iter().enumerate() {
            let mut base = 0;
            for s in series {
                let v = s.values.get(i).copied().unwrap_or(0);
                if v == 0 {
                    continue;
                }
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i as i32), base as f64),
                        (SegmentValue::Exact(i as i32 + 1), (base + v) as f64),
                    ],
                    s.color.filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                chart.draw_series(std::iter::once(bar)).map_err(|e| fail(&e))?;
                base += v;
            }
        }
        let total_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(
                totals.iter().enumerate().filter(|(_, t)| **t > 0).map(|(i, &t)| {
                    Text::new(count(t), (SegmentValue::CenterOf(i as i32), t as f64), total_style.clone())
                }),
            )
            .map_err(|e| fail(&e))?;
        let legend_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (row, s) in series.iter().enumerate() {
            let y = 48 + row as i32 * 20;
            legend.draw(&Rectangle::new([(4, y - 6), (16, y + 6)], s.color.filled())).map_err(|e| fail(&e))?;
            legend.draw(&Text::new(s.label.clone(), (22, y), legend_style.clone())).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    let parts: Vec<String> = series
        .iter()
        .map(|s| format!("{} {}", s.label, count(s.values.iter().sum())))
        .chain(std::iter::once(format!(
            "per month {}",
            words(months, &totals.iter().map(|&t| Some(t)).collect::<Vec<_>>())
        )))
        .collect();
    let description = format!("{title}: {}", parts.join("; "));
    Ok(Chart { name, title: title.into(), svg: accessible(&svg, name, title, &description), description })
}

/// A steady colour per resource kind, so that a kind looks the same in every report.
pub fn kind_color(kind: ResourceKind) -> RGBColor {
    const PALETTE: [RGBColor; 11] = [
        RGBColor(0x4e, 0x79, 0xa7),
        RGBColor(0xf2, 0x8e, 0x2b),
        RGBColor(0xe1, 0x57, 0x59),
        RGBColor(0x76, 0xb7, 0xb2),
        RGBColor(0x59, 0xa1, 0x4f),
        RGBColor(0xed, 0xc9, 0x48),
        RGBColor(0xb0, 0x7a, 0xa1),
        RGBColor(0xff, 0x9d, 0xa7),
        RGBColor(0x9c, 0x75, 0x5f),
        RGBColor(0xba, 0xb0, 0xac),
        RGBColor(0x1f, 0x3b, 0x73),
    ];
    let index = ResourceKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    PALETTE[index % PALETTE.len()]
}

type MonthChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordf64>>;

fn configure_axes(
    chart: &mut MonthChart<'_, '_>,
    months: usize,
    y_label: &str,
    label_of: &dyn Fn(&SegmentValue<i32>) -> String,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    // Only whole numbers are ticks: a count of 2.5 users means nothing.
    let counts = |v: &f64| if v.fract() == 0.0 && *v >= 0.0 { count(*v as u64) } else { String::new() };
    chart
        .configure_mesh()
        .disable_x_mesh()
        // Not 0: plotters' integer key points never terminate when asked for none (0.3.7).
        .max_light_lines(1)
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .x_labels(months)
        .x_label_formatter(label_of)
        .y_labels(6)
        .y_label_formatter(&counts)
        .x_desc("Month")
        .y_desc(y_label)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()
}

/// One segment per month. plotters' integer ranges include their end, so `0..n - 1` holds
/// exactly `n` values.
fn month_axis(months: &[Month]) -> SegmentedCoord<RangedCoordi32> {
    let last = (months.len() as i32 - 1).max(0);
    (0..last).into_segmented()
}

fn month_label(months: &[Month], value: &SegmentValue<i32>) -> String {
    match value {
        SegmentValue::CenterOf(i) => usize::try_from(*i).ok().and_then(|i| months.get(i)).map(|m| m.short_label()),
        _ => None,
    }
    .unwrap_or_default()
}

/// The axis top: the first round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
/// ten) at least an eighth above the largest value, so the printed values fit above it, and
/// never below 5 so that an empty chart still has a scale.
fn nice_ceiling(max: u64) -> u64 {
    let wanted = max.saturating_add(max / 8 + 1).max(5);
    let mut magnitude = 1u64;
    loop {
        for tenths in [10, 12, 15, 20, 25, 30, 40, 50, 60, 80] {
            let candidate = magnitude.saturating_mul(tenths) / 10;
            if candidate >= wanted {
                return candidate;
            }
        }
        if magnitude > u64::MAX / 100 {
            return wanted;
        }
        magnitude *= 10;
    }
}

fn words(months: &[Month], values: &[Option<u64>]) -> String {
    months
        .iter()
        .zip(values)
        .map(|(m, v)| format!("{} {}", m.short_label(), v.map_or_else(|| "no data".into(), count)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Give a plotters SVG a role, a title and a description, ids scoped by `name` so several
/// charts can share one HTML page.
fn accessible(svg: &str, name: &str, title: &str, description: &str) -> String {
    let head = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-{name}-title chart-{name}-desc\" \
         font-family=\"{FONT}\" "
    );
    let labels = format!(
        "<title id=\"chart-{name}-title\">{}</title><desc id=\"chart-{name}-desc\">{}</desc>",
        escape(title),
        escape(description)
    );
    let Some(rest) = svg.strip_prefix("<svg ") else { return svg.to_string() };
    match rest.split_once('>') {
        Some((attributes, body)) => format!("{head}{attributes}>\n{labels}{body}"),
        None => svg.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod xml {
    //! A small well-formedness check: enough to catch unbalanced or unescaped output.

    /// `Err` names the first problem: an unclosed or mismatched tag, or a raw `&` or `<`.
    pub fn check(text: &str) -> Result<(), String> {
        let mut open: Vec<String> = Vec::new();
        let mut rest = text;
        let mut roots = 0;
        while let Some(start) = rest.find('<') {
            check_text(&rest[..start])?;
            let after = &rest[start + 1..];
            let end = after.find('>').ok_or_else(|| format!("unterminated tag at '{}'", head(after)))?;
            let tag = &after[..end];
            if tag.contains('<') {
                return Err(format!("'<' inside a tag: '{}'", head(tag)));
            }
            if let Some(name) = tag.strip_prefix('/') {
                let top = open.pop().ok_or_else(|| format!("closing </{name}> with nothing open"))?;
                if top != name.trim() {
                    return Err(format!("</{name}> closes <{top}>"));
                }
            } else if !tag.starts_with('?') && !tag.starts_with('!') {
                check_attributes(tag)?;
                let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default().to_string();
                if open.is_empty() {
                    roots += 1;
                }
                if !tag.ends_with('/') {
                    open.push(name);
                }
            }
            rest = &after[end + 1..];
        }
        check_text(rest)?;
        match (open.last(), roots) {
            (Some(tag), _) => Err(format!("<{tag}> is never closed")),
            (None, 1) => Ok(()),
            (None, n) => Err(format!("{n} root elements")),
        }
    }

    fn check_attributes(tag: &str) -> Result<(), String> {
        if !tag.matches('"').count().is_multiple_of(2) {
            return Err(format!("unbalanced quotes in <{}>", head(tag)));
        }
        check_text(tag)
    }

    fn check_text(text: &str) -> Result<(), String> {
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"].iter().any(|e| entity.starts_with(e));
            if !ok {
                return Err(format!("raw '&' at '{}'", head(entity)));
            }
        }
        Ok(())
    }

    fn head(text: &str) -> String {
        text.chars().take(40).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months() -> Vec<Month> {
        "2026-10".parse::<Month>().unwrap().window(12)
    }

    #[test]
    fn the_checker_rejects_broken_xml() {
        assert!(xml::check("<svg><g></g></svg>").is_ok());
        assert!(xml::check("<svg><g></svg>").is_err());
        assert!(xml::check("<svg>a & b</svg>").is_err());
        assert!(xml::check("<svg><g/></svg><svg></svg>").is_err());
        assert!(xml::check("<svg a=\"1></svg>").is_err());
    }

    #[test]
    fn line_chart_is_well_formed_with_title_axes_and_every_value() {
        let values: Vec<Option<u64>> = (1..=12).map(|i| Some(i * 1000 + 7)).collect();
        let chart = line_chart("mau", "Monthly active users", "Users", &months(), &values).unwrap();
        xml::check(&chart.svg).unwrap_or_else(|e| panic!("{e}\n{}", chart.svg));
        assert!(chart.svg.starts_with("<svg class=\"chart\" role=\"img\""));
        assert!(chart.svg.contains("<title id=\"chart-mau-title\">Monthly active users</title>"));
        assert!(chart.svg.contains(">\nMonth\n<") || chart.svg.contains(">Month<"), "x axis label");
        assert!(chart.svg.contains("Users"), "y axis label");
        for v in values.iter().flatten() {
            assert!(chart.svg.contains(&count(*v)), "value {v} printed");
        }
        assert_eq!(chart.svg.matches("<circle").count(), 12, "one point per month");
        assert!(chart.svg.contains("Nov &apos;25") || chart.svg.contains("Nov '25"), "first month on the axis");
        assert!(chart.description.contains("Oct '26 12,007"), "{}", chart.description);
    }

    #[test]
    fn stacked_bars_print_totals_and_a_legend_and_escape_labels() {
        let series = vec![
            Series { label: "Canvas app".into(), color: kind_color(ResourceKind::CanvasApp), values: vec![3; 12] },
            Series { label: "A <b> & c".into(), color: kind_color(ResourceKind::Agent), values: vec![40; 12] },
        ];
        let chart = stacked_bar_chart("new", "New resources", "Resources", &months(), &series).unwrap();
        xml::check(&chart.svg).unwrap_or_else(|e| panic!("{e}\n{}", chart.svg));
        assert!(chart.svg.contains("43"), "the month total is printed");
        assert!(chart.svg.contains("Canvas app"));
        assert!(chart.svg.contains("A &lt;b&gt; &amp; c"), "labels are escaped");
        assert!(chart.description.contains("Canvas app 36") && chart.description.contains("per month"));
        let bars = chart.svg.matches("<rect").count();
        assert!(bars >= 24 + 2, "12 months x 2 series + 2 legend keys, found {bars} rects");
    }

    #[test]
    fn empty_charts_still_render_a_scale() {
        let chart = line_chart("mau", "Monthly active users", "Users", &months(), &[Some(0); 12]).unwrap();
        xml::check(&chart.svg).unwrap();
        let bars = stacked_bar_chart("new", "New resources", "Resources", &months(), &[]).unwrap();
        xml::check(&bars.svg).unwrap();
    }

    #[test]
    fn months_without_data_are_gaps_not_zeros() {
        let mut values = vec![None; 12];
        values[9] = Some(480);
        values[10] = Some(510);
        values[11] = Some(532);
        let chart = line_chart("mau", "Monthly active users", "Users", &months(), &values).unwrap();
        xml::check(&chart.svg).unwrap();
        assert_eq!(chart.svg.matches("<circle").count(), 3, "points only where there is data");
        assert_eq!(chart.svg.matches("no data").count(), 9 + 9, "nine months say so, in the picture and the desc");
        let data_lines = chart.svg.lines().filter(|l| l.starts_with("<polyline") && l.contains("#2B5C9E")).count();
        assert_eq!(data_lines, 1, "one line over the three months");
        assert!(chart.description.contains("Nov '25 no data") && chart.description.contains("Oct '26 532"));
        let labelled = months().iter().filter(|m| chart.svg.contains(&escape(&m.short_label()))).count();
        assert_eq!(labelled, 12, "every month is on the axis");
    }

    #[test]
    fn axis_tops_are_round_and_above_the_largest_value() {
        assert_eq!(nice_ceiling(0), 5);
        assert_eq!(nice_ceiling(7), 8);
        assert_eq!(nice_ceiling(90), 120);
        assert_eq!(nice_ceiling(2_507), 3_000);
        for max in [1, 13, 99, 480, 12_345, u64::MAX / 3] {
            let top = nice_ceiling(max);
            assert!(top > max && top <= max.saturating_mul(2).max(5), "{max} -> {top}");
        }
    }
}
