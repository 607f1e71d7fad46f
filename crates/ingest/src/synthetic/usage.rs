//! Audit content blobs for one day, written record by record.

use super::plan::{Plan, WireResource, day_start, office_seconds};
use super::seed::{rng, tag};
use crate::powerplatform::wire::audit::{
    AdditionalInfo, AuditRecord, ContentItem, NameValue, RECORD_TYPE_MICROSOFT_FLOW, RECORD_TYPE_POWER_APPS_APP,
    RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY, property,
};
use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use steward_model::{ResourceKind, Timestamp};

/// Records per blob the generator aims at (the real feed's blobs hold roughly 1,000-5,000).
const BLOB_TARGET: u64 = 4_000;
const DUPLICATE_SHARE: f64 = 0.01;

/// One day of the audit feed: how many records and content blobs it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// Index from the window start.
    pub index: u64,
    pub date: NaiveDate,
    pub records: u64,
    pub blobs: u64,
}

impl Plan {
    pub fn day(&self, index: u64) -> Day {
        let date = self.window_start + Duration::days(index as i64);
        let records = self.records_on(date);
        Day { index, date, records, blobs: records.div_ceil(BLOB_TARGET).max(1) }
    }

    pub fn content_id(&self, day: &Day, blob: u64) -> String {
        let stamp = day.date.format("%Y%m%d");
        let tenant = self.tenant.id.replace('-', "");
        format!("{stamp}{blob:06}${stamp}{blob:06}${tenant}$audit_general$Audit_General$na0042")
    }

    pub fn content_item(&self, day: &Day, blob: u64) -> ContentItem {
        let created = day_start(day.date) + Duration::seconds((blob * 86_400 / day.blobs) as i64 + 900);
        let expires = created + Duration::days(7);
        let content_id = self.content_id(day, blob);
        ContentItem {
            content_type: "Audit.General".to_string(),
            content_uri: format!(
                "https://manage.office.com/api/v1.0/{}/activity/feed/audit/{content_id}",
                self.tenant.id
            ),
            content_id,
            content_created: created.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            content_expiration: expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        }
    }

    /// Write blob `blob` of `day` as a JSON array.
    pub fn write_blob(&self, day: &Day, blob: u64, out: &mut impl Write) -> std::io::Result<BlobCounts> {
        let mut r = rng(self.seed, tag::BLOB, u64::from(day.date.num_days_from_ce().unsigned_abs()), blob);
        let planned = day.records / day.blobs + u64::from(blob < day.records % day.blobs);
        let mut buf = Vec::with_capacity(2048);
        let mut written = 0u64;
        let mut duplicates = 0u64;
        let mut uncounted = 0u64;
        out.write_all(b"[")?;
        let mut emit = |record: &AuditRecord, out: &mut dyn Write, r: &mut ChaCha8Rng| -> std::io::Result<()> {
            buf.clear();
            serde_json::to_writer(&mut buf, record).map_err(std::io::Error::other)?;
            let copies = if r.random_bool(DUPLICATE_SHARE) { 2 } else { 1 };
            for _ in 0..copies {
                if written > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(&buf)?;
                written += 1;
            }
            duplicates += copies - 1;
            if crate::powerplatform::normalize::usage_kind(&record.operation).metric().is_none() {
                uncounted += 1;
            }
            Ok(())
        };

        // Resources created today get their create event, spread over the day's blobs.
        let mut created_today = 0u64;
        for env in &self.envs {
            for g in self.created_on(day.index, env) {
                created_today += 1;
                if (created_today - 1) % day.blobs != blob {
                    continue;
                }
                let kind = self.kind_of(g, env);
                let owner = self.owner_of(g);
                let when = self.time_on(day, &mut r);
                let record = match kind {
                    ResourceKind::CloudFlow => self.flow_record(g, owner, when, "CreateFlow", &mut r),
                    k if k.is_app() => self.app_record(g, owner, when, "CreatePowerApp", r.random_bool(0.5), &mut r),
                    _ => continue,
                };
                emit(&record, out, &mut r)?;
            }
        }

        for _ in 0..planned {
            let roll: f64 = r.random();
            let when = self.time_on(day, &mut r);
            let record = if roll < 0.86 {
                let Some(g) = self.launched_app(day.index, &mut r) else { continue };
                let user = self.active_user(&mut r);
                self.app_record(g, user, when, "LaunchPowerApp", r.random_bool(0.5), &mut r)
            } else if roll < 0.93 {
                let Some(g) = self.some_flow(day.index, &mut r) else { continue };
                let owner = self.owner_of(g);
                let editor = if self.is_leaver(owner) { self.active_user(&mut r) } else { owner };
                self.flow_record(g, editor, when, "EditFlow", &mut r)
            } else if roll < 0.97 {
                let Some(g) = self.launched_app(day.index, &mut r) else { continue };
                let owner = self.owner_of(g);
                let op = if r.random_bool(0.5) { "PublishPowerApp" } else { "PowerAppPermissionEdited" };
                self.app_record(g, owner, when, op, false, &mut r)
            } else if r.random_bool(0.5) {
                // Operations Steward does not interpret; the importer must keep them as `other`.
                let Some(g) = self.launched_app(day.index, &mut r) else { continue };
                let owner = self.owner_of(g);
                self.app_record(g, owner, when, "RestorePowerAppVersion", true, &mut r)
            } else {
                let Some(g) = self.some_flow(day.index, &mut r) else { continue };
                let owner = self.owner_of(g);
                self.flow_record(g, owner, when, "StartAPaidTrial", &mut r)
            };
            emit(&record, out, &mut r)?;
        }
        out.write_all(b"]")?;
        Ok(BlobCounts { written, duplicates, uncounted })
    }

