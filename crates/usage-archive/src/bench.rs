//! A synthetic load for throughput figures (`cargo run --release -p steward-usage-archive
//! --example throughput`, and later `steward bench`). Records look like Power Apps launch
//! events of the Office 365 Management Activity API, about 1 KiB of JSON each.

use crate::{ArchiveConfig, ArchiveError, ArchiveReport, ArchiveWriter, RawRecord};
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The figures of one synthetic run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    pub report: ArchiveReport,
    /// Bytes of JSON text handed to the writer (the `raw` column before compression).
    pub raw_bytes: u64,
    pub elapsed: Duration,
}

impl Throughput {
    pub fn rows_per_second(&self) -> f64 {
        self.report.rows as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn raw_mib_per_second(&self) -> f64 {
        self.raw_bytes as f64 / (1024.0 * 1024.0) / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Writes `rows` synthetic records spread over `tenants` tenants and `days` days (records of
/// a tenant arrive in time order, tenants interleaved, as a merged feed would deliver them)
/// and times the writer including `finish`.
pub fn write_synthetic(config: ArchiveConfig, rows: u64, tenants: u32, days: u32) -> Result<Throughput, ArchiveError> {
    let tenants = tenants.max(1);
    let days = days.max(1);
    let start_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let tenant_ids: Vec<String> = (0..tenants).map(|t| guid(0x7e4a_0000 + u64::from(t))).collect();
    let per_tenant = rows.div_ceil(u64::from(tenants)).max(1);
    let mut raw = String::with_capacity(2048);
    let mut raw_bytes = 0;
    let started = Instant::now();
    let mut writer = ArchiveWriter::create(config)?;
    for n in 0..rows {
        let tenant = (n % u64::from(tenants)) as usize;
        let position = n / u64::from(tenants);
        let day_index = position * u64::from(days) / per_tenant;
        let day = start_day + Days::days(day_index as i64);
        let seconds =
            (position % (per_tenant / u64::from(days)).max(1)) * 86_400 / (per_tenant / u64::from(days)).max(1);
        let creation_time: DateTime<Utc> =
            day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Days::seconds(seconds as i64);
        let id = guid(mix(n));
        let user = guid(mix(n % 5_000 + 1_000_000));
        let app = guid(mix(n % 2_000 + 2_000_000));
        let environment = guid(mix(n % 40 + 3_000_000));
        let upn = format!("user{}@contoso.example", n % 5_000);
        raw.clear();
        synthetic_json(&mut raw, &id, &tenant_ids[tenant], creation_time, &user, &upn, &app, &environment);
        raw_bytes += raw.len() as u64;
        writer.write(&RawRecord {
            tenant_id: &tenant_ids[tenant],
            day,
            id: &id,
            creation_time,
            operation: "LaunchPowerApp",
            workload: Some("PowerApps"),
            record_type: 45,
            user_id: Some(&user),
            user_key: Some(&upn),
            resource_id: Some(&app),
            environment_id: Some(&environment),
            raw: &raw,
        })?;
    }
    let report = writer.finish()?;
    Ok(Throughput { report, raw_bytes, elapsed: started.elapsed() })
}

#[allow(clippy::too_many_arguments)]
fn synthetic_json(
    out: &mut String,
    id: &str,
    tenant: &str,
    at: DateTime<Utc>,
    user: &str,
    upn: &str,
    app: &str,
    environment: &str,
) {
    let _ = write!(
        out,
        r#"{{"CreationTime":"{time}","Id":"{id}","Operation":"LaunchPowerApp","OrganizationId":"{tenant}","RecordType":45,"UserKey":"{user}","UserType":0,"Version":1,"Workload":"PowerApps","UserId":"{upn}","AppName":"{app}","PropertyCollection":[{{"Name":"powerplatform.analytics.resource.power_app.display_name","Value":"Expense claims"}},{{"Name":"powerplatform.analytics.resource.power_app.id","Value":"{app}"}},{{"Name":"powerplatform.analytics.resource.environment.id","Value":"{environment}"}},{{"Name":"powerplatform.analytics.operation.is_successful","Value":"True"}},{{"Name":"powerplatform.analytics.resource.telemetry_correlation.id","Value":"{correlation}"}},{{"Name":"enduser.ip_address","Value":"::ffff:172.172.34.12"}},{{"Name":"user_agent.original","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0"}},{{"Name":"powerplatform.analytics.resource.type","Value":"PowerApp"}}]}}"#,
        time = at.format("%Y-%m-%dT%H:%M:%S"),
        correlation = guid(mix(at.timestamp() as u64 ^ 0x5bd1_e995)),
    );
}

/// A GUID-shaped string from 64 bits (the upper half repeats the lower, which is enough
/// variety for compression to behave as on real ids).
fn guid(bits: u64) -> String {
    let high = mix(bits);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        bits >> 32,
        (bits >> 16) & 0xffff,
        bits & 0xfff,
        high >> 52,
        high & 0xffff_ffff_ffff
    )
}

/// SplitMix64: cheap, deterministic, well spread.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
