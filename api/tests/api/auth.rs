//! Signing in and out: tokens, rotation, reuse detection, logout, disabling, throttling,
//! password change and admin reset.

use crate::helpers::{TestApp, assert_error, spawn_app};
use api::seed::DEMO_PASSWORD;
use serde_json::{Value, json};

pub async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    app.seed_demo().await;
    app
}

pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/login",
        &json!({"username": username, "password": password}),
    )
    .await
}

/// The login body of a demo account.
pub async fn session(app: &TestApp, username: &str) -> Value {
    let response = sign_in(app, username, DEMO_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200, "{username} signs in");
    response.json().await.unwrap()
}

/// An access token of a demo account.
pub async fn token(app: &TestApp, username: &str) -> String {
    app.demo_login(username).await
}

pub async fn get_as(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn send_as(
    app: &TestApp,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/refresh",
        &json!({"refresh_token": refresh_token}),
    )
    .await
}

#[tokio::test]
async fn sign_in_answers_tokens_and_the_account() {
    let app = demo_app().await;

    let body = session(&app, "cs_admin").await;

    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_token"].as_str().unwrap().len(), 64);
    let user = &body["user"];
    assert_eq!(user["username"], "cs_admin");
    assert_eq!(user["role"], "org_main");
    assert_eq!(user["organization"]["kind"], "college");
    assert_eq!(user["permissions"].as_array().unwrap().len(), 9);
    let me: Value = get_as(&app, body["access_token"].as_str().unwrap(), "/api/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&me, user);
}

#[tokio::test]
async fn roles_follow_the_account() {
    let app = demo_app().await;
    for (username, role, permissions) in [
        ("admin", "school_admin", 9),
        ("acm_admin", "org_main", 9),
        ("cs_publisher", "org_sub", 2),
        ("2023010101", "student", 0),
        ("T2015001", "instructor", 0),
    ] {
        let user = &session(&app, username).await["user"];
        assert_eq!(user["role"], role, "{username}");
        assert_eq!(
            user["permissions"].as_array().unwrap().len(),
            permissions,
            "{username}"
        );
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_account_look_the_same() {
    let app = demo_app().await;
    let wrong = assert_error(
        sign_in(&app, "cs_admin", "Wrong@2026").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_error(
        sign_in(&app, "nobody_here", "Wrong@2026").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong["message"], unknown["message"]);
    let body = assert_error(sign_in(&app, "  ", "x").await, 422, "validation_failed").await;
    assert_eq!(body["field"], "username");
}

#[tokio::test]
async fn account_names_are_case_insensitive() {
    let app = demo_app().await;
    assert_eq!(
        sign_in(&app, "CS_ADMIN", DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let app = demo_app().await;
    assert_error(app.get("/api/me").await, 401, "unauthenticated").await;
    assert_error(
        get_as(&app, "not.a.jwt", "/api/me").await,
        401,
        "invalid_token",
    )
    .await;
    let basic = app
        .client
        .get(app.url("/api/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_error(basic, 401, "unauthenticated").await;
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_ends_the_session() {
    let app = demo_app().await;
    let first = session(&app, "cs_admin").await;
    let r1 = first["refresh_token"].as_str().unwrap();

    let second: Value = refresh(&app, r1).await.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap();
    let a2 = second["access_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    assert_eq!(get_as(&app, a2, "/api/me").await.status().as_u16(), 200);

    // r1 again: stolen or replayed — the whole family goes.
    assert_error(refresh(&app, r1).await, 401, "refresh_token_reused").await;
    assert_error(refresh(&app, r2).await, 401, "session_ended").await;
    assert_error(get_as(&app, a2, "/api/me").await, 401, "session_ended").await;
    assert_error(
        refresh(&app, "f".repeat(64).as_str()).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn logout_ends_this_session_at_once_and_only_this_one() {
    let app = demo_app().await;
    let phone = session(&app, "cs_admin").await;
    let laptop = token(&app, "cs_admin").await;
    let phone_token = phone["access_token"].as_str().unwrap();

    let response = send_as(
        &app,
        reqwest::Method::POST,
        Some(phone_token),
        "/api/auth/logout",
        None,
    )
    .await;

    assert_eq!(response.status().as_u16(), 204);
    assert_error(
        get_as(&app, phone_token, "/api/me").await,
        401,
        "session_ended",
    )
    .await;
    assert_error(
        refresh(&app, phone["refresh_token"].as_str().unwrap()).await,
        401,
        "session_ended",
    )
    .await;
    assert_eq!(
        get_as(&app, &laptop, "/api/me").await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn logout_all_ends_every_session() {
    let app = demo_app().await;
    let phone = token(&app, "cs_admin").await;
    let laptop = token(&app, "cs_admin").await;

    let response = send_as(
        &app,
        reqwest::Method::POST,
        Some(&laptop),
        "/api/auth/logout-all",
        None,
    )
    .await;

    assert_eq!(response.status().as_u16(), 204);
    assert_error(get_as(&app, &phone, "/api/me").await, 401, "session_ended").await;
    assert_error(get_as(&app, &laptop, "/api/me").await, 401, "session_ended").await;
}

#[tokio::test]
async fn disabling_an_account_takes_effect_at_once() {
    let app = demo_app().await;
    let admin = token(&app, "cs_admin").await;
    let publisher = token(&app, "cs_publisher").await;
    let me: Value = get_as(&app, &publisher, "/api/me")
        .await
        .json()
        .await
        .unwrap();
    let id = me["id"].as_i64().unwrap();

    let response = send_as(
        &app,
        reqwest::Method::PATCH,
        Some(&admin),
        &format!("/api/accounts/{id}"),
        Some(&json!({"active": false})),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    assert!(
        get_as(&app, &publisher, "/api/me")
            .await
            .status()
            .is_client_error(),
        "the old token stops working"
    );
    assert_error(
        sign_in(&app, "cs_publisher", DEMO_PASSWORD).await,
        403,
        "account_disabled",
    )
    .await;
    // …and re-enabling lets it sign in again.
    send_as(
        &app,
        reqwest::Method::PATCH,
        Some(&admin),
        &format!("/api/accounts/{id}"),
        Some(&json!({"active": true})),
    )
    .await;
    assert_eq!(
        sign_in(&app, "cs_publisher", DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn deactivating_an_organisation_locks_its_accounts_out() {
    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let club = token(&app, "acm_admin").await;
    let me: Value = get_as(&app, &club, "/api/me").await.json().await.unwrap();
    let acm = me["organization"]["id"].as_i64().unwrap();

    let response = send_as(
        &app,
        reqwest::Method::PATCH,
        Some(&admin),
        &format!("/api/organizations/{acm}"),
        Some(&json!({"active": false})),
    )
    .await;

    assert_eq!(response.status().as_u16(), 200);
    assert_error(
        get_as(&app, &club, "/api/me").await,
        403,
        "account_disabled",
    )
    .await;
    assert_error(
        sign_in(&app, "acm_admin", DEMO_PASSWORD).await,
        403,
        "account_disabled",
    )
    .await;
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = demo_app().await;
    for _ in 0..5 {
        assert_error(
            sign_in(&app, "em_admin", "Wrong@2026").await,
            401,
            "invalid_credentials",
        )
        .await;
    }

    // Even the right password waits now.
    let response = sign_in(&app, "em_admin", DEMO_PASSWORD).await;

    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 60, "{retry_after}");
    let body = assert_error(response, 429, "rate_limited").await;
    assert!(body["message"].as_str().unwrap().contains("retry in"));
    // Other accounts are unaffected.
    assert_eq!(
        sign_in(&app, "cs_admin", DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_the_policy() {
    let app = demo_app().await;
    let other = token(&app, "2023010101").await;
    let current = token(&app, "2023010101").await;
    let change = |body: Value| {
        let (app, current) = (&app, current.clone());
        async move {
            send_as(
                app,
                reqwest::Method::POST,
                Some(&current),
                "/api/me/password",
                Some(&body),
            )
            .await
        }
    };

    let body = assert_error(
        change(json!({"current_password": "Wrong@2026", "new_password": "NewPass2026"})).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(body["field"], "current_password");
    let body = assert_error(
        change(json!({"current_password": DEMO_PASSWORD, "new_password": "short"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["field"], "new_password");

    let response =
        change(json!({"current_password": DEMO_PASSWORD, "new_password": "NewPass2026"})).await;

    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(
        get_as(&app, &current, "/api/me").await.status().as_u16(),
        200,
        "this session stays"
    );
    assert_error(get_as(&app, &other, "/api/me").await, 401, "session_ended").await;
    assert_error(
        sign_in(&app, "2023010101", DEMO_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        sign_in(&app, "2023010101", "NewPass2026")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn an_admin_reset_forces_a_change_at_the_next_sign_in() {
    let app = demo_app().await;
    let admin = token(&app, "cs_admin").await;
    let student_session = token(&app, "2023010101").await;
    let student_id = get_as(&app, &student_session, "/api/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let reset: Value = send_as(
        &app,
        reqwest::Method::POST,
        Some(&admin),
        &format!("/api/accounts/{student_id}/reset-password"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();

    let temporary = reset["temporary_password"].as_str().unwrap();
    assert_eq!(reset["username"], "2023010101");
    assert_error(
        get_as(&app, &student_session, "/api/me").await,
        401,
        "session_ended",
    )
    .await;
    let signed_in: Value = sign_in(&app, "2023010101", temporary)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(signed_in["user"]["must_change_password"], true);
    let pending = signed_in["access_token"].as_str().unwrap();
    assert_error(
        get_as(&app, pending, "/api/organizations").await,
        403,
        "password_change_required",
    )
    .await;
    assert_eq!(
        get_as(&app, pending, "/api/me").await.status().as_u16(),
        200
    );

    let body = json!({"current_password": temporary, "new_password": "Mine2026ok"});
    let changed = send_as(
        &app,
        reqwest::Method::POST,
        Some(pending),
        "/api/me/password",
        Some(&body),
    )
    .await;

    assert_eq!(changed.status().as_u16(), 204);
    assert_eq!(
        get_as(&app, pending, "/api/organizations")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn tokens_of_another_secret_are_refused() {
    let app = demo_app().await;
    let keys = api::auth::token::TokenKeys::new(b"some-other-secret-some-other-secret!");
    let forged = keys.issue(1, uuid::Uuid::new_v4()).unwrap();
    assert_error(get_as(&app, &forged, "/api/me").await, 401, "invalid_token").await;
}
