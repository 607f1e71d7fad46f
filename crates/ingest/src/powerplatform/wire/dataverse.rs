//! Dataverse Web API rows (`{instanceApiUrl}/api/data/v9.2/...`), logical names as on the wire.
//! Dataverse writes every selected column, `null` included, so optional fields serialise as `null`.

use super::time;
use serde::{Deserialize, Serialize};
use steward_model::Timestamp;

/// A Copilot Studio agent (`bots` entity set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bot {
    pub botid: String,
    pub name: String,
    #[serde(default)]
    pub schemaname: Option<String>,
    /// 0 active, 1 inactive.
    #[serde(default)]
    pub statecode: i32,
    #[serde(default)]
    pub statuscode: Option<i32>,
    /// `null` while the agent was never published.
    #[serde(default, with = "time::iso")]
    pub publishedon: Option<Timestamp>,
    #[serde(default, with = "time::iso")]
    pub createdon: Option<Timestamp>,
    #[serde(default, with = "time::iso")]
    pub modifiedon: Option<Timestamp>,
    /// Owning principal. Real Dataverse gives a systemuser id; the synthetic tenant writes the
    /// owner's Entra object id so that ownership joins with Graph users without a systemusers export.
    #[serde(rename = "_ownerid_value", default)]
    pub ownerid_value: Option<String>,
    #[serde(rename = "_createdby_value", default)]
    pub createdby_value: Option<String>,
    #[serde(default)]
    pub language: Option<i32>,
    #[serde(default)]
    pub authenticationmode: Option<i32>,
    #[serde(default)]
    pub accesscontrolpolicy: Option<i32>,
    #[serde(default)]
    pub ismanaged: Option<bool>,
    #[serde(rename = "_solutionid_value", default)]
    pub solutionid_value: Option<String>,
}

/// A desktop flow (`workflows` entity set, `category eq 6`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    pub workflowid: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// 6 = desktop flow, 5 = modern (cloud) flow, 0 = classic workflow.
    pub category: i32,
    /// 0 draft, 1 activated, 2 suspended.
    #[serde(default)]
    pub statecode: i32,
    #[serde(default)]
    pub statuscode: Option<i32>,
    #[serde(default, with = "time::iso")]
    pub createdon: Option<Timestamp>,
    #[serde(default, with = "time::iso")]
    pub modifiedon: Option<Timestamp>,
    /// See [`Bot::ownerid_value`].
    #[serde(rename = "_ownerid_value", default)]
    pub ownerid_value: Option<String>,
    #[serde(rename = "_createdby_value", default)]
    pub createdby_value: Option<String>,
    #[serde(default)]
    pub uiflowtype: Option<i32>,
}
