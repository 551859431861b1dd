//! `GET /metrics`: off unless `server.metrics_port` is set, then on a listener of its own (never
//! the public port), in the Prometheus text format: requests by method, route pattern and
//! status with latency histograms, the pool, the batch-print queue, check-ins in the last
//! minute and uptime.

use crate::{
    attendance::activity,
    auth::{send_as, token},
    helpers::{TestApp, assert_error, create_database, spawn_app, spawn_app_on},
};
use api::attendance::token::CheckinKeys;
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::json;
use shared::{attendance::CodeKind, checkin::CodeTiming};
use std::collections::HashMap;

/// A seeded server with metrics on a free port, running no batch prints itself (so a job put
/// in the queue stays there).
async fn app_with_metrics() -> TestApp {
    let app = spawn_app_on(create_database().await, |settings| {
        settings.server.metrics_port = Some(0);
        settings.jobs.concurrency = Some(0);
    })
    .await;
    app.seed_demo().await;
    app
}

/// The samples of a scrape, `name{labels}` → value; asserts every family is typed.
async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let address = app.metrics_address.as_deref().expect("a metrics listener");
    let response = app
        .client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("a sample line: {line}"));
        let name = series.split('{').next().unwrap();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .filter(|base| text.contains(&format!("# TYPE {base} histogram")))
            .unwrap_or(name);
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{name} has a # TYPE line:\n{text}"
        );
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
        samples.insert(series.to_owned(), value);
    }
    samples
}

