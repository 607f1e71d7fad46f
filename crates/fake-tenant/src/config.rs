//! What a fake tenant serves and how it misbehaves.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use steward_ingest::synthetic::Preset;

/// Everything that fixes what a fake tenant answers. Same config, same answers.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeConfig {
    pub preset: Preset,
    pub seed: u64,
    /// Last day of audit content (inclusive), as for `steward generate`.
    pub end_date: NaiveDate,
    /// Override the preset's number of usage days (0 = no audit content at all).
    pub usage_days: Option<u32>,
    /// The app registration the token endpoint accepts.
    pub client_id: String,
    pub client_secret: String,
    /// `expires_in` of issued tokens; tests use a second or two to force refreshes.
    pub token_lifetime_secs: u64,
    /// Serve the Power Platform inventory API (`/resourcequery/...`); off answers 404, as in
    /// tenants that do not have it.
    pub inventory_api: bool,
    /// Audit list-content items per response before a `NextPageUri` header asks for more.
    pub content_page_size: usize,
    pub faults: Faults,
}

impl FakeConfig {
    /// Defaults: end date 2026-11-01 (as `steward generate`), the preset's usage days, client
    /// [`DEFAULT_CLIENT_ID`] with secret [`DEFAULT_CLIENT_SECRET`], hour-long tokens, inventory
    /// API on, 100 content items per page, no faults.
    pub fn new(preset: Preset, seed: u64) -> Self {
        FakeConfig {
            preset,
            seed,
            end_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            usage_days: None,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            token_lifetime_secs: 3599,
            inventory_api: true,
            content_page_size: 100,
            faults: Faults::default(),
        }
    }
}

pub const DEFAULT_CLIENT_ID: &str = "5e1a7c3d-0000-4000-8000-00000000fa4e";
pub const DEFAULT_CLIENT_SECRET: &str = "fake-tenant-secret";

/// Switchable misbehaviour. Random faults are decided by `seed` and a per-route request
/// counter (reset whenever the faults are replaced), so the same sequence of requests meets
/// the same faults. A faulted request changes no state: asking again gets the right answer.
///
/// As JSON (`PUT /_fake/faults`), every field is optional and unknown fields are refused:
/// `{"seed": 7, "throttle_fraction": 0.2, "retry_after": {"http_date": 1}, "routes": ["apps"]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub seed: u64,
    /// Routes the random faults apply to, by the names `/_fake/stats` counts them under
    /// (`environments`, `apps`, `flows`, `content_blob`, …); empty means every API route.
    /// The token endpoint is only faulted when named (`token`).
    pub routes: Vec<String>,
    /// Share of requests answered 429 with a `Retry-After` header.
    pub throttle_fraction: f64,
    pub retry_after: RetryAfter,
    /// Share of Office 365 Management requests answered 403 `AF429` (how that API throttles).
    pub af429_fraction: f64,
    /// Share of requests answered 500, 502, 503 or 504.
    pub server_error_fraction: f64,
    /// Share of requests delayed by `slow_ms` before they are answered.
    pub slow_fraction: f64,
    pub slow_ms: u64,
    /// Share of successful answers whose body is cut short (status 200, `Content-Length` of
    /// the cut body, JSON that does not parse).
    pub truncate_fraction: f64,
    /// At most this many faulted answers in a row on one route, so that a client with a
    /// bounded retry budget can always make progress; 0 = no limit.
    pub max_consecutive: u32,
    /// Share of each audit blob's records that are also served again in the next blob.
    pub audit_cross_blob_duplicates: f64,
    /// Serve list-content items newest first and each blob's records in reverse order.
    pub audit_out_of_order: bool,
    /// Environment names whose app and flow listings answer 403, as when admin rights lapsed.
    pub forbidden_environments: Vec<String>,
    /// Above this many API requests in one wall-clock second, answer 429 (`Retry-After: 1`).
    pub max_requests_per_second: Option<u32>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            routes: Vec::new(),
            throttle_fraction: 0.0,
            retry_after: RetryAfter::Seconds(1),
            af429_fraction: 0.0,
            server_error_fraction: 0.0,
            slow_fraction: 0.0,
            slow_ms: 0,
            truncate_fraction: 0.0,
            max_consecutive: 2,
            audit_cross_blob_duplicates: 0.0,
            audit_out_of_order: false,
            forbidden_environments: Vec::new(),
            max_requests_per_second: None,
        }
    }
}

/// How a 429 says when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: N` (delta seconds).
    Seconds(u64),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`, N seconds from now.
    HttpDate(u64),
    /// No `Retry-After` header at all.
    None,
}
