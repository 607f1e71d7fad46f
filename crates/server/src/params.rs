//! Reading query strings into typed queries.
//!
//! Handlers first deserialise the query string into a struct of optional strings, then
//! convert each field with the helpers here. Doing the conversion by hand, rather than
//! letting serde parse enums and numbers, lets every rejection name the parameter and the
//! values it accepts, and lets an empty value (which HTML forms send for untouched fields)
//! mean "no filter".

use crate::error::{ApiError, invalid_cursor};
use axum::extract::FromRequestParts;
use axum::http::Uri;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::str::FromStr;
use steward_model::UnknownValue;
use steward_store::{Cursor, MAX_LIMIT};

/// Query parameters of type `T`, read leniently (unknown parameters are ignored) and
/// rejected with the JSON error shape.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        decode(&parts.uri).map(Params)
    }
}

/// Deserialise the query string of a request URI.
pub fn decode<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(uri).map(|q| q.0).map_err(|rejection| {
        ApiError::BadRequest(format!(
            "the query string could not be read ({}); send each parameter at most once, URL-encoded",
            rejection.body_text()
        ))
    })
}

/// HTML forms send untouched fields as `name=`; treat blank as absent.
pub fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A value of one of the model's closed enumerations, e.g. `kind=canvas_app`.
pub fn one_of<T: FromStr<Err = UnknownValue>>(
    parameter: &'static str,
    value: &Option<String>,
) -> Result<Option<T>, ApiError> {
    text(value)
        .map(|v| v.parse::<T>().map_err(|e| ApiError::invalid(parameter, format!("parameter `{parameter}`: {e}"))))
        .transpose()
}

/// Page size; absent means the store's default.
pub fn limit(value: &Option<String>) -> Result<Option<u32>, ApiError> {
    let Some(v) = text(value) else { return Ok(None) };
    match v.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            "limit",
            format!("parameter `limit` must be a whole number from 1 to {MAX_LIMIT}, not '{v}'"),
        )),
    }
}

/// A paging cursor, checked here so that every backend rejects garbage the same way.
pub fn cursor(value: &Option<String>) -> Result<Option<String>, ApiError> {
    let Some(v) = text(value) else { return Ok(None) };
    Cursor::decode(&v).map_err(|_| invalid_cursor())?;
    Ok(Some(v))
}

/// A yes/no switch. Accepts what people and HTML checkboxes (`on`) send.
pub fn flag(parameter: &'static str, value: &Option<String>) -> Result<bool, ApiError> {
    let Some(v) = text(value) else { return Ok(false) };
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ApiError::invalid(parameter, format!("parameter `{parameter}` must be true or false, not '{v}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_model::ResourceKind;

    fn some(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn blank_values_mean_no_filter() {
        assert_eq!(text(&some("  ")), None);
        assert_eq!(one_of::<ResourceKind>("kind", &some("")).ok(), Some(None));
        assert_eq!(limit(&some("")).ok(), Some(None));
        assert_eq!(cursor(&some("")).ok(), Some(None));
        assert_eq!(flag("include_deleted", &some("")).ok(), Some(false));
    }

    #[test]
    fn unknown_kind_names_parameter_and_accepted_values() {
        let err = one_of::<ResourceKind>("kind", &some("spreadsheet")).expect_err("the value must be rejected");
        let message = err.public_message();
        assert!(message.contains("`kind`"), "{message}");
        assert!(message.contains("canvas_app") && message.contains("agent"), "{message}");
        assert_eq!(one_of::<ResourceKind>("kind", &some("cloud_flow")).ok(), Some(Some(ResourceKind::CloudFlow)));
    }

    #[test]
    fn limit_outside_range_is_rejected_with_the_range() {
        assert!(limit(&some("0")).is_err());
        assert!(limit(&some("ten")).is_err());
        let err = limit(&some("5000")).expect_err("the value must be rejected");
        assert!(err.public_message().contains("1 to 1000"), "{}", err.public_message());
        assert_eq!(limit(&some("25")).ok(), Some(Some(25)));
    }

    #[test]
    fn garbage_cursor_is_rejected_and_issued_cursor_passes() {
        assert!(cursor(&some("not a cursor!")).is_err());
        let issued = Cursor { key: Some("x".into()), id: "1".into() }.encode();
        assert_eq!(cursor(&Some(issued.clone())).ok(), Some(Some(issued)));
    }

    #[test]
    fn flags_accept_checkbox_values() {
        assert_eq!(flag("f", &some("on")).ok(), Some(true));
        assert_eq!(flag("f", &some("false")).ok(), Some(false));
        assert!(flag("f", &some("maybe")).is_err());
    }

    #[derive(serde::Deserialize)]
    struct Two {
        a: Option<String>,
    }

    fn uri(text: &str) -> Uri {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn query_strings_decode_and_duplicates_are_rejected() {
        let two: Result<Two, _> = decode(&uri("/x?a=x%20y&unknown=1"));
        assert_eq!(two.ok().and_then(|t| t.a), Some("x y".to_string()));
        assert!(decode::<Two>(&uri("/x?a=1&a=2")).is_err());
        assert!(decode::<Two>(&uri("/x")).is_ok_and(|t| t.a.is_none()));
    }
}
