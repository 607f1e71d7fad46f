//! What a maker or an admin sends to describe an item (the API's JSON, or the page's form),
//! checked and turned into the store's [`ItemFields`].
//!
//! Links are checked here, not only by the checklist: a documentation link or a screenshot
//! becomes an `href` or an `src` on the item page, so only `http(s)` addresses (and, for
//! screenshots, paths on this server) are accepted.

use crate::error::ApiError;
use serde::Deserialize;
use steward_catalog::{ItemFields, ItemKind};
use steward_model::{LifecycleStage, Resource, SupportTier};

/// Longest texts, so that one item cannot bloat every result page.
pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 600;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_TAGS: usize = 30;
pub const MAX_TAG: usize = 60;
pub const MAX_SCREENSHOTS: usize = 20;
pub const MAX_URL: usize = 2_000;
pub const MAX_NAME: usize = 200;

/// The editable description of an item. `kind` and `platform` default to the item's (or its
/// resource's) when absent; every other field replaces what the item had.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemInput {
    #[serde(default)]
    pub kind: Option<ItemKind>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub business_area: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub backup_owner: Option<String>,
    #[serde(default)]
    pub support_tier: Option<SupportTier>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    #[serde(default)]
    pub screenshots: Vec<String>,
}

/// A new item: its description, the resource it describes and the stage it starts at.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewItemInput {
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub stage: Option<LifecycleStage>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(flatten)]
    pub item: ItemInput,
}

/// An edit: the description and, to refuse an edit made on an old copy, the change number
/// the editor saw.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditInput {
    #[serde(default)]
    pub expected_seq: Option<i64>,
    #[serde(flatten)]
    pub item: ItemInput,
}

/// The fields to store: `base` is the item as it is (its resource link, criticality and
/// feature flags are kept: they move through their own operations), else the resource's kind
/// and platform fill the gaps.
pub fn fields(
    input: &ItemInput,
    base: Option<&ItemFields>,
    resource: Option<&Resource>,
) -> Result<ItemFields, ApiError> {
    let kind = input
        .kind
        .or(base.map(|b| b.kind))
        .or(resource.map(|r| ItemKind::of_resource(r.kind)))
        .ok_or_else(|| ApiError::invalid("kind", format!("say what the item is: `kind` is one of {}", kinds())))?;
    let platform = given(&input.platform)
        .or_else(|| base.map(|b| b.platform.clone()))
        .or_else(|| resource.map(|r| r.platform.clone()))
        .unwrap_or_else(|| "power_platform".to_string());
    let title = input.title.trim();
    if title.is_empty() {
        return Err(ApiError::invalid("title", "an item needs a title"));
    }
    longest("title", title, MAX_TITLE)?;
    longest("summary", &input.summary, MAX_SUMMARY)?;
    longest("description", &input.description, MAX_DESCRIPTION)?;
    for (name, value) in [
        ("platform", Some(&platform)),
        ("department", input.department.as_ref()),
        ("business_area", input.business_area.as_ref()),
        ("category", input.category.as_ref()),
        ("owner", input.owner.as_ref()),
        ("backup_owner", input.backup_owner.as_ref()),
    ] {
        if let Some(v) = value {
            longest(name, v, MAX_NAME)?;
        }
    }
    let tags: Vec<String> = input.tags.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid("tags", format!("at most {MAX_TAGS} tags, not {}", tags.len())));
    }
    for tag in &tags {
        longest("tags", tag, MAX_TAG)?;
    }
    let documentation_url = given(&input.documentation_url);
    if let Some(url) = &documentation_url {
        web_link("documentation_url", url, false)?;
    }
    let screenshots: Vec<String> =
        input.screenshots.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    if screenshots.len() > MAX_SCREENSHOTS {
        return Err(ApiError::invalid(
            "screenshots",
            format!("at most {MAX_SCREENSHOTS} screenshots, not {}", screenshots.len()),
        ));
    }
    for shot in &screenshots {
        web_link("screenshots", shot, true)?;
    }
    Ok(ItemFields {
        resource_id: base.and_then(|b| b.resource_id.clone()).or_else(|| resource.map(|r| r.id.clone())),
        kind,
        platform,
        title: title.to_string(),
        summary: input.summary.trim().to_string(),
        description: input.description.trim().to_string(),
        department: given(&input.department),
        business_area: given(&input.business_area),
        category: given(&input.category),
        tags,
        owner: given(&input.owner),
        backup_owner: given(&input.backup_owner),
        support_tier: input.support_tier,
        documentation_url,
        screenshots,
        criticality: base.and_then(|b| b.criticality),
        featured: base.is_some_and(|b| b.featured),
        hero: base.is_some_and(|b| b.hero),
    })
}

fn given(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

fn kinds() -> String {
    ItemKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

fn longest(parameter: &'static str, value: &str, max: usize) -> Result<(), ApiError> {
    let n = value.trim().chars().count();
    if n > max {
        return Err(ApiError::invalid(parameter, format!("`{parameter}` is {n} characters long; at most {max}")));
    }
    Ok(())
}

/// An `http(s)` address, or (when `local` is allowed) a path on this server such as
/// `/static/catalog/app.svg`.
fn web_link(parameter: &'static str, value: &str, local: bool) -> Result<(), ApiError> {
    longest(parameter, value, MAX_URL)?;
    if local && value.starts_with('/') && !value.starts_with("//") {
        return Ok(());
    }
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(ApiError::invalid(
            parameter,
            format!(
                "`{parameter}`: '{value}' is not an http or https address{}",
                if local { " (or a path on this server, starting with /)" } else { "" }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str) -> ItemInput {
        ItemInput { title: title.into(), kind: Some(ItemKind::App), ..ItemInput::default() }
    }

    #[test]
    fn links_must_be_web_addresses() {
        let mut x = input("Expenses");
        x.documentation_url = Some("javascript:alert(1)".into());
        assert!(fields(&x, None, None).is_err());
        x.documentation_url = Some("https://docs.example.com/x".into());
        x.screenshots = vec!["/static/catalog/app.svg".into(), "https://img.example.com/1.png".into()];
        assert!(fields(&x, None, None).is_ok());
        x.screenshots = vec!["//evil.example/x.png".into()];
        assert!(fields(&x, None, None).is_err(), "protocol-relative leaves the server");
        x.screenshots = vec!["data:image/png;base64,AAAA".into()];
        assert!(fields(&x, None, None).is_err());
    }

    #[test]
    fn kind_comes_from_the_input_the_item_or_the_resource() {
        let mut x = input("Expenses");
        x.kind = None;
        assert!(fields(&x, None, None).is_err(), "no kind at all");
        let r = steward_store::conformance::resource("t", "e", "r", steward_model::ResourceKind::CloudFlow, "R");
        let f = fields(&x, None, Some(&r)).expect("kind from the resource");
        assert_eq!((f.kind, f.resource_id.as_deref()), (ItemKind::Flow, Some("r")));
        assert!(fields(&input("  "), None, None).is_err(), "blank title");
    }

    #[test]
    fn feature_flags_and_criticality_are_kept_from_the_item() {
        let mut base = ItemFields::new(ItemKind::App, "power_platform", "Old");
        base.featured = true;
        base.hero = true;
        base.criticality = Some(steward_model::ImpactLevel::High);
        let f = fields(&input("New"), Some(&base), None).expect("valid");
        assert!(f.featured && f.hero);
        assert_eq!(f.criticality, Some(steward_model::ImpactLevel::High));
        assert_eq!(f.title, "New");
    }
}
