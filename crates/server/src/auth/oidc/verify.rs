//! Verifying an id_token: signature by one of the provider's keys (RS256/384/512, PS256,
//! ES256/384 — never `none` or a shared secret), issuer, audience, expiry and the nonce of
//! this sign-in.

use crate::auth::oidc::provider::{Provider, ProviderError};
use jsonwebtoken::jwk::AlgorithmParameters;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// Clock difference tolerated between Steward and the provider.
const LEEWAY_SECONDS: u64 = 60;

const ALLOWED: [Algorithm; 6] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::ES256, Algorithm::ES384];

/// Why an id_token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the id_token is malformed: {0}")]
    Malformed(String),
    #[error("the id_token is signed with {0:?}, which Steward does not accept (RS256 or ES256 expected)")]
    Algorithm(Algorithm),
    #[error("the id_token is signed with a key the provider does not publish (kid {0:?})")]
    UnknownKey(Option<String>),
    #[error("the id_token failed verification: {0}")]
    Invalid(String),
    #[error("the id_token belongs to another sign-in (nonce mismatch)")]
    Nonce,
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The claims Steward reads, after verification.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub claims: Value,
}

impl Identity {
    fn text(&self, name: &str) -> Option<String> {
        self.claims.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// A username: `preferred_username`, else `email`, else `upn`, else the subject; lowercase.
    pub fn username(&self) -> String {
        ["preferred_username", "email", "upn"]
            .iter()
            .find_map(|c| self.text(c))
            .unwrap_or_else(|| self.subject.clone())
            .to_lowercase()
    }

    pub fn display_name(&self) -> String {
        self.text("name").unwrap_or_else(|| self.username())
    }

    pub fn email(&self) -> Option<String> {
        self.text("email")
    }

    /// Entra's object id of the user: the principal id the inventory knows them by.
    pub fn object_id(&self) -> Option<String> {
        self.text("oid")
    }

    /// The values of a claim that holds a list of names (`roles`, `groups`).
    pub fn list(&self, claim: &str) -> Vec<String> {
        match self.claims.get(claim) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    }
}

/// Verify `token` against the provider's keys and this sign-in's `nonce`.
pub async fn verify(provider: &Provider, token: &str, nonce: &str) -> Result<Identity, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(TokenError::Algorithm(header.alg));
    }
    let jwk = provider.key(header.kid.as_deref()).await?.ok_or_else(|| TokenError::UnknownKey(header.kid.clone()))?;
    // Only public keys: a symmetric JWK would let whoever knows it mint tokens.
    let key = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) | AlgorithmParameters::EllipticCurve(_) => DecodingKey::from_jwk(&jwk)
            .map_err(|e| TokenError::Invalid(format!("the provider's key is unusable: {e}")))?,
        _ => return Err(TokenError::UnknownKey(header.kid.clone())),
    };
    let discovery = provider.discovery().await?;
    let client_id = provider.settings.client_id.as_str();
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[discovery.issuer.as_str()]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    let data =
        jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| TokenError::Invalid(describe(&e)))?;
    let claims = data.claims;

    let sent_nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or_default();
    if !crate::auth::csrf::matches(sent_nonce.as_bytes(), nonce) {
        return Err(TokenError::Nonce);
    }
    // With several audiences, the token must have been issued to us (OIDC Core 3.1.3.7).
    if let Some(Value::Array(audiences)) = claims.get("aud")
        && audiences.len() > 1
        && claims.get("azp").and_then(Value::as_str) != Some(client_id)
    {
        return Err(TokenError::Invalid("several audiences and another authorized party (azp)".into()));
    }
    let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or_default().to_string();
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_string();
    if subject.is_empty() {
        return Err(TokenError::Invalid("no subject (sub)".into()));
    }
    Ok(Identity { issuer, subject, claims })
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => "the signature does not match the provider's key".into(),
        ErrorKind::ExpiredSignature => "it has expired".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf)".into(),
        ErrorKind::InvalidAudience => "it was issued for another application (aud)".into(),
        ErrorKind::InvalidIssuer => "it was issued by another issuer (iss)".into(),
        ErrorKind::MissingRequiredClaim(c) => format!("claim '{c}' is missing"),
        ErrorKind::InvalidAlgorithm => "its algorithm does not match the key".into(),
        other => format!("{other:?}"),
    }
}
