//! `POST /{tenant}/oauth2/v2.0/token`: Entra ID's client-credentials grant, with its error
//! shapes for the mistakes a connector can make (wrong secret, wrong scope, wrong tenant).

use super::params::Base;
use super::reply::{aad_error, json};
use crate::state::Shared;
use crate::stats::bump;
use crate::tokens::{audience, audience_of_scope, normalize};
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::Arc;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn missing(name: &str) -> Response {
    aad_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

/// A JWT in form only: three base64url segments, the first two JSON objects. Signatures are
/// not checked; the fake has no keys to check them with.
fn looks_like_jwt(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    let object = |s: &str| {
        URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v.is_object())
    };
    parts.len() == 3 && object(parts[0]) && object(parts[1]) && !parts[2].is_empty()
}

/// Audiences the token endpoint issues tokens for: the public-cloud services, and Dataverse
/// instances (their real `*.dynamics.com` origins, or this server, where they are rewritten).
fn known_audience(audience: &str, base: &str) -> bool {
    let services =
        [audience::POWERAPPS, audience::FLOW, audience::POWERPLATFORM, audience::GRAPH, audience::OFFICE_MANAGEMENT];
    services.iter().any(|s| normalize(s) == audience)
        || audience.starts_with(&normalize(base))
        || (audience.starts_with("https://") && audience.ends_with(".dynamics.com"))
}

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Base(base): Base,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let t = &shared.tenant;
    if !tenant.eq_ignore_ascii_case(t.tenant_id()) && !tenant.eq_ignore_ascii_case(t.tenant_domain()) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        );
    }
    let Ok(Form(form)) = form else { return missing("grant_type") };
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    match field("grant_type") {
        None => return missing("grant_type"),
        Some("client_credentials") => {}
        Some(other) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
    }
    let Some(client_id) = field("client_id") else { return missing("client_id") };
    if !client_id.eq_ignore_ascii_case(&shared.client_id) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                t.tenant_domain()
            ),
        );
    }
    let Some(scope) = field("scope") else { return missing("scope") };
    let Some(audience) = audience_of_scope(scope) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value \
                 with /.default suffixed to the resource identifier (application ID URI)."
            ),
        );
    };
    if !known_audience(&audience, &base) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {audience} was not found in the tenant named {}.",
                t.tenant_display_name()
            ),
        );
    }
    match (field("client_secret"), field("client_assertion_type"), field("client_assertion")) {
        (Some(secret), _, _) => {
            if secret != shared.client_secret {
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                         secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                );
            }
        }
        (None, Some(kind), Some(assertion)) => {
            if kind != JWT_BEARER {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    50027,
                    &format!("client_assertion_type must be {JWT_BEARER}."),
                );
            }
            if !looks_like_jwt(assertion) {
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    50027,
                    "JWT token is invalid or malformed.",
                );
            }
        }
        _ => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000216,
                "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
            );
        }
    }
    bump(&shared.counters.tokens_issued);
    let lifetime = shared.tokens.lifetime_secs();
    json(&serde_json::json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": shared.tokens.issue(&audience),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_need_the_form_of_a_jwt_only() {
        let seg = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let jwt = format!("{}.{}.c2ln", seg(serde_json::json!({"alg":"RS256"})), seg(serde_json::json!({"aud":"x"})));
        assert!(looks_like_jwt(&jwt));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt(&format!("{}.{}.", seg(serde_json::json!({})), seg(serde_json::json!({})))));
        assert!(!looks_like_jwt("bm90.anNvbg.c2ln"));
    }
}
