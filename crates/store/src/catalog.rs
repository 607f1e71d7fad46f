//! The app catalog as the store keeps it: items (apps, flows, agents, AI models, solutions…)
//! with their metadata, maturity stage and publication state, the history of every stage move
//! and publication step, ratings, reviews and access requests.
//!
//! The publication workflow and the lifecycle rules live in `steward-catalog`; the store keeps
//! what it must enforce itself, the same way on every backend:
//! - **optimistic concurrency**: a publication step or stage move names the state (stage) it
//!   was computed from, an edit may name the item's change number; it is applied only if the
//!   stored item still has it, checked in the transaction that writes it, else nothing is
//!   written and the caller gets the item as it is now ([`Outcome::Stale`]);
//! - every stage move and publication step adds its event to the history in the same
//!   transaction (an item's creation is the first entry of both);
//! - **change numbers**: every write to an item (edit, step, move, rating) gives it the next
//!   number of one catalog-wide counter, in commit order, so that a search index can follow
//!   the catalog incrementally ([`crate::Store::catalog_changes`]) and miss nothing;
//! - one catalog item per inventory resource; one rating per user and item; one open access
//!   request per user and item.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use steward_model::{ImpactLevel, LifecycleStage, ResourceKind, SupportTier, Timestamp};

steward_model::string_enum!(
    /// What a catalog item is. Broader than [`ResourceKind`]: an item may describe something
    /// that is not in the inventory (an AI model, a solution from another platform).
    ItemKind, "catalog item kind" {
        App => "app",
        Flow => "flow",
        Agent => "agent",
        AiModel => "ai_model",
        Solution => "solution",
        Connector => "connector",
        Site => "site",
        Other => "other",
    }
);

impl ItemKind {
    /// The catalog kind of an inventory resource.
    pub fn of_resource(kind: ResourceKind) -> ItemKind {
        match kind {
            ResourceKind::CanvasApp | ResourceKind::ModelDrivenApp | ResourceKind::CodeApp => ItemKind::App,
            ResourceKind::CloudFlow | ResourceKind::DesktopFlow | ResourceKind::AgentFlow => ItemKind::Flow,
            ResourceKind::Agent => ItemKind::Agent,
            ResourceKind::AiModel => ItemKind::AiModel,
            ResourceKind::Solution => ItemKind::Solution,
            ResourceKind::CustomConnector => ItemKind::Connector,
            ResourceKind::PowerPagesSite => ItemKind::Site,
        }
    }

    /// A human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::App => "App",
            ItemKind::Flow => "Flow",
            ItemKind::Agent => "Agent",
            ItemKind::AiModel => "AI model",
            ItemKind::Solution => "Solution",
            ItemKind::Connector => "Connector",
            ItemKind::Site => "Site",
            ItemKind::Other => "Other",
        }
    }
}

steward_model::string_enum!(
    /// Where an item is in the publication workflow. Only `listed` items are in the search
    /// index everyone sees.
    PublicationState, "publication state" {
        Draft => "draft",
        Submitted => "submitted",
        Listed => "listed",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
);

steward_model::string_enum!(
    /// A step of the publication workflow, as its history records it.
    PublicationAction, "publication action" {
        /// The item was created (as a draft); the first entry of every history.
        Create => "create",
        Submit => "submit",
        Approve => "approve",
        Reject => "reject",
        Withdraw => "withdraw",
    }
);

steward_model::string_enum!(
    /// Where an access request is.
    AccessState, "access request state" {
        Requested => "requested",
        Granted => "granted",
        Declined => "declined",
    }
);

/// What describes an item: everything a maker or an admin edits. Stage and publication state
/// move only through their own steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFields {
    /// The inventory resource the item describes, if any (at most one item per resource).
    #[serde(default)]
    pub resource_id: Option<String>,
    pub kind: ItemKind,
    /// `power_platform`, or any other platform's name.
    pub platform: String,
    pub title: String,
    /// One or two sentences for result lists.
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
    /// Lowercase, trimmed, without repeats (the store normalises them).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The accountable owner: a principal id or a user name.
    #[serde(default)]
    pub owner: Option<String>,
    /// Who answers when the owner is away; must differ from the owner to publish.
    #[serde(default)]
    pub backup_owner: Option<String>,
    #[serde(default)]
    pub support_tier: Option<SupportTier>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    /// Screenshot URLs, in display order.
    #[serde(default)]
    pub screenshots: Vec<String>,
    /// Criticality of the linked resource, filled by whoever knows it (the server or the seed,
    /// from `steward-responsibility`); a search facet.
    #[serde(default)]
    pub criticality: Option<ImpactLevel>,
    /// Shown first among equally relevant results.
    #[serde(default)]
    pub featured: bool,
    /// Shown in the catalog's banner.
    #[serde(default)]
    pub hero: bool,
}

