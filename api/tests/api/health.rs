use crate::helpers::{admin_url, spawn_app, spawn_app_on};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[tokio::test]
async fn healthz_reports_the_database_up() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["status"], "up");
    assert!(body["database"]["latency_ms"].as_f64().is_some());
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn healthz_is_503_while_the_database_is_missing_and_recovers_when_it_appears() {
    // Arrange: a server whose database does not exist yet.
    let name = format!("scs_test_{}", uuid::Uuid::new_v4().simple());
    let app = spawn_app_on(name.clone(), |_| {}).await;

    // Act + Assert: down, and the API itself keeps answering.
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"]["status"], "down");
    let error = body["database"]["error"].as_str().unwrap();
    assert!(
        !error.contains("postgres://"),
        "no connection details leak: {error}"
    );
    crate::helpers::assert_error(app.get("/api/school").await, 503, "database_unavailable").await;

    // The database appears: the same server recovers without a restart.
    let mut admin = AsyncPgConnection::establish(&admin_url()).await.unwrap();
    diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap();
    let response = app.get("/healthz").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_client() {
    let app = spawn_app().await;

    let generated = app.get("/healthz").await;
    let kept = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    let spaced = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id")
        .send()
        .await
        .unwrap();
    let long = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "x".repeat(65))
        .send()
        .await
        .unwrap();

    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32, "{id}");
    assert_eq!(kept.headers()["x-request-id"], "abc-123");
    assert_eq!(spaced.headers()["x-request-id"].len(), 32, "replaced");
    assert_eq!(long.headers()["x-request-id"].len(), 32, "replaced");
}
