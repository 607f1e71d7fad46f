//! The usage half of a run: the Office 365 Management Activity feed (`Audit.General`), read in
//! windows of at most 24 hours from the saved watermark, one content page per transaction.

use crate::state::{UsageState, WindowState, usage_key};
use crate::{Ctx, SyncError};
use chrono::Duration;
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::sync::Arc;
use steward_ingest::powerplatform::normalize;
use steward_ingest::powerplatform::wire::audit::AuditRecord;
use steward_model::UsageEvent;
use steward_powerplatform::{ApiError, PowerPlatformClient};
use tokio::task::JoinSet;

pub const CONTENT_TYPE: &str = "Audit.General";
/// The API refuses longer windows.
const MAX_WINDOW: Duration = Duration::hours(24);
/// Content stays available for 7 days: a first run (or `--full`) reads that far back.
const RETENTION: Duration = Duration::days(7);
/// Blobs fetched at once within one content page.
const BLOB_CONCURRENCY: usize = 8;

pub async fn sync(ctx: &Arc<Ctx>) -> Result<(), SyncError> {
    let key = usage_key(&ctx.source);
    let mut state: UsageState = if ctx.run.full { None } else { ctx.load(&key).await? }.unwrap_or_default();
    let end = ctx.run.as_of;
    if let Err(e) = ensure_subscription(ctx).await {
        ctx.issue("usage: starting the Audit.General subscription".into(), &e);
        return Ok(());
    }
    let earliest = end - RETENTION;
    let mut start = state.watermark.map_or(earliest, |w| w.max(earliest));
    // A window interrupted by a kill is finished first, from its saved page.
    let mut resume = state.window.take().filter(|w| w.start >= earliest);
    if let Some(w) = &resume {
        start = w.start;
    }
    let windows = ((end - start).num_seconds().max(0) as u64).div_ceil(MAX_WINDOW.num_seconds() as u64);
    ctx.progress.stage("audit windows", Some(windows));
    while start < end {
        let window_end = resume.as_ref().map_or_else(|| (start + MAX_WINDOW).min(end), |w| w.end);
        let mut next = resume.take().and_then(|w| w.next);
        let mut seen = HashSet::new();
        loop {
            let page = match ctx.client.content_page(CONTENT_TYPE, start, window_end, next.as_deref()).await {
                Ok(p) => p,
                Err(e) => {
                    ctx.issue(format!("usage: listing content {start} – {window_end}"), &e);
                    return Ok(());
                }
            };
            let records = match fetch_blobs(ctx, page.items.into_iter().map(|i| i.content_uri).collect()).await {
                Ok(r) => r,
                Err((message, permission)) => {
                    ctx.issue_text(format!("usage: reading content of {start} – {window_end}"), message, permission);
                    return Ok(());
                }
            };
            let blobs_read = records.len() as u64;
            let mut events = Vec::new();
            let mut archive_items = Vec::new();
            let mut read = 0;
            for (record, raw) in records.into_iter().flatten() {
                read += 1;
                if !is_power_platform(&record) {
                    continue;
                }
                // The feed repeats records within and across blobs; the store drops repeats
                // across runs, this set spares it the ones within a window.
                if seen.insert(record.id.clone()) {
                    if let Some(raw) = raw {
                        archive_items.push(ArchiveItem::new(&record, raw));
                    }
                    events.push(normalize::audit_record(record, &ctx.tenant_id));
                }
            }
            let archived_events = if archive_items.is_empty() { Vec::new() } else { events.clone() };
            let last = page.next.is_none();
            let saved = if last {
                UsageState { watermark: Some(window_end), window: None }
            } else {
                UsageState {
                    watermark: state.watermark,
                    window: Some(WindowState { start, end: window_end, next: page.next.clone() }),
                }
            };
            let (new, first_seen) = ctx.write_usage(events, &key, &saved).await?;
            archive(ctx, &archived_events, &archive_items, &first_seen)?;
            ctx.with_report(|r| {
                r.usage.blobs += blobs_read;
                r.usage.records_read += read;
                r.usage.records_new += new;
            });
            state = saved;
            if last {
                break;
            }
            next = page.next;
        }
        ctx.with_report(|r| r.usage.windows += 1);
        ctx.progress.advance(1);
        start = window_end;
    }
    Ok(())
}

async fn ensure_subscription(ctx: &Ctx) -> Result<(), ApiError> {
    let subscriptions = ctx.client.list_subscriptions().await?;
    let enabled = subscriptions.iter().any(|s| {
        s.content_type.eq_ignore_ascii_case(CONTENT_TYPE)
            && s.status.as_deref().is_some_and(|st| st.eq_ignore_ascii_case("enabled"))
    });
    if !enabled {
        ctx.client.start_subscription(CONTENT_TYPE).await?;
    }
    Ok(())
}

