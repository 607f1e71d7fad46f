//! Maturity assessments (issue #8) for the API and the pages: the loaded models, who may create
//! and answer which assessment, a solution's facts for the evidence and the ALM decision, and
//! the operations both front ends call (each one audited).
//!
//! Access: admins and environment admins create and answer organisation and business-unit
//! assessments; a solution assessment is created and answered by whoever may act on the
//! resource (its maker, its environment's admins, admins); everyone signed in reads, except that
//! makers see solution assessments of their own resources only.

use crate::AppState;
use crate::audit;
use crate::auth::Caller;
use crate::error::ApiError;
use std::sync::Arc;
use steward_assess::evidence::{Context, SolutionFacts};
use steward_assess::service::{self, AssessError, NewRequest, TypedAnswer};
use steward_assess::{AssessConfig, Models};
use steward_model::Role;
use steward_store::maturity::{Assessment, AssessmentQuery, ScopeKind};

/// What the server knows about maturity models: loaded once at start.
#[derive(Debug, Clone)]
pub struct MaturitySettings {
    pub models: Arc<Models>,
    pub config: AssessConfig,
    /// The sync sources' names (`[[sources]]`), for the monitoring evidence.
    pub sources: Vec<String>,
    /// The responsibility file in use (`[governance] responsibility`), for the service-level evidence.
    pub responsibility_file: Option<String>,
}

impl Default for MaturitySettings {
    fn default() -> Self {
        MaturitySettings {
            // The built-in models are tested to load; an empty set only shows no models.
            models: Arc::new(Models::builtin().unwrap_or(Models { models: Vec::new() })),
            config: AssessConfig::default(),
            sources: Vec::new(),
            responsibility_file: None,
        }
    }
}

pub fn assess_error(e: AssessError) -> ApiError {
    match e {
        AssessError::Store(e) => ApiError::store("reading or writing an assessment", e),
        AssessError::Invalid(m) => ApiError::BadRequest(m),
        AssessError::NotFound(id) => not_found(id),
    }
}

pub fn not_found(id: i64) -> ApiError {
    not_found_raw(&id.to_string())
}

/// An id in a path that is not an assessment (not even a number).
pub fn not_found_raw(id: &str) -> ApiError {
    ApiError::NotFound { what: "assessment", plural: "/api/v1/assessments", id: id.to_string() }
}

/// An assessment the caller may read; a maker asking for a solution assessment of someone
/// else's resource is told it does not exist.
pub async fn readable(state: &AppState, caller: &Caller, id: i64) -> Result<Assessment, ApiError> {
    let a = state
        .store
        .get_assessment(id)
        .await
        .map_err(|e| ApiError::store("reading an assessment", e))?
        .ok_or_else(|| not_found(id))?;
    if a.scope == ScopeKind::Solution && caller.sees_only_own() {
        let visible = match &a.scope_ref {
            Some(r) => resource(state, r).await?.is_some_and(|res| caller.can_see(&res)),
            None => false,
        };
        if !visible {
            return Err(not_found(id));
        }
    }
    Ok(a)
}

async fn resource(state: &AppState, id: &str) -> Result<Option<steward_model::Resource>, ApiError> {
    state.store.get_resource(id).await.map_err(|e| ApiError::store("reading a resource", e))
}

/// Whether the caller may create or answer an assessment of this scope.
pub async fn check_can_answer(
    state: &AppState,
    caller: &Caller,
    scope: ScopeKind,
    scope_ref: Option<&str>,
) -> Result<(), ApiError> {
    match scope {
        ScopeKind::Organisation | ScopeKind::BusinessUnit => {
            if matches!(caller.role, Role::Admin | Role::EnvironmentAdmin) {
                Ok(())
            } else {
                Err(ApiError::Forbidden(
                    "organisation and business-unit assessments are created and answered by admins and environment \
                     admins; makers answer the assessments of their own solutions"
                        .into(),
                ))
            }
        }
        ScopeKind::Solution => {
            let id = scope_ref.unwrap_or_default();
            let r = resource(state, id).await?.filter(|r| caller.can_see(r)).ok_or_else(|| ApiError::NotFound {
                what: "resource",
                plural: "/api/v1/resources",
                id: id.to_string(),
            })?;
            if caller.can_act_on(&r) {
                Ok(())
            } else {
                Err(ApiError::Forbidden(format!(
                    "you may read resource '{id}' but not assess it: its maker, its environment's admins and admins can"
                )))
            }
        }
    }
}

