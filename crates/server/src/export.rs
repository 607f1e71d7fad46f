//! CSV exports of the inventory lists (resources, makers, connectors, environments).
//!
//! An export holds every matching row, not the page on screen, so it is written a page at a
//! time into a streamed body: memory stays flat for a million resources, and the first bytes
//! leave before the last page is read. The first page is read before the response starts, so
//! a bad filter or an unreachable store still answers with a proper error; a failure after that
//! ends the body with an error, which cuts the connection instead of handing out a silently
//! truncated file.
//!
//! Cells are made safe for spreadsheets: a value that starts with `=`, `+`, `-`, `@`, a tab or
//! a carriage return is prefixed with `'`, so Excel and LibreOffice show it as text instead of
//! running it as a formula (OWASP "CSV injection"). Quoting of commas, quotes and line breaks is
//! the `csv` crate's.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Rows read from the store per page of an export.
pub const EXPORT_PAGE: u32 = 1000;

/// One page of an export: its rows as CSV records, and how to ask for the next page.
pub struct Chunk<C> {
    pub rows: Vec<Vec<String>>,
    pub next: Option<C>,
}

/// A value made safe to open in a spreadsheet (see the module documentation).
pub fn cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// CSV text of records (the header row among them when given), every cell made safe.
pub fn records(rows: &[Vec<String>]) -> Result<Bytes, ApiError> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row.iter().map(|v| cell(v))).map_err(|e| ApiError::internal("writing a CSV record", e))?;
    }
    let bytes = writer.into_inner().map_err(|e| ApiError::internal("finishing CSV text", e.into_error()))?;
    Ok(Bytes::from(bytes))
}

/// A body fed by a channel: each message is a piece of the file, or the error that ends it.
struct ChannelBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.rx.poll_recv(cx).map(|piece| piece.map(|r| r.map(http_body::Frame::data)))
    }
}

/// The response of an export named `filename` (without `.csv`): the header row, then every page
/// `fetch` returns, starting from `start` and following each page's `next`.
///
/// `fetch` runs in a task of its own; when the client goes away the task stops at its next page.
pub async fn stream<C, F, Fut>(filename: &str, header: &[&str], start: C, fetch: F) -> Result<Response, ApiError>
where
    C: Send + 'static,
    F: Fn(C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Chunk<C>, ApiError>> + Send + 'static,
{
    let first = fetch(start).await?;
    let mut head = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    head.extend(first.rows);
    let opening = records(&head)?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    // The channel has room, so the opening piece never waits.
    let _ = tx.try_send(Ok(opening));
    if let Some(mut cursor) = first.next {
        tokio::spawn(async move {
            loop {
                let piece = match fetch(cursor).await {
                    Ok(chunk) => chunk,
                    Err(error) => {
                        tracing::error!(error = %error.public_message(), "a CSV export failed after it started");
                        let _ = tx.send(Err(std::io::Error::other(error.public_message()))).await;
                        return;
                    }
                };
                let bytes = records(&piece.rows).map_err(|e| std::io::Error::other(e.public_message()));
                let failed = bytes.is_err();
                if tx.send(bytes).await.is_err() || failed {
                    return;
                }
                match piece.next {
                    Some(next) => cursor = next,
                    None => return,
                }
            }
        });
    }
    Ok(csv_response(filename, Body::new(ChannelBody { rx })))
}

/// A whole CSV file already in memory (short lists: connectors).
pub fn whole(filename: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<Response, ApiError> {
    let mut all = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    all.extend(rows);
    Ok(csv_response(filename, Body::from(records(&all)?)))
}

/// `text/csv` with a download name: `steward-<name>-<YYYY-MM-DD>.csv`, so exports taken on
/// different days do not overwrite each other.
fn csv_response(filename: &str, body: Body) -> Response {
    let day = chrono::Utc::now().format("%Y-%m-%d");
    // The name is ours (a fixed word), so it needs no escaping; keep it to safe characters anyway.
    let safe: String = filename.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let disposition = format!("attachment; filename=\"steward-{safe}-{day}.csv\"");
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_prefixes_are_neutralised() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(hostile).starts_with('\''), "{hostile:?}");
        }
        assert_eq!(cell("Invoice tracker"), "Invoice tracker");
        assert_eq!(cell("2026-11-01"), "2026-11-01");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn separators_quotes_and_newlines_are_quoted() {
        let rows = vec![vec!["a,b".to_string(), "say \"hi\"".to_string(), "two\nlines".to_string(), "=1".to_string()]];
        let text = String::from_utf8(records(&rows).map(|b| b.to_vec()).unwrap_or_default()).unwrap_or_default();
        assert_eq!(text, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1\r\n");
    }
}
