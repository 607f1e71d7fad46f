//! People, groups and service principals from the directory.

use crate::{PrincipalKind, Timestamp};
use serde::{Deserialize, Serialize};

/// A user, group or service principal: makers, owners, users of apps, managers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Principal {
    pub id: String,
    pub tenant_id: String,
    pub kind: PrincipalKind,
    pub display_name: String,
    /// User principal name or e-mail address.
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    /// Principal id of the manager.
    #[serde(default)]
    pub manager_id: Option<String>,
    /// Account enabled in the directory; disabled accounts are leavers.
    pub enabled: bool,
    /// The directory no longer knows this principal (proved by a complete listing).
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
}

impl Principal {
    /// A leaver: disabled or gone from the directory. Their resources are orphaned.
    pub fn is_leaver(&self) -> bool {
        !self.enabled || self.deleted_at.is_some()
    }
}
