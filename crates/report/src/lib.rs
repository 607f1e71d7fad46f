//! The governance board report: one month of a low-code estate on a page.
//!
//! [`gather`] reads the figures from any [`steward_store::Store`] into a [`BoardReport`] (which
//! is also the JSON answer of the API); [`render_html`] turns it into one standalone printable
//! HTML file, [`render_html_fragment`] into the same content for a page of the web UI, and
//! [`render_markdown`] into Markdown with its charts as SVG files beside it. Charts are drawn
//! in Rust ([`charts`]), so no renderer needs JavaScript or a network. Success candidates come
//! from the recorded success detections ([`success_candidates`]) and compliance from the recorded
//! compliance runs ([`compliance()`]); the caller adds both.
//!
//! The figures and where they come from are described in docs/board-report.md.

pub mod charts;
mod compliance;
mod error;
pub mod format;
mod gather;
mod html;
mod markdown;
mod month;
#[cfg(test)]
mod render_tests;
mod report;
mod success;
mod view;

pub use compliance::compliance;
pub use error::ReportError;
pub use gather::{TREND_MONTHS, gather};
pub use html::{render_html, render_html_fragment};
pub use markdown::{ChartFile, MarkdownReport, render_markdown};
pub use month::Month;
pub use report::*;
pub use success::success_candidates;
