//! A small, deterministic licence assignment for the Graph licence endpoints.
//!
//! SKU part numbers and the ids of Office 365 E3 (`ENTERPRISEPACK`), Power Apps per user and
//! Power Automate per user, and of the Office service plans, are Microsoft's published ones
//! (Learn, "Product names and service plan identifiers for licensing"); the Copilot Studio SKU
//! and its service plan id are made up in the same shape.

use crate::hash::{mix, unit};
use base64::Engine;
use serde_json::{Value, json};

pub(crate) struct Sku {
    pub part_number: &'static str,
    pub sku_id: &'static str,
    /// (service plan id, service plan name)
    pub plans: &'static [(&'static str, &'static str)],
    /// Share of users holding it.
    pub share: f64,
}

pub(crate) const SKUS: &[Sku] = &[
    Sku {
        part_number: "ENTERPRISEPACK",
        sku_id: "6fd2c87f-b296-42f0-b197-1e91e994b900",
        plans: &[
            ("efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"),
            ("5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"),
            ("c68f8d98-5534-41c8-bf36-22fa496fa792", "POWERAPPS_O365_P2"),
            ("76846ad7-7776-4c40-a281-a386362dd1b9", "FLOW_O365_P2"),
        ],
        share: 0.92,
    },
    Sku {
        part_number: "POWERAPPS_PER_USER",
        sku_id: "b30411f5-fea1-4a59-9ad9-3db7c7ead579",
        plans: &[
            ("ea2cf03b-ac60-46ae-9c1d-eeaeb63cec86", "POWERAPPS_PER_USER"),
            ("6ea4c1ef-c259-46df-bce2-943342cd3cb2", "DYN365_CDS_P2"),
        ],
        share: 0.06,
    },
    Sku {
        part_number: "FLOW_PER_USER",
        sku_id: "4a51bf65-409c-4a91-b845-1121b571cc9d",
        plans: &[("c5002c70-f725-4367-b409-f0eff4fee6c0", "FLOW_PER_USER")],
        share: 0.05,
    },
    Sku {
        part_number: "Microsoft_Copilot_Studio",
        sku_id: "3b0c7e1a-5f2d-4c8e-9a61-2d7f4e8b9c10",
        plans: &[("8e2a4c6b-1d3f-4a5e-b7c9-0f1e2d3c4b5a", "COPILOT_STUDIO_USER")],
        share: 0.02,
    },
];

/// Draw tag for licence choices.
const LICENCE: u64 = 0x11c;

/// Indices into [`SKUS`] of the licences user `u` holds. Leavers keep theirs, as disabled
/// accounts often do (something a licence review should find).
pub(crate) fn assigned(seed: u64, u: u64) -> impl Iterator<Item = usize> {
    SKUS.iter().enumerate().filter(move |(i, sku)| unit(seed, LICENCE, u, *i as u64) < sku.share).map(|(i, _)| i)
}

/// Licences held per SKU, over all `users`.
pub(crate) fn consumed(seed: u64, users: u64) -> Vec<u64> {
    let mut out = vec![0u64; SKUS.len()];
    for u in 0..users {
        for i in assigned(seed, u) {
            out[i] += 1;
        }
    }
    out
}

fn service_plans(sku: &Sku, applies_to: &str) -> Value {
    sku.plans
        .iter()
        .map(|(id, name)| {
            json!({"servicePlanId": id, "servicePlanName": name, "provisioningStatus": "Success", "appliesTo": applies_to})
        })
        .collect()
}

/// `GET /v1.0/subscribedSkus`.
pub(crate) fn subscribed_skus(seed: u64, tenant_id: &str, tenant_name: &str, consumed: &[u64]) -> Value {
    let value: Vec<Value> = SKUS
        .iter()
        .zip(consumed)
        .enumerate()
        .map(|(i, (sku, used))| {
            json!({
                "accountName": tenant_name,
                "accountId": tenant_id,
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": used,
                "id": format!("{tenant_id}_{}", sku.sku_id),
                "prepaidUnits": {"enabled": used + used / 10 + 5, "lockedOut": 0, "suspended": 0, "warning": 0},
                "servicePlans": service_plans(sku, "User"),
                "skuId": sku.sku_id,
                "skuPartNumber": sku.part_number,
                "subscriptionIds": [crate::hash::guid(seed, LICENCE, 1_000, i as u64)],
            })
        })
        .collect();
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": value})
}

/// `GET /v1.0/users/{id}/licenseDetails` for user `u`.
pub(crate) fn license_details(seed: u64, u: u64, user_id: &str) -> Value {
    let value: Vec<Value> = assigned(seed, u)
        .map(|i| {
            let sku = &SKUS[i];
            // Graph's licenseDetails ids are opaque 43-character base64url strings.
            let mut bytes = [0u8; 32];
            for (k, chunk) in bytes.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&mix(seed, LICENCE, u, (i * 4 + k) as u64).to_le_bytes());
            }
            json!({
                "id": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
                "skuId": sku.sku_id,
                "skuPartNumber": sku.part_number,
                "servicePlans": service_plans(sku, "User"),
            })
        })
        .collect();
    json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{user_id}')/licenseDetails"),
        "value": value,
    })
}
