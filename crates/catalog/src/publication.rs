//! The publication workflow: a maker proposes an item (draft → submitted), an admin approves it
//! (submitted → listed) or rejects it with a reason (submitted → rejected), the owner may
//! withdraw it (submitted or listed → withdrawn). A rejected or withdrawn item can be fixed and
//! submitted again.
//!
//! The checklist must pass to submit and again to approve (the item may have changed, or its
//! resource gained a violation, in between). It is data: every check has an id, a label, a
//! result and a detail, and it is recorded with the step.
//!
//! Who may take a step (the owner, an admin, an environment admin of the resource's
//! environment) is the caller's decision; these functions apply the workflow's rules only.

use crate::CatalogError;
use steward_model::Timestamp;
use steward_store::Store;
use steward_store::catalog::{
    CatalogItem, Check, ItemFields, Outcome, PublicationAction, PublicationState, PublicationStep,
};
use steward_store::governance::{Level, ViolationQuery, ViolationState};

/// The shortest description that passes the checklist, in characters.
pub const MIN_DESCRIPTION: usize = 50;

/// Check ids, stable for pages and tests.
pub const CHECK_DESCRIPTION: &str = "description";
pub const CHECK_OWNERS: &str = "owners";
pub const CHECK_SUPPORT_TIER: &str = "support_tier";
pub const CHECK_DOCUMENTATION: &str = "documentation";
pub const CHECK_SCREENSHOTS: &str = "screenshots";
pub const CHECK_VIOLATIONS: &str = "violations";

/// The checklist for an item's fields, given the policy ids of the open `must` violations of
/// its linked resource. Pure: [`checklist`] reads the violations from the store.
pub fn evaluate(fields: &ItemFields, open_must_violations: &[String]) -> Vec<Check> {
    let check = |id: &str, label: &str, passed: bool, detail: String| Check {
        id: id.to_string(),
        label: label.to_string(),
        passed,
        detail,
    };
    let length = fields.description.trim().chars().count();
    let description = check(
        CHECK_DESCRIPTION,
        "Description",
        length >= MIN_DESCRIPTION,
        if length >= MIN_DESCRIPTION {
            format!("{length} characters")
        } else {
            format!("write at least {MIN_DESCRIPTION} characters on what it does and for whom (now {length})")
        },
    );
    let owners = match (named(&fields.owner), named(&fields.backup_owner)) {
        (Some(o), Some(b)) if !o.eq_ignore_ascii_case(b) => {
            check(CHECK_OWNERS, "Owner and backup owner", true, format!("{o}, backed up by {b}"))
        }
        (Some(_), Some(_)) => check(
            CHECK_OWNERS,
            "Owner and backup owner",
            false,
            "the backup owner must be someone else than the owner".to_string(),
        ),
        (None, _) => check(CHECK_OWNERS, "Owner and backup owner", false, "name the owner".to_string()),
        (Some(_), None) => check(
            CHECK_OWNERS,
            "Owner and backup owner",
            false,
            "name a backup owner who answers when the owner is away".to_string(),
        ),
    };
    let support = match fields.support_tier {
        Some(t) => check(CHECK_SUPPORT_TIER, "Support tier", true, t.as_str().to_string()),
        None => check(
            CHECK_SUPPORT_TIER,
            "Support tier",
            false,
            "choose who supports it: it_supported, it_blessed or maker_supported".to_string(),
        ),
    };
    let documentation = match fields.documentation_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => check(CHECK_DOCUMENTATION, "Documentation link", false, "link the documentation".to_string()),
        Some(link) => match url::Url::parse(link) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                check(CHECK_DOCUMENTATION, "Documentation link", true, link.to_string())
            }
            _ => check(
                CHECK_DOCUMENTATION,
                "Documentation link",
                false,
                format!("'{link}' is not an http or https address"),
            ),
        },
    };
    let shots = fields.screenshots.iter().filter(|s| !s.trim().is_empty()).count();
    let screenshots = check(
        CHECK_SCREENSHOTS,
        "Screenshots",
        shots > 0,
        if shots > 0 { format!("{shots} screenshot(s)") } else { "add at least one screenshot".to_string() },
    );
    let violations = match (&fields.resource_id, open_must_violations.is_empty()) {
        (None, _) => {
            check(CHECK_VIOLATIONS, "No open must violations", true, "no inventory resource is linked".to_string())
        }
        (Some(_), true) => check(CHECK_VIOLATIONS, "No open must violations", true, "none open".to_string()),
        (Some(r), false) => check(
            CHECK_VIOLATIONS,
            "No open must violations",
            false,
            format!(
                "resource {r} breaks must policies: {}; fix them or get an exemption",
                open_must_violations.join(", ")
            ),
        ),
    };
    vec![description, owners, support, documentation, screenshots, violations]
}

/// A person's name, unless blank.
fn named(p: &Option<String>) -> Option<&str> {
    p.as_deref().map(str::trim).filter(|p| !p.is_empty())
}

/// Whether every check passed.
pub fn passes(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.passed)
}

