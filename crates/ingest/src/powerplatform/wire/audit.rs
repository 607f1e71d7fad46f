//! Office 365 Management Activity API: list-content responses and audit records
//! (`Audit.General` content blobs are JSON arrays of [`AuditRecord`]).

use super::time;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// One item of `GET .../subscriptions/content?contentType=Audit.General&startTime=…&endTime=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentItem {
    pub content_type: String,
    pub content_id: String,
    pub content_uri: String,
    /// `2015-05-23T17:35:00.000Z`
    pub content_created: String,
    pub content_expiration: String,
}

/// `RecordType` values Steward reads.
pub const RECORD_TYPE_MICROSOFT_FLOW: i32 = 30;
pub const RECORD_TYPE_POWER_APPS_APP: i32 = 45;
pub const RECORD_TYPE_POWER_PLATFORM_ADMIN_ACTIVITY: i32 = 256;

/// One audit record, in any of the three forms Steward reads: legacy Power Apps
/// (`Workload: "PowerApps"`, RecordType 45, `AppName`), new Power Platform
/// (`Workload: "PowerPlatform"`, RecordType 256, `PropertyCollection`) and Power Automate
/// (`Workload: "MicrosoftFlow"`, RecordType 30, `ObjectId` = flow id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuditRecord {
    /// On import only the entries named in [`property::READ`] are kept (the rest are never used).
    #[serde(default, deserialize_with = "read_properties", skip_serializing_if = "Option::is_none")]
    pub property_collection: Option<Vec<NameValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(with = "time::audit")]
    pub creation_time: Timestamp,
    pub id: String,
    pub operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub record_type: i32,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub result_status: Option<String>,
    /// Entra object id of the actor for Power Platform workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub user_type: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub version: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    #[serde(rename = "ClientIP", default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub client_ip: Option<String>,
    /// Flow id for `MicrosoftFlow` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// UPN of the actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// App id in legacy Power Apps records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    /// An object in some records, a JSON string in others; both are read.
    #[serde(default, deserialize_with = "additional_info", skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub flow_connector_names: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_details_url: Option<String>,
    #[serde(rename = "UserUPN", default, skip_serializing_if = "Option::is_none")]
    pub user_upn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameValue {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Value")]
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_object_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_type: Option<String>,
}

/// `PropertyCollection` names Steward reads.
pub mod property {
    pub const APP_ID: &str = "powerplatform.analytics.resource.power_app.id";
    pub const APP_DISPLAY_NAME: &str = "powerplatform.analytics.resource.power_app.display_name";
    pub const ENVIRONMENT_ID: &str = "powerplatform.analytics.resource.environment.id";
    pub const ENVIRONMENT_NAME: &str = "powerplatform.analytics.resource.environment.name";
    pub const ACTIVITY_NAME: &str = "powerplatform.analytics.activity.name";
    pub const ACTIVITY_ID: &str = "powerplatform.analytics.activity.id";
    pub const RESOURCE_TYPE: &str = "powerplatform.analytics.resource.type";
    pub const IS_SUCCESSFUL: &str = "powerplatform.analytics.operation.is_successful";
    pub const USER_ID: &str = "enduser.id";
    pub const USER_PRINCIPAL_NAME: &str = "enduser.principal_name";
    pub const USER_ROLE: &str = "enduser.role";
    pub const TENANT_ID: &str = "powerplatform.analytics.resource.tenant.id";

    /// The entries normalisation reads.
    pub const READ: &[&str] = &[APP_ID, ENVIRONMENT_ID, ACTIVITY_NAME, USER_ID, USER_PRINCIPAL_NAME];
}

impl AuditRecord {
    /// The value of a `PropertyCollection` entry, when present and not empty.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.property_collection
            .as_ref()?
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn additional_info<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AdditionalInfo>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<AdditionalInfo>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object, a JSON string holding an object, or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            // Records that carry text rather than JSON here are kept; the text just is not used.
            Ok(serde_json::from_str(v).ok())
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            AdditionalInfo::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// A `PropertyCollection` entry as it appears in the file, borrowed where possible.
#[derive(Deserialize)]
struct BorrowedNameValue<'a> {
    #[serde(rename = "Name", borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(rename = "Value", borrow)]
    value: std::borrow::Cow<'a, str>,
}

fn read_properties<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<NameValue>>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<Vec<NameValue>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of {\"Name\", \"Value\"} objects, or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_seq(V)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut kept = Vec::with_capacity(property::READ.len());
            while let Some(entry) = seq.next_element::<BorrowedNameValue<'de>>()? {
                if property::READ.contains(&entry.name.as_ref()) {
                    kept.push(NameValue { name: entry.name.into_owned(), value: entry.value.into_owned() });
                }
            }
            Ok(Some(kept))
        }
    }
    d.deserialize_option(V)
}
