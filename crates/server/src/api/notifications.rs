//! Notifications and the community (issue #9): the delivery log for admins (with retry), each
//! user's channel preferences and destinations, the community directory, suggested champions,
//! engagement figures, the feedback form and makers' skills. The pages in
//! `web/notifications.rs` call the same functions, so both record the same audit trail.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params::{self, Params};
use crate::routes::{Access, Routes};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use steward_notify::nurture::{self, Champion, DirectoryEntry, Engagement};
use steward_store::notifications::{
    ChannelKind, Delivery, DeliveryQuery, DeliveryStatus, Destination, Feedback, Frequency, MakerSkills, MessageKind,
    NewFeedback, Preference, default_frequency,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/deliveries", Access::Admin, deliveries)
        .post("/api/v1/deliveries/{id}/retry", Access::Admin, retry_api)
        .get("/api/v1/notifications/preferences", Access::Read, preferences_api)
        .put("/api/v1/notifications/preferences", Access::Rate, set_preference_api)
        .put("/api/v1/notifications/destinations", Access::Rate, set_destination_api)
        .get("/api/v1/community/directory", Access::Read, directory_api)
        .get("/api/v1/community/champions", Access::Admin, champions_api)
        .get("/api/v1/community/engagement", Access::Read, engagement_api)
        .post("/api/v1/community/feedback", Access::Rate, feedback_api)
        .put("/api/v1/community/skills", Access::Maker, skills_api)
}

fn store_error(context: &'static str) -> impl Fn(steward_store::StoreError) -> ApiError {
    move |e| ApiError::store(context, e)
}

fn notify_error(e: steward_notify::NotifyError) -> ApiError {
    match e {
        steward_notify::NotifyError::Store(s) => ApiError::store("reading the community figures", s),
        other => ApiError::internal("reading the community figures", other),
    }
}

/// `?status=&kind=&channel=&recipient=&limit=&before=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryParams {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub recipient: Option<String>,
    pub limit: Option<String>,
    pub before: Option<String>,
}

