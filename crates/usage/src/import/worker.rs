//! Parser threads: a chunk of record texts in, compact events out.
//!
//! Everything a record contributes is copied into one string arena per chunk, so a parsed
//! chunk is a few allocations however many records it holds, and the raw text can be dropped.

use super::chunks::Chunk;
use crate::parse::{self, Skip};
use steward_model::UsageKind;
use steward_store::usage::record_hash;

/// A string in a chunk's arena; `len == u32::MAX` for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    pub const NONE: Span = Span { start: 0, len: u32::MAX };

    pub fn get<'a>(&self, arena: &'a str) -> Option<&'a str> {
        if self.len == u32::MAX {
            return None;
        }
        arena.get(self.start as usize..self.start as usize + self.len as usize)
    }
}

/// One counted-kind event, ready for the aggregator.
#[derive(Debug, Clone, Copy)]
pub struct Compact {
    pub id_hash: u64,
    pub day: i64,
    pub kind: UsageKind,
    pub tenant: Span,
    pub resource: Span,
    pub environment: Span,
    pub actor: Span,
}

/// What the raw archive needs of a record beyond its [`Compact`] event.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveFields {
    pub id: Span,
    pub second_of_day: u32,
    pub operation: Span,
    pub workload: Span,
    pub record_type: i32,
    pub user_id: Span,
    pub user_key: Span,
    /// The record's whole JSON text, in [`Parsed::raw`].
    pub raw: Span,
}

/// What one chunk gave.
#[derive(Debug, Default)]
pub struct Parsed {
    pub bytes: u64,
    pub arena: String,
    pub events: Vec<Compact>,
    /// With archiving on: one entry per event, and the records' text.
    pub archive: Vec<ArchiveFields>,
    pub raw: String,
    pub records: u64,
    pub power_platform: u64,
    /// Records that could not be read: (line, reason).
    pub errors: Vec<(u64, String)>,
}

/// Copy `s` lowercased: ids compare without case, as the importers' normalisation lowercases them.
fn push_lower(arena: &mut String, s: Option<&str>) -> Span {
    let span = push(arena, s);
    if span.len != u32::MAX {
        let start = span.start as usize;
        arena[start..].make_ascii_lowercase();
    }
    span
}

fn push(arena: &mut String, s: Option<&str>) -> Span {
    match s {
        // Arena offsets are u32: a chunk is a few MB, far below 4 GiB.
        Some(s) => {
            let start = arena.len() as u32;
            arena.push_str(s);
            Span { start, len: s.len() as u32 }
        }
        None => Span::NONE,
    }
}

/// Parse every record of `chunk`. `need_tenant`: the import has no `--tenant`, so each record
/// must name its tenant (`OrganizationId`).
pub fn parse_chunk(chunk: &Chunk, need_tenant: bool, archiving: bool) -> Parsed {
    let mut out = Parsed {
        bytes: chunk.text.len() as u64,
        arena: String::with_capacity(chunk.records.len() * 120),
        events: Vec::with_capacity(chunk.records.len()),
        ..Default::default()
    };
    for (range, line) in chunk.records.iter().zip(&chunk.lines) {
        out.records += 1;
        let text = match std::str::from_utf8(&chunk.text[range.clone()]) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push((*line, format!("not UTF-8 text ({e})")));
                continue;
            }
        };
        let raw = match parse::record_fast(text) {
            Ok(r) => r,
            Err(e) => {
                out.errors.push((*line, format!("not an audit record: {e}")));
                continue;
            }
        };
        let usage = match raw.usage() {
            Ok(u) => u,
            Err(Skip::OtherWorkload) => continue,
            Err(Skip::Invalid(why)) => {
                out.power_platform += 1;
                out.errors.push((*line, why));
                continue;
            }
        };
        out.power_platform += 1;
        if need_tenant && usage.tenant_id.is_none() {
            out.errors
                .push((*line, format!("record {} has no OrganizationId; pass the tenant with --tenant", usage.id)));
            continue;
        }
        let arena = &mut out.arena;
        if archiving {
            let fields = ArchiveFields {
                id: push(arena, Some(usage.id)),
                second_of_day: usage.second_of_day,
                operation: push(arena, Some(usage.operation)),
                workload: push(arena, raw.workload.as_deref()),
                record_type: raw.record_type.unwrap_or_default(),
                user_id: push(arena, raw.user_id.as_deref()),
                user_key: push(arena, raw.user_key.as_deref()),
                raw: push(&mut out.raw, Some(text)),
            };
            out.archive.push(fields);
        }
        out.events.push(Compact {
            id_hash: record_hash(usage.id),
            day: usage.day,
            kind: usage.kind,
            tenant: push(arena, usage.tenant_id),
            resource: push_lower(arena, usage.resource_id),
            environment: push_lower(arena, usage.environment_id),
            actor: push_lower(arena, usage.actor),
        });
    }
    out
}