fn sample(samples: &HashMap<String, f64>, series: &str) -> f64 {
    *samples.get(series).unwrap_or_else(|| {
        let mut known: Vec<_> = samples.keys().collect();
        known.sort();
        panic!("no sample {series} among {known:#?}")
    })
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_on_their_own_port() {
    // Arrange
    let app = app_with_metrics().await;

    // Act: two health checks, two activities asked for signed out (one pattern), a client-side
    // route of the web app (not built here), an unknown API path, and the public port's
    // /metrics, which serves no metrics.
    for _ in 0..2 {
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    }
    for id in [999_001, 999_002] {
        let response = app.get(&format!("/api/activities/{id}")).await;
        assert_eq!(response.status().as_u16(), 401, "signed out");
    }
    app.get("/calendar").await;
    assert_error(app.get("/api/no-such-thing").await, 404, "route_not_found").await;
    assert_error(app.get("/metrics").await, 404, "route_not_found").await;
    let samples = scrape(&app).await;

    // Assert
    let healthz = r#"method="GET",route="/healthz",status="200""#;
    let of = |series: &str| sample(&samples, &series.replace("HEALTHZ", healthz));
    assert_eq!(of("scs_http_requests_total{HEALTHZ}"), 2.0);
    assert_eq!(of("scs_http_request_duration_seconds_count{HEALTHZ}"), 2.0);
    assert_eq!(
        of(r#"scs_http_request_duration_seconds_bucket{HEALTHZ,le="+Inf"}"#),
        2.0
    );
    let (fastest, slowest) = (
        of(r#"scs_http_request_duration_seconds_bucket{HEALTHZ,le="0.005"}"#),
        of(r#"scs_http_request_duration_seconds_bucket{HEALTHZ,le="10"}"#),
    );
    assert!(fastest <= slowest && slowest <= 2.0, "cumulative buckets");
    assert!(of("scs_http_request_duration_seconds_sum{HEALTHZ}") > 0.0);
    assert_eq!(
        of(r#"scs_http_requests_total{method="GET",route="/api/activities/{id}",status="401"}"#),
        2.0,
        "both ids count under the one pattern"
    );
    assert!(
        !samples
            .keys()
            .any(|series| series.contains("999001") || series.contains("calendar")),
        "no path asked for becomes a label"
    );
    assert_eq!(
        of(r#"scs_http_requests_total{method="GET",route="web_app",status="503"}"#),
        1.0
    );
    assert_eq!(
        of(r#"scs_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        1.0
    );
    assert_eq!(
        of(r#"scs_http_requests_total{method="GET",route="/metrics",status="404"}"#),
        1.0,
        "the public port's /metrics answers 404"
    );
    assert!(
        !samples
            .keys()
            .any(|series| series.contains(r#"route="/metrics",status="200""#)),
        "scrapes are not counted among the requests"
    );
    assert_eq!(of("scs_database_up"), 1.0);
    assert!(of("scs_uptime_seconds") > 0.0);
}

#[tokio::test]
async fn metrics_report_the_pool_the_print_queue_and_the_last_minutes_check_ins() {
    // Arrange: a queued batch print waiting 30 s and one running for 10 s; a check-in five
    // minutes ago (recorded then) and one by a scan now.
    let app = app_with_metrics().await;
    let acm = app.org_id("acm").await;
    let admin = app.org_student_id("acm_admin").await;
    let mut conn = app.db().await;
    diesel::sql_query(
        "INSERT INTO print_jobs (id, organization_id, requested_by, params, status, created_at,
                                 started_at, heartbeat_at)
         VALUES (gen_random_uuid(), $1, $2, '{}', 'queued', now() - interval '30 seconds',
                 NULL, NULL),
                (gen_random_uuid(), $1, $2, '{}', 'running', now() - interval '60 seconds',
                 now() - interval '10 seconds', now())",
    )
    .bind::<diesel::sql_types::BigInt, _>(acm)
    .bind::<diesel::sql_types::BigInt, _>(admin)
    .execute(&mut conn)
    .await
    .unwrap();
    let now = Utc::now();
    let id = activity(
        &app,
        "volunteer",
        now - Duration::minutes(10),
        now + Duration::hours(2),
    )
    .await;
    diesel::sql_query(
        "INSERT INTO attendance (activity_id, student_id, checked_in_at, method, registered,
                                 created_at)
         SELECT $1, id, now() - interval '5 minutes', 'manual', false,
                now() - interval '5 minutes'
         FROM accounts WHERE username = '2023010102'",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
    let code = CheckinKeys::new(b"test-secret-test-secret-test-secret-0123")
        .current(id, CodeKind::In, now.timestamp(), CodeTiming::default())
        .0;
    let student = token(&app, "2023010101").await;
    let scanned = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": "phone-metrics"})),
    )
    .await;
    assert_eq!(scanned.status().as_u16(), 200, "the scan checks in");

    // Act
    let samples = scrape(&app).await;

    // Assert
    assert_eq!(sample(&samples, "scs_db_pool_max_connections"), 2.0);
    let in_use = sample(&samples, r#"scs_db_pool_connections{state="in_use"}"#);
    let idle = sample(&samples, r#"scs_db_pool_connections{state="idle"}"#);
    assert!(
        in_use + idle >= 1.0 && in_use + idle <= 2.0,
        "{in_use} + {idle}"
    );
    assert_eq!(sample(&samples, "scs_db_pool_waiting"), 0.0);
    assert_eq!(sample(&samples, r#"scs_print_jobs{status="queued"}"#), 1.0);
    assert_eq!(sample(&samples, r#"scs_print_jobs{status="running"}"#), 1.0);
    let waited = sample(
        &samples,
        r#"scs_print_jobs_oldest_age_seconds{status="queued"}"#,
    );
    assert!((30.0..120.0).contains(&waited), "{waited}");
    let ran = sample(
        &samples,
        r#"scs_print_jobs_oldest_age_seconds{status="running"}"#,
    );
    assert!((10.0..30.0).contains(&ran), "since it started: {ran}");
    assert_eq!(
        sample(&samples, "scs_checkins_last_minute"),
        1.0,
        "the scan, not the check-in five minutes ago"
    );
    assert_eq!(
        sample(
            &samples,
            r#"scs_http_requests_total{method="POST",route="/api/checkin",status="200"}"#
        ),
        1.0
    );
}

#[tokio::test]
async fn without_a_metrics_port_there_is_no_metrics_listener() {
    let app = spawn_app().await;

    assert!(app.metrics_address.is_none());
    assert_error(app.get("/metrics").await, 404, "route_not_found").await;
}

#[tokio::test]
async fn the_metrics_listener_serves_nothing_else() {
    let app = app_with_metrics().await;
    let address = app.metrics_address.as_deref().unwrap();

    for path in ["/healthz", "/api/school", "/api/openapi.json"] {
        let response = app
            .client
            .get(format!("{address}{path}"))
            .send()
            .await
            .unwrap();
        assert_error(response, 404, "route_not_found").await;
    }
}
