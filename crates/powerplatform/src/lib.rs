//! The HTTP client for the Microsoft APIs a Power Platform tenant is inventoried with:
//! BAP, Power Apps, Power Automate, the Power Platform API, Dataverse, Microsoft Graph and
//! the Office 365 Management Activity API.
//!
//! - [`SourceSettings`] is the `[[sources]]` table of `steward.toml`; [`SourceSettings::resolve`]
//!   reads its credential and merges its endpoints into a [`ResolvedSource`].
//! - [`PowerPlatformClient`] makes the calls: one page per call ([`Page`]), with Entra ID
//!   tokens cached per audience, per-host concurrency limits and retries ([`ClientOptions`]).
//! - Every failure is an [`ApiError`] naming the request and what to do about it.
//!
//! Wire types come from `steward_ingest::powerplatform::wire`; the few it lacks are in [`types`].

mod auth;
mod cert;
mod client;
mod cloud;
mod config;
mod error;
mod http;
mod paging;
mod secret;
pub mod types;
mod urls;

pub use auth::REFRESH_MARGIN;
pub use cert::{CertificateError, ClientCertificate};
pub use client::{AdminReply, AdminService, PowerPlatformClient};
pub use cloud::{Audiences, Cloud, Endpoints};
pub use config::{ConfigError, Credential, EndpointOverrides, ResolvedSource, SourceSettings, ValueSource};
pub use error::{ApiError, AuthFailure};
pub use http::{ClientOptions, ClientStats, Stats};
pub use paging::Page;
pub use secret::Secret;
