//! The audit feed behind the Office 365 Management Activity routes: which content blobs a
//! time window lists, which blob a content id names, and a blob's body (with the feed's
//! documented untidiness — repeats across blobs, no order — when those faults are on).

use crate::config::Faults;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use steward_ingest::powerplatform::wire::time;
use steward_ingest::synthetic::{Day, SyntheticTenant};

/// The longest window list-content accepts.
pub(crate) const MAX_WINDOW_HOURS: i64 = 24;

/// `startTime`/`endTime` as the API takes them: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`,
/// `YYYY-MM-DDTHH:MM:SS` (a fraction and a `Z` are tolerated), UTC.
pub(crate) fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim().trim_end_matches('Z');
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(|d| d.and_time(Default::default())))
}

/// Why a window was refused (the API answers AF20055 for each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WindowError {
    OneSided,
    Unreadable(String),
    /// End not after start, or more than 24 hours apart.
    Span,
}

/// The window `[start, end)`; both absent means the 24 hours before `now`.
pub(crate) fn window(
    start: Option<&str>,
    end: Option<&str>,
    now: NaiveDateTime,
) -> Result<(NaiveDateTime, NaiveDateTime), WindowError> {
    let (start, end) = match (start, end) {
        (None, None) => return Ok((now - Duration::hours(MAX_WINDOW_HOURS), now)),
        (Some(s), Some(e)) => (s, e),
        _ => return Err(WindowError::OneSided),
    };
    let s = parse_time(start).ok_or_else(|| WindowError::Unreadable(start.to_string()))?;
    let e = parse_time(end).ok_or_else(|| WindowError::Unreadable(end.to_string()))?;
    if e <= s || e - s > Duration::hours(MAX_WINDOW_HOURS) {
        return Err(WindowError::Span);
    }
    Ok((s, e))
}

/// (day index, blob) of every blob created in `[start, end)`, oldest first.
pub(crate) fn blobs_in(tenant: &SyntheticTenant, start: NaiveDateTime, end: NaiveDateTime) -> Vec<(u64, u64)> {
    let first = tenant.window_start();
    let days = i64::from(tenant.usage_days());
    // A blob is dated on its own day, so only the days the window touches can hold one.
    let lo = (start.date() - first).num_days().max(0);
    let hi = (end.date() - first).num_days().min(days - 1);
    let mut out = Vec::new();
    for d in lo..=hi {
        let day = tenant.day(d as u64);
        for b in 0..day.blobs {
            let created = time::parse(&tenant.content_item(&day, b).content_created).map(|t| t.naive_utc());
            if created.is_some_and(|c| c >= start && c < end) {
                out.push((d as u64, b));
            }
        }
    }
    out
}

/// The day and blob a content id names, if this tenant has such a blob.
pub(crate) fn locate(tenant: &SyntheticTenant, content_id: &str) -> Option<(Day, u64)> {
    let date = NaiveDate::parse_from_str(content_id.get(..8)?, "%Y%m%d").ok()?;
    let blob: u64 = content_id.get(8..14)?.parse().ok()?;
    let d = (date - tenant.window_start()).num_days();
    if d < 0 || d >= i64::from(tenant.usage_days()) {
        return None;
    }
    let day = tenant.day(d as u64);
    (blob < day.blobs && tenant.content_id(&day, blob) == content_id).then_some((day, blob))
}

/// The top-level elements of a JSON array, as byte slices (the blob writer's compact output).
fn split_records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 2 {
                    start = i;
                }
            }
            b']' | b'}' => {
                if depth == 2 {
                    out.push(&bytes[start..=i]);
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    out
}

fn join(records: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r);
    }
    out.push(b']');
    out
}

fn raw_blob(tenant: &SyntheticTenant, day: &Day, blob: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(4 << 20);
    tenant.write_blob(day, blob, &mut out)?;
    Ok(out)
}

/// The body of blob `blob` of `day`: a JSON array of audit records.
pub(crate) fn blob_body(tenant: &SyntheticTenant, day: &Day, blob: u64, faults: &Faults) -> std::io::Result<Vec<u8>> {
    let own = raw_blob(tenant, day, blob)?;
    let share = faults.audit_cross_blob_duplicates.clamp(0.0, 1.0);
    if share == 0.0 && !faults.audit_out_of_order {
        return Ok(own);
    }
    let mut records = split_records(&own);
    // The next blob's first records are served here too: the same `Id` in two blobs.
    let neighbour = if share > 0.0 { raw_blob(tenant, day, (blob + 1) % day.blobs)? } else { Vec::new() };
    let theirs = split_records(&neighbour);
    let repeat = (theirs.len() as f64 * share).ceil() as usize;
    records.extend_from_slice(&theirs[..repeat.min(theirs.len())]);
    if faults.audit_out_of_order {
        records.reverse();
    }
    Ok(join(&records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_ingest::synthetic::{GenerateOptions, Preset};

    #[test]
    fn records_split_at_top_level_only() {
        let text = br#"[{"a":"x,}]","b":[1,{"c":2}]},{"d":"\"}"}]"#;
        let parts = split_records(text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], br#"{"d":"\"}"}"#);
        assert_eq!(join(&parts), text.to_vec());
    }

    #[test]
    fn windows_follow_the_documented_rules() {
        let now = parse_time("2026-11-02").unwrap();
        assert!(window(Some("2026-10-01"), Some("2026-10-02"), now).is_ok());
        assert_eq!(window(Some("2026-10-01"), Some("2026-10-02T00:00:01"), now), Err(WindowError::Span));
        assert_eq!(window(Some("2026-10-01"), None, now), Err(WindowError::OneSided));
        assert_eq!(window(None, None, now).map(|w| w.1), Ok(now));
        assert!(parse_time("2026-10-01T10:30").is_some());
    }

    #[test]
    fn every_blob_is_listed_once_and_found_by_its_id() {
        let mut opts = GenerateOptions::new(Preset::Small, 2);
        opts.usage_days = Some(3);
        let tenant = SyntheticTenant::new(&opts);
        let start = tenant.window_start().and_time(Default::default());
        let mut listed = Vec::new();
        for d in 0..3 {
            let from = start + Duration::days(d);
            listed.extend(blobs_in(&tenant, from, from + Duration::days(1)));
        }
        let expected: u64 = (0..3).map(|d| tenant.day(d).blobs).sum();
        assert_eq!(listed.len() as u64, expected);
        for (d, b) in listed {
            let day = tenant.day(d);
            let id = tenant.content_id(&day, b);
            assert_eq!(locate(&tenant, &id).map(|(day, blob)| (day.index, blob)), Some((d, b)));
        }
        assert!(locate(&tenant, "20990101000000$nope").is_none());
    }
}
