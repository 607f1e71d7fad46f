//! Who is calling, and what they may do.
//!
//! The middleware ([`middleware`]) resolves every request to a [`Caller`] (from an API token,
//! a session cookie, or the demo admin) and checks the route's [`Access`] level from the one
//! route registry. Handlers take the `Caller` as an extractor and narrow further per resource
//! with [`Caller::can_see`] and [`Caller::can_act_on`].

pub mod config;
pub mod csrf;
pub mod matrix;
pub mod middleware;
pub mod oidc;
pub mod ratelimit;
pub mod redirect;
pub mod scope;
pub mod session;
pub mod signin;
pub mod tokens;

pub use config::{AuthSettings, OidcSettings, Secret, WebSettings};

use crate::error::ApiError;
use crate::routes::{Access, Routes};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use steward_model::{Resource, Role};

/// Authentication's share of the application state: settings, the sign-in rate limit.
#[derive(Debug)]
pub struct AuthState {
    pub settings: AuthSettings,
    pub web: WebSettings,
    pub limiter: ratelimit::SigninLimiter,
    /// The OpenID Connect provider, when `[auth.oidc]` is configured.
    pub oidc: Option<oidc::Oidc>,
    /// `scheme://host[:port]` of the public URL, when configured.
    own_origin: Option<String>,
}

impl AuthState {
    /// Fails (with a message naming the setting) when `[auth.oidc]` is unusable.
    pub fn new(settings: AuthSettings, web: WebSettings) -> Result<AuthState, String> {
        let limiter = ratelimit::SigninLimiter::new(settings.signin_failures, settings.signin_window());
        let own_origin = web.public_url.as_ref().map(|u| u.origin().ascii_serialization());
        let oidc = settings.oidc.clone().map(oidc::Oidc::new).transpose()?;
        Ok(AuthState { settings, web, limiter, oidc, own_origin })
    }

    pub fn own_origin(&self) -> Option<&str> {
        self.own_origin.as_deref()
    }

    /// Whether Steward is reached over https (then browsers get HSTS).
    pub fn https(&self) -> bool {
        self.web.public_url.as_ref().is_some_and(|u| u.scheme() == "https")
    }
}

impl Default for AuthState {
    fn default() -> Self {
        let settings = AuthSettings::default();
        let limiter = ratelimit::SigninLimiter::new(settings.signin_failures, settings.signin_window());
        AuthState { settings, web: WebSettings::default(), limiter, oidc: None, own_origin: None }
    }
}

/// Sign-in and sign-out pages and the OpenID Connect flow.
pub fn routes() -> Routes {
    Routes::new()
        .get("/signin", Access::Public, signin::page)
        .post("/signin", Access::Public, signin::submit)
        .post("/signout", Access::Read, signin::signout)
        .get("/signin/oidc", Access::Public, oidc::start)
        .get("/signin/oidc/callback", Access::Public, oidc::callback)
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session cookie (forms need the CSRF token).
    Session,
    /// An API token (`Authorization: Bearer …`); no CSRF token needed.
    Token,
    /// `steward demo`: nobody signs in, every visitor is the demo admin.
    Demo,
}

impl Via {
    /// What the audit trail records as `via`: `ui` for browsers, `api` for tokens.
    pub fn audit_label(self) -> &'static str {
        match self {
            Via::Session | Via::Demo => "ui",
            Via::Token => "api",
        }
    }
}

/// The signed-in user of one request, as the middleware resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    /// The effective role: a token's role (never above its owner's) or the user's.
    pub role: Role,
    /// The environments an environment admin administers.
    pub environments: Vec<String>,
    /// The inventory principal this user is: what "own resources" means for a maker.
    pub principal_id: Option<String>,
    pub via: Via,
    /// The session's CSRF token (only for [`Via::Session`]); forms carry it back.
    pub csrf: Option<String>,
}

/// What a maker without a principal "owns": an id no principal has (text, not NUL, so that
/// PostgreSQL accepts it as a parameter).
const NO_PRINCIPAL: &str = "(no principal)";

/// The name the demo admin signs with, in the header and the audit trail.
pub const DEMO_USERNAME: &str = "demo-admin";

impl Caller {
    /// The caller every request is in `steward demo`.
    pub fn demo() -> Caller {
        Caller {
            user_id: DEMO_USERNAME.into(),
            username: DEMO_USERNAME.into(),
            display_name: "Demo admin".into(),
            role: Role::Admin,
            environments: Vec::new(),
            principal_id: None,
            via: Via::Demo,
            csrf: None,
        }
    }

    /// Whether the caller's role reaches a route's access level. Handlers still check
    /// ownership and environments for `Maker` and `EnvAdmin`.
    pub fn allows(&self, access: Access) -> bool {
        allows(Some(self.role), access)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller sees this resource in lists and detail pages. Makers see only
    /// their own; everyone else reads everything.
    pub fn can_see(&self, resource: &Resource) -> bool {
        match self.role {
            Role::Maker => self.owns(resource),
            Role::Admin | Role::EnvironmentAdmin | Role::Viewer => true,
        }
    }

    /// Whether the caller may change this resource (declare governance, answer its tasks).
    pub fn can_act_on(&self, resource: &Resource) -> bool {
        match self.role {
            Role::Admin => true,
            Role::EnvironmentAdmin => self.administers(&resource.environment_id),
            Role::Maker => self.owns(resource),
            Role::Viewer => false,
        }
    }

    /// Whether the caller administers an environment (approves exemptions in it).
    pub fn administers(&self, environment_id: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::EnvironmentAdmin => self.environments.iter().any(|e| e == environment_id),
            Role::Maker | Role::Viewer => false,
        }
    }