    fn time_on(&self, day: &Day, r: &mut ChaCha8Rng) -> Timestamp {
        day_start(day.date) + Duration::seconds(office_seconds(r.random(), r.random()))
    }

    fn record_id(r: &mut ChaCha8Rng) -> String {
        uuid::Builder::from_random_bytes(r.random()).into_uuid().to_string()
    }

    fn client_ip(r: &mut ChaCha8Rng) -> String {
        format!(
            "{}.{}.{}.{}",
            [20, 40, 52, 104, 167][r.random_range(0..5)],
            r.random::<u8>(),
            r.random::<u8>(),
            r.random_range(1..255)
        )
    }

    /// A Power Apps record in the legacy (`PowerApps`, RecordType 45) or new
    /// (`PowerPlatform`, RecordType 256, `PropertyCollection`) form.
    fn app_record(
        &self,
        g: u64,
        user: u64,
        when: Timestamp,
        operation: &str,
        legacy: bool,
        r: &mut ChaCha8Rng,
    ) -> AuditRecord {
        let env = self.env_of(g);
        let id = Self::record_id(r);
        let app_id = self.resource_id(g);
        let user_id = self.user_id(user);
        let upn = self.user_upn(user);
        let ip = Self::client_ip(r);
        let base = AuditRecord {
            property_collection: None,
            environment_id: None,
            creation_time: when,
            id: id.clone(),
            operation: operation.to_string(),
            organization_id: Some(self.tenant.id.clone()),
            record_type: RECORD_TYPE_POWER_APPS_APP,
            result_status: Some("Succeeded".to_string()),
            user_key: Some(user_id.clone()),
            user_type: Some(0),
            version: Some(1),
            workload: Some("PowerApps".to_string()),
            client_ip: Some(ip.clone()),
            object_id: None,
            user_id: Some(upn.clone()),
            app_name: None,
            additional_info: None,
            flow_connector_names: None,
            flow_details_url: None,
            user_upn: None,
        };
        if legacy {
            return AuditRecord {
                app_name: Some(app_id),
                additional_info: Some(AdditionalInfo {
                    environment_name: Some(env.name.clone()),
                    target_object_id: None,
                    permission_type: None,
                }),
                ..base
            };
        }
        let kind = self.kind_of(g, env);
        let pairs = [
            (property::APP_DISPLAY_NAME, self.resource_name(g, kind)),
            (property::APP_ID, app_id),
            (property::ENVIRONMENT_NAME, env.display_name.clone()),
            (property::ENVIRONMENT_ID, env.name.to_ascii_lowercase()),
            (property::IS_SUCCESSFUL, "True".to_string()),
            ("enduser.ip_address", ip),
            (property::RESOURCE_TYPE, "PowerApp".to_string()),
            ("version", "1.0".to_string()),
            ("type", "PowerPlatformAdministratorActivityRecord".to_string()),
            (property::ACTIVITY_NAME, operation.to_string()),
            (property::ACTIVITY_ID, id),
            (property::USER_ID, user_id),
            (property::TENANT_ID, self.tenant.id.clone()),
            (property::USER_PRINCIPAL_NAME, upn),
            (property::USER_ROLE, "User".to_string()),
        ];
        AuditRecord {
            property_collection: Some(
                pairs.into_iter().map(|(name, value)| NameValue { name: name.to_string(), value }).collect(),
            ),
            environment_id: Some(env.name.to_ascii_lowercase()),
            record_type: RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY,
            workload: Some("PowerPlatform".to_string()),
            ..base
        }
    }

    /// A Power Automate record (`MicrosoftFlow`, RecordType 30).
    fn flow_record(&self, g: u64, user: u64, when: Timestamp, operation: &str, r: &mut ChaCha8Rng) -> AuditRecord {
        let env = self.env_of(g);
        let flow_id = self.resource_id(g);
        let connectors = match self.resource(g) {
            WireResource::Flow(f) => f
                .properties
                .connection_references
                .values()
                .map(|c| c.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        let upn = self.user_upn(user);
        AuditRecord {
            property_collection: None,
            environment_id: None,
            creation_time: when,
            id: Self::record_id(r),
            operation: operation.to_string(),
            organization_id: Some(self.tenant.id.clone()),
            record_type: RECORD_TYPE_MICROSOFT_FLOW,
            result_status: Some("Succeeded".to_string()),
            user_key: Some(self.user_id(user)),
            user_type: Some(0),
            version: Some(1),
            workload: Some("MicrosoftFlow".to_string()),
            client_ip: Some(Self::client_ip(r)),
            object_id: Some(flow_id.clone()),
            user_id: Some(upn.clone()),
            app_name: None,
            additional_info: None,
            flow_connector_names: Some(connectors),
            flow_details_url: Some(format!(
                "https://admin.powerplatform.microsoft.com/environments/{}/flows/{flow_id}/flowDetails",
                env.name
            )),
            user_upn: Some(upn),
        }
    }
}

/// What one audit blob holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlobCounts {
    /// Records written, repeats included.
    pub written: u64,
    /// Repeats among them (the feed sends some records twice).
    pub duplicates: u64,
    /// Distinct records that are neither a use nor a maker action: usage rollups do not count them.
    pub uncounted: u64,
}