impl ItemFields {
    /// A minimal item: kind, platform and title, everything else empty.
    pub fn new(kind: ItemKind, platform: &str, title: &str) -> ItemFields {
        ItemFields {
            resource_id: None,
            kind,
            platform: platform.to_string(),
            title: title.to_string(),
            summary: String::new(),
            description: String::new(),
            department: None,
            business_area: None,
            category: None,
            tags: Vec::new(),
            owner: None,
            backup_owner: None,
            support_tier: None,
            documentation_url: None,
            screenshots: Vec::new(),
            criticality: None,
            featured: false,
            hero: false,
        }
    }

    /// The fields as every backend stores them: texts trimmed, blank optional texts absent,
    /// tags lowercased without repeats, blank screenshots dropped. Refuses a blank title or
    /// platform.
    pub fn normalized(&self) -> Result<ItemFields> {
        let text = |t: &Option<String>| t.as_ref().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let mut tags: Vec<String> = Vec::new();
        for tag in &self.tags {
            let tag = tag.trim().to_lowercase();
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let out = ItemFields {
            resource_id: text(&self.resource_id),
            kind: self.kind,
            platform: self.platform.trim().to_string(),
            title: self.title.trim().to_string(),
            summary: self.summary.trim().to_string(),
            description: self.description.trim().to_string(),
            department: text(&self.department),
            business_area: text(&self.business_area),
            category: text(&self.category),
            tags,
            owner: text(&self.owner),
            backup_owner: text(&self.backup_owner),
            support_tier: self.support_tier,
            documentation_url: text(&self.documentation_url),
            screenshots: self.screenshots.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            criticality: self.criticality,
            featured: self.featured,
            hero: self.hero,
        };
        required(&out.title, "a catalog item's title")?;
        required(&out.platform, "a catalog item's platform")?;
        Ok(out)
    }
}

/// An item to create. It starts as a `draft` at the given stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCatalogItem {
    #[serde(flatten)]
    pub fields: ItemFields,
    pub stage: LifecycleStage,
    pub created_by: String,
    pub created_at: Timestamp,
    /// Recorded with the first entry of both histories.
    #[serde(default)]
    pub note: Option<String>,
}

/// A replacement of an item's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEdit {
    #[serde(flatten)]
    pub fields: ItemFields,
    /// When given, the stored item's change number must still be this (the edit was made on
    /// what the editor saw), else nothing is written ([`Outcome::Stale`]).
    #[serde(default)]
    pub expected_seq: Option<i64>,
    pub by: String,
    pub at: Timestamp,
}

/// Ratings of an item, as its reads carry them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub count: u64,
    /// The mean of the stars, `None` without ratings.
    pub average: Option<f64>,
}

impl RatingSummary {
    /// From the count and sum of stars.
    pub fn from_sum(count: i64, sum: i64) -> RatingSummary {
        let count = u64::try_from(count).unwrap_or(0);
        RatingSummary { count, average: (count > 0).then(|| sum as f64 / count as f64) }
    }
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: i64,
    /// The item's change number: the catalog-wide counter's value at its last write.
    pub seq: i64,
    #[serde(flatten)]
    pub fields: ItemFields,
    pub stage: LifecycleStage,
    pub state: PublicationState,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
    pub ratings: RatingSummary,
    pub reviews: u64,
}

impl CatalogItem {
    /// Whether `person` (a principal id or user name) is the item's owner, backup owner or creator.
    pub fn involves(&self, person: &str) -> bool {
        self.fields.owner.as_deref() == Some(person)
            || self.fields.backup_owner.as_deref() == Some(person)
            || self.created_by == person
    }
}

/// Which items [`crate::Store::list_catalog_items`] returns, by id. Empty lists and `None`
/// mean any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogQuery {
    pub states: Vec<PublicationState>,
    /// Items this person owns, backs up or created ([`CatalogItem::involves`]).
    pub person: Option<String>,
    pub resource_id: Option<String>,
    pub kind: Option<ItemKind>,
    pub stage: Option<LifecycleStage>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl CatalogQuery {
    /// Whether an item matches the filters (not the paging); backends filter in SQL, this is
    /// the definition.
    pub fn matches(&self, item: &CatalogItem) -> bool {
        (self.states.is_empty() || self.states.contains(&item.state))
            && self.person.as_ref().is_none_or(|p| item.involves(p))
            && self.resource_id.as_ref().is_none_or(|r| item.fields.resource_id.as_ref() == Some(r))
            && self.kind.is_none_or(|k| k == item.fields.kind)
            && self.stage.is_none_or(|s| s == item.stage)
    }
}