    /// A maker's own resource: their principal is among the owners or is the creator.
    pub fn owns(&self, resource: &Resource) -> bool {
        let Some(me) = self.principal_id.as_deref() else { return false };
        resource.owners.iter().any(|o| o.principal_id == me) || resource.created_by.as_deref() == Some(me)
    }

    /// Whether lists must be narrowed to the caller's own resources.
    pub fn sees_only_own(&self) -> bool {
        self.role == Role::Maker
    }

    /// Narrow a resource query to what the caller may see: a maker's own resources (by their
    /// principal; a maker without one owns nothing).
    pub fn scope(&self, query: &mut steward_store::ResourceQuery) {
        if self.sees_only_own() {
            query.owned_by = Some(self.principal_id.clone().unwrap_or_else(|| NO_PRINCIPAL.into()));
        }
    }

    /// Refuse unless [`Caller::can_act_on`]; the message says why.
    pub fn must_act_on(&self, resource: &Resource) -> Result<(), ApiError> {
        if self.can_act_on(resource) {
            return Ok(());
        }
        Err(ApiError::Forbidden(match self.role {
            Role::Viewer => "viewers read only; ask an admin for the maker role to change resources".to_string(),
            Role::Maker => format!(
                "resource '{}' is not yours: only its owners (or an admin of environment '{}') may change it",
                resource.id, resource.environment_id
            ),
            Role::EnvironmentAdmin | Role::Admin => format!(
                "you administer {}, not environment '{}' of resource '{}'",
                self.environments_text(),
                resource.environment_id,
                resource.id
            ),
        }))
    }

    /// Refuse unless the caller administers `environment_id`.
    pub fn must_administer(&self, environment_id: &str) -> Result<(), ApiError> {
        if self.administers(environment_id) {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "only a platform admin or an admin of environment '{environment_id}' may do this; you administer {}",
            self.environments_text()
        )))
    }

    fn environments_text(&self) -> String {
        match self.environments.as_slice() {
            [] if self.role == Role::EnvironmentAdmin => "no environment".into(),
            [] => "no environment (your role is not environment_admin)".into(),
            list => format!("environments {}", list.join(", ")),
        }
    }
}

/// The access rule itself, for a role or for nobody (anonymous).
pub fn allows(role: Option<Role>, access: Access) -> bool {
    let Some(role) = role else { return access == Access::Public };
    match access {
        Access::Public | Access::Read | Access::Rate => true,
        Access::Maker => matches!(role, Role::Maker | Role::EnvironmentAdmin | Role::Admin),
        Access::EnvAdmin => matches!(role, Role::EnvironmentAdmin | Role::Admin),
        Access::Admin => role == Role::Admin,
    }
}

/// Handlers take the caller the middleware put into the request; a route reached without one
/// (a Public route, or the middleware missing) answers 401.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// Public routes that show who is signed in when someone is (the sign-in page, error pages).
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_model::{Owner, ShareRole};

    fn caller(role: Role, principal: Option<&str>, environments: &[&str]) -> Caller {
        Caller {
            role,
            principal_id: principal.map(str::to_string),
            environments: environments.iter().map(|e| e.to_string()).collect(),
            via: Via::Token,
            ..Caller::demo()
        }
    }

    fn resource(env: &str, owner: &str, creator: &str) -> Resource {
        let mut r = steward_store::conformance::resource("t", env, "r-1", steward_model::ResourceKind::CanvasApp, "R");
        r.owners = vec![Owner { principal_id: owner.into(), role: ShareRole::Owner }];
        r.created_by = Some(creator.into());
        r
    }

    #[test]
    fn makers_act_on_their_own_resources_only() {
        let maker = caller(Role::Maker, Some("p-ann"), &[]);
        assert!(maker.can_act_on(&resource("env", "p-ann", "p-x")));
        assert!(maker.can_act_on(&resource("env", "p-x", "p-ann")));
        assert!(!maker.can_act_on(&resource("env", "p-x", "p-y")));
        assert!(!maker.can_see(&resource("env", "p-x", "p-y")));
        let nobody = caller(Role::Maker, None, &[]);
        assert!(!nobody.can_see(&resource("env", "p-x", "p-y")));
    }

    #[test]
    fn environment_admins_act_in_their_environments() {
        let admin = caller(Role::EnvironmentAdmin, None, &["env-a"]);
        assert!(admin.can_see(&resource("env-b", "p-x", "p-x")));
        assert!(admin.can_act_on(&resource("env-a", "p-x", "p-x")));
        assert!(!admin.can_act_on(&resource("env-b", "p-x", "p-x")));
        assert!(admin.must_administer("env-b").is_err());
    }

    #[test]
    fn viewers_read_everything_and_act_on_nothing() {
        let viewer = caller(Role::Viewer, Some("p-x"), &[]);
        assert!(viewer.can_see(&resource("env", "p-y", "p-y")));
        assert!(!viewer.can_act_on(&resource("env", "p-x", "p-x")));
        assert!(viewer.allows(Access::Rate));
        assert!(!viewer.allows(Access::Maker));
    }

    #[test]
    fn anonymous_reaches_public_routes_only() {
        assert!(allows(None, Access::Public));
        for access in [Access::Read, Access::Rate, Access::Maker, Access::EnvAdmin, Access::Admin] {
            assert!(!allows(None, access), "{access:?}");
            assert!(allows(Some(Role::Admin), access), "{access:?}");
        }
    }
}
