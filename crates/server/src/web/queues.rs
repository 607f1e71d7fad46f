//! `/queues`: what waits for the signed-in user's decision, with the decision forms inline.
//! Every form posts to a route here that calls the same operation as the API (the catalog's
//! publication steps, [`crate::queues::requests`], [`crate::queues::review`]) and sends the
//! browser back to the queues (303) with a confirmation; a refusal shows the error page with
//! its status (409 when someone decided first).

use crate::AppState;
use crate::api::governance::load_set;
use crate::auth::Caller;
use crate::catalog::ops::{self, Step};
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::queues::requests::{self, Verdict};
use crate::queues::{self, Counts, review};
use crate::web::links::{self, Href};
use crate::web::{Layout, Section, errors, format, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use steward_model::Role;
use steward_store::exemption_requests::ExemptionRequest;
use steward_store::success::DetectionState;

/// Items shown per queue; the counts stay exact. A long queue is worked from its oldest items.
const SHOWN: usize = 50;

#[derive(Template)]
#[template(path = "queues.html")]
pub struct QueuesPage {
    layout: Layout,
    done: Option<&'static str>,
    /// A catalog item just proposed from a promoted candidate.
    proposed: Option<String>,
    viewer: bool,
    empty: bool,
    counts: Counts,
    /// Items of each queue beyond [`SHOWN`], not drawn.
    more: More,
    show_success: bool,
    show_publications: bool,
    show_exemptions: bool,
    show_tasks: bool,
    success: Vec<DetectionRow>,
    publications: Vec<PublicationRow>,
    exemptions: Vec<RequestRow>,
    tasks: Vec<TaskRow>,
    waiting: Vec<RequestRow>,
    my_requests_href: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct More {
    success: usize,
    publications: usize,
    exemptions: usize,
    tasks: usize,
}

pub struct DetectionRow {
    id: i64,
    resource: String,
    resource_href: String,
    rule_id: String,
    state: &'static str,
    first_detected: String,
    figures: String,
    /// `new` candidates may be marked reviewed; reviewed ones wait for promote or dismiss.
    is_new: bool,
}

pub struct PublicationRow {
    id: i64,
    title: String,
    href: String,
    kind: String,
    owner: String,
    environment: String,
    submitted: String,
}

pub struct RequestRow {
    id: i64,
    policy_id: String,
    policy: String,
    subject: String,
    subject_href: String,
    environment: String,
    reason: String,
    requested_by: String,
    requested: String,
    expires: String,
}

pub struct TaskRow {
    id: i64,
    campaign_id: i64,
    kind: String,
    resource: String,
    resource_href: String,
    state: String,
    state_label: String,
    due: String,
    answers: Vec<&'static str>,
    reassign: bool,
}

/// `?done=` after an action, from a fixed list (the page never echoes free text from the URL).
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    pub done: Option<String>,
    pub item: Option<String>,
}

fn done_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "reviewed" => "The success candidate is marked reviewed.",
        "promoted" => "The success candidate is promoted.",
        "promoted_no_item" => {
            "The success candidate is promoted. No catalog item was proposed: its resource has one already, or is gone."
        }
        "dismissed" => "The success candidate is dismissed.",
        "approved" => "The catalog item is approved and listed.",
        "rejected" => "The catalog item is sent back to its maker with your reason.",
        "exemption_approved" => "The exemption is granted; it applies from the next compliance run.",
        "exemption_declined" => "The exemption request is declined; the requester sees your reason.",
        "answered" => "Your answer is recorded on the campaign task.",
        _ => return None,
    })
}

/// `GET /queues`
pub async fn show(State(state): State<AppState>, caller: Caller, Params(p): Params<PageParams>) -> Response {
    respond(&state, build(&state, &caller, &p).await)
}

