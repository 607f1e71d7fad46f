//! The report as HTML: a standalone printable document, or the same content for a page of
//! the web UI. Text from outside (resource and maker names) is escaped by askama.

use crate::view::{self, View};
use crate::{BoardReport, ReportError};
use askama::Template;

/// Scoped under `.board-report`, so the fragment can sit inside another site's layout.
const CSS: &str = include_str!("board.css");

#[derive(Template)]
#[template(path = "board.html")]
struct Document<'a> {
    v: &'a View,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "board_fragment.html")]
struct Fragment<'a> {
    v: &'a View,
    css: &'static str,
}

/// One standalone HTML file: inline CSS and SVG, no scripts, no links to fetch; prints on A4.
pub fn render_html(report: &BoardReport) -> Result<String, ReportError> {
    let v = view::build(report)?;
    Document { v: &v, css: CSS }.render().map_err(|e| ReportError::render("HTML report", e))
}

/// The report's content with its style, for embedding in a page (the web UI's layout).
pub fn render_html_fragment(report: &BoardReport) -> Result<String, ReportError> {
    let v = view::build(report)?;
    Fragment { v: &v, css: CSS }.render().map_err(|e| ReportError::render("HTML report", e))
}