/// Assessments the caller may see matching the query, by id.
pub async fn list(state: &AppState, caller: &Caller, query: &AssessmentQuery) -> Result<Vec<Assessment>, ApiError> {
    let all = state.store.list_assessments(query).await.map_err(|e| ApiError::store("listing assessments", e))?;
    if !caller.sees_only_own() {
        return Ok(all);
    }
    let mut out = Vec::with_capacity(all.len());
    for a in all {
        if a.scope != ScopeKind::Solution {
            out.push(a);
            continue;
        }
        if let Some(r) = &a.scope_ref
            && resource(state, r).await?.is_some_and(|res| caller.can_see(&res))
        {
            out.push(a);
        }
    }
    Ok(out)
}

/// A solution's facts from its responsibility assessment (criticality with its reason, usage).
pub async fn solution_facts(state: &AppState, resource: &steward_model::Resource) -> Result<SolutionFacts, ApiError> {
    let governance = state
        .store
        .get_governance(&resource.id)
        .await
        .map_err(|e| ApiError::store("reading governance metadata", e))?;
    let view = crate::api::responsibility::assess_resource(state, resource, &governance).await?;
    let reason = view
        .responsibility
        .reasons
        .iter()
        .find(|r| r.decisive)
        .map_or_else(|| format!("decided by {}", view.responsibility.decided_by), |r| r.text.clone());
    Ok(SolutionFacts {
        resource_id: resource.id.clone(),
        display_name: resource.display_name.clone(),
        criticality: view.responsibility.criticality,
        criticality_reason: reason,
        users_30d: view.input.users_30d,
        departments_30d: view.input.departments_30d,
        external_users_30d: view.input.external_users_30d,
        shared_with_everyone: view.input.shared_with_everyone,
        environment_type: view.input.environment_type,
        in_solution: view.input.in_solution,
    })
}

/// Where the probes look for an assessment of this scope.
pub async fn context(state: &AppState, scope: ScopeKind, scope_ref: Option<&str>) -> Result<Context, ApiError> {
    let solution = match (scope, scope_ref) {
        (ScopeKind::Solution, Some(id)) => match resource(state, id).await? {
            Some(r) => Some(solution_facts(state, &r).await?),
            None => None,
        },
        _ => None,
    };
    Ok(Context {
        now: chrono::Utc::now(),
        sources: state.maturity.sources.clone(),
        responsibility: (*state.responsibility).clone(),
        responsibility_file: state.maturity.responsibility_file.clone(),
        scope,
        scope_ref: scope_ref.map(str::to_string),
        solution,
    })
}

/// Create an assessment with its evidence pre-filled, audited.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    title: Option<String>,
    scope: ScopeKind,
    scope_ref: Option<String>,
    model_ids: Vec<String>,
) -> Result<Assessment, ApiError> {
    let scope_ref = scope_ref.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if scope != ScopeKind::Organisation && scope_ref.is_none() {
        return Err(ApiError::invalid(
            "scope_ref",
            match scope {
                ScopeKind::Solution => "a solution assessment needs the resource id",
                _ => "a business-unit assessment needs the business unit's name (its department)",
            },
        ));
    }
    let scope_ref = if scope == ScopeKind::Organisation { None } else { scope_ref };
    check_can_answer(state, caller, scope, scope_ref.as_deref()).await?;
    let ctx = context(state, scope, scope_ref.as_deref()).await?;
    let request = NewRequest { title, scope, scope_ref, model_ids, by: caller.username.clone(), at: ctx.now };
    let (a, _) =
        service::create(state.store.as_ref(), &state.maturity.models, &request, &ctx).await.map_err(assess_error)?;
    audit::record(state, caller, "assessment.create", format!("assessment:{}", a.id), None, audit::json(&a)).await;
    Ok(a)
}

