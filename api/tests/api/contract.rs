//! The API contract common to every endpoint: JSON errors with typed codes, 404/405, body
//! limits, malformed input.

use crate::helpers::{assert_error, spawn_app, spawn_app_on};
use serde_json::json;

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = spawn_app().await;
    let body = assert_error(app.get("/api/no/such/thing").await, 404, "route_not_found").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/api/no/such/thing")
    );
    assert_error(
        app.client
            .delete(app.url("/api/nothing"))
            .send()
            .await
            .unwrap(),
        404,
        "route_not_found",
    )
    .await;
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let app = spawn_app().await;

    let response = app
        .client
        .delete(app.url("/api/school"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET");
    assert_error(response, 405, "method_not_allowed").await;

    let response = app
        .client
        .get(app.url("/api/calendar/deadline"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    assert_error(response, 405, "method_not_allowed").await;

    let response = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_error(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn malformed_json_is_400_naming_the_field_when_it_can() {
    let app = spawn_app().await;
    let post = |body: &'static str| {
        app.client
            .post(app.url("/api/calendar/deadline"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    assert_error(post("{not json").await.unwrap(), 400, "malformed_json").await;
    let body = assert_error(
        post(r#"{"working_days": 3}"#).await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert_eq!(body["field"], "start");
    let body = assert_error(
        post(r#"{"start": "2026-13-40", "working_days": 3}"#)
            .await
            .unwrap(),
        400,
        "malformed_json",
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("invalid JSON body"),
        "{body}"
    );
    assert_error(
        post(r#"{"start": "2026-01-05", "working_days": -1}"#)
            .await
            .unwrap(),
        400,
        "malformed_json",
    )
    .await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/calendar/deadline"))
        .header("content-type", "text/plain")
        .body(r#"{"start": "2026-01-05", "working_days": 3}"#)
        .send()
        .await
        .unwrap();
    assert_error(response, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn oversized_body_is_413_and_the_limit_is_configurable() {
    let name = crate::helpers::create_database().await;
    let app = spawn_app_on(name, |settings| settings.server.json_limit = 1024).await;
    let padding = "x".repeat(2048);
    let response = app
        .post_json(
            "/api/calendar/deadline",
            &json!({"start": "2026-01-05", "working_days": 3, "pad": padding}),
        )
        .await;
    assert_error(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn bad_query_parameters_are_400() {
    let app = spawn_app().await;
    let body = assert_error(
        app.get("/api/calendar/days?per_page=0").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(body["field"], "per_page");
    let body = assert_error(
        app.get("/api/calendar/days?page=0").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(body["field"], "page");
    assert_error(
        app.get("/api/calendar/days?page=two").await,
        400,
        "invalid_query",
    )
    .await;
    let body = assert_error(
        app.get("/api/calendar/days?year=1800").await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(body["field"], "year");
}

#[tokio::test]
async fn client_routes_get_the_app_shell_and_files_are_served() {
    // Arrange: a web app build of one page.
    let dist = std::env::temp_dir().join(format!("scs-dist-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dist.join("pkg")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>shell</title>",
    )
    .unwrap();
    std::fs::write(dist.join("pkg/web.js"), "export default 1;").unwrap();
    let name = crate::helpers::create_database().await;
    let app = spawn_app_on(name, |settings| settings.server.web_dist = dist.clone()).await;

    // Deep links and reloads on any client route get index.html, uncached.
    for path in ["/", "/status", "/calendar?year=2026", "/a/deep/link"] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("<title>shell</title>"),
            "{path}"
        );
    }
    let script = app.get("/pkg/web.js").await;
    assert_eq!(script.status().as_u16(), 200);
    // Every answer, files and API alike, forbids sniffing and framing.
    for response in [&script, &app.get("/api/school").await] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "same-origin");
    }
    assert_eq!(script.text().await.unwrap(), "export default 1;");
    // …but API paths never fall back to the shell.
    assert_error(app.get("/api/missing").await, 404, "route_not_found").await;

    // A brotli copy beside an asset goes to browsers that accept brotli, with the asset's type.
    std::fs::write(dist.join("pkg/web_bg.wasm"), b"\0asm-original").unwrap();
    std::fs::write(dist.join("pkg/web_bg.wasm.br"), b"brotli-bytes").unwrap();
    let br = app
        .client
        .get(app.url("/pkg/web_bg.wasm"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["content-type"], "application/wasm");
    assert_eq!(br.headers()["vary"], "accept-encoding");
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"brotli-bytes");
    let plain = app
        .client
        .get(app.url("/pkg/web_bg.wasm"))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"\0asm-original");
    // Paths never escape the folder.
    let escape = app
        .client
        .get(app.url("/pkg/../../etc/passwd"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert!(escape.headers().get("content-encoding").is_none());
    std::fs::remove_dir_all(dist).unwrap();
}

#[tokio::test]
async fn without_a_web_build_the_root_says_how_to_build_it() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.text().await.unwrap().contains("cargo xtask demo"));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn a_nul_character_is_refused_with_its_parameter_never_a_server_error() {
    let app = crate::auth::demo_app().await;
    let admin = crate::auth::token(&app, "admin").await;
    // Found by fuzzing: each of these answered 500 (PostgreSQL refuses U+0000 in text).
    for (path, field) in [
        ("/api/organizations?q=%00", "q"),
        ("/api/staff?q=a%00b", "q"),
        ("/api/audit?action=%00", "action"),
        ("/api/students?q=%00&page=1", "q"),
    ] {
        let response = crate::auth::get_as(&app, &admin, path).await;
        let body = assert_error(response, 400, "invalid_query").await;
        assert_eq!(body["field"], field, "{path}");
    }
    let response = app.get("/api/verify/SCT-%00").await;
    assert_error(response, 400, "invalid_path").await;
    // A percent sign that encodes no NUL is searched for as typed.
    let response = crate::auth::get_as(&app, &admin, "/api/organizations?q=100%25").await;
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn a_nul_character_in_a_json_body_is_refused_with_its_field() {
    let app = crate::auth::demo_app().await;
    // Found by fuzzing: signing in with U+0000 in the name answered 500, without any token.
    let response = app
        .post_json(
            "/api/auth/login",
            &serde_json::json!({"username": "ad\u{0}min", "password": "x"}),
        )
        .await;
    let body = assert_error(response, 400, "malformed_json").await;
    assert_eq!(body["field"], "username");
    // Deeper in a body: the path to the value.
    let admin = crate::auth::token(&app, "admin").await;
    let response = crate::auth::send_as(
        &app,
        reqwest::Method::POST,
        Some(&admin),
        "/api/activities",
        Some(&serde_json::json!({"title": "t", "form": [{"label": "a\u{0}"}]})),
    )
    .await;
    let body = assert_error(response, 400, "malformed_json").await;
    assert_eq!(body["field"], "form[0].label");
    // An escaped backslash before u0000 is six ordinary characters, not a NUL.
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body(r#"{"username": "a\\u0000", "password": "x"}"#)
        .send()
        .await
        .unwrap();
    assert_error(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn an_oversized_results_upload_answers_the_typed_json_413() {
    let app = crate::auth::demo_app().await;
    let admin = crate::auth::token(&app, "admin").await;
    let response = app
        .client
        .post(app.url("/api/activities/1/results/upload?file_name=r.csv"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(vec![b'a'; 6 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_error(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn a_whole_number_written_as_a_float_is_an_integer_and_paging_is_bounded() {
    let app = crate::auth::demo_app().await;
    // Found by fuzzing: JSON Schema counts 3.0 as an integer; serde refused it.
    let response = app
        .client
        .post(app.url("/api/calendar/deadline"))
        .header("content-type", "application/json")
        .body(r#"{"start": "2026-11-30", "working_days": 3.0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // The document bounds page to 1..=1000000; the server refuses what it does not document.
    let admin = crate::auth::token(&app, "admin").await;
    let response = crate::auth::get_as(&app, &admin, "/api/organizations?page=2147483648").await;
    let body = assert_error(response, 400, "invalid_query").await;
    assert_eq!(body["field"], "page");
}

#[tokio::test]
async fn an_optional_body_that_is_malformed_is_refused_not_ignored() {
    let app = crate::auth::demo_app().await;
    let admin = crate::auth::token(&app, "admin").await;
    // Found by fuzzing: `[]` as an approval's note approved the activity as if no body was sent.
    for path in [
        "/api/activities/1/approve",
        "/api/attendance-requests/1/approve",
        "/api/recognition-requests/1/approve",
        "/api/activities/1/results/finalize",
    ] {
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("[]")
            .send()
            .await
            .unwrap();
        assert_error(response, 400, "malformed_json").await;
    }
}

#[tokio::test]
async fn an_unknown_leaderboard_scope_is_refused_even_with_a_college() {
    let app = crate::auth::demo_app().await;
    let student = crate::auth::token(&app, "2023010101").await;
    // Found by fuzzing: with college_id given, any scope was accepted.
    let response =
        crate::auth::get_as(&app, &student, "/api/leaderboard?scope=NULL&college_id=1").await;
    let body = assert_error(response, 400, "invalid_query").await;
    assert_eq!(body["field"], "scope");
}
