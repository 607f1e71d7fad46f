//! The one registry of routes: every path is registered here with the [`Access`] it needs.
//!
//! The registry builds the axum router and, from the same calls, the access table that the
//! authentication middleware consults (by matched path and method). A route cannot exist
//! without an access level, and anything missing from the table is denied, so forgetting a
//! check fails closed. The authorization matrix test and the OpenAPI test read
//! [`endpoints`] instead of keeping their own lists.

use crate::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{delete, get, post, put};

/// Who may call a route. The handler narrows further where the data needs it (a maker's own
/// resources, an environment admin's environments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    /// Anyone, signed in or not: health probes, sign-in, static files, the OpenAPI document.
    Public,
    /// Any signed-in user reads it (makers see only their own resources).
    Read,
    /// Any signed-in user may write it: catalog ratings, reviews and access requests.
    Rate,
    /// Makers, environment admins and platform admins; the handler checks ownership.
    Maker,
    /// Environment admins (for their environments) and platform admins.
    EnvAdmin,
    /// Platform admins only.
    Admin,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Read => "read",
            Access::Rate => "rate",
            Access::Maker => "maker",
            Access::EnvAdmin => "environment_admin",
            Access::Admin => "admin",
        }
    }
}

/// One method on one path, with the access it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub method: Method,
    /// The path as registered, e.g. `/api/v1/resources/{id}` (what `MatchedPath` reports).
    pub path: &'static str,
    pub access: Access,
}

/// A router under construction together with its access table.
pub struct Routes {
    router: Router<AppState>,
    endpoints: Vec<Endpoint>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

macro_rules! method {
    ($name:ident, $method:ident, $routing:ident) => {
        pub fn $name<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.endpoints.push(Endpoint { method: Method::$method, path, access });
            self.router = self.router.route(path, $routing(handler));
            self
        }
    };
}

impl Routes {
    pub fn new() -> Routes {
        Routes { router: Router::new(), endpoints: Vec::new() }
    }

    method!(get, GET, get);
    method!(post, POST, post);
    method!(put, PUT, put);
    method!(delete, DELETE, delete);

    /// Add another group's routes (e.g. the web UI's to the API's).
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.endpoints.extend(other.endpoints);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Endpoint>) {
        (self.router, self.endpoints)
    }
}

/// Every route of the application with its access level, in registration order.
pub fn endpoints() -> Vec<Endpoint> {
    all().into_parts().1
}

/// The API and the web UI, as one registry.
pub(crate) fn all() -> Routes {
    crate::api::routes().merge(crate::web::routes()).merge(crate::auth::routes())
}
