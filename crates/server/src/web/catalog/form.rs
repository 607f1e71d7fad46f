//! The item form (propose and edit): what it shows, and what a browser sends back, turned into
//! the input the operations take. Tags are one line, comma-separated; screenshots one address
//! per line.

use crate::catalog::input::ItemInput;
use crate::error::ApiError;
use crate::params;
use serde::Deserialize;
use steward_catalog::{ItemFields, ItemKind};
use steward_model::{LifecycleStage, SupportTier};

/// The form's values, as text.
#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    pub title: String,
    pub kind: String,
    pub platform: String,
    pub summary: String,
    pub description: String,
    pub department: String,
    pub business_area: String,
    pub category: String,
    pub tags: String,
    pub owner: String,
    pub backup_owner: String,
    pub support_tier: String,
    pub documentation_url: String,
    pub screenshots: String,
    /// The names the owner fields stand for, when they name a known person.
    pub owner_name: String,
    pub backup_name: String,
    pub kinds: Vec<Choice>,
    pub tiers: Vec<Choice>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

fn kinds() -> Vec<Choice> {
    ItemKind::ALL.iter().map(|k| Choice { value: k.as_str(), label: k.label() }).collect()
}

fn tiers() -> Vec<Choice> {
    SupportTier::ALL
        .iter()
        .map(|t| Choice { value: t.as_str(), label: steward_responsibility::tier_label(*t) })
        .collect()
}

impl ItemForm {
    /// Show whom the owner fields name (an id means little to a reader).
    pub async fn with_names(
        mut self,
        people: &mut super::view::People<'_>,
    ) -> Result<ItemForm, crate::error::ApiError> {
        for (id, name) in [(&self.owner, &mut self.owner_name), (&self.backup_owner, &mut self.backup_name)] {
            let id = id.trim();
            if !id.is_empty() {
                let found = people.name(id).await?;
                *name = if found == id { String::new() } else { found };
            }
        }
        Ok(self)
    }

    /// The form filled with an item's fields.
    pub fn of(f: &ItemFields) -> ItemForm {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ItemForm {
            title: f.title.clone(),
            kind: f.kind.as_str().to_string(),
            platform: f.platform.clone(),
            summary: f.summary.clone(),
            description: f.description.clone(),
            department: text(&f.department),
            business_area: text(&f.business_area),
            category: text(&f.category),
            tags: f.tags.join(", "),
            owner: text(&f.owner),
            backup_owner: text(&f.backup_owner),
            support_tier: f.support_tier.map(|t| t.as_str().to_string()).unwrap_or_default(),
            documentation_url: text(&f.documentation_url),
            screenshots: f.screenshots.join("\n"),
            owner_name: String::new(),
            backup_name: String::new(),
            kinds: kinds(),
            tiers: tiers(),
        }
    }

    /// The form filled with what a browser sent (shown again when it was refused).
    pub fn sent(d: &FormData) -> ItemForm {
        ItemForm {
            title: d.title.clone(),
            kind: d.kind.clone(),
            platform: d.platform.clone(),
            summary: d.summary.clone(),
            description: d.description.clone(),
            department: d.department.clone(),
            business_area: d.business_area.clone(),
            category: d.category.clone(),
            tags: d.tags.clone(),
            owner: d.owner.clone(),
            backup_owner: d.backup_owner.clone(),
            support_tier: d.support_tier.clone(),
            documentation_url: d.documentation_url.clone(),
            screenshots: d.screenshots.clone(),
            owner_name: String::new(),
            backup_name: String::new(),
            kinds: kinds(),
            tiers: tiers(),
        }
    }
}

/// What the propose and edit forms post (urlencoded; every field text, blank when untouched).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FormData {
    pub title: String,
    pub kind: String,
    pub platform: String,
    pub summary: String,
    pub description: String,
    pub department: String,
    pub business_area: String,
    pub category: String,
    pub tags: String,
    pub owner: String,
    pub backup_owner: String,
    pub support_tier: String,
    pub documentation_url: String,
    pub screenshots: String,
    /// Propose only.
    pub resource_id: String,
    pub stage: String,
    pub note: String,
    /// Edit only: the change number the editor saw.
    pub expected_seq: String,
}

impl FormData {
    pub fn input(&self) -> Result<ItemInput, ApiError> {
        let opt = |v: &str| params::text(&Some(v.to_string()));
        Ok(ItemInput {
            kind: params::one_of::<ItemKind>("kind", &Some(self.kind.clone()))?,
            platform: opt(&self.platform),
            title: self.title.clone(),
            summary: self.summary.clone(),
            description: self.description.replace("\r\n", "\n"),
            department: opt(&self.department),
            business_area: opt(&self.business_area),
            category: opt(&self.category),
            tags: self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect(),
            owner: opt(&self.owner),
            backup_owner: opt(&self.backup_owner),
            support_tier: params::one_of::<SupportTier>("support_tier", &Some(self.support_tier.clone()))?,
            documentation_url: opt(&self.documentation_url),
            screenshots: self
                .screenshots
                .lines()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }

    pub fn stage(&self) -> Result<Option<LifecycleStage>, ApiError> {
        params::one_of::<LifecycleStage>("stage", &Some(self.stage.clone()))
    }

    pub fn expected_seq(&self) -> Option<i64> {
        self.expected_seq.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_screenshots_split_and_blanks_mean_absent() {
        let d = FormData {
            title: "Expenses".into(),
            kind: "app".into(),
            tags: "finance, travel ,,".into(),
            screenshots: "/static/catalog/app.svg\r\n\r\nhttps://img.example.com/2.png".into(),
            support_tier: "".into(),
            department: "  ".into(),
            ..FormData::default()
        };
        let input = d.input().expect("valid");
        assert_eq!(input.tags, ["finance", "travel"]);
        assert_eq!(input.screenshots, ["/static/catalog/app.svg", "https://img.example.com/2.png"]);
        assert_eq!((input.support_tier, input.department), (None, None));
        let bad = FormData { kind: "spreadsheet".into(), ..d };
        assert!(bad.input().is_err());
    }
}
