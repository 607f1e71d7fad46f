//! Notification and community pages (issue #9): `/admin/deliveries` (the delivery log with
//! filters and retry), `/account/notifications` (a user's channels and frequencies),
//! `/community` (directory, engagement, suggested champions for admins, my skills) and
//! `/community/feedback` (the short satisfaction form).

use crate::AppState;
use crate::api::notifications as api;
use crate::auth::{Caller, Via};
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::routes::{Access, Routes};
use crate::web::links::Href;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use steward_notify::nurture::{self, Champion, DirectoryEntry, Engagement};
use steward_store::notifications::{ChannelKind, DeliveryStatus, Frequency, MessageKind};

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/deliveries", Access::Admin, deliveries)
        .post("/admin/deliveries/{id}/retry", Access::Admin, retry)
        .get("/account/notifications", Access::Read, preferences)
        .post("/account/notifications", Access::Rate, save_preferences)
        .get("/community", Access::Read, community)
        .post("/community/skills", Access::Maker, save_skills)
        .get("/community/feedback", Access::Read, feedback_form)
        .post("/community/feedback", Access::Rate, give_feedback)
}

// ---- /admin/deliveries ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_deliveries.html")]
pub struct DeliveriesPage {
    layout: Layout,
    done: Option<String>,
    counts: Vec<(String, u64)>,
    rows: Vec<DeliveryRow>,
    filters: Filters,
    statuses: Vec<&'static str>,
    kinds: Vec<&'static str>,
    channels: Vec<&'static str>,
    next: Option<String>,
}

pub struct Filters {
    status: String,
    kind: String,
    channel: String,
    recipient: String,
}

pub struct DeliveryRow {
    id: i64,
    status: &'static str,
    kind: &'static str,
    channel: &'static str,
    recipient: String,
    destination: String,
    subject: String,
    attempts: u32,
    created: String,
    updated: String,
    next: String,
    error: String,
    retryable: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeliveriesQuery {
    #[serde(flatten)]
    filters: api::DeliveryParams,
    done: Option<String>,
}

pub async fn deliveries(State(state): State<AppState>, caller: Caller, Params(q): Params<DeliveriesQuery>) -> Response {
    let page = async {
        let query = q.filters.query()?;
        let list = api::list_deliveries(&state, &query).await?;
        let f = &q.filters;
        let next = list.next_before.map(|b| {
            Href::new("/admin/deliveries")
                .param("status", f.status.as_deref())
                .param("kind", f.kind.as_deref())
                .param("channel", f.channel.as_deref())
                .param("recipient", f.recipient.as_deref())
                .param("before", Some(&b.to_string()))
                .build()
        });
        Ok::<_, ApiError>(DeliveriesPage {
            layout: Layout::new(&state, &caller, "Deliveries", Some(Section::Deliveries)),
            done: params::text(&q.done),
            counts: DeliveryStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), list.counts.get(s.as_str()).copied().unwrap_or(0)))
                .collect(),
            rows: list
                .items
                .into_iter()
                .map(|d| DeliveryRow {
                    id: d.id,
                    status: d.status.as_str(),
                    kind: d.kind.as_str(),
                    channel: d.channel.as_str(),
                    recipient: d.recipient,
                    destination: d.destination,
                    subject: d.subject,
                    attempts: d.attempts,
                    created: format::date_time(Some(d.created_at)),
                    updated: format::date_time(Some(d.updated_at)),
                    next: match d.status {
                        DeliveryStatus::Queued | DeliveryStatus::Failed => format::date_time(d.next_attempt_at),
                        _ => "—".into(),
                    },
                    error: d.last_error.map(|e| format::truncate(&e, 300)).unwrap_or_default(),
                    retryable: matches!(d.status, DeliveryStatus::Failed | DeliveryStatus::Dead),
                })
                .collect(),
            filters: Filters {
                status: f.status.clone().unwrap_or_default(),
                kind: f.kind.clone().unwrap_or_default(),
                channel: f.channel.clone().unwrap_or_default(),
                recipient: f.recipient.clone().unwrap_or_default(),
            },
            statuses: DeliveryStatus::ALL.iter().map(|s| s.as_str()).collect(),
            kinds: MessageKind::ALL.iter().map(|k| k.as_str()).collect(),
            channels: ChannelKind::ALL.iter().map(|c| c.as_str()).collect(),
            next,
        })
    }
    .await;
    respond(&state, page)
}