async fn build(state: &AppState, caller: &Caller, p: &PageParams) -> Result<QueuesPage, ApiError> {
    let mut q = queues::collect(state, caller).await?;
    let counts = q.counts();
    let more = More {
        success: q.success.len().saturating_sub(SHOWN),
        publications: q.publications.len().saturating_sub(SHOWN),
        exemptions: q.exemptions.len().saturating_sub(SHOWN),
        tasks: q.tasks.len().saturating_sub(SHOWN),
    };
    q.success.truncate(SHOWN);
    q.publications.truncate(SHOWN);
    q.exemptions.truncate(SHOWN);
    q.tasks.truncate(SHOWN);
    q.waiting.truncate(SHOWN);
    let names = Names::load(state, &q).await?;
    let proposed =
        params::text(&p.item).filter(|i| i.chars().all(|c| c.is_ascii_digit())).map(|i| format!("/catalog/{i}"));
    let mut layout = Layout::new(state, caller, "Review queues", Some(Section::Queues));
    // This page counts afresh: the badge shows the count just made.
    layout.set_queue_badge(counts.total);
    Ok(QueuesPage {
        layout,
        done: params::text(&p.done).and_then(|d| done_message(&d)),
        proposed,
        viewer: caller.role == Role::Viewer,
        empty: q.is_empty(),
        counts,
        more,
        show_success: caller.is_admin(),
        show_publications: matches!(caller.role, Role::Admin | Role::EnvironmentAdmin),
        show_exemptions: matches!(caller.role, Role::Admin | Role::EnvironmentAdmin),
        show_tasks: caller.role != Role::Viewer,
        success: q
            .success
            .iter()
            .map(|d| DetectionRow {
                id: d.id,
                resource: names.resource(&d.resource_id),
                resource_href: links::resource(&d.resource_id),
                rule_id: d.rule_id.clone(),
                state: d.state.as_str(),
                first_detected: format::date(Some(d.first_detected_at)),
                figures: figures(&d.figures),
                is_new: d.state == DetectionState::New,
            })
            .collect(),
        publications: q
            .publications
            .iter()
            .map(|x| PublicationRow {
                id: x.item.id,
                title: x.item.fields.title.clone(),
                href: format!("/catalog/{}", x.item.id),
                kind: format::humanize(x.item.fields.kind.as_str()),
                owner: x.item.fields.owner.as_deref().map(|o| names.person(o)).unwrap_or_else(|| "—".into()),
                environment: x.resource.as_ref().map_or_else(|| "— (no resource)".into(), |r| r.environment_id.clone()),
                submitted: format::date_time(Some(x.item.updated_at)),
            })
            .collect(),
        exemptions: q.exemptions.iter().map(|r| names.request(r)).collect(),
        tasks: q
            .tasks
            .iter()
            .map(|t| TaskRow {
                id: t.task.id,
                campaign_id: t.task.campaign_id,
                kind: format::humanize(&t.task.kind),
                resource: names.resource(&t.task.resource_id),
                resource_href: links::resource(&t.task.resource_id),
                state: t.task.state.clone(),
                state_label: format::humanize(&t.task.state),
                due: format::date(t.task.due_at),
                answers: t.answers.clone(),
                reassign: t.answers.contains(&"reassign"),
            })
            .collect(),
        waiting: q.waiting.iter().map(|r| names.request(r)).collect(),
        my_requests_href: Href::new("/api/v1/exemption-requests").param("requested_by", Some(&caller.username)).build(),
    })
}

/// `{"uses": 120, "users": 14}` → `uses 120 · users 14`.
fn figures(value: &serde_json::Value) -> String {
    match value.as_object() {
        Some(map) => map.iter().map(|(k, v)| format!("{} {v}", k.replace('_', " "))).collect::<Vec<_>>().join(" · "),
        None => String::new(),
    }
}

/// Display names of the resources, people and policies the queues mention, read once.
struct Names {
    resources: HashMap<String, String>,
    people: HashMap<String, String>,
    policies: HashMap<String, String>,
}

