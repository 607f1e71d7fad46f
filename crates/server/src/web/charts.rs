//! Bar charts drawn on the server as SVG: no JavaScript, nothing from a third party.
//!
//! The geometry is computed here and the templates only place the numbers, so every label
//! (which may come from outside: environment names) passes through template escaping.

use crate::web::format;
use chrono::NaiveDate;

/// The coordinate system of every chart; CSS scales the SVG to the page width.
const WIDTH: u32 = 640;

/// One bar before layout.
#[derive(Debug, Clone)]
pub struct BarInput {
    pub label: String,
    pub value: u64,
    /// Where clicking the bar leads (e.g. the table filtered to it).
    pub href: Option<String>,
}

/// A horizontal bar chart: one labelled row per item, largest values as given.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique on the page; used for `aria-labelledby`.
    pub id: String,
    pub title: String,
    /// Every value in words, for screen readers.
    pub description: String,
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub full_label: String,
    pub value: String,
    pub href: Option<String>,
    pub label_x: u32,
    pub bar_x: u32,
    pub bar_y: u32,
    pub bar_width: u32,
    /// The full length a bar could reach, drawn faintly behind it.
    pub track_width: u32,
    pub bar_height: u32,
    pub text_y: u32,
    pub value_x: u32,
}

const LABEL_WIDTH: u32 = 200;
const VALUE_SPACE: u32 = 64;
const ROW: u32 = 30;
const BAR_HEIGHT: u32 = 20;
const LABEL_CHARS: usize = 28;

impl BarChart {
    pub fn horizontal(id: &str, title: &str, items: Vec<BarInput>) -> BarChart {
        let max = items.iter().map(|i| i.value).max().unwrap_or(0);
        let track = WIDTH - LABEL_WIDTH - VALUE_SPACE;
        let bars: Vec<Bar> = items
            .iter()
            .enumerate()
            .map(|(row, item)| {
                let bar_width = scale(item.value, max, track);
                let top = row as u32 * ROW;
                Bar {
                    label: format::truncate(&item.label, LABEL_CHARS),
                    full_label: item.label.clone(),
                    value: format::count(item.value),
                    href: item.href.clone(),
                    label_x: LABEL_WIDTH - 8,
                    bar_x: LABEL_WIDTH,
                    bar_y: top + (ROW - BAR_HEIGHT) / 2,
                    bar_width,
                    track_width: track,
                    bar_height: BAR_HEIGHT,
                    text_y: top + ROW / 2 + 5,
                    value_x: LABEL_WIDTH + bar_width + 6,
                }
            })
            .collect();
        BarChart {
            id: id.into(),
            title: title.into(),
            description: describe(items.iter().map(|i| (i.label.as_str(), i.value))),
            width: WIDTH,
            height: (bars.len() as u32 * ROW).max(ROW),
            bars,
        }
    }
}

/// Uses per day over a fixed window of days, oldest on the left.
#[derive(Debug, Clone)]
pub struct ColumnChart {
    pub id: String,
    pub title: String,
    pub description: String,
    pub width: u32,
    pub height: u32,
    pub plot_left: u32,
    pub plot_right: u32,
    pub baseline: u32,
    pub columns: Vec<Column>,
    pub max_label: String,
    pub first_day: String,
    pub last_day: String,
    /// False when every day is zero: the page says so instead of drawing a flat line.
    pub has_use: bool,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// Shown on hover: the day and its figures.
    pub tooltip: String,
}

/// One day's figures before layout.
#[derive(Debug, Clone, Copy)]
pub struct DayValue {
    pub day: NaiveDate,
    pub uses: u64,
    pub users: u64,
}

/// One column of [`ColumnChart::series`] before layout.
#[derive(Debug, Clone)]
pub struct ColumnValue {
    /// Shown under the first and the last column.
    pub label: String,
    pub value: u64,
    pub tooltip: String,
}

const COLUMN_HEIGHT: u32 = 180;
const MAX_SLOT: u32 = 48;
const PLOT_LEFT: u32 = 48;
const PLOT_TOP: u32 = 12;
const AXIS_SPACE: u32 = 24;