/// What the raw archive needs of a record beside its normalised event.
struct ArchiveItem {
    raw: Box<RawValue>,
    record_type: i32,
    workload: Option<String>,
    user_id: Option<String>,
    user_key: Option<String>,
}

impl ArchiveItem {
    fn new(record: &AuditRecord, raw: Box<RawValue>) -> Self {
        ArchiveItem {
            raw,
            record_type: record.record_type,
            workload: record.workload.clone(),
            user_id: record.user_id.clone(),
            user_key: record.user_key.clone(),
        }
    }
}

/// Write the records the store saw for the first time to the raw archive (after their page
/// committed, so the archive never holds a record the store does not).
fn archive(ctx: &Ctx, events: &[UsageEvent], items: &[ArchiveItem], first_seen: &[bool]) -> Result<(), SyncError> {
    if items.is_empty() {
        return Ok(());
    }
    let mut guard = ctx.archive.lock().unwrap_or_else(|p| p.into_inner());
    let Some(writer) = guard.as_mut() else { return Ok(()) };
    for ((event, item), first) in events.iter().zip(items).zip(first_seen) {
        if !first {
            continue;
        }
        let record = steward_usage_archive::RawRecord {
            tenant_id: &event.tenant_id,
            day: event.occurred_at.date_naive(),
            id: &event.id,
            creation_time: event.occurred_at,
            operation: &event.operation,
            workload: item.workload.as_deref(),
            record_type: item.record_type,
            user_id: item.user_id.as_deref(),
            user_key: item.user_key.as_deref(),
            resource_id: event.resource_id.as_deref(),
            environment_id: event.environment_id.as_deref(),
            raw: item.raw.get(),
        };
        writer.write(&record).map_err(|e| SyncError::Archive(e.to_string()))?;
    }
    Ok(())
}

/// A record and, when archiving, its JSON text.
type Fetched = (AuditRecord, Option<Box<RawValue>>);

/// Fetch a content page's blobs, a few at a time, in the order listed. A failure answers its
/// message and whether it is a permission problem.
async fn fetch_blobs(ctx: &Arc<Ctx>, uris: Vec<String>) -> Result<Vec<Vec<Fetched>>, (String, bool)> {
    let mut results: Vec<Option<Vec<Fetched>>> = vec![None; uris.len()];
    let mut tasks = JoinSet::new();
    let mut pending = uris.into_iter().enumerate();
    let archiving = ctx.archive.lock().map(|a| a.is_some()).unwrap_or(false);
    let spawn = |tasks: &mut JoinSet<_>, (i, uri): (usize, String)| {
        let client = ctx.client.clone();
        tasks.spawn(async move { (i, fetch_blob(&client, &uri, archiving).await) });
    };
    for item in pending.by_ref().take(BLOB_CONCURRENCY) {
        spawn(&mut tasks, item);
    }
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = match joined {
            Ok(r) => r,
            Err(e) => return Err((format!("a blob download task failed: {e}"), false)),
        };
        results[i] = Some(result?);
        if let Some(item) = pending.next() {
            spawn(&mut tasks, item);
        }
    }
    Ok(results.into_iter().map(Option::unwrap_or_default).collect())
}

/// One blob's records; with `raw`, each parsed from its own kept text.
async fn fetch_blob(client: &PowerPlatformClient, uri: &str, raw: bool) -> Result<Vec<Fetched>, (String, bool)> {
    let failed = |e: ApiError| (e.to_string(), e.is_permission());
    if !raw {
        return Ok(client.fetch_blob(uri).await.map_err(failed)?.into_iter().map(|r| (r, None)).collect());
    }
    let texts = client.fetch_blob_raw(uri).await.map_err(failed)?;
    texts
        .into_iter()
        .enumerate()
        .map(|(n, text)| match serde_json::from_str::<AuditRecord>(text.get()) {
            Ok(record) => Ok((record, Some(text))),
            Err(e) => Err((format!("audit record {} of content {uri} is not readable: {e}", n + 1), false)),
        })
        .collect()
}

/// `Audit.General` carries every workload without a content type of its own (Yammer, Teams,
/// Dynamics…); Steward keeps the Power Platform ones, unknown operations of them included.
fn is_power_platform(record: &AuditRecord) -> bool {
    use steward_ingest::powerplatform::wire::audit::{
        RECORD_TYPE_MICROSOFT_FLOW, RECORD_TYPE_POWER_APPS_APP, RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY,
    };
    const WORKLOADS: &[&str] = &[
        "PowerApps",
        "PowerPlatform",
        "MicrosoftFlow",
        "PowerAutomate",
        "PowerPlatformAdminActivity",
        "CopilotStudio",
    ];
    matches!(
        record.record_type,
        RECORD_TYPE_MICROSOFT_FLOW | RECORD_TYPE_POWER_APPS_APP | RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY
    ) || record.workload.as_deref().is_some_and(|w| WORKLOADS.iter().any(|k| k.eq_ignore_ascii_case(w)))
}
