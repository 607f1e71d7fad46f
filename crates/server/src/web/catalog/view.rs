//! What catalog pages share: labels and badge classes, rating stars, names of people, and
//! the result card.

use crate::AppState;
use crate::error::ApiError;
use crate::web::links;
use std::collections::HashMap;
use steward_catalog::{CatalogItem, Facet, Hit, ItemKind, PublicationState};
use steward_model::{ImpactLevel, LifecycleStage};

pub fn stage_label(stage: LifecycleStage) -> &'static str {
    match stage {
        LifecycleStage::Idea => "Idea",
        LifecycleStage::Prototype => "Prototype",
        LifecycleStage::Pilot => "Pilot",
        LifecycleStage::Production => "Production",
        LifecycleStage::Retired => "Retired",
    }
}

pub fn stage_class(stage: LifecycleStage) -> &'static str {
    match stage {
        LifecycleStage::Idea | LifecycleStage::Retired => "badge badge-muted",
        LifecycleStage::Prototype => "badge badge-kind",
        LifecycleStage::Pilot => "badge badge-warn",
        LifecycleStage::Production => "badge badge-ok",
    }
}

pub fn state_label(state: PublicationState) -> &'static str {
    match state {
        PublicationState::Draft => "Draft",
        PublicationState::Submitted => "Waiting for approval",
        PublicationState::Listed => "Listed",
        PublicationState::Rejected => "Rejected",
        PublicationState::Withdrawn => "Withdrawn",
    }
}

pub fn state_class(state: PublicationState) -> &'static str {
    match state {
        PublicationState::Draft | PublicationState::Withdrawn => "badge badge-muted",
        PublicationState::Submitted => "badge badge-warn",
        PublicationState::Listed => "badge badge-ok",
        PublicationState::Rejected => "badge badge-bad",
    }
}

/// A facet value as people read it (`ai_model` → `AI model`).
pub fn facet_value_label(facet: Facet, value: &str) -> String {
    match facet {
        Facet::Kind => value.parse::<ItemKind>().map(|k| k.label().to_string()).unwrap_or_else(|_| value.to_string()),
        Facet::Stage => {
            value.parse::<LifecycleStage>().map(|s| stage_label(s).to_string()).unwrap_or_else(|_| value.into())
        }
        Facet::Criticality => value
            .parse::<ImpactLevel>()
            .map(|l| crate::web::resource_governance::impact_label(l).to_string())
            .unwrap_or_else(|_| value.into()),
        Facet::Platform => crate::web::format::platform(value),
        Facet::Department | Facet::BusinessArea | Facet::Category | Facet::Tag => value.to_string(),
    }
}

/// An average rating as stars, with the words a screen reader says.
#[derive(Debug, Clone)]
pub struct Stars {
    /// `★★★★☆`
    pub text: String,
    /// `4.3 out of 5 from 12 ratings`, or `Not rated yet`.
    pub label: String,
    /// `(12)`, or empty without ratings.
    pub count: String,
}

pub fn stars(average: Option<f64>, count: u64) -> Stars {
    match average.filter(|_| count > 0) {
        None => Stars { text: "☆☆☆☆☆".into(), label: "Not rated yet".into(), count: String::new() },
        Some(avg) => {
            let filled = (avg.round().clamp(0.0, 5.0)) as usize;
            let text: String = "★".repeat(filled) + &"☆".repeat(5 - filled);
            let noun = if count == 1 { "rating" } else { "ratings" };
            Stars { text, label: format!("{avg:.1} out of 5 from {count} {noun}"), count: format!("({count})") }
        }
    }
}

/// The page of an item.
pub fn item_href(id: i64) -> String {
    format!("/catalog/{id}")
}

/// Whether a screenshot can be shown as an image: only addresses on this server, which the
/// Content-Security-Policy (`img-src 'self' data:`) allows. Other addresses are shown as
/// links, so that opening the catalog never makes the browser fetch from a third party.
pub fn local_image(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//")
}

/// Names of people the catalog records by principal id or username, each looked up once.
pub struct People<'a> {
    state: &'a AppState,
    names: HashMap<String, String>,
}

impl<'a> People<'a> {
    pub fn new(state: &'a AppState) -> People<'a> {
        People { state, names: HashMap::new() }
    }

    /// The display name of a principal or a user; the text itself when neither is known.
    pub async fn name(&mut self, who: &str) -> Result<String, ApiError> {
        if let Some(name) = self.names.get(who) {
            return Ok(name.clone());
        }
        let store = self.state.store.as_ref();
        let name = match store.get_principal(who).await.map_err(|e| ApiError::store("reading a principal", e))? {
            Some(p) => p.display_name,
            None => match store.user_by_username(who).await.map_err(|e| ApiError::store("reading a user", e))? {
                Some(u) => u.display_name,
                None => who.to_string(),
            },
        };
        self.names.insert(who.to_string(), name.clone());
        Ok(name)
    }

    pub async fn name_or(&mut self, who: Option<&str>, absent: &str) -> Result<String, ApiError> {
        match who {
            Some(w) => self.name(w).await,
            None => Ok(absent.to_string()),
        }
    }
}

/// One result as a card.
#[derive(Debug, Clone)]
pub struct Card {
    pub href: String,
    pub title: String,
    pub summary: String,
    pub kind: &'static str,
    pub stage: &'static str,
    pub stage_class: &'static str,
    pub featured: bool,
    pub stars: Stars,
    pub owner: String,
    /// The first screenshot, when it is on this server.
    pub image: Option<String>,
}

/// A card for a search hit; the owner and screenshot come from the stored item (the index
/// keeps what it searches and counts, not who owns what).
pub async fn card(state: &AppState, people: &mut People<'_>, hit: &Hit) -> Result<Card, ApiError> {
    let item: Option<CatalogItem> =
        state.store.get_catalog_item(hit.id).await.map_err(|e| ApiError::store("reading a catalog item", e))?;
    let owner = people.name_or(item.as_ref().and_then(|i| i.fields.owner.as_deref()), "—").await?;
    let image = item.as_ref().and_then(|i| i.fields.screenshots.iter().find(|s| local_image(s)).cloned());
    Ok(Card {
        href: item_href(hit.id),
        title: hit.title.clone(),
        summary: hit.summary.clone(),
        kind: hit.kind.label(),
        stage: stage_label(hit.stage),
        stage_class: stage_class(hit.stage),
        featured: hit.featured,
        stars: stars(hit.rating_average, hit.rating_count),
        owner,
        image,
    })
}

/// The catalog filtered to one value of a facet (a tag on an item page, say).
pub fn facet_href(facet: Facet, value: &str) -> String {
    links::Href::new("/catalog").param(facet.as_str(), Some(value)).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_round_and_say_what_they_mean() {
        let s = stars(Some(4.4), 3);
        assert_eq!(s.text, "★★★★☆");
        assert_eq!(s.label, "4.4 out of 5 from 3 ratings");
        assert_eq!(stars(None, 0).label, "Not rated yet");
        assert_eq!(stars(Some(5.0), 1).text, "★★★★★");
    }

    #[test]
    fn only_local_screenshots_are_images() {
        assert!(local_image("/static/catalog/app.svg"));
        assert!(!local_image("//cdn.example.com/x.png"));
        assert!(!local_image("https://cdn.example.com/x.png"));
    }
}
