//! The `[[sources]]` entry of `steward.toml` for a Power Platform tenant, and its resolution
//! into credentials and endpoints.
//!
//! ```toml
//! [[sources]]
//! type = "powerplatform"
//! name = "contoso"
//! tenant_id = "00000000-0000-0000-0000-000000000000"
//! client_id = "00000000-0000-0000-0000-000000000000"
//! client_secret = { env = "STEWARD_PP_CLIENT_SECRET" }   # or { file = "secret.txt" }
//! # client_certificate = { file = "cert.pem" }          # instead of client_secret
//! cloud = "public"                                       # gcc, gcc_high, dod, china
//! publisher_id = "…"                                     # optional, defaults to tenant_id
//! [sources.endpoints]                                    # optional, each defaults from cloud
//! bap = "https://api.bap.microsoft.com"
//! ```

use crate::cert::{CertificateError, ClientCertificate};
use crate::cloud::{Audiences, Cloud, Endpoints};
use crate::secret::Secret;
use reqwest::Url;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// One `[[sources]]` table, as written. `type` is optional here so that a caller may also
/// dispatch on it with an internally tagged enum, which removes it before this struct sees it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub name: String,
    pub tenant_id: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<ValueSource>,
    #[serde(default)]
    pub client_certificate: Option<ValueSource>,
    #[serde(default)]
    pub cloud: Cloud,
    /// `PublisherIdentifier` for the Office 365 Management API; defaults to `tenant_id`.
    #[serde(default)]
    pub publisher_id: Option<String>,
    #[serde(default)]
    pub endpoints: EndpointOverrides,
}

/// Where a secret comes from: `{ env = "VAR" }` or `{ file = "path" }` (relative to the
/// configuration file's directory). Never the value itself, so `steward.toml` can be shared.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ValueSource {
    Env(String),
    File(PathBuf),
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(var) => write!(f, "environment variable {var}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// `[sources.endpoints]`: each field replaces the cloud's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverrides {
    pub login: Option<String>,
    pub bap: Option<String>,
    pub powerapps: Option<String>,
    pub flow: Option<String>,
    pub powerplatform: Option<String>,
    pub office_management: Option<String>,
    pub graph: Option<String>,
}

/// How the app registration proves who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    Secret(Secret),
    Certificate(ClientCertificate),
}

/// A source ready to connect: secrets read, endpoints merged. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ResolvedSource {
    pub name: String,
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
    pub cloud: Cloud,
    pub publisher_id: String,
    pub endpoints: Endpoints,
    pub audiences: Audiences,
}

/// A `[[sources]]` entry that cannot be used. Messages name the source, the setting and what
/// to change; never a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("source `{source_name}`: type is `{found}`, but this is the `powerplatform` connector")]
    WrongType { source_name: String, found: String },

    #[error("source `{source_name}`: {field} {problem}")]
    InvalidField { source_name: String, field: &'static str, problem: String },

    #[error(
        "source `{source_name}`: no credential; set client_secret = {{ env = \"…\" }} (or {{ file = \"…\" }}) \
         or client_certificate = {{ file = \"cert.pem\" }}"
    )]
    NoCredential { source_name: String },

    #[error("source `{source_name}`: both client_secret and client_certificate are set; keep one of them")]
    BothCredentials { source_name: String },

    #[error(
        "source `{source_name}`: {field} comes from environment variable {var}, which is not set{detail}; set it before starting Steward"
    )]
    MissingEnv { source_name: String, field: &'static str, var: String, detail: &'static str },

    #[error("source `{source_name}`: cannot read {field} from {}: {error}; check the path (relative paths start at the configuration file's directory) and its permissions", path.display())]
    UnreadableFile { source_name: String, field: &'static str, path: PathBuf, error: std::io::Error },

    #[error("source `{source_name}`: {field} from {origin} is empty; put the value there")]
    EmptyValue { source_name: String, field: &'static str, origin: String },

    #[error("source `{source_name}`: client_certificate from {origin} cannot be used: {error}")]
    Certificate { source_name: String, origin: String, error: CertificateError },

    #[error(
        "source `{source_name}`: endpoints.{field} = \"{value}\" {problem}; write an http(s) URL like https://api.bap.microsoft.com"
    )]
    InvalidEndpoint { source_name: String, field: &'static str, value: String, problem: String },

    #[error("client options: {0}")]
    InvalidOptions(String),

    #[error(
        "source `{source_name}`: the HTTP client could not be built ({detail}); this is a TLS or system problem on this machine"
    )]
    HttpClient { source_name: String, detail: String },
}

