//! The token endpoint and the bearer check on every API route.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn credentials<'a>(scope: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", secret),
        ("scope", scope),
    ]
}

async fn aad_error(resp: reqwest::Response) -> (StatusCode, String, String) {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
        body["error_description"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn tokens_carry_the_documented_fields() {
    let f = Fake::start(small()).await;
    let resp = f.token_response(&credentials("https://service.powerapps.com//.default", DEFAULT_CLIENT_SECRET)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 20));
    assert_eq!(f.run.stats().tokens_issued, 1);
}

#[tokio::test]
async fn wrong_credentials_get_entra_s_errors() {
    let f = Fake::start(small()).await;
    let scope = "https://graph.microsoft.com/.default";
    let (status, error, description) = aad_error(f.token_response(&credentials(scope, "wrong")).await).await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    assert!(description.starts_with("AADSTS7000215: Invalid client secret provided"), "{description}");

    let (status, error, _) = aad_error(
        f.token_response(&[("grant_type", "client_credentials"), ("client_id", DEFAULT_CLIENT_ID), ("scope", scope)])
            .await,
    )
    .await;
    assert_eq!((status, error.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));

    let (_, error, description) =
        aad_error(f.token_response(&credentials("https://graph.microsoft.com/User.Read", DEFAULT_CLIENT_SECRET)).await)
            .await;
    assert_eq!(error, "invalid_scope", "{description}");

    let (_, error, _) =
        aad_error(f.token_response(&credentials("https://nowhere.example/.default", DEFAULT_CLIENT_SECRET)).await)
            .await;
    assert_eq!(error, "invalid_resource");

    let mut other_app = credentials(scope, DEFAULT_CLIENT_SECRET);
    other_app[1] = ("client_id", "00000000-0000-0000-0000-000000000001");
    assert_eq!(aad_error(f.token_response(&other_app).await).await.1, "unauthorized_client");

    let wrong_tenant = f
        .http
        .post(f.url("/00000000-0000-0000-0000-00000000dead/oauth2/v2.0/token"))
        .form(&credentials(scope, DEFAULT_CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    let (status, _, description) = aad_error(wrong_tenant).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(description.starts_with("AADSTS90002"), "{description}");
    assert_eq!(f.run.stats().tokens_issued, 0);
}

#[tokio::test]
async fn any_well_formed_client_assertion_is_accepted() {
    let f = Fake::start(small()).await;
    let seg = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = format!(
        "{}.{}.{}",
        seg(serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": "abc"})),
        seg(
            serde_json::json!({"aud": "https://login.microsoftonline.com/x/oauth2/v2.0/token", "iss": DEFAULT_CLIENT_ID})
        ),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    );
    let form = |assertion: &str| {
        vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), DEFAULT_CLIENT_ID.to_string()),
            ("client_assertion_type".to_string(), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
            ("client_assertion".to_string(), assertion.to_string()),
            ("scope".to_string(), "https://manage.office.com/.default".to_string()),
        ]
    };
    let url = f.url(&format!("/{}/oauth2/v2.0/token", f.run.tenant_id()));
    let ok = f.http.post(&url).form(&form(&jwt)).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let bad = f.http.post(&url).form(&form("not-a-jwt")).send().await.unwrap();
    assert_eq!(aad_error(bad).await.1, "invalid_client");
}

#[tokio::test]
async fn api_routes_need_a_token_for_their_own_audience() {
    let f = Fake::start(small()).await;
    let envs = f.url(ENVIRONMENTS);
    let (status, code, _) = error_code(f.http.get(&envs).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "AuthenticationFailed"));
    let (status, code, _) = error_code(f.get(&envs, "garbage").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"));

    let graph = f.token(audience::GRAPH).await;
    let resp = f.get(&envs, &graph).await;
    assert!(resp.headers().contains_key("www-authenticate"));
    let (status, code, _) = error_code(resp).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "InvalidAuthenticationTokenAudience"));

    let pa = f.powerapps().await;
    assert_eq!(f.get(&envs, &pa).await.status(), StatusCode::OK);
    // BAP and Power Apps share an audience; Flow has its own.
    let default_env = format!("Default-{}", f.run.tenant_id());
    assert_eq!(f.get(&f.url(&apps_path(&default_env, 10)), &pa).await.status(), StatusCode::OK);
    assert_eq!(f.get(&f.url(&flows_path(&default_env, 10)), &pa).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(f.get(&f.url(USERS), &pa).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(f.get(&f.url(USERS), &graph).await.status(), StatusCode::OK);
    assert_eq!(f.run.stats().unauthorized, 5);
}

#[tokio::test]
async fn expired_tokens_are_refused_and_new_ones_work() {
    let mut config = small();
    config.token_lifetime_secs = 1;
    let f = Fake::start(config).await;
    let pa = f.powerapps().await;
    let envs = f.url(ENVIRONMENTS);
    assert_eq!(f.get(&envs, &pa).await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, code, _) = error_code(f.get(&envs, &pa).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "ExpiredAuthenticationToken"));
    let fresh = f.powerapps().await;
    assert_eq!(f.get(&envs, &fresh).await.status(), StatusCode::OK);
}
