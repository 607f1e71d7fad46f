//! Bearer tokens: opaque to clients, bound to one audience, with an expiry.
//!
//! A token carries its audience and expiry and a keyed digest over both, so the server keeps
//! no table of issued tokens (a long benchmark with short-lived tokens does not grow memory).

use crate::hash::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::time::{SystemTime, UNIX_EPOCH};

/// The audiences (resource URIs) of the public cloud, as the real services expect them; the
/// token endpoint takes `scope={audience}/.default` (one or two slashes). A Dataverse
/// environment's audience is its `instanceApiUrl` origin, which the fake rewrites to its own
/// base URL (`{base}` and `{base}/dataverse/{org}` are both accepted).
pub mod audience {
    /// "Power Apps Service": BAP (environments, DLP policies) and Power Apps (apps, connectors).
    pub const POWERAPPS: &str = "https://service.powerapps.com/";
    /// "Flow Service": cloud flows.
    pub const FLOW: &str = "https://service.flow.microsoft.com/";
    /// Power Platform API: the inventory (resource query).
    pub const POWERPLATFORM: &str = "https://api.powerplatform.com";
    pub const GRAPH: &str = "https://graph.microsoft.com";
    pub const OFFICE_MANAGEMENT: &str = "https://manage.office.com";
}

/// Audiences compare without case and without trailing slashes.
pub(crate) fn normalize(audience: &str) -> String {
    audience.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// The audience a client-credentials scope asks for: `{audience}/.default`, else `None`.
pub(crate) fn audience_of_scope(scope: &str) -> Option<String> {
    let scope = scope.trim();
    let cut = scope.len().checked_sub("/.default".len())?;
    let (audience, suffix) = (scope.get(..cut)?, scope.get(cut..)?);
    (suffix.eq_ignore_ascii_case("/.default") && !audience.is_empty()).then(|| normalize(audience))
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Not a token this server issued.
    Invalid,
    Expired {
        at_ms: u64,
    },
}

pub(crate) struct Tokens {
    key: u64,
    lifetime_ms: u64,
}

impl Tokens {
    pub fn new(key: u64, lifetime_secs: u64) -> Self {
        Tokens { key, lifetime_ms: lifetime_secs.saturating_mul(1000) }
    }

    pub fn lifetime_secs(&self) -> u64 {
        self.lifetime_ms / 1000
    }

    fn mac(&self, body: &str) -> u64 {
        digest(self.key, body.as_bytes())
    }

    /// A token for `audience` (normalised), valid from now for the configured lifetime.
    pub fn issue(&self, audience: &str) -> String {
        let body = format!("{}|{}", now_ms() + self.lifetime_ms, normalize(audience));
        let text = format!("{body}|{:016x}", self.mac(&body));
        URL_SAFE_NO_PAD.encode(text)
    }

    /// The (normalised) audience of a valid token.
    pub fn verify(&self, token: &str) -> Result<String, TokenProblem> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).map_err(|_| TokenProblem::Invalid)?;
        let text = String::from_utf8(bytes).map_err(|_| TokenProblem::Invalid)?;
        let (body, mac) = text.rsplit_once('|').ok_or(TokenProblem::Invalid)?;
        if format!("{:016x}", self.mac(body)) != mac {
            return Err(TokenProblem::Invalid);
        }
        let (expiry, audience) = body.split_once('|').ok_or(TokenProblem::Invalid)?;
        let at_ms: u64 = expiry.parse().map_err(|_| TokenProblem::Invalid)?;
        if now_ms() >= at_ms {
            return Err(TokenProblem::Expired { at_ms });
        }
        Ok(audience.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_name_their_audience_with_one_or_two_slashes() {
        assert_eq!(
            audience_of_scope("https://service.powerapps.com//.default").as_deref(),
            Some("https://service.powerapps.com")
        );
        assert_eq!(
            audience_of_scope("https://graph.microsoft.com/.default").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(audience_of_scope("https://graph.microsoft.com/User.Read"), None);
        assert_eq!(audience_of_scope("/.default"), None);
    }

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let t = Tokens::new(42, 60);
        let token = t.issue(audience::FLOW);
        assert_eq!(t.verify(&token), Ok("https://service.flow.microsoft.com".to_string()));
        assert_eq!(Tokens::new(43, 60).verify(&token), Err(TokenProblem::Invalid));
        assert_eq!(t.verify("not a token"), Err(TokenProblem::Invalid));
        let expired = Tokens::new(42, 0).issue(audience::FLOW);
        assert!(matches!(t.verify(&expired), Err(TokenProblem::Expired { .. })));
    }
}