/// What a write that checks the current state did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "value", rename_all = "snake_case")]
pub enum Outcome<T> {
    /// Written; the record as it is now.
    Applied(T),
    /// Not written: the record moved since the change was computed. The record as it is now.
    Stale(T),
}

impl<T> Outcome<T> {
    /// The record, whatever happened.
    pub fn into_inner(self) -> T {
        match self {
            Outcome::Applied(t) | Outcome::Stale(t) => t,
        }
    }

    pub fn is_applied(&self) -> bool {
        matches!(self, Outcome::Applied(_))
    }
}

/// One check of the publication checklist, as shown to the maker and recorded with each step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id, e.g. `description`, `owners`.
    pub id: String,
    pub label: String,
    pub passed: bool,
    /// What was found, or what to do.
    pub detail: String,
}

/// One publication step, to apply if the item is still in `expected_state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicationStep {
    pub expected_state: PublicationState,
    pub state: PublicationState,
    pub action: PublicationAction,
    pub by: String,
    pub at: Timestamp,
    /// The reason of a rejection, a reviewer's remark…
    #[serde(default)]
    pub note: Option<String>,
    /// The checklist as evaluated for this step (empty when the step does not check).
    #[serde(default)]
    pub checklist: Vec<Check>,
}

/// One entry of an item's publication history (oldest first; the first is its creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicationEvent {
    pub item_id: i64,
    pub from_state: Option<PublicationState>,
    pub to_state: PublicationState,
    pub action: PublicationAction,
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
    pub checklist: Vec<Check>,
}

/// One stage move, to apply if the item is still at `expected_stage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageMove {
    pub expected_stage: LifecycleStage,
    pub stage: LifecycleStage,
    pub by: String,
    pub at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
}

/// One entry of an item's stage history (oldest first; the first is its creation, without
/// `from_stage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEvent {
    pub item_id: i64,
    pub from_stage: Option<LifecycleStage>,
    pub to_stage: LifecycleStage,
    pub by: String,
    pub at: Timestamp,
    pub note: Option<String>,
}

/// One user's rating of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub item_id: i64,
    pub user: String,
    /// 1 to 5.
    pub stars: u8,
    pub at: Timestamp,
}

/// A review to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReview {
    pub item_id: i64,
    pub by: String,
    pub text: String,
    pub at: Timestamp,
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub item_id: i64,
    pub by: String,
    pub text: String,
    pub at: Timestamp,
}

/// An access request to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccessRequest {
    pub item_id: i64,
    pub requester: String,
    pub reason: String,
    pub at: Timestamp,
}

/// A stored access request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: i64,
    pub item_id: i64,
    pub requester: String,
    pub reason: String,
    pub state: AccessState,
    pub requested_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_note: Option<String>,
}

/// A decision on a request that is still `requested`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDecision {
    /// `granted` or `declined`.
    pub state: AccessState,
    pub by: String,
    pub at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
}

/// Which access requests [`crate::Store::list_access_requests`] returns, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessQuery {
    pub item_id: Option<i64>,
    pub requester: Option<String>,
    pub state: Option<AccessState>,
}

impl AccessQuery {
    /// Whether a request matches; backends filter in SQL, this is the definition.
    pub fn matches(&self, r: &AccessRequest) -> bool {
        self.item_id.is_none_or(|i| i == r.item_id)
            && self.requester.as_ref().is_none_or(|q| *q == r.requester)
            && self.state.is_none_or(|s| s == r.state)
    }
}

fn required(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidQuery(format!("{what} is required")));
    }
    Ok(())
}

/// Normalise a new item's fields and refuse one without title, platform or creator.
pub fn check_new_item(item: &NewCatalogItem) -> Result<ItemFields> {
    required(&item.created_by, "who creates a catalog item (created_by)")?;
    item.fields.normalized()
}

/// Normalise an edit's fields and refuse one without title, platform or editor.
pub fn check_edit(edit: &CatalogEdit) -> Result<ItemFields> {
    required(&edit.by, "who edits a catalog item (by)")?;
    edit.fields.normalized()
}