/// The policy ids of the open `must` violations of a resource (exempted ones are not open).
pub async fn open_must_violations(store: &dyn Store, resource_id: &str) -> Result<Vec<String>, CatalogError> {
    let query = ViolationQuery {
        states: vec![ViolationState::Open],
        subject_id: Some(resource_id.to_string()),
        levels: vec![Level::Must],
        ..ViolationQuery::default()
    };
    let mut ids: Vec<String> = store.list_violations(&query).await?.into_iter().map(|v| v.policy_id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The checklist for an item as it is now, reading its resource's violations.
pub async fn checklist(store: &dyn Store, fields: &ItemFields) -> Result<Vec<Check>, CatalogError> {
    let violations = match &fields.resource_id {
        Some(r) => open_must_violations(store, r).await?,
        None => Vec::new(),
    };
    Ok(evaluate(fields, &violations))
}

/// Where an action leads from a state, if the workflow allows it there.
pub fn target(from: PublicationState, action: PublicationAction) -> Option<PublicationState> {
    use PublicationAction as A;
    use PublicationState as S;
    match (action, from) {
        (A::Submit, S::Draft | S::Rejected | S::Withdrawn) => Some(S::Submitted),
        (A::Approve, S::Submitted) => Some(S::Listed),
        (A::Reject, S::Submitted) => Some(S::Rejected),
        (A::Withdraw, S::Submitted | S::Listed) => Some(S::Withdrawn),
        _ => None,
    }
}

/// The steps the workflow allows from a state, for a page's buttons.
pub fn allowed_steps(from: PublicationState) -> Vec<PublicationAction> {
    [PublicationAction::Submit, PublicationAction::Approve, PublicationAction::Reject, PublicationAction::Withdraw]
        .into_iter()
        .filter(|a| target(from, *a).is_some())
        .collect()
}

/// Where an action leads from a state, or why it cannot be taken there.
pub fn next_state(from: PublicationState, action: PublicationAction) -> Result<PublicationState, CatalogError> {
    target(from, action).ok_or_else(|| {
        let allowed: Vec<&str> = allowed_steps(from).into_iter().map(|a| a.as_str()).collect();
        CatalogError::NotAllowed(format!(
            "a {from} item cannot be {}; from {from} the steps are: {}",
            past(action),
            if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
        ))
    })
}

fn past(action: PublicationAction) -> &'static str {
    match action {
        PublicationAction::Create => "created",
        PublicationAction::Submit => "submitted",
        PublicationAction::Approve => "approved",
        PublicationAction::Reject => "rejected",
        PublicationAction::Withdraw => "withdrawn",
    }
}

/// Propose an item for listing (draft, rejected or withdrawn → submitted); the checklist must pass.
pub async fn submit(
    store: &dyn Store,
    id: i64,
    by: &str,
    at: Timestamp,
    note: Option<&str>,
) -> Result<CatalogItem, CatalogError> {
    take(store, id, PublicationAction::Submit, by, at, note).await
}

/// List a submitted item; the checklist must pass again.
pub async fn approve(
    store: &dyn Store,
    id: i64,
    by: &str,
    at: Timestamp,
    note: Option<&str>,
) -> Result<CatalogItem, CatalogError> {
    take(store, id, PublicationAction::Approve, by, at, note).await
}

/// Send a submitted item back to its maker; the reason is required and recorded.
pub async fn reject(
    store: &dyn Store,
    id: i64,
    by: &str,
    at: Timestamp,
    reason: &str,
) -> Result<CatalogItem, CatalogError> {
    if reason.trim().is_empty() {
        return Err(CatalogError::Invalid("say why the item is rejected, so its maker can fix it".into()));
    }
    take(store, id, PublicationAction::Reject, by, at, Some(reason.trim())).await
}

/// Take a submitted or listed item out of the catalog (it leaves the search index).
pub async fn withdraw(
    store: &dyn Store,
    id: i64,
    by: &str,
    at: Timestamp,
    note: Option<&str>,
) -> Result<CatalogItem, CatalogError> {
    take(store, id, PublicationAction::Withdraw, by, at, note).await
}

/// One step: read the item, check the move and (for submit and approve) the checklist, and
/// apply it only if the item is still where it was read.
async fn take(
    store: &dyn Store,
    id: i64,
    action: PublicationAction,
    by: &str,
    at: Timestamp,
    note: Option<&str>,
) -> Result<CatalogItem, CatalogError> {
    let item = store.get_catalog_item(id).await?.ok_or(CatalogError::NotFound(id))?;
    let to = next_state(item.state, action)?;
    let checks = match action {
        PublicationAction::Submit | PublicationAction::Approve => {
            let checks = checklist(store, &item.fields).await?;
            if !passes(&checks) {
                return Err(CatalogError::Checklist(checks));
            }
            checks
        }
        _ => Vec::new(),
    };
    let step = PublicationStep {
        expected_state: item.state,
        state: to,
        action,
        by: by.to_string(),
        at,
        note: note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
        checklist: checks,
    };
    match store.apply_publication_step(id, &step).await? {
        Outcome::Applied(item) => Ok(item),
        Outcome::Stale(now) => Err(CatalogError::Stale(Box::new(now))),
    }
}