impl SourceSettings {
    /// Read the credential, validate the settings and merge endpoint overrides. Relative
    /// secret and certificate paths are resolved against `base_dir` (the configuration file's directory).
    pub fn resolve(&self, base_dir: &Path) -> Result<ResolvedSource, ConfigError> {
        let source_name = self.name.clone();
        if let Some(kind) = self.kind.as_deref().filter(|k| *k != "powerplatform") {
            return Err(ConfigError::WrongType { source_name, found: kind.to_string() });
        }
        let field_error = |field: &'static str, problem: &str| ConfigError::InvalidField {
            source_name: source_name.clone(),
            field,
            problem: problem.to_string(),
        };
        if self.name.trim().is_empty() {
            return Err(field_error("name", "is empty; give the source a short name such as \"contoso\""));
        }
        check_identifier(&self.tenant_id).map_err(|p| field_error("tenant_id", p))?;
        check_identifier(&self.client_id).map_err(|p| field_error("client_id", p))?;
        let publisher_id = self.publisher_id.clone().unwrap_or_else(|| self.tenant_id.clone());
        check_identifier(&publisher_id).map_err(|p| field_error("publisher_id", p))?;

        let credential = match (&self.client_secret, &self.client_certificate) {
            (None, None) => return Err(ConfigError::NoCredential { source_name }),
            (Some(_), Some(_)) => return Err(ConfigError::BothCredentials { source_name }),
            (Some(from), None) => {
                let value = read_value(&source_name, "client_secret", from, base_dir)?;
                // Files usually end with a newline that is not part of the secret.
                Credential::Secret(Secret::new(value.expose().trim().to_string()))
            }
            (None, Some(from)) => {
                let pem = read_value(&source_name, "client_certificate", from, base_dir)?;
                let certificate = ClientCertificate::from_pem(pem.expose().as_bytes()).map_err(|error| {
                    ConfigError::Certificate { source_name: source_name.clone(), origin: from.to_string(), error }
                })?;
                Credential::Certificate(certificate)
            }
        };

        Ok(ResolvedSource {
            name: self.name.clone(),
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            credential,
            cloud: self.cloud,
            publisher_id,
            endpoints: self.endpoints.merge(&source_name, Endpoints::for_cloud(self.cloud))?,
            audiences: Audiences::for_cloud(self.cloud),
        })
    }
}

impl EndpointOverrides {
    fn merge(&self, source_name: &str, defaults: Endpoints) -> Result<Endpoints, ConfigError> {
        let pick = |field: &'static str, value: &Option<String>, default: String| match value {
            None => Ok(default),
            Some(value) => check_endpoint(value).map_err(|problem| ConfigError::InvalidEndpoint {
                source_name: source_name.to_string(),
                field,
                value: value.clone(),
                problem,
            }),
        };
        Ok(Endpoints {
            login: pick("login", &self.login, defaults.login)?,
            bap: pick("bap", &self.bap, defaults.bap)?,
            powerapps: pick("powerapps", &self.powerapps, defaults.powerapps)?,
            flow: pick("flow", &self.flow, defaults.flow)?,
            powerplatform: pick("powerplatform", &self.powerplatform, defaults.powerplatform)?,
            office_management: pick("office_management", &self.office_management, defaults.office_management)?,
            graph: pick("graph", &self.graph, defaults.graph)?,
        })
    }
}

/// An endpoint is an http(s) base URL; it is stored without a trailing slash.
fn check_endpoint(value: &str) -> Result<String, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("has scheme `{}`", url.scheme()));
    }
    if url.host_str().is_none() {
        return Err("has no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("has a query or fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("holds credentials".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Tenant, client and publisher ids end up in URL paths and form fields.
fn check_identifier(value: &str) -> Result<(), &'static str> {
    if value.trim().is_empty() {
        return Err("is empty; copy it from the app registration's overview page");
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) {
        return Err("may hold only letters, digits, '-', '.' and '_' (a GUID, or a domain for tenant_id)");
    }
    Ok(())
}

fn read_value(
    source_name: &str,
    field: &'static str,
    from: &ValueSource,
    base_dir: &Path,
) -> Result<Secret, ConfigError> {
    let value = match from {
        ValueSource::Env(var) => match std::env::var(var) {
            Ok(value) => value,
            Err(std::env::VarError::NotPresent) => {
                return Err(ConfigError::MissingEnv {
                    source_name: source_name.into(),
                    field,
                    var: var.clone(),
                    detail: "",
                });
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(ConfigError::MissingEnv {
                    source_name: source_name.into(),
                    field,
                    var: var.clone(),
                    detail: " to valid UTF-8",
                });
            }
        },
        ValueSource::File(path) => {
            let path = if path.is_absolute() { path.clone() } else { base_dir.join(path) };
            std::fs::read_to_string(&path).map_err(|error| ConfigError::UnreadableFile {
                source_name: source_name.into(),
                field,
                path,
                error,
            })?
        }
    };
    if value.trim().is_empty() {
        return Err(ConfigError::EmptyValue { source_name: source_name.into(), field, origin: from.to_string() });
    }
    Ok(Secret::new(value))
}