impl ColumnChart {
    /// `days` must hold one entry per day of the window, zero days included.
    pub fn daily(id: &str, title: &str, days: &[DayValue]) -> ColumnChart {
        let max = days.iter().map(|d| d.uses).max().unwrap_or(0);
        let plot_right = WIDTH - 8;
        let plot_height = COLUMN_HEIGHT - PLOT_TOP - AXIS_SPACE;
        let baseline = PLOT_TOP + plot_height;
        let slot = (plot_right - PLOT_LEFT) / (days.len().max(1) as u32);
        let columns = days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let height = scale(d.uses, max, plot_height);
                Column {
                    x: PLOT_LEFT + i as u32 * slot + 1,
                    y: baseline - height,
                    width: slot.saturating_sub(2).max(1),
                    height,
                    tooltip: format!("{}: {} uses by {} users", d.day, format::count(d.uses), format::count(d.users)),
                }
            })
            .collect();
        let total_uses = days.iter().map(|d| d.uses).sum();
        let day_label = |d: Option<&DayValue>| d.map(|d| d.day.format("%d %b").to_string()).unwrap_or_default();
        ColumnChart {
            id: id.into(),
            title: title.into(),
            description: format!(
                "{} uses in {} days, at most {} on one day",
                format::count(total_uses),
                days.len(),
                format::count(max)
            ),
            width: WIDTH,
            height: COLUMN_HEIGHT,
            plot_left: PLOT_LEFT,
            plot_right,
            baseline,
            columns,
            max_label: format::count(max),
            first_day: day_label(days.first()),
            last_day: day_label(days.last()),
            has_use: total_uses > 0,
        }
    }

    /// One column per value in the order given (e.g. one per compliance run, oldest first),
    /// labelled with the first and last labels. Every column counts as data, zeros included
    /// (no open violation after a run is a result, not a gap); only an empty list has none.
    pub fn series(id: &str, title: &str, description: String, values: &[ColumnValue]) -> ColumnChart {
        let max = values.iter().map(|v| v.value).max().unwrap_or(0);
        let plot_right = WIDTH - 8;
        let plot_height = COLUMN_HEIGHT - PLOT_TOP - AXIS_SPACE;
        let baseline = PLOT_TOP + plot_height;
        // A few runs should not turn into slabs: columns are at most this wide.
        let slot = ((plot_right - PLOT_LEFT) / (values.len().max(1) as u32)).min(MAX_SLOT);
        let columns = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let height = scale(v.value, max, plot_height);
                Column {
                    x: PLOT_LEFT + i as u32 * slot + 1,
                    y: baseline - height,
                    width: slot.saturating_sub(2).max(1),
                    height,
                    tooltip: v.tooltip.clone(),
                }
            })
            .collect();
        ColumnChart {
            id: id.into(),
            title: title.into(),
            description,
            width: WIDTH,
            height: COLUMN_HEIGHT,
            plot_left: PLOT_LEFT,
            plot_right,
            baseline,
            columns,
            max_label: format::count(max),
            first_day: values.first().map(|v| v.label.clone()).unwrap_or_default(),
            last_day: values.last().map(|v| v.label.clone()).unwrap_or_default(),
            has_use: !values.is_empty(),
        }
    }

    pub fn axis_label_y(&self) -> u32 {
        self.baseline + 16
    }

    pub fn max_label_y(&self) -> u32 {
        PLOT_TOP + 4
    }
}

/// `value` as a share of `track`, never wider than the track, and at least a sliver when
/// non-zero so that small values stay visible.
fn scale(value: u64, max: u64, track: u32) -> u32 {
    if value == 0 || max == 0 {
        return 0;
    }
    let scaled = (value as f64 / max as f64 * f64::from(track)).round() as u32;
    scaled.clamp(2, track)
}

fn describe<'a>(items: impl Iterator<Item = (&'a str, u64)>) -> String {
    items.map(|(label, value)| format!("{label}: {}", format::count(value))).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(label: &str, value: u64) -> BarInput {
        BarInput { label: label.into(), value, href: None }
    }

    #[test]
    fn bars_are_proportional_and_the_largest_fills_the_track() {
        let chart = BarChart::horizontal("c", "t", vec![input("a", 100), input("b", 50), input("c", 0)]);
        let track = WIDTH - LABEL_WIDTH - VALUE_SPACE;
        assert_eq!(chart.bars[0].bar_width, track);
        assert_eq!(chart.bars[1].bar_width, track / 2);
        assert_eq!(chart.bars[2].bar_width, 0);
        assert!(chart.bars[1].bar_y > chart.bars[0].bar_y);
        assert_eq!(chart.height, 3 * ROW);
        assert_eq!(chart.description, "a: 100; b: 50; c: 0");
    }

    #[test]
    fn tiny_values_stay_visible_and_empty_charts_do_not_divide_by_zero() {
        let chart = BarChart::horizontal("c", "t", vec![input("big", 1_000_000), input("small", 1)]);
        assert_eq!(chart.bars[1].bar_width, 2);
        let empty = BarChart::horizontal("c", "t", vec![]);
        assert!(empty.bars.is_empty());
        assert!(empty.height > 0);
    }

    #[test]
    fn daily_columns_grow_up_from_the_baseline() {
        let day =
            |n: u32, uses| DayValue { day: NaiveDate::from_ymd_opt(2025, 3, n).unwrap_or_default(), uses, users: 1 };
        let chart = ColumnChart::daily("u", "t", &[day(1, 0), day(2, 10), day(3, 5)]);
        assert_eq!(chart.columns[0].height, 0);
        assert_eq!(chart.columns[1].y + chart.columns[1].height, chart.baseline);
        assert_eq!(chart.columns[1].height, 2 * chart.columns[2].height);
        assert!(chart.columns[2].x > chart.columns[1].x);
        assert_eq!(chart.description, "15 uses in 3 days, at most 10 on one day");
        assert_eq!(chart.first_day, "01 Mar");
        assert!(chart.columns[1].tooltip.contains("2025-03-02: 10 uses"));
        assert!(chart.has_use);
        assert!(!ColumnChart::daily("u", "t", &[day(1, 0)]).has_use);
    }

    #[test]
    fn series_columns_keep_zeros_and_stay_narrow() {
        let value =
            |label: &str, value| ColumnValue { label: label.into(), value, tooltip: format!("{label}: {value}") };
        let chart = ColumnChart::series("r", "t", "d".into(), &[value("a", 4), value("b", 0), value("c", 2)]);
        assert!(chart.has_use, "zeros are data");
        assert_eq!(chart.columns.len(), 3);
        assert_eq!(chart.columns[0].height, 2 * chart.columns[2].height);
        assert_eq!(chart.columns[1].height, 0);
        assert!(chart.columns[0].width <= MAX_SLOT, "a few runs do not make slabs");
        assert_eq!((chart.first_day.as_str(), chart.last_day.as_str()), ("a", "c"));
        assert!(!ColumnChart::series("r", "t", String::new(), &[]).has_use);
    }
}
