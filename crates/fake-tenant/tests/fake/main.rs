//! The fake tenant over real HTTP: every listing walked with the wire types the connector
//! uses, tokens, faults, mutations, the audit feed and the inventory API.

// Helpers outside `#[test]` functions panic too: a panic is how a test reports a broken
// precondition, here as in the tests themselves.
#![allow(clippy::unwrap_used)]

mod audit;
mod auth;
mod dump;
mod faults;
mod inventory;
mod listings;
mod mutations;
mod throughput;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use steward_fake_tenant::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeConfig, RunningFake, audience};
use steward_ingest::synthetic::Preset;

pub const ENVIRONMENTS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01&$expand=properties.capacity,properties.addons";
pub const USERS: &str = "/v1.0/users?$select=id,displayName,userPrincipalName,mail,department,country,jobTitle,accountEnabled&$expand=manager($select=id)";

pub fn apps_path(env: &str, top: usize) -> String {
    format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps?api-version=2016-11-01&$top={top}")
}

pub fn flows_path(env: &str, top: usize) -> String {
    format!(
        "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/v2/flows?api-version=2016-11-01&$top={top}"
    )
}

/// The small preset with a few days of audit, so that tests stay quick.
pub fn small() -> FakeConfig {
    let mut c = FakeConfig::new(Preset::Small, 42);
    c.usage_days = Some(3);
    c
}

/// A running fake tenant and a client for it.
pub struct Fake {
    pub run: RunningFake,
    pub http: reqwest::Client,
}

/// One walk through a paged list.
pub struct Walk {
    pub items: Vec<Value>,
    /// Every URL fetched, the first included.
    pub urls: Vec<String>,
}

impl Fake {
    pub async fn start(config: FakeConfig) -> Fake {
        let run = steward_fake_tenant::spawn(config).await.expect("the fake tenant starts");
        Fake { run, http: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.run.base_url)
    }

    pub async fn token_response(&self, form: &[(&str, &str)]) -> reqwest::Response {
        let url = self.url(&format!("/{}/oauth2/v2.0/token", self.run.tenant_id()));
        self.http.post(url).form(form).send().await.expect("token request")
    }

    /// A token for `audience` (`https://service.powerapps.com/` and the like).
    pub async fn token(&self, audience: &str) -> String {
        let scope = format!("{}/.default", audience.trim_end_matches('/'));
        let resp = self
            .token_response(&[
                ("grant_type", "client_credentials"),
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
                ("scope", &scope),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.expect("token JSON");
        body["access_token"].as_str().expect("access_token").to_string()
    }

    pub async fn powerapps(&self) -> String {
        self.token(audience::POWERAPPS).await
    }

    pub async fn get(&self, url: &str, token: &str) -> reqwest::Response {
        self.http.get(url).bearer_auth(token).send().await.expect("GET")
    }

    /// GET that must answer 200 with JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str, token: &str) -> T {
        let resp = self.get(url, token).await;
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{url}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
    }

    /// Follow `next_key` links from `first` to the end, checking each link comes back here.
    pub async fn walk(&self, first: &str, token: &str, next_key: &str) -> Walk {
        let mut walk = Walk { items: Vec::new(), urls: Vec::new() };
        let mut url = Some(first.to_string());
        while let Some(u) = url.take() {
            assert!(walk.urls.len() < 10_000, "a list that never ends");
            let page: Value = self.get_json(&u, token).await;
            walk.items.extend(page["value"].as_array().expect("value").iter().cloned());
            walk.urls.push(u);
            if let Some(next) = page.get(next_key).and_then(Value::as_str) {
                assert!(next.starts_with(&self.run.base_url), "{next} leaves the fake");
                assert!(next.contains("$skiptoken="), "{next}");
                url = Some(next.to_string());
            }
        }
        walk
    }

    /// Names (ids) of every app or flow of environment `env`, walked in pages of `top`.
    pub async fn admin_ids(&self, path: &str, token: &str) -> Vec<String> {
        let walk = self.walk(&self.url(path), token, "nextLink").await;
        walk.items.iter().map(|i| i["name"].as_str().expect("name").to_string()).collect()
    }
}

/// Items as a wire type.
pub fn typed<T: DeserializeOwned>(items: &[Value]) -> Vec<T> {
    items.iter().map(|v| serde_json::from_value(v.clone()).expect("wire shape")).collect()
}

/// The `{"error": {"code": …}}` of an answer.
pub async fn error_code(resp: reqwest::Response) -> (StatusCode, String, String) {
    let status = resp.status();
    let body: Value = resp.json().await.expect("a JSON error");
    let code = body["error"]["code"].as_str().unwrap_or_default().to_string();
    let message = body["error"]["message"].as_str().unwrap_or_default().to_string();
    (status, code, message)
}