/// Record typed answers, audited.
pub async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i64,
    typed: &[TypedAnswer],
) -> Result<steward_store::maturity::RecordedAnswers, ApiError> {
    let a = readable(state, caller, id).await?;
    check_can_answer(state, caller, a.scope, a.scope_ref.as_deref()).await?;
    let counts =
        service::answer(state.store.as_ref(), &state.maturity.models, &a, typed, &caller.username, chrono::Utc::now())
            .await
            .map_err(assess_error)?;
    let answered: Vec<serde_json::Value> = typed
        .iter()
        .map(|t| serde_json::json!({ "question_id": t.question_id, "answer": t.text, "comment": t.comment }))
        .collect();
    audit::record(
        state,
        caller,
        "assessment.answer",
        format!("assessment:{id}"),
        None,
        Some(serde_json::json!({ "answers": answered, "changed": counts.changed })),
    )
    .await;
    Ok(counts)
}

/// Read the evidence again (answers from evidence are replaced, overrides kept), audited.
pub async fn refresh(state: &AppState, caller: &Caller, id: i64) -> Result<Assessment, ApiError> {
    let a = readable(state, caller, id).await?;
    check_can_answer(state, caller, a.scope, a.scope_ref.as_deref()).await?;
    let ctx = context(state, a.scope, a.scope_ref.as_deref()).await?;
    service::refresh_evidence(state.store.as_ref(), &state.maturity.models, &a, &ctx, &caller.username)
        .await
        .map_err(assess_error)?;
    audit::record(state, caller, "assessment.evidence", format!("assessment:{id}"), None, None).await;
    readable(state, caller, id).await
}

/// Complete an assessment, audited.
pub async fn complete(state: &AppState, caller: &Caller, id: i64) -> Result<Assessment, ApiError> {
    let a = readable(state, caller, id).await?;
    check_can_answer(state, caller, a.scope, a.scope_ref.as_deref()).await?;
    let done = state
        .store
        .complete_assessment(id, &caller.username, chrono::Utc::now())
        .await
        .map_err(|e| ApiError::store("completing an assessment", e))?;
    audit::record(
        state,
        caller,
        "assessment.complete",
        format!("assessment:{id}"),
        audit::json(&a),
        audit::json(&done),
    )
    .await;
    Ok(done)
}

/// The ALM decision for a resource the caller can see.
pub async fn alm_decision(
    state: &AppState,
    resource: &steward_model::Resource,
) -> Result<steward_assess::alm::AlmDecision, ApiError> {
    let facts = solution_facts(state, resource).await?;
    let latest = steward_assess::alm::latest_solution_answers(state.store.as_ref())
        .await
        .map_err(|e| ApiError::store("reading solution assessments", e))?;
    let (id, answers) = match latest.get(&resource.id) {
        Some((id, answers)) => (Some(*id), answers.clone()),
        None => (None, Vec::new()),
    };
    Ok(steward_assess::alm::decide(&facts, &answers, id, state.maturity.config.alm_criticality_threshold))
}

/// Findings the caller may see (a maker: their own resources).
pub async fn findings(
    state: &AppState,
    caller: &Caller,
    limit: u32,
) -> Result<Vec<steward_assess::alm::Finding>, ApiError> {
    // The same narrowing every resource list uses (a maker without a principal owns nothing).
    let mut scoped = steward_store::ResourceQuery::default();
    caller.scope(&mut scoped);
    let owned_by = scoped.owned_by;
    steward_assess::alm::findings(
        state.store.as_ref(),
        state.maturity.config.alm_criticality_threshold,
        owned_by.as_deref(),
        limit,
    )
    .await
    .map_err(|e| ApiError::store("listing ALM findings", e))
}
