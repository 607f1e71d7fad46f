//! A scriptable fake of the Microsoft endpoints: one axum server on 127.0.0.1:0 that records
//! every request, answers the token endpoint itself, and answers other paths from a script.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use steward_powerplatform::{
    Audiences, ClientOptions, Cloud, Credential, Endpoints, PowerPlatformClient, ResolvedSource, Secret,
};

pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
pub const CLIENT_ID: &str = "22222222-2222-2222-2222-222222222222";
pub const PUBLISHER: &str = "33333333-3333-3333-3333-333333333333";
pub const SECRET: &str = "s3cr3t-Value~with.chars";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    /// Decoded query parameters.
    pub fn params(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_bytes()).into_owned().collect()
    }

    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect()
    }

    pub fn bearer(&self) -> Option<String> {
        self.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(String::from)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the request body is JSON")
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(value: serde_json::Value) -> Self {
        Self::status(200, &value.to_string())
    }

    pub fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
pub struct ServerState {
    pub seen: Mutex<Vec<Seen>>,
    /// Per path: answers used in order; the last one repeats.
    script: Mutex<HashMap<String, VecDeque<Reply>>>,
    /// Per path prefix of the token endpoint: answers used instead of issuing a token.
    token_script: Mutex<VecDeque<Reply>>,
    pub token_lifetime: AtomicU64,
    pub token_delay_ms: AtomicU64,
    tokens_issued: AtomicU64,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

pub struct Fake {
    pub addr: SocketAddr,
    pub state: Arc<ServerState>,
}

impl Fake {
    pub async fn start() -> Self {
        let state = Arc::new(ServerState { token_lifetime: AtomicU64::new(3599), ..Default::default() });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("listener address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake server runs") });
        Self { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answer `path` with `replies` in order, the last one from then on.
    pub fn script(&self, path: &str, replies: Vec<Reply>) {
        self.state.script.lock().expect("script lock").insert(path.to_string(), replies.into());
    }

    /// The next token requests get these answers instead of a token.
    pub fn script_token(&self, replies: Vec<Reply>) {
        *self.state.token_script.lock().expect("token script lock") = replies.into();
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().expect("seen lock").clone()
    }

    pub fn token_requests(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path.ends_with("/oauth2/v2.0/token")).collect()
    }

    pub fn api_requests(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| !s.path.ends_with("/oauth2/v2.0/token")).collect()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    state.seen.lock().expect("seen lock").push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().unwrap_or("").to_string(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    if path.ends_with("/oauth2/v2.0/token") {
        return token(&state, &body).await;
    }
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = {
        let mut script = state.script.lock().expect("script lock");
        match script.get_mut(&path) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        }
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::status(404, r#"{"error":{"code":"NotScripted","message":"no script for this path"}}"#)
    });
    tokio::time::sleep(reply.delay).await;
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    respond(reply)
}

async fn token(state: &ServerState, body: &[u8]) -> Response {
    let delay = state.token_delay_ms.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    if let Some(reply) = state.token_script.lock().expect("token script lock").pop_front() {
        return respond(reply);
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let n = state.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
    // The token names its scope, so tests can see which audience a request was sent with.
    let scope = form.get("scope").cloned().unwrap_or_default();
    respond(Reply::json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": state.token_lifetime.load(Ordering::SeqCst),
        "ext_expires_in": 3599,
        "access_token": format!("token-{n}-for-{scope}"),
    })))
}

fn respond(reply: Reply) -> Response {
    let mut response = (StatusCode::from_u16(reply.status).expect("a valid status"), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            value.parse().expect("a valid header value"),
        );
    }
    response
}

/// Every endpoint on the fake; public-cloud audiences; a client secret.
pub fn source(fake: &Fake) -> ResolvedSource {
    let url = fake.url();
    ResolvedSource {
        name: "contoso".into(),
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        credential: Credential::Secret(Secret::new(SECRET)),
        cloud: Cloud::Public,
        publisher_id: PUBLISHER.into(),
        endpoints: Endpoints {
            login: url.clone(),
            bap: url.clone(),
            powerapps: url.clone(),
            flow: url.clone(),
            powerplatform: url.clone(),
            office_management: url.clone(),
            graph: url,
        },
        audiences: Audiences::for_cloud(Cloud::Public),
    }
}

/// Tiny delays so that retries cost milliseconds.
pub fn options() -> ClientOptions {
    ClientOptions {
        concurrency_per_host: 8,
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        request_timeout: Duration::from_secs(5),
    }
}

pub fn client(fake: &Fake) -> PowerPlatformClient {
    PowerPlatformClient::new(source(fake), options()).expect("client builds")
}

pub const ENVIRONMENTS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

pub fn environment(name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{name}"),
        "type": "Microsoft.BusinessAppPlatform/scopes/environments",
        "location": "unitedstates",
        "name": name,
        "properties": { "displayName": format!("Env {name}"), "environmentSku": "Sandbox", "isDefault": false }
    })
}

pub fn environments(names: &[&str], next: Option<String>) -> Reply {
    let mut body = serde_json::json!({ "value": names.iter().map(|n| environment(n)).collect::<Vec<_>>() });
    if let Some(next) = next {
        body["nextLink"] = next.into();
    }
    Reply::json(body)
}