/// `POST /admin/deliveries/{id}/retry`
pub async fn retry(State(state): State<AppState>, caller: Caller, Path(raw): Path<String>) -> Response {
    let result = async {
        let id: i64 = raw.trim().parse().map_err(|_| ApiError::NotFound {
            what: "delivery",
            plural: "/api/v1/deliveries",
            id: raw.clone(),
        })?;
        api::retry(&state, &caller, id).await
    }
    .await;
    match result {
        Ok(d) => {
            let message = format!("Delivery {} to {} is queued again.", d.id, d.recipient);
            Redirect::to(&Href::new("/admin/deliveries").param("done", Some(&message)).build()).into_response()
        }
        Err(error) => crate::web::errors::page(&state, error),
    }
}

// ---- /account/notifications -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account_notifications.html")]
pub struct PreferencesPage {
    layout: Layout,
    demo: bool,
    saved: bool,
    channels: Vec<&'static str>,
    frequencies: Vec<&'static str>,
    rows: Vec<PreferenceRow>,
    destinations: Vec<(&'static str, String)>,
}

pub struct PreferenceRow {
    label: String,
    /// (field name, current frequency) per channel, in `channels` order.
    cells: Vec<(String, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn preferences_page(state: &AppState, caller: &Caller, saved: bool) -> Result<PreferencesPage, ApiError> {
    let mine = api::my_notifications(state, caller).await?;
    let channels: Vec<&'static str> = ChannelKind::ALL.iter().map(|c| c.as_str()).collect();
    let rows = api::kinds()
        .map(|kind| PreferenceRow {
            label: format::humanize(kind.as_str()),
            cells: ChannelKind::ALL
                .iter()
                .map(|&c| {
                    let f = mine
                        .preferences
                        .iter()
                        .find(|p| p.kind == kind && p.channel == c)
                        .map_or(Frequency::Off, |p| p.frequency);
                    (format!("{}.{}", kind.as_str(), c.as_str()), f.as_str())
                })
                .collect(),
        })
        .collect();
    let destinations = ChannelKind::ALL
        .iter()
        .map(|&c| {
            let address =
                mine.destinations.iter().find(|d| d.channel == c).map(|d| d.address.clone()).unwrap_or_default();
            (c.as_str(), address)
        })
        .collect();
    Ok(PreferencesPage {
        layout: Layout::new(state, caller, "Notifications", Some(Section::Account)),
        demo: caller.via == Via::Demo,
        saved,
        channels,
        frequencies: Frequency::ALL.iter().map(|f| f.as_str()).collect(),
        rows,
        destinations,
    })
}

pub async fn preferences(State(state): State<AppState>, caller: Caller, Params(q): Params<SavedQuery>) -> Response {
    let page = preferences_page(&state, &caller, params::text(&q.saved).is_some()).await;
    respond(&state, page)
}

/// `POST /account/notifications`: fields `<kind>.<channel>` = frequency, `dest.<channel>` =
/// address. Only what changed is written.
pub async fn save_preferences(
    State(state): State<AppState>,
    caller: Caller,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let result = async {
        let mine = api::my_notifications(&state, &caller).await?;
        for p in &mine.preferences {
            let field = format!("{}.{}", p.kind.as_str(), p.channel.as_str());
            if let Some(value) = form.get(&field)
                && value != p.frequency.as_str()
            {
                let input = api::PreferenceInput {
                    kind: p.kind.as_str().into(),
                    channel: p.channel.as_str().into(),
                    frequency: value.clone(),
                };
                api::set_preference(&state, &caller, &input).await?;
            }
        }
        for &c in ChannelKind::ALL {
            let Some(value) = form.get(&format!("dest.{}", c.as_str())) else { continue };
            let current = mine.destinations.iter().find(|d| d.channel == c).map(|d| d.address.as_str()).unwrap_or("");
            if value.trim() != current {
                let input = api::DestinationInput { channel: c.as_str().into(), address: value.clone() };
                api::set_destination(&state, &caller, &input).await?;
            }
        }
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/account/notifications?saved=1").into_response(),
        Err(error) => crate::web::errors::page(&state, error),
    }
}

// ---- /community --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community.html")]
pub struct CommunityPage {
    layout: Layout,
    department: String,
    skill: String,
    departments: Vec<(String, Vec<DirectoryEntry>)>,
    makers: usize,
    engagement: Engagement,
    satisfaction: String,
    answered_share: String,
    champions: Vec<Champion>,
    admin: bool,
    my_skills: Option<String>,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct CommunityQuery {
    #[serde(flatten)]
    filters: api::DirectoryParams,
    saved: Option<String>,
}

pub async fn community(State(state): State<AppState>, caller: Caller, Params(q): Params<CommunityQuery>) -> Response {
    let page = async {
        let directory = api::directory(&state, &q.filters).await?;
        let now = chrono::Utc::now();
        let engagement = nurture::engagement(state.store.as_ref(), now)
            .await
            .map_err(|e| ApiError::internal("reading the engagement figures", e))?;
        let admin = caller.is_admin();
        let champions = if admin {
            nurture::champions(state.store.as_ref(), now, 10)
                .await
                .map_err(|e| ApiError::internal("suggesting champions", e))?
        } else {
            Vec::new()
        };
        let my_skills = match &caller.principal_id {
            Some(p) => Some(
                state
                    .store
                    .list_maker_skills()
                    .await
                    .map_err(|e| ApiError::store("reading skills", e))?
                    .into_iter()
                    .find(|s| s.principal_id == *p)
                    .map(|s| s.skills.join(", "))
                    .unwrap_or_default(),
            ),
            None => None,
        };
        let makers = directory.values().map(Vec::len).sum();
        Ok::<_, ApiError>(CommunityPage {
            layout: Layout::new(&state, &caller, "Community", Some(Section::Community)),
            department: q.filters.department.clone().unwrap_or_default(),
            skill: q.filters.skill.clone().unwrap_or_default(),
            departments: directory.into_iter().collect(),
            makers,
            satisfaction: engagement.feedback.average_rating.map_or("—".into(), |r| format!("{r:.1} / 5")),
            answered_share: engagement.feedback.answered_share.map_or("—".into(), |s| format!("{:.0}%", s * 100.0)),
            engagement,
            champions,
            admin,
            my_skills,
            saved: params::text(&q.saved).is_some(),
        })
    }
    .await;
    respond(&state, page)
}

#[derive(Debug, Deserialize)]
pub struct SkillsForm {
    #[serde(default)]
    skills: String,
}

/// `POST /community/skills`: comma-separated skills of the signed-in maker.
pub async fn save_skills(State(state): State<AppState>, caller: Caller, Form(form): Form<SkillsForm>) -> Response {
    let skills: Vec<String> = form.skills.split(',').map(str::to_string).collect();
    match api::set_skills(&state, &caller, &skills).await {
        Ok(_) => Redirect::to("/community?saved=1").into_response(),
        Err(error) => crate::web::errors::page(&state, error),
    }
}

// ---- /community/feedback -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_feedback.html")]
pub struct FeedbackPage {
    layout: Layout,
    thanks: bool,
}

pub async fn feedback_form(State(state): State<AppState>, caller: Caller, Params(q): Params<SavedQuery>) -> Response {
    let page = FeedbackPage {
        layout: Layout::new(&state, &caller, "Feedback", Some(Section::Community)),
        thanks: params::text(&q.saved).is_some(),
    };
    respond(&state, Ok::<_, ApiError>(page))
}

#[derive(Debug, Deserialize)]
pub struct FeedbackForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    answered: Option<String>,
    #[serde(default)]
    comment: String,
}

/// `POST /community/feedback`
pub async fn give_feedback(State(state): State<AppState>, caller: Caller, Form(form): Form<FeedbackForm>) -> Response {
    let result = async {
        let rating: u8 = form
            .rating
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("rating", "pick a rating from 1 (poor) to 5 (excellent)"))?;
        let input = api::FeedbackInput {
            rating,
            answered: form.answered.as_deref().is_some_and(|a| a == "yes" || a == "on" || a == "true"),
            comment: Some(form.comment.clone()),
        };
        api::give_feedback(&state, &caller, &input).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/community/feedback?saved=1").into_response(),
        Err(error) => crate::web::errors::page(&state, error),
    }
}