impl Names {
    async fn load(state: &AppState, q: &queues::Queues) -> Result<Names, ApiError> {
        let store = state.store.as_ref();
        let mut ids: Vec<&str> = q.success.iter().map(|d| d.resource_id.as_str()).collect();
        ids.extend(q.tasks.iter().map(|t| t.task.resource_id.as_str()));
        ids.extend(q.exemptions.iter().chain(&q.waiting).map(|r| r.subject_id.as_str()));
        ids.sort_unstable();
        ids.dedup();
        let mut resources = HashMap::new();
        for id in ids {
            if let Some(r) = store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))? {
                resources.insert(id.to_string(), r.display_name);
            }
        }
        let mut owners: Vec<&str> = q.publications.iter().filter_map(|x| x.item.fields.owner.as_deref()).collect();
        owners.sort_unstable();
        owners.dedup();
        let mut people = HashMap::new();
        for id in owners {
            if let Some(p) = store.get_principal(id).await.map_err(|e| ApiError::store("reading a principal", e))? {
                people.insert(id.to_string(), p.display_name);
            }
        }
        let policies = if q.exemptions.is_empty() && q.waiting.is_empty() {
            HashMap::new()
        } else {
            let (set, _) = load_set(state, None).await?;
            set.policies.into_iter().map(|p| (p.id, p.title)).collect()
        };
        Ok(Names { resources, people, policies })
    }

    fn resource(&self, id: &str) -> String {
        self.resources.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn person(&self, id: &str) -> String {
        self.people.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn request(&self, r: &ExemptionRequest) -> RequestRow {
        RequestRow {
            id: r.id,
            policy_id: r.policy_id.clone(),
            policy: self.policies.get(&r.policy_id).cloned().unwrap_or_else(|| r.policy_id.clone()),
            subject: self.resource(&r.subject_id),
            subject_href: links::resource(&r.subject_id),
            environment: r.environment_id.clone(),
            reason: r.reason.clone(),
            requested_by: r.requested_by.clone(),
            requested: format::date_time(Some(r.requested_at)),
            expires: r.expires_at.map_or_else(|| "no expiry".into(), |e| format::date(Some(e))),
        }
    }
}

/// Back to the queues with a confirmation, or the error page (with its status) on a refusal.
fn finish(state: &AppState, result: Result<Href, ApiError>) -> Response {
    match result {
        Ok(href) => Redirect::to(&href.build()).into_response(),
        Err(error) => errors::page(state, error),
    }
}

fn done(key: &str) -> Href {
    Href::new("/queues").param("done", Some(key))
}

fn number(what: &'static str, plural: &'static str, raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::NotFound { what, plural, id: raw.to_string() })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetectionForm {
    state: String,
    expected: String,
    note: String,
    /// A checkbox: present ("on") when ticked.
    propose: Option<String>,
}

/// `POST /queues/detections/{id}`: mark reviewed, promote (optionally proposing a catalog
/// item) or dismiss.
pub async fn review_detection(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<DetectionForm>,
) -> Response {
    let result = async {
        let id = number("detection", "/api/v1/success/detections", &raw)?;
        let to = params::one_of::<DetectionState>("state", &Some(f.state))?
            .ok_or_else(|| ApiError::invalid("state", "choose reviewed, promoted or dismissed"))?;
        let expected = params::one_of::<DetectionState>("expected", &Some(f.expected))?;
        let propose = f.propose.is_some();
        let r =
            review::review_detection(&state, &caller, id, to, expected, params::text(&Some(f.note)), propose).await?;
        Ok(match (to, r.proposed) {
            (DetectionState::Promoted, Some(item)) => done("promoted").param("item", Some(&item.id.to_string())),
            (DetectionState::Promoted, None) if propose => done("promoted_no_item"),
            (s, _) => done(s.as_str()),
        })
    }
    .await;
    finish(&state, result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    note: String,
    reason: String,
    expires_at: String,
}

/// `POST /queues/publications/{id}/approve`
pub async fn approve_publication(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    publication(state, caller, raw, Step::Approve, f.note, "approved").await
}

/// `POST /queues/publications/{id}/reject` (a reason is required)
pub async fn reject_publication(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    publication(state, caller, raw, Step::Reject, f.reason, "rejected").await
}

async fn publication(state: AppState, caller: Caller, raw: String, step: Step, note: String, key: &str) -> Response {
    let result = async {
        let id = number("catalog item", "/api/v1/catalog/items", &raw)?;
        let note = params::text(&Some(note));
        ops::publish(&state, &caller, id, step, note.as_deref()).await.map_err(|e| match e {
            crate::catalog::Failure::Api(e) => e,
            // The checklist failed since the item was submitted: the item page shows each check.
            other => ApiError::Conflict(format!("{}; open /catalog/{id} to see every check", other.message())),
        })?;
        Ok(done(key))
    }
    .await;
    finish(&state, result)
}

/// `POST /queues/exemption-requests/{id}/approve` (optional note and expiry)
pub async fn approve_exemption(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    let result = async {
        let id = number("exemption request", requests::PLURAL, &raw)?;
        let expires_at = requests::approval_expiry(&Some(f.expires_at), None)?;
        let verdict = Verdict::Approve { note: params::text(&Some(f.note)), expires_at };
        requests::decide(&state, &caller, id, verdict).await?;
        Ok(done("exemption_approved"))
    }
    .await;
    finish(&state, result)
}

/// `POST /queues/exemption-requests/{id}/decline` (a reason is required)
pub async fn decline_exemption(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<NoteForm>,
) -> Response {
    let result = async {
        let id = number("exemption request", requests::PLURAL, &raw)?;
        let verdict = Verdict::Decline { reason: f.reason };
        requests::decide(&state, &caller, id, verdict).await?;
        Ok(done("exemption_declined"))
    }
    .await;
    finish(&state, result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    expected: String,
    reason: String,
    to: String,
}

/// `POST /queues/tasks/{id}/answer`
pub async fn answer_task(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    let result = async {
        let id = number("campaign task", "/api/v1/campaign-tasks", &raw)?;
        let word = params::text(&Some(f.answer)).ok_or_else(|| ApiError::invalid("answer", "choose an answer"))?;
        let reason = params::text(&Some(f.reason));
        let to = params::text(&Some(f.to));
        review::answer_task(&state, &caller, id, Some(&f.expected), &word, reason.as_deref(), to.as_deref()).await?;
        Ok(done("answered"))
    }
    .await;
    finish(&state, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_confirmations_are_shown() {
        assert!(done_message("approved").is_some());
        assert!(done_message("<script>").is_none());
        assert_eq!(figures(&serde_json::json!({"active_users": 3, "uses": 12})), "active users 3 · uses 12");
    }
}
