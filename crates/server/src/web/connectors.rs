//! `GET /connectors`: every connector with its licensing tier, publisher and how many live
//! resources use it; `GET /connectors.csv`: the same as CSV.

use crate::AppState;
use crate::api::connectors::{self as api, ConnectorListParams};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::params;
use crate::web::links::Href;
use crate::web::resource_table::SelectOption;
use crate::web::{Layout, Section, format, respond};
use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use steward_model::ConnectorTier;

#[derive(Template)]
#[template(path = "connectors.html")]
pub struct ConnectorsPage {
    layout: Layout,
    tenant: Option<String>,
    q: String,
    tiers: Vec<SelectOption>,
    rows: Vec<ConnectorRow>,
    total: String,
    csv_href: String,
}

#[derive(Debug, Clone)]
pub struct ConnectorRow {
    pub name: String,
    pub id: String,
    pub tier: String,
    pub tier_class: &'static str,
    pub publisher: String,
    pub resources: String,
    /// The inventory filtered to the resources using it.
    pub resources_href: String,
}

pub async fn list(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    let page = build(&state, &caller, &uri).await;
    respond(&state, page)
}

async fn build(state: &AppState, caller: &Caller, uri: &Uri) -> Result<ConnectorsPage, ApiError> {
    let p: ConnectorListParams = params::decode(uri)?;
    let items = api::load(state, &p).await?;
    let tenant = params::text(&p.tenant);
    let tier = params::one_of::<ConnectorTier>("tier", &p.tier)?;
    let rows: Vec<ConnectorRow> = items
        .iter()
        .map(|s| {
            let c = &s.connector;
            ConnectorRow {
                name: c.display_name.clone(),
                id: c.id.clone(),
                tier: format::humanize(c.tier.as_str()),
                tier_class: match c.tier {
                    ConnectorTier::Standard => "badge badge-muted",
                    ConnectorTier::Premium => "badge badge-premium",
                    ConnectorTier::Custom => "badge badge-warn",
                },
                publisher: c.publisher.clone().unwrap_or_else(|| "—".into()),
                resources: format::count(s.resource_count),
                resources_href: Href::new("/inventory")
                    .param("tenant", tenant.as_deref())
                    .param("connector", Some(&c.id))
                    .fragment("resources")
                    .build(),
            }
        })
        .collect();
    Ok(ConnectorsPage {
        layout: Layout::new(state, caller, "Connectors", Some(Section::Connectors)),
        q: params::text(&p.q).unwrap_or_default(),
        tiers: ConnectorTier::ALL
            .iter()
            .map(|t| SelectOption {
                value: t.as_str().into(),
                label: format::humanize(t.as_str()),
                selected: tier == Some(*t),
            })
            .collect(),
        total: format::count(rows.len() as u64),
        rows,
        csv_href: Href::new("/connectors.csv")
            .param("tenant", tenant.as_deref())
            .param("q", p.q.as_deref())
            .param("tier", tier.map(|t| t.as_str()))
            .build(),
        tenant,
    })
}

/// `GET /connectors.csv`: the connectors matching the page's filters.
pub async fn csv(State(state): State<AppState>, uri: Uri) -> Response {
    let export = async {
        let p: ConnectorListParams = params::decode(&uri)?;
        api::csv_file(api::load(&state, &p).await?)
    };
    match export.await {
        Ok(response) => response,
        Err(error) => crate::web::errors::page(&state, error).into_response(),
    }
}