/// Refuse a publication step without actor, or that does not move.
pub fn check_step(step: &PublicationStep) -> Result<()> {
    required(&step.by, "who takes a publication step (by)")?;
    if step.action == PublicationAction::Create {
        return Err(StoreError::InvalidQuery("`create` is recorded when an item is created, not as a step".into()));
    }
    Ok(())
}

/// Refuse a stage move without actor.
pub fn check_move(m: &StageMove) -> Result<()> {
    required(&m.by, "who moves an item's stage (by)")
}

/// Refuse a rating outside 1–5 or without user.
pub fn check_rating(user: &str, stars: u8) -> Result<()> {
    required(user, "who rates an item")?;
    if !(1..=5).contains(&stars) {
        return Err(StoreError::InvalidQuery(format!("a rating is 1 to 5 stars, not {stars}")));
    }
    Ok(())
}

/// Refuse a blank review.
pub fn check_review(r: &NewReview) -> Result<()> {
    required(&r.by, "who writes a review")?;
    required(&r.text, "a review's text")
}

/// Refuse an access request without requester or reason.
pub fn check_access_request(r: &NewAccessRequest) -> Result<()> {
    required(&r.requester, "who requests access")?;
    required(&r.reason, "the reason for an access request")
}

/// Refuse a decision that is not `granted` or `declined`, or without decider.
pub fn check_decision(d: &AccessDecision) -> Result<()> {
    required(&d.by, "who decides an access request")?;
    if d.state == AccessState::Requested {
        return Err(StoreError::InvalidQuery("an access request is decided as granted or declined".into()));
    }
    Ok(())
}

/// The refusal of a second item for one resource.
pub fn resource_taken(resource_id: &str, existing: i64) -> StoreError {
    StoreError::InvalidQuery(format!(
        "resource '{resource_id}' already has catalog item {existing}; edit that item instead"
    ))
}

/// The refusal of a second open access request.
pub fn already_requested(item_id: i64, requester: &str) -> StoreError {
    StoreError::InvalidQuery(format!(
        "{requester} already has an open access request for catalog item {item_id}; wait for its decision"
    ))
}

/// Tags and screenshots are stored as JSON arrays of strings.
pub fn strings_to_json(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_string())
}

/// Parse a JSON array of strings stored by [`strings_to_json`].
pub fn strings_from_json(text: &str, what: &str) -> Result<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), reason: format!("not a JSON list of texts: {e}") })
}

/// Parse a checklist stored as JSON.
pub fn checklist_from_json(text: &str) -> Result<Vec<Check>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: "catalog publication checklist".to_string(),
        reason: format!("not a JSON checklist: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_kind_has_a_catalog_kind() {
        assert_eq!(ItemKind::of_resource(ResourceKind::ModelDrivenApp), ItemKind::App);
        assert_eq!(ItemKind::of_resource(ResourceKind::DesktopFlow), ItemKind::Flow);
        assert_eq!(ItemKind::of_resource(ResourceKind::AiModel), ItemKind::AiModel);
        for k in ItemKind::ALL {
            assert_eq!(k.as_str().parse::<ItemKind>().ok(), Some(*k));
        }
    }

    #[test]
    fn normalising_trims_drops_blanks_and_dedupes_tags() {
        let mut f = ItemFields::new(ItemKind::App, " power_platform ", "  Expenses ");
        f.tags = vec![" Finance".into(), "finance".into(), "".into(), "HR ".into()];
        f.owner = Some("  ".into());
        f.screenshots = vec![" https://x/1.png ".into(), " ".into()];
        let n = f.normalized().expect("valid");
        assert_eq!((n.title.as_str(), n.platform.as_str()), ("Expenses", "power_platform"));
        assert_eq!(n.tags, ["finance", "hr"]);
        assert_eq!(n.owner, None);
        assert_eq!(n.screenshots, ["https://x/1.png"]);
        assert!(ItemFields::new(ItemKind::App, "p", " ").normalized().is_err());
    }

    #[test]
    fn ratings_summary_and_outcome() {
        assert_eq!(RatingSummary::from_sum(0, 0), RatingSummary { count: 0, average: None });
        assert_eq!(RatingSummary::from_sum(4, 14).average, Some(3.5));
        assert!(check_rating("ann", 0).is_err() && check_rating("ann", 6).is_err() && check_rating("ann", 5).is_ok());
        let o: Outcome<i32> = Outcome::Stale(3);
        assert!(!o.is_applied());
        assert_eq!(o.into_inner(), 3);
    }
}
