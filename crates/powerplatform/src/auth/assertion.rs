//! The signed JWT a certificate credential sends instead of a client secret
//! (`client_assertion`, RFC 7523), in the form Entra ID documents.

use crate::cert::ClientCertificate;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::time::{Duration, SystemTime};

/// How long an assertion is valid. Entra ID accepts up to ten minutes' lifetime; it is used once.
const LIFETIME: Duration = Duration::from_secs(600);

/// `header.claims.signature`, RS256, with `x5t` naming the certificate and `aud` the token URL.
pub(crate) fn client_assertion(
    certificate: &ClientCertificate,
    client_id: &str,
    token_url: &str,
    now: SystemTime,
) -> Result<String, String> {
    let issued = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| "this machine's clock is before 1970".to_string())?
        .as_secs();
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": certificate.x5t() });
    let claims = serde_json::json!({
        "aud": token_url,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": issued,
        "iat": issued,
        "exp": issued + LIFETIME.as_secs(),
    });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = certificate
        .sign_rs256(signing_input.as_bytes())
        .map_err(|_| "signing the client assertion failed".to_string())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