impl DeliveryParams {
    pub fn query(&self) -> Result<DeliveryQuery, ApiError> {
        let before = params::text(&self.before)
            .map(|b| b.parse::<i64>().map_err(|_| ApiError::invalid("before", format!("'{b}' is not a delivery id"))))
            .transpose()?;
        Ok(DeliveryQuery {
            status: params::one_of("status", &self.status)?,
            kind: params::one_of("kind", &self.kind)?,
            channel: params::one_of("channel", &self.channel)?,
            recipient: params::text(&self.recipient),
            limit: params::limit(&self.limit)?,
            before_id: before,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    /// Deliveries per status, over the whole log.
    pub counts: BTreeMap<String, u64>,
    /// The `before` of the next page, when there may be one.
    pub next_before: Option<i64>,
}

pub async fn list_deliveries(state: &AppState, query: &DeliveryQuery) -> Result<DeliveryList, ApiError> {
    let items = state.store.list_deliveries(query).await.map_err(store_error("listing deliveries"))?;
    let counts = state.store.delivery_counts().await.map_err(store_error("counting deliveries"))?;
    let next_before = (items.len() as u32 == query.limit()).then(|| items.last().map(|d| d.id)).flatten();
    Ok(DeliveryList {
        items,
        counts: counts.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect(),
        next_before,
    })
}

/// `GET /api/v1/deliveries`: the delivery log, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    Params(p): Params<DeliveryParams>,
) -> Result<Json<DeliveryList>, ApiError> {
    Ok(Json(list_deliveries(&state, &p.query()?).await?))
}

/// Put a failed or dead delivery back in the queue; 409 for a queued or sent one.
pub async fn retry(state: &AppState, caller: &Caller, id: i64) -> Result<Delivery, ApiError> {
    let not_found = || ApiError::NotFound { what: "delivery", plural: "/api/v1/deliveries", id: id.to_string() };
    let before =
        state.store.get_delivery(id).await.map_err(store_error("reading a delivery"))?.ok_or_else(not_found)?;
    let after = match state.store.retry_delivery(id, chrono::Utc::now()).await {
        Ok(d) => d,
        Err(steward_store::StoreError::Conflict(m)) => return Err(ApiError::Conflict(m)),
        Err(e) => return Err(ApiError::store("retrying a delivery", e)),
    };
    // The payload is the message itself; the trail keeps who, what and the state change.
    let brief = |d: &Delivery| serde_json::json!({"status": d.status, "attempts": d.attempts, "last_error": d.last_error, "recipient": d.recipient});
    audit::record(state, caller, "delivery.retry", format!("delivery:{id}"), Some(brief(&before)), Some(brief(&after)))
        .await;
    Ok(after)
}

/// `POST /api/v1/deliveries/{id}/retry`
pub async fn retry_api(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Delivery>, ApiError> {
    let id = raw.trim().parse().map_err(|_| ApiError::NotFound {
        what: "delivery",
        plural: "/api/v1/deliveries",
        id: raw.clone(),
    })?;
    Ok(Json(retry(&state, &caller, id).await?))
}

/// One kind on one channel, with what applies (the stored choice or the default).
#[derive(Debug, Clone, Serialize)]
pub struct EffectivePreference {
    pub kind: MessageKind,
    pub channel: ChannelKind,
    pub frequency: Frequency,
    /// `false` when the default applies.
    pub chosen: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MyNotifications {
    pub recipient: String,
    pub preferences: Vec<EffectivePreference>,
    pub destinations: Vec<Destination>,
}

/// The kinds a user may choose for (the test message is not one).
pub fn kinds() -> impl Iterator<Item = MessageKind> {
    MessageKind::ALL.iter().copied().filter(|k| *k != MessageKind::Test)
}

pub async fn my_notifications(state: &AppState, caller: &Caller) -> Result<MyNotifications, ApiError> {
    let stored =
        state.store.notification_preferences(&caller.username).await.map_err(store_error("reading preferences"))?;
    let mut preferences = Vec::new();
    for kind in kinds() {
        for &channel in ChannelKind::ALL {
            let found = stored.iter().find(|p| p.kind == kind && p.channel == channel);
            preferences.push(EffectivePreference {
                kind,
                channel,
                frequency: found.map_or(default_frequency(channel), |p| p.frequency),
                chosen: found.is_some(),
            });
        }
    }
    let destinations =
        state.store.notification_destinations(&caller.username).await.map_err(store_error("reading destinations"))?;
    Ok(MyNotifications { recipient: caller.username.clone(), preferences, destinations })
}

/// `GET /api/v1/notifications/preferences`: the caller's choices for every kind and channel.
pub async fn preferences_api(State(state): State<AppState>, caller: Caller) -> Result<Json<MyNotifications>, ApiError> {
    Ok(Json(my_notifications(&state, &caller).await?))
}

#[derive(Debug, Clone, Deserialize)]
pub struct PreferenceInput {
    pub kind: String,
    pub channel: String,
    pub frequency: String,
}

pub async fn set_preference(state: &AppState, caller: &Caller, input: &PreferenceInput) -> Result<(), ApiError> {
    let kind: MessageKind = params::one_of("kind", &Some(input.kind.clone()))?
        .ok_or_else(|| ApiError::invalid("kind", "give the message kind"))?;
    let channel: ChannelKind = params::one_of("channel", &Some(input.channel.clone()))?
        .ok_or_else(|| ApiError::invalid("channel", "give the channel"))?;
    let frequency: Frequency = params::one_of("frequency", &Some(input.frequency.clone()))?
        .ok_or_else(|| ApiError::invalid("frequency", "give immediately, daily, weekly or off"))?;
    let p = Preference { recipient: caller.username.clone(), kind, channel, frequency };
    state.store.set_notification_preference(&p).await.map_err(store_error("storing a preference"))?;
    audit::record(state, caller, "notification.preference", format!("user:{}", caller.username), None, audit::json(&p))
        .await;
    Ok(())
}

/// `PUT /api/v1/notifications/preferences` with `{kind, channel, frequency}`.
pub async fn set_preference_api(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<PreferenceInput>,
) -> Result<Json<MyNotifications>, ApiError> {
    set_preference(&state, &caller, &input).await?;
    Ok(Json(my_notifications(&state, &caller).await?))
}

#[derive(Debug, Clone, Deserialize)]
pub struct DestinationInput {
    pub channel: String,
    /// An e-mail address, or a configured webhook's name; empty to remove.
    #[serde(default)]
    pub address: String,
}

pub async fn set_destination(state: &AppState, caller: &Caller, input: &DestinationInput) -> Result<(), ApiError> {
    let channel: ChannelKind = params::one_of("channel", &Some(input.channel.clone()))?
        .ok_or_else(|| ApiError::invalid("channel", "give the channel"))?;
    let address = input.address.trim();
    if address.is_empty() {
        state
            .store
            .remove_notification_destination(&caller.username, channel)
            .await
            .map_err(store_error("removing a destination"))?;
    } else {
        let d = Destination { recipient: caller.username.clone(), channel, address: address.to_string() };
        match state.store.set_notification_destination(&d).await {
            Ok(()) => {}
            Err(steward_store::StoreError::InvalidQuery(m)) => return Err(ApiError::invalid("address", m)),
            Err(e) => return Err(ApiError::store("storing a destination", e)),
        }
    }
    let after = serde_json::json!({"channel": channel, "address": address});
    audit::record(state, caller, "notification.destination", format!("user:{}", caller.username), None, Some(after))
        .await;
    Ok(())
}

/// `PUT /api/v1/notifications/destinations` with `{channel, address}`.
pub async fn set_destination_api(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<DestinationInput>,
) -> Result<Json<MyNotifications>, ApiError> {
    set_destination(&state, &caller, &input).await?;
    Ok(Json(my_notifications(&state, &caller).await?))
}

/// `?department=&skill=`
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DirectoryParams {
    pub department: Option<String>,
    pub skill: Option<String>,
}

pub async fn directory(
    state: &AppState,
    p: &DirectoryParams,
) -> Result<BTreeMap<String, Vec<DirectoryEntry>>, ApiError> {
    nurture::directory(state.store.as_ref(), params::text(&p.department).as_deref(), params::text(&p.skill).as_deref())
        .await
        .map_err(notify_error)
}

/// `GET /api/v1/community/directory`: makers by department, with their skills.
pub async fn directory_api(
    State(state): State<AppState>,
    Params(p): Params<DirectoryParams>,
) -> Result<Json<BTreeMap<String, Vec<DirectoryEntry>>>, ApiError> {
    Ok(Json(directory(&state, &p).await?))
}

/// `GET /api/v1/community/champions`: suggested champions with their score and reasons.
pub async fn champions_api(State(state): State<AppState>) -> Result<Json<Vec<Champion>>, ApiError> {
    let list = nurture::champions(state.store.as_ref(), chrono::Utc::now(), 25).await.map_err(notify_error)?;
    Ok(Json(list))
}

/// `GET /api/v1/community/engagement`: active makers, answered requests, satisfaction.
pub async fn engagement_api(State(state): State<AppState>) -> Result<Json<Engagement>, ApiError> {
    Ok(Json(nurture::engagement(state.store.as_ref(), chrono::Utc::now()).await.map_err(notify_error)?))
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeedbackInput {
    pub rating: u8,
    #[serde(default)]
    pub answered: bool,
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn give_feedback(state: &AppState, caller: &Caller, input: &FeedbackInput) -> Result<Feedback, ApiError> {
    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::invalid("comment", "a comment is at most 2,000 characters"));
    }
    let new = NewFeedback {
        username: caller.username.clone(),
        rating: input.rating,
        answered: input.answered,
        comment: comment.map(str::to_string),
        at: chrono::Utc::now(),
    };
    let stored = match state.store.record_feedback(&new).await {
        Ok(f) => f,
        Err(steward_store::StoreError::InvalidQuery(m)) => return Err(ApiError::invalid("rating", m)),
        Err(e) => return Err(ApiError::store("recording feedback", e)),
    };
    audit::record(state, caller, "community.feedback", format!("feedback:{}", stored.id), None, audit::json(&stored))
        .await;
    Ok(stored)
}

/// `POST /api/v1/community/feedback` with `{rating: 1..5, answered, comment}`.
pub async fn feedback_api(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<FeedbackInput>,
) -> Result<Json<Feedback>, ApiError> {
    Ok(Json(give_feedback(&state, &caller, &input).await?))
}

#[derive(Debug, Clone, Deserialize)]
pub struct SkillsInput {
    pub skills: Vec<String>,
}

/// Replace the caller's own skills in the directory (their principal's).
pub async fn set_skills(state: &AppState, caller: &Caller, skills: &[String]) -> Result<MakerSkills, ApiError> {
    let Some(principal) = caller.principal_id.clone() else {
        return Err(ApiError::invalid(
            "skills",
            "your account is not linked to an inventory principal; ask an admin to link it",
        ));
    };
    let stored = match state.store.set_maker_skills(&principal, skills, chrono::Utc::now()).await {
        Ok(s) => s,
        Err(steward_store::StoreError::InvalidQuery(m)) => return Err(ApiError::invalid("skills", m)),
        Err(e) => return Err(ApiError::store("storing skills", e)),
    };
    audit::record(state, caller, "community.skills", format!("principal:{principal}"), None, audit::json(&stored))
        .await;
    Ok(stored)
}

/// `PUT /api/v1/community/skills` with `{skills: [...]}`.
pub async fn skills_api(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<SkillsInput>,
) -> Result<Json<MakerSkills>, ApiError> {
    Ok(Json(set_skills(&state, &caller, &input.skills).await?))
}

/// Status names for filters, in the log's order.
pub fn statuses() -> &'static [DeliveryStatus] {
    DeliveryStatus::ALL
}
