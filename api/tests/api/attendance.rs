//! Attendance: rotating QR codes, scans and their refusals, the device rule, anomalies,
//! check-out, manual entry, make-up within 5 working days, back-fill approval, results
//! recognition with its 10-working-day deadline, and bulk upload.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use api::attendance::token::{CheckinKeys, STEP_SECS};
use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use shared::{attendance::CodeKind, checkin::CodeTiming};

/// The key test servers derive their codes from (see helpers::test_settings).
fn keys() -> CheckinKeys {
    CheckinKeys::new(b"test-secret-test-secret-test-secret-0123")
}

/// A published club-level activity of 程序设计协会 running from `starts` to `ends`.
pub(crate) async fn activity(
    app: &TestApp,
    category: &str,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> i64 {
    let club = token(app, "acm_admin").await;
    let acm = app.org_id("acm").await;
    let body = json!({
        "organizer_id": acm, "title": "周末志愿服务", "category": category, "credit_level": "club",
        "starts_at": starts, "ends_at": ends, "place": "社区服务中心", "capacity": null,
        "registration_opens_at": starts - Duration::days(10), "registration_closes_at": starts,
        "enrolment_mode": "first_come"
    });
    let created: Value = send_as(
        app,
        Method::POST,
        Some(&club),
        "/api/activities",
        Some(&body),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"));
    let published: Value = send_as(
        app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/submit"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    if shared::activity::is_past_dated(starts, Utc::now()) {
        // Dated in the past: the club's college approves it first.
        assert_eq!(published["status"], "submitted", "{published}");
        let college = token(app, "cs_admin").await;
        let approved: Value = send_as(
            app,
            Method::POST,
            Some(&college),
            &format!("/api/activities/{id}/approve"),
            Some(&json!({})),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(approved["status"], "published", "{approved}");
    } else {
        assert_eq!(published["status"], "published");
    }
    id
}

/// Confirmed places for `students` in the activity (set up directly: its registration has
/// closed), so that results may name them.
pub(crate) async fn participants(app: &TestApp, id: i64, students: &[&str]) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.db().await;
    for no in students {
        diesel::sql_query(
            "INSERT INTO registrations (activity_id, student_id, status, answers)
             SELECT $1, id, 'confirmed', '{}'::jsonb FROM accounts WHERE username = $2
             ON CONFLICT DO NOTHING",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .bind::<diesel::sql_types::Text, _>(*no)
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

/// An activity under way now.
async fn running(app: &TestApp) -> i64 {
    let now = Utc::now();
    activity(
        app,
        "volunteer",
        now - Duration::minutes(10),
        now + Duration::hours(2),
    )
    .await
}

/// The code on screen at `now` (unix seconds) with the default timing.
fn now_code(activity: i64, kind: CodeKind, now: i64) -> String {
    keys().current(activity, kind, now, CodeTiming::default()).0
}

/// A scan from the phone `device` (a phone of its own when `None`).
async fn scan(app: &TestApp, bearer: &str, token: &str, device: Option<&str>) -> reqwest::Response {
    let own = format!("phone-{}", uuid::Uuid::new_v4().simple());
    send_as(
        app,
        Method::POST,
        Some(bearer),
        "/api/checkin",
        Some(&json!({"token": token, "device_id": device.unwrap_or(&own)})),
    )
    .await
}

/// `PUT /api/activities/{id}/checkin-settings` as `bearer`.
async fn put_settings(app: &TestApp, bearer: &str, id: i64, settings: &Value) -> reqwest::Response {
    send_as(
        app,
        Method::PUT,
        Some(bearer),
        &format!("/api/activities/{id}/checkin-settings"),
        Some(settings),
    )
    .await
}

/// The activity's attendance anomalies, as the organiser `bearer` sees them.
pub(crate) async fn anomalies(app: &TestApp, bearer: &str, id: i64) -> Vec<Value> {
    let page: Value = get_as(
        app,
        bearer,
        &format!("/api/activities/{id}/attendance/anomalies"),
    )
    .await
    .json()
    .await
    .unwrap();
    page["items"]
        .as_array()
        .expect("a page of anomalies")
        .clone()
}

#[tokio::test]
async fn the_projected_arrivals_show_masked_student_numbers() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;
    let code = current_code(&app, &club, id).await;
    let scanned = scan(&app, &student, code["token"].as_str().unwrap(), None).await;
    assert_eq!(scanned.status().as_u16(), 200);

    let screen: Value = get_as(
        &app,
        &club,
        &format!("/api/activities/{id}/attendance?per_page=8&masked=true"),
    )
    .await
    .json()
    .await
    .unwrap();
    let full: Value = get_as(&app, &club, &format!("/api/activities/{id}/attendance"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(screen["items"][0]["student_no"], "2023****01");
    assert_eq!(full["items"][0]["student_no"], "2023010101");
    assert!(
        !screen.to_string().contains("2023010101"),
        "the full number never reaches the projector"
    );
}

/// `POST /api/checkin/pending`, signed out, from the phone `device`.
async fn record_pending(app: &TestApp, code: &str, device: &str) -> reqwest::Response {
    send_as(
        app,
        Method::POST,
        None,
        "/api/checkin/pending",
        Some(&json!({"token": code, "device_id": device})),
    )
    .await
}

/// The check-in after signing in, redeeming `pending` from the phone `device`.
async fn redeem(
    app: &TestApp,
    bearer: &str,
    code: &str,
    pending: &str,
    device: &str,
) -> reqwest::Response {
    send_as(
        app,
        Method::POST,
        Some(bearer),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": device, "pending": pending})),
    )
    .await
}

/// A code on screen now that stops being accepted within 2–12 seconds, and when (unix s).
fn code_about_to_expire(id: i64) -> (String, i64) {
    let now = Utc::now().timestamp();
    let code = [now - 10, now]
        .into_iter()
        .map(|at| now_code(id, CodeKind::In, at))
        .find(|code| {
            let until: i64 = code.split('.').nth(3).unwrap().parse().unwrap();
            until - now >= 2
        })
        .unwrap();
    let until = code.split('.').nth(3).unwrap().parse().unwrap();
    (code, until)
}

#[tokio::test]
async fn a_scan_made_signed_out_is_redeemed_once_after_a_slow_sign_in() {
    let app = demo_app().await;
    let id = running(&app).await;
    let (code, until) = code_about_to_expire(id);
    let recorded = record_pending(&app, &code, "phone-pending-1").await;
    assert_eq!(recorded.status().as_u16(), 201);
    let recorded: Value = recorded.json().await.unwrap();
    let pending = recorded["pending"].as_str().unwrap().to_owned();
    assert_eq!(recorded["activity_title"], "周末志愿服务");
    assert!(pending.len() >= 64, "unguessable: {pending}");

    // The sign-in takes longer than the code lives.
    let wait = until + 1 - Utc::now().timestamp();
    tokio::time::sleep(std::time::Duration::from_secs(wait.max(0) as u64 + 1)).await;
    let student = token(&app, "2023010101").await;
    let late = scan(&app, &token(&app, "2023010102").await, &code, None).await;
    let first = redeem(&app, &student, &code, &pending, "phone-pending-1").await;
    let again = redeem(&app, &student, &code, &pending, "phone-pending-1").await;

    assert_error(late, 410, "checkin_code_expired").await;
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        first["at"], recorded["scanned_at"],
        "checked in when scanned"
    );
    assert_error(again, 410, "checkin_code_expired").await;
    let club = token(&app, "acm_admin").await;
    assert_eq!(current_code(&app, &club, id).await["checked_in"], 1);
}

#[tokio::test]
async fn a_pending_scan_is_refused_expired_from_another_phone_or_for_a_bad_code() {
    let app = demo_app().await;
    let id = running(&app).await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let student = token(&app, "2023010101").await;
    let pending = |response: Value| response["pending"].as_str().unwrap().to_owned();
    let mine: Value = record_pending(&app, &code, "phone-pending-2")
        .await
        .json()
        .await
        .unwrap();
    let stale: Value = record_pending(&app, &code, "phone-pending-3")
        .await
        .json()
        .await
        .unwrap();
    let mut conn = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE pending_scans SET expires_at = now() - interval '1 second'
             WHERE device_id = encode(sha256('phone-pending-3'), 'hex')",
        ),
        &mut conn,
    )
    .await
    .unwrap();

    let made_up = record_pending(&app, "not-a-code", "phone-pending-2").await;
    let other_phone = redeem(
        &app,
        &student,
        &code,
        &pending(mine.clone()),
        "phone-pending-9",
    )
    .await;
    let guessed = redeem(&app, &student, &code, &"0".repeat(64), "phone-pending-2").await;
    let expired = redeem(&app, &student, &code, &pending(stale), "phone-pending-3").await;
    let own = redeem(&app, &student, &code, &pending(mine), "phone-pending-2").await;

    assert_error(made_up, 422, "checkin_code_invalid").await;
    assert_error(other_phone, 422, "checkin_code_invalid").await;
    assert_error(guessed, 422, "checkin_code_invalid").await;
    assert_error(expired, 410, "checkin_code_expired").await;
    assert_eq!(
        own.status().as_u16(),
        200,
        "the phone that scanned still can"
    );
}

async fn current_code(app: &TestApp, bearer: &str, id: i64) -> Value {
    let response = get_as(app, bearer, &format!("/api/activities/{id}/checkin-code")).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_organisers_code_checks_a_student_in_once() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;

    let code = current_code(&app, &club, id).await;
    let first = scan(
        &app,
        &student,
        code["token"].as_str().unwrap(),
        Some("phone-aaaa"),
    )
    .await;
    let again = scan(
        &app,
        &student,
        code["token"].as_str().unwrap(),
        Some("phone-aaaa"),
    )
    .await;

    assert!(
        code["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/checkin?t={}", code["token"].as_str().unwrap()))
    );
    assert!(code["svg"].as_str().unwrap().starts_with("<?xml"));
    assert!(code["refresh_in_ms"].as_u64().unwrap() <= 10_000);
    assert_eq!(first.status().as_u16(), 200);
    let result: Value = first.json().await.unwrap();
    assert_eq!(
        (result["activity_id"].as_i64(), result["kind"].as_str()),
        (Some(id), Some("in"))
    );
    assert_error(again, 409, "already_checked_in").await;
    let list: Value = get_as(&app, &club, &format!("/api/activities/{id}/attendance"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["method"], "qr");
    assert_eq!(
        current_code(&app, &club, id).await["checked_in"],
        1,
        "the live count"
    );
}

#[tokio::test]
async fn forged_expired_and_out_of_window_codes_are_refused_with_their_reason() {
    let app = demo_app().await;
    let id = running(&app).await;
    let later = activity(
        &app,
        "lecture",
        Utc::now() + Duration::days(3),
        Utc::now() + Duration::days(3) + Duration::hours(2),
    )
    .await;
    let student = token(&app, "2023010101").await;
    let now = Utc::now().timestamp();
    let genuine = now_code(id, CodeKind::In, now);

    let forged = CheckinKeys::new(b"not-the-server-secret-not-the-key")
        .current(id, CodeKind::In, now, CodeTiming::default())
        .0;
    assert_error(
        scan(&app, &student, &forged, None).await,
        422,
        "checkin_code_invalid",
    )
    .await;
    let tampered = genuine.replacen(&format!("{id}."), &format!("{}.", id + 1), 1);
    assert_error(
        scan(&app, &student, &tampered, None).await,
        422,
        "checkin_code_invalid",
    )
    .await;
    let expired = now_code(id, CodeKind::In, now - 3 * STEP_SECS);
    assert_error(
        scan(&app, &student, &expired, None).await,
        410,
        "checkin_code_expired",
    )
    .await;
    let not_yet = now_code(later, CodeKind::In, now);
    assert_error(
        scan(&app, &student, &not_yet, None).await,
        409,
        "checkin_closed",
    )
    .await;
    assert_error(
        get_as(
            &app,
            &token(&app, "acm_admin").await,
            &format!("/api/activities/{later}/checkin-code"),
        )
        .await,
        409,
        "checkin_closed",
    )
    .await;
    assert_eq!(
        scan(&app, &student, &genuine, None).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn concurrent_scans_by_one_student_count_once() {
    let app = demo_app().await;
    let id = running(&app).await;
    let student = token(&app, "2023010101").await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());

    let responses =
        futures_util::future::join_all((0..10).map(|_| scan(&app, &student, &code, None))).await;

    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn one_phone_cannot_check_in_two_students_and_the_organiser_sees_it() {
    let app = demo_app().await;
    let id = running(&app).await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let first = token(&app, "2023010101").await;
    let second = token(&app, "2023010102").await;

    assert_eq!(
        scan(&app, &first, &code, Some("shared-phone"))
            .await
            .status()
            .as_u16(),
        200
    );
    let refused = scan(&app, &second, &code, Some("shared-phone")).await;

    assert_error(refused, 409, "device_already_used").await;
    let club = token(&app, "acm_admin").await;
    let anomalies = anomalies(&app, &club, id).await;
    let kinds: Vec<&str> = anomalies
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"shared_device"), "{anomalies:?}");
    assert!(
        kinds.contains(&"unregistered"),
        "nobody had signed up: {anomalies:?}"
    );
    let shared = anomalies
        .iter()
        .find(|a| a["kind"] == "shared_device")
        .unwrap();
    assert_eq!(shared["students"], json!(["2023010102"]));
}

#[tokio::test]
async fn a_scan_far_from_the_place_is_flagged_and_an_ended_session_cannot_scan() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let now = Utc::now();
    // 天安门 as the place, 500 m; the student scans from 景山, about 1.6 km north.
    let place = (39.9087, 116.3975);
    let there = (39.9235, 116.3972);
    let settings = json!({"opens_at": now - Duration::hours(1), "closes_at": now + Duration::hours(3),
        "checkout_enabled": false, "latitude": place.0, "longitude": place.1, "radius_m": 500});
    let saved = put_settings(&app, &club, id, &settings).await;
    assert_eq!(saved.status().as_u16(), 200);
    let student = token(&app, "2023010101").await;
    let code = now_code(id, CodeKind::In, now.timestamp());
    let scanned = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": "phone-far-away", "latitude": there.0, "longitude": there.1})),
    )
    .await;
    assert_eq!(scanned.status().as_u16(), 200);
    let far = anomalies(&app, &club, id)
        .await
        .into_iter()
        .find(|a| a["kind"] == "far_away")
        .expect("a far_away anomaly");
    // The statement's distance is the shared function's, to the metre.
    let metres = shared::attendance::distance_m(there.0, there.1, place.0, place.1).round();
    assert!(
        far.to_string()
            .contains(&format!("{metres} m from the place")),
        "{far}"
    );

    // Signed out: the token still verifies, but its session has ended.
    let other = token(&app, "2023010102").await;
    let out = send_as(&app, Method::POST, Some(&other), "/api/auth/logout", None).await;
    assert!(out.status().is_success());
    let refused = scan(&app, &other, &code, None).await;
    assert_error(refused, 401, "session_ended").await;
    // An organisation account is no student.
    let refused = scan(&app, &club, &code, None).await;
    assert_error(refused, 403, "forbidden").await;
}

#[tokio::test]
async fn check_out_works_the_same_way_when_enabled() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let student = token(&app, "2023010101").await;
    let now = Utc::now();
    assert_error(
        get_as(
            &app,
            &club,
            &format!("/api/activities/{id}/checkin-code?kind=out"),
        )
        .await,
        409,
        "checkin_closed",
    )
    .await;
    let settings = json!({"opens_at": now - Duration::hours(1), "closes_at": now + Duration::hours(3), "checkout_enabled": true});
    let saved = put_settings(&app, &club, id, &settings).await;
    assert_eq!(saved.status().as_u16(), 200);
    let out = now_code(id, CodeKind::Out, now.timestamp());

    assert_error(
        scan(&app, &student, &out, None).await,
        409,
        "checkin_closed",
    )
    .await;
    let code_in = now_code(id, CodeKind::In, now.timestamp());
    assert_eq!(
        scan(&app, &student, &code_in, None).await.status().as_u16(),
        200
    );
    let done: Value = scan(&app, &student, &out, None).await.json().await.unwrap();
    assert_eq!(done["kind"], "out");
    assert_error(
        scan(&app, &student, &out, None).await,
        409,
        "already_checked_in",
    )
    .await;
    let partial = json!({"opens_at": now, "closes_at": now + Duration::hours(1), "checkout_enabled": false, "latitude": 30.0});
    let bad = put_settings(&app, &club, id, &partial).await;
    assert_eq!(
        assert_error(bad, 422, "validation_failed").await["field"],
        "radius_m"
    );
}

#[tokio::test]
async fn the_organiser_records_a_student_without_a_phone() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;

    let response = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/attendance"),
        Some(&json!({"student_no": "2024020101"})),
    )
    .await;

    assert_eq!(response.status().as_u16(), 201);
    let record: Value = response.json().await.unwrap();
    assert_eq!(record["method"], "manual");
    assert_eq!(record["recorded_by"], "程序设计协会");
    let unknown = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/attendance"),
        Some(&json!({"student_no": "nobody"})),
    )
    .await;
    assert_eq!(
        assert_error(unknown, 404, "not_found").await["field"],
        "student_no"
    );
}

#[tokio::test]
async fn make_up_within_five_working_days_then_only_with_approval_from_above() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    // Ended yesterday: inside the window.
    let recent = activity(
        &app,
        "lecture",
        Utc::now() - Duration::days(1) - Duration::hours(2),
        Utc::now() - Duration::days(1),
    )
    .await;
    let no_reason = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{recent}/attendance"),
        Some(&json!({"student_no": "2023010101"})),
    )
    .await;
    assert_eq!(
        assert_error(no_reason, 422, "validation_failed").await["field"],
        "reason"
    );
    let made_up = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{recent}/attendance"),
        Some(&json!({"student_no": "2023010101", "reason": "扫码失败"})),
    )
    .await;
    assert_eq!(made_up.json::<Value>().await.unwrap()["method"], "makeup");

    // Ended Wednesday 2026-09-30 at 18:00 Beijing time: the window closed 2026-10-13, past National Day.
    let ended = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 9, 30, 18, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let old = activity(&app, "competition", ended - Duration::hours(3), ended).await;
    let deadlines: Value = get_as(&app, &club, &format!("/api/activities/{old}/deadlines"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(deadlines["makeup_until"], "2026-10-13");
    assert_eq!(deadlines["recognition_due"], "2026-10-20");
    assert!(deadlines["recognition_days_left"].as_i64().unwrap() < 0);
    let late = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{old}/attendance"),
        Some(&json!({"student_no": "2023010101", "reason": "漏签"})),
    )
    .await;
    assert_error(late, 409, "deadline_passed").await;

    let asked = send_as(&app, Method::POST, Some(&club), &format!("/api/activities/{old}/attendance-requests"),
        Some(&json!({"student_no": "2023010101", "reason": "系统故障", "evidence": "纸质签到表第2页"}))).await;
    assert_eq!(asked.status().as_u16(), 201);
    let request: Value = asked.json().await.unwrap();
    assert_eq!(request["approver_organization"], "计算机学院团委");
    // The club cannot approve its own request; to a sibling college it does not exist.
    let rid = request["id"].as_i64().unwrap();
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&token(&app, "em_admin").await),
            &format!("/api/attendance-requests/{rid}/approve"),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let college = token(&app, "cs_admin").await;
    let incoming: Value = get_as(&app, &college, "/api/attendance-requests?pending=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incoming["items"][0]["id"], rid);

    let approved: Value = send_as(
        &app,
        Method::POST,
        Some(&college),
        &format!("/api/attendance-requests/{rid}/approve"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();

    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], "计算机学院团委");
    let list: Value = get_as(&app, &club, &format!("/api/activities/{old}/attendance"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["method"], "backfill");
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&college),
            &format!("/api/attendance-requests/{rid}/approve"),
            None,
        )
        .await,
        409,
        "conflict",
    )
    .await;
}

#[tokio::test]
async fn results_are_recognised_by_form_or_file_and_overdue_work_is_visible_above() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let ended = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 9, 30, 18, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let id = activity(&app, "competition", ended - Duration::hours(3), ended).await;

    // Overdue for the club, its college and the school; not for a sibling college.
    for (who, sees) in [
        ("acm_admin", true),
        ("cs_admin", true),
        ("admin", true),
        ("em_admin", false),
    ] {
        let list: Value = get_as(&app, &token(&app, who).await, "/api/recognition/overdue")
            .await
            .json()
            .await
            .unwrap();
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["activity_id"] == id);
        assert_eq!(listed, sees, "{who}: {list}");
    }

    // Found by testing: results named anyone at all, participant or not. Now only those who
    // signed up or checked in, unless the row gives a back-fill reason.
    let stranger = json!({"results": [
        {"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"}
    ]});
    let refused = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&stranger),
    )
    .await;
    let body = assert_error(refused, 422, "validation_failed").await;
    assert_eq!(body["field"], "results[0].student_no");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("neither signed up nor checked in")
    );
    participants(&app, id, &["2023010101", "2023010102", "2023010103"]).await;

    let bad = json!({"results": [
        {"student_no": "2023010101", "attended": true, "award": "first", "award_level": "school", "role": "leader"},
        {"student_no": "2023010102", "attended": true, "award": "second"}
    ]});
    let refused = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&bad),
    )
    .await;
    assert_eq!(
        assert_error(refused, 422, "validation_failed").await["field"],
        "results[1].award_level"
    );
    let results: Value = get_as(&app, &club, &format!("/api/activities/{id}/results"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["total"], 0, "nothing half-written");

    let csv = "学号,是否出勤,时长,角色,奖项,奖项级别\n2023010101,是,3,队长,一等奖,校级\n2023010102,是,3,队员,一等奖,校级\n2023010103,否,,,,\n";
    let bad_csv =
        "学号,是否出勤,奖项,奖项级别\n2023010101,是,特等奖,校级\nnobody,是,,\n2023010104,是,,\n";
    let upload = |body: &'static str, dry: bool| {
        let (app, club) = (&app, club.clone());
        async move {
            app.client
                .post(app.url(&format!(
                    "/api/activities/{id}/results/upload?file_name=r.csv&dry_run={dry}"
                )))
                .bearer_auth(&club)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let report: Value = upload(bad_csv, false).await.json().await.unwrap();
    assert_eq!(
        (report["applied"].as_bool(), report["rejected"].as_u64()),
        (Some(false), Some(3))
    );
    assert_eq!(report["rows"][0]["errors"][0]["column"], "award");
    let stranger_row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["student_no"] == "2023010104")
        .unwrap();
    assert_eq!(
        stranger_row["errors"][0]["column"], "student_no",
        "{report}"
    );
    let dry: Value = upload(csv, true).await.json().await.unwrap();
    assert_eq!(
        (dry["applied"].as_bool(), dry["accepted"].as_u64()),
        (Some(false), Some(3))
    );
    let applied: Value = upload(csv, false).await.json().await.unwrap();
    assert_eq!(applied["applied"], true);
    let garbage = app
        .client
        .post(app.url(&format!("/api/activities/{id}/results/upload")))
        .bearer_auth(&club)
        .body(vec![0xD0, 0xCF, 0x11, 0xE0])
        .send()
        .await
        .unwrap();
    assert_error(garbage, 422, "invalid_file").await;

    let results: Value = get_as(&app, &club, &format!("/api/activities/{id}/results"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["total"], 3);
    let leader = results["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["student_no"] == "2023010101")
        .unwrap();
    assert_eq!(
        (
            leader["award"].as_str(),
            leader["award_level"].as_str(),
            leader["role"].as_str()
        ),
        (Some("first"), Some("school"), Some("leader"))
    );
    assert_eq!(leader["hours"], 3.0);

    // A back-filled row: 2023010104 did not sign up, but was there (with a reason).
    let backfilled = json!({"results": [
        {"student_no": "2023010104", "attended": true, "award": "third", "award_level": "school", "role": "member",
         "backfill_reason": "临时替补上场，主办方名单为证"}
    ]});
    let saved = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&backfilled),
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);

    // Ended 2026-09-30, due 2026-10-20: finalising now is a back-fill, late and with a
    // non-participant; it needs a reason and the college's approval.
    let finalize = format!("/api/activities/{id}/results/finalize");
    let no_reason = send_as(&app, Method::POST, Some(&club), &finalize, None).await;
    let body = assert_error(no_reason, 422, "validation_failed").await;
    assert_eq!(body["field"], "reason");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("late, non_participants"),
        "{body}"
    );
    let asked = send_as(
        &app,
        Method::POST,
        Some(&club),
        &finalize,
        Some(&json!({"reason": "获奖名单由主办方十一月底才公布"})),
    )
    .await;
    assert_eq!(asked.status().as_u16(), 202);
    let request: Value = asked.json().await.unwrap();
    assert_eq!(request["grounds"], json!(["late", "non_participants"]));
    assert_eq!(request["approver_org_name"], "计算机学院团委");
    assert_eq!(
        (
            request["rows"].as_u64(),
            request["non_participant_rows"].as_u64()
        ),
        (Some(4), Some(1))
    );
    let rid = request["id"].as_i64().unwrap();
    // Waiting: no second request, no edits, and still overdue above — marked as waiting.
    let second = json!({"reason": "再次"});
    let again = send_as(&app, Method::POST, Some(&club), &finalize, Some(&second)).await;
    assert_error(again, 409, "conflict").await;
    let edit = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&backfilled),
    )
    .await;
    assert_error(edit, 409, "conflict").await;
    let college = token(&app, "cs_admin").await;
    let overdue: Value = get_as(&app, &college, "/api/recognition/overdue")
        .await
        .json()
        .await
        .unwrap();
    let waiting = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["activity_id"] == id)
        .cloned();
    assert_eq!(waiting.expect("still overdue")["awaiting_approval"], true);
    let incoming: Value = get_as(&app, &college, "/api/recognition-requests?pending=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incoming["items"][0]["id"], rid);
    // Not the club's to approve; to a sibling college it does not exist.
    let approve = format!("/api/recognition-requests/{rid}/approve");
    assert_error(
        send_as(&app, Method::POST, Some(&club), &approve, None).await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        send_as(
            &app,
            Method::POST,
            Some(&token(&app, "em_admin").await),
            &approve,
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Two approvals at once: one wins, the points are written once.
    let empty = json!({});
    let (one, two) = tokio::join!(
        send_as(&app, Method::POST, Some(&college), &approve, Some(&empty)),
        send_as(&app, Method::POST, Some(&college), &approve, Some(&empty)),
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let stranger_points: Value = get_as(&app, &token(&app, "2023010104").await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    let entries: Vec<&Value> = stranger_points["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["activity_id"] == id)
        .collect();
    assert_eq!(entries.len(), 1, "{stranger_points}");
    assert_eq!(entries[0]["source"], "backfill", "marked as a back-fill");
    let leader_points: Value = get_as(&app, &token(&app, "2023010101").await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    let leader_entry = leader_points["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["activity_id"] == id)
        .cloned()
        .expect("the leader's points");
    assert_eq!(
        leader_entry["source"], "backfill",
        "late: every row is a back-fill"
    );
    let admin = token(&app, "admin").await;
    let audit: Value = get_as(&app, &admin, "/api/audit?action=results.backfill_approve")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    let after = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&json!({"results": []})),
    )
    .await;
    assert_error(after, 409, "conflict").await;
    let list: Value = get_as(
        &app,
        &token(&app, "cs_admin").await,
        "/api/recognition/overdue",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["activity_id"] != id),
        "no longer overdue"
    );
}

#[tokio::test]
async fn only_the_organisers_subtree_runs_attendance() {
    let app = demo_app().await;
    let id = running(&app).await;
    let sibling = token(&app, "em_admin").await;
    let student = token(&app, "2023010101").await;
    let publisher_only = token(&app, "cs_reports").await;

    assert_error(
        get_as(
            &app,
            &sibling,
            &format!("/api/activities/{id}/checkin-code"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(
            &app,
            &student,
            &format!("/api/activities/{id}/checkin-code"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_error(
        get_as(
            &app,
            &publisher_only,
            &format!("/api/activities/{id}/attendance"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let manual = send_as(
        &app,
        Method::POST,
        Some(&sibling),
        &format!("/api/activities/{id}/attendance"),
        Some(&json!({"student_no": "2023010101"})),
    )
    .await;
    assert_error(manual, 403, "forbidden").await;
    let results = send_as(
        &app,
        Method::PUT,
        Some(&student),
        &format!("/api/activities/{id}/results"),
        Some(&json!({"results": []})),
    )
    .await;
    assert_error(results, 403, "forbidden").await;
    // The parent college may run it (its subtree).
    assert_eq!(
        get_as(
            &app,
            &token(&app, "cs_admin").await,
            &format!("/api/activities/{id}/checkin-code")
        )
        .await
        .status()
        .as_u16(),
        200
    );
    // Staff cannot scan.
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    assert_error(
        scan(&app, &token(&app, "T2015001").await, &code, None).await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_school_admin_keeps_the_calendar() {
    let app = demo_app().await;
    let school = token(&app, "admin").await;

    let put = send_as(
        &app,
        Method::PUT,
        Some(&school),
        "/api/calendar/days/2026-12-01",
        Some(&json!({"kind": "holiday", "name": "校庆日"})),
    )
    .await;
    assert_eq!(put.status().as_u16(), 200);
    let deadline: Value = app
        .post_json(
            "/api/calendar/deadline",
            &json!({"start": "2026-11-30", "working_days": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        deadline["deadline"], "2026-12-02",
        "the new holiday counts at once"
    );
    let college = send_as(
        &app,
        Method::PUT,
        Some(&token(&app, "cs_admin").await),
        "/api/calendar/days/2026-12-02",
        Some(&json!({"kind": "holiday", "name": "x"})),
    )
    .await;
    assert_error(college, 403, "forbidden").await;
    let removed = send_as(
        &app,
        Method::DELETE,
        Some(&school),
        "/api/calendar/days/2026-12-01",
        None,
    )
    .await;
    assert_eq!(removed.status().as_u16(), 204);
    assert_error(
        send_as(
            &app,
            Method::DELETE,
            Some(&school),
            "/api/calendar/days/2026-12-01",
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_scan_must_name_its_phone_which_is_kept_only_as_a_hash() {
    let app = demo_app().await;
    let id = running(&app).await;
    let student = token(&app, "2023010101").await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    // Found by testing: without a device_id a client checked in any number of students.
    let bare = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code})),
    )
    .await;
    let body = assert_error(bare, 400, "device_required").await;
    assert_eq!(body["field"], "device_id");
    for bad in ["short", "semi;colon;phone", &"x".repeat(65)] {
        let response = scan(&app, &student, &code, Some(bad)).await;
        let body = assert_error(response, 422, "validation_failed").await;
        assert_eq!(body["field"], "device_id", "{bad}");
    }
    let phone = "b0f6c1e2-7a1d-4c3e-9f00-1234567890ab";
    assert_eq!(
        scan(&app, &student, &code, Some(phone))
            .await
            .status()
            .as_u16(),
        200
    );
    let mut conn = app.db().await;
    let stored: Vec<Option<String>> = {
        use diesel_async::RunQueryDsl;
        diesel::sql_query("SELECT device_id FROM attendance")
            .load::<DeviceRow>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.device_id)
            .collect()
    };
    assert_eq!(stored.len(), 1);
    let hash = stored[0].clone().unwrap();
    assert_ne!(hash, phone);
    assert!(!hash.contains("b0f6c1e2"));
    assert_eq!(hash, api::attendance::token::device_hash(phone));
    // The refused scan without a phone is on record for the organiser.
    let club = token(&app, "acm_admin").await;
    let refused = anomalies(&app, &club, id)
        .await
        .into_iter()
        .find(|a| a["kind"] == "refused")
        .expect("the refused scans");
    assert_eq!(refused["students"], json!(["2023010101"]));
    assert!(
        refused["detail"] == "4 refused scan(s): no_device ×4",
        "{refused}"
    );
}

#[derive(diesel::QueryableByName)]
struct DeviceRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    device_id: Option<String>,
}

#[tokio::test]
async fn refused_scans_are_recorded_and_counted_per_student_and_a_relayed_code_is_flagged() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let first = token(&app, "2023010101").await;
    let second = token(&app, "2023010102").await;
    let now = Utc::now().timestamp();
    // A photo of the screen, passed round: the same code, after it was replaced, on two phones.
    let stale = now_code(id, CodeKind::In, now - 3 * STEP_SECS);
    for (bearer, phone) in [(&first, "phone-first-1"), (&second, "phone-second")] {
        assert_error(
            scan(&app, bearer, &stale, Some(phone)).await,
            410,
            "checkin_code_expired",
        )
        .await;
    }
    assert_error(
        scan(&app, &first, &stale, Some("phone-first-1")).await,
        410,
        "checkin_code_expired",
    )
    .await;
    let forged = CheckinKeys::new(b"not-the-server-secret-not-the-key")
        .current(id, CodeKind::In, now, CodeTiming::default())
        .0;
    assert_error(
        scan(&app, &first, &forged, Some("phone-first-1")).await,
        422,
        "checkin_code_invalid",
    )
    .await;
    // A staff account scanning is refused and recorded too.
    let staff = token(&app, "cs_admin").await;
    assert_error(
        scan(
            &app,
            &staff,
            &now_code(id, CodeKind::In, now),
            Some("phone-staff-1"),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    let found = anomalies(&app, &club, id).await;
    let refused_of = |student: &str| {
        found
            .iter()
            .find(|a| a["kind"] == "refused" && a["students"] == json!([student]))
            .unwrap_or_else(|| panic!("refused scans of {student}: {found:?}"))["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        refused_of("2023010101"),
        "3 refused scan(s): expired ×2, forged ×1"
    );
    assert_eq!(refused_of("2023010102"), "1 refused scan(s): expired ×1");
    assert_eq!(
        refused_of("cs_admin"),
        "1 refused scan(s): not_a_student ×1"
    );
    let relay = found
        .iter()
        .find(|a| a["kind"] == "relayed_code")
        .unwrap_or_else(|| panic!("a relayed code: {found:?}"));
    assert_eq!(relay["students"], json!(["2023010101", "2023010102"]));
    assert!(
        relay["detail"]
            .as_str()
            .unwrap()
            .ends_with("presented late by 2 phones"),
        "{relay}"
    );
}

/// `PUT /api/school/checkin-policy` as the school admin.
async fn put_policy(app: &TestApp, policy: &Value) -> reqwest::Response {
    let admin = token(app, "admin").await;
    send_as(
        app,
        Method::PUT,
        Some(&admin),
        "/api/school/checkin-policy",
        Some(policy),
    )
    .await
}

#[tokio::test]
async fn bursts_are_found_in_a_sliding_window_by_the_schools_policy() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    // Four students from one address: under the default threshold of 8 per 10 s.
    for no in ["2023010101", "2023010102", "2023010103", "2023010104"] {
        let bearer = token(&app, no).await;
        assert_eq!(
            scan(&app, &bearer, &code, None).await.status().as_u16(),
            200
        );
    }
    let bursts = |found: &[Value]| {
        found
            .iter()
            .filter(|a| a["kind"] == "burst")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(bursts(&anomalies(&app, &club, id).await).is_empty());
    // The school lowers the threshold to 3 per 30 s: the same four are a burst.
    let policy =
        json!({"window_secs": 30, "per_address": 3, "per_device": 3, "trusted_networks": []});
    assert_eq!(put_policy(&app, &policy).await.status().as_u16(), 200);
    let found = bursts(&anomalies(&app, &club, id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["students"].as_array().unwrap().len(), 4);
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("4 check-ins from 127.0.0.1"),
        "{found:?}"
    );
    // Loopback declared a campus network (NAT): not flagged.
    let trusted = json!({"window_secs": 30, "per_address": 3, "per_device": 3,
        "trusted_networks": ["127.0.0.0/8", "2001:da8:8000::/48"]});
    let saved: Value = put_policy(&app, &trusted).await.json().await.unwrap();
    assert_eq!(saved["trusted_networks"][0], "127.0.0.0/8");
    assert!(bursts(&anomalies(&app, &club, id).await).is_empty());

    // The policy is the school admin's, validated, and audited.
    let bad = json!({"window_secs": 30, "per_address": 3, "per_device": 3,
        "trusted_networks": ["10.0.0.0/8", "campus"]});
    let body = assert_error(put_policy(&app, &bad).await, 422, "validation_failed").await;
    assert_eq!(body["field"], "trusted_networks[1]");
    let college = token(&app, "cs_admin").await;
    let refused = send_as(
        &app,
        Method::PUT,
        Some(&college),
        "/api/school/checkin-policy",
        Some(&policy),
    )
    .await;
    assert_error(refused, 403, "forbidden").await;
    let read: Value = get_as(&app, &club, "/api/school/checkin-policy")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read, saved);
    let admin = token(&app, "admin").await;
    let audit: Value = get_as(&app, &admin, "/api/audit?action=school.checkin_policy")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 2);
}

#[tokio::test]
async fn one_phone_scanning_for_several_accounts_is_a_device_burst() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let phone = "phone-of-a-ring";
    let mut statuses = Vec::new();
    for no in ["2023010101", "2023010102", "2023010103"] {
        let bearer = token(&app, no).await;
        statuses.push(
            scan(&app, &bearer, &code, Some(phone))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 409, 409]);
    let found = anomalies(&app, &club, id).await;
    let burst = found
        .iter()
        .find(|a| a["kind"] == "device_burst")
        .unwrap_or_else(|| panic!("a device burst: {found:?}"));
    assert_eq!(burst["students"].as_array().unwrap().len(), 3);
    assert!(
        !burst.to_string().contains(phone),
        "the phone's id is not shown"
    );
}

#[tokio::test]
async fn a_receipt_taken_when_the_page_opened_measures_the_code_and_binds_the_phone() {
    let app = demo_app().await;
    let id = running(&app).await;
    let student = token(&app, "2023010101").await;
    let now = Utc::now().timestamp();
    // A code with 3 s left: the page opens now, the student signs in slowly.
    let code = keys().code(id, CodeKind::In, now - 17, now + 3);
    let phone = "phone-slow-sign-in";
    let receipt = app
        .post_json(
            "/api/checkin/receipts",
            &json!({"token": code, "device_id": phone}),
        )
        .await;
    assert_eq!(receipt.status().as_u16(), 201);
    let receipt: Value = receipt.json().await.unwrap();
    // A receipt for another phone, or no receipt at all after the code expired, does not do.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let other_phone = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": "phone-of-a-friend", "receipt": receipt["receipt"]})),
    )
    .await;
    assert_error(other_phone, 422, "checkin_code_invalid").await;
    assert_error(
        scan(&app, &student, &code, Some(phone)).await,
        410,
        "checkin_code_expired",
    )
    .await;
    let with_receipt = send_as(
        &app,
        Method::POST,
        Some(&student),
        "/api/checkin",
        Some(&json!({"token": code, "device_id": phone, "receipt": receipt["receipt"]})),
    )
    .await;
    assert_eq!(
        with_receipt.status().as_u16(),
        200,
        "the scan survives a slow sign-in"
    );
    // Its lag is the page's — about 17 s after the code appeared, late as a relay would be —
    // not the POST's (over 20.5 s).
    let club = token(&app, "acm_admin").await;
    let late = anomalies(&app, &club, id)
        .await
        .into_iter()
        .find(|a| a["kind"] == "late_scan")
        .expect("a late scan");
    let seconds: i64 = late["detail"]
        .as_str()
        .unwrap()
        .trim_start_matches("scanned a code ")
        .trim_end_matches(" s after it appeared")
        .parse()
        .unwrap_or_else(|_| panic!("{late}"));
    assert!(
        (17..=20).contains(&seconds),
        "measured at the receipt: {late}"
    );
    // A code already expired when the page opens gets no receipt.
    let stale = now_code(id, CodeKind::In, now - 3 * STEP_SECS);
    let refused = app
        .post_json(
            "/api/checkin/receipts",
            &json!({"token": stale, "device_id": phone}),
        )
        .await;
    assert_error(refused, 410, "checkin_code_expired").await;
    let no_phone = app
        .post_json("/api/checkin/receipts", &json!({"token": code}))
        .await;
    assert_error(no_phone, 400, "device_required").await;
}

#[tokio::test]
async fn each_activity_sets_how_long_its_codes_last() {
    let app = demo_app().await;
    let id = running(&app).await;
    let club = token(&app, "acm_admin").await;
    let now = Utc::now();
    let settings = json!({"opens_at": now - Duration::hours(1), "closes_at": now + Duration::hours(3),
        "checkout_enabled": false, "latitude": null, "longitude": null, "radius_m": null,
        "step_secs": 5, "grace_secs": 30});
    let saved: Value = put_settings(&app, &club, id, &settings)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (saved["step_secs"].as_u64(), saved["grace_secs"].as_u64()),
        (Some(5), Some(30))
    );
    let code = current_code(&app, &club, id).await;
    assert!(code["refresh_in_ms"].as_u64().unwrap() <= 5_000);
    let parts: Vec<i64> = code["token"]
        .as_str()
        .unwrap()
        .split('.')
        .skip(2)
        .take(2)
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(parts[1] - parts[0], 35, "shown 5 s, accepted 30 s more");
    for (field, value) in [("step_secs", 4), ("grace_secs", 31)] {
        let mut bad = settings.clone();
        bad[field] = json!(value);
        let body = assert_error(
            put_settings(&app, &club, id, &bad).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], field);
    }
}

#[tokio::test]
async fn an_activity_dated_in_the_past_waits_for_the_level_above_with_its_reason() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    let acm = app.org_id("acm").await;
    // Found by testing: a club published a volunteer activity dated three months back at its
    // own level, with nobody above seeing it.
    let starts = Utc::now() - Duration::days(90);
    let body = json!({
        "organizer_id": acm, "title": "补发的志愿服务", "category": "volunteer", "credit_level": "club",
        "starts_at": starts, "ends_at": starts + Duration::hours(4), "place": "社区服务中心",
        "capacity": null, "registration_opens_at": starts - Duration::days(10),
        "registration_closes_at": starts, "enrolment_mode": "first_come"
    });
    let created: Value = send_as(
        &app,
        Method::POST,
        Some(&club),
        "/api/activities",
        Some(&body),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_i64().unwrap();
    let submitted: Value = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/submit"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    let college = token(&app, "cs_admin").await;
    let queue: Value = get_as(&app, &college, "/api/reviews")
        .await
        .json()
        .await
        .unwrap();
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["activity"]["id"] == id)
        .cloned()
        .expect("in the college's queue");
    assert_eq!(item["past_dated"], true);
    let detail: Value = get_as(&app, &college, &format!("/api/activities/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let reason = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["action"] == "submit")
        .and_then(|t| t["reason"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        reason.starts_with("dated in the past: it began"),
        "{detail}"
    );
    // An activity starting in a week still publishes at once at the club's own level.
    let soon = activity(
        &app,
        "lecture",
        Utc::now() + Duration::days(7),
        Utc::now() + Duration::days(7) + Duration::hours(2),
    )
    .await;
    assert!(soon > id);
}

#[tokio::test]
async fn results_into_a_term_that_has_ended_are_a_back_fill() {
    let app = demo_app().await;
    let club = token(&app, "acm_admin").await;
    // A lecture (no recognition deadline) of the spring term 2025-2026-2, which has ended.
    let ended = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 5, 20, 18, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let id = activity(&app, "lecture", ended - Duration::hours(2), ended).await;
    participants(&app, id, &["2023010101"]).await;
    let saved = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&json!({"results": [{"student_no": "2023010101", "attended": true}]})),
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);
    let reason = json!({"reason": "讲座记录遗漏"});
    let asked = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/results/finalize"),
        Some(&reason),
    )
    .await;
    assert_eq!(asked.status().as_u16(), 202);
    let request: Value = asked.json().await.unwrap();
    assert_eq!(request["grounds"], json!(["ended_term"]));
    // Rejected with a reason: nothing is recognised, the organiser may ask again.
    let college = token(&app, "cs_admin").await;
    let rid = request["id"].as_i64().unwrap();
    let no_reason = send_as(
        &app,
        Method::POST,
        Some(&college),
        &format!("/api/recognition-requests/{rid}/reject"),
        Some(&json!({})),
    )
    .await;
    assert_error(no_reason, 422, "validation_failed").await;
    let rejected: Value = send_as(
        &app,
        Method::POST,
        Some(&college),
        &format!("/api/recognition-requests/{rid}/reject"),
        Some(&json!({"reason": "请附签到表"})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["decision_reason"], "请附签到表");
    let points: Value = get_as(&app, &token(&app, "2023010101").await, "/api/me/points")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        points["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["activity_id"] != id),
        "nothing recognised"
    );
    let outgoing: Value = get_as(&app, &club, "/api/recognition-requests?scope=outgoing")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outgoing["items"][0]["status"], "rejected");
    let again = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/results/finalize"),
        Some(&reason),
    )
    .await;
    assert_eq!(again.status().as_u16(), 202, "asked again");
}

#[tokio::test]
async fn the_school_sets_the_recognition_deadline_of_other_categories() {
    let app = demo_app().await;
    let admin = token(&app, "admin").await;
    let put = |code: &'static str, body: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            send_as(
                app,
                Method::PUT,
                Some(&admin),
                &format!("/api/categories/{code}"),
                Some(&body),
            )
            .await
        }
    };
    // The notice fixes competitions and volunteer service at 10 working days.
    let refused = put(
        "competition",
        json!({"name": "学科竞赛", "name_en": "Competitions", "recognition_working_days": 5}),
    )
    .await;
    let body = assert_error(refused, 422, "validation_failed").await;
    assert_eq!(body["field"], "recognition_working_days");
    let saved: Value = put(
        "lecture",
        json!({"name": "讲座", "name_en": "Lectures", "recognition_working_days": 3}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(saved["recognition_working_days"], 3);

    // A lecture that ended 2026-09-30 now has a deadline, is overdue above, and finalising it is
    // a back-fill.
    let club = token(&app, "acm_admin").await;
    let ended = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 9, 30, 18, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let id = activity(&app, "lecture", ended - Duration::hours(2), ended).await;
    let deadlines: Value = get_as(&app, &club, &format!("/api/activities/{id}/deadlines"))
        .await
        .json()
        .await
        .unwrap();
    assert!(deadlines["recognition_due"].is_string(), "{deadlines}");
    let overdue: Value = get_as(
        &app,
        &token(&app, "cs_admin").await,
        "/api/recognition/overdue",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["activity_id"] == id),
        "{overdue}"
    );
    participants(&app, id, &["2023010101"]).await;
    let saved = send_as(
        &app,
        Method::PUT,
        Some(&club),
        &format!("/api/activities/{id}/results"),
        Some(&json!({"results": [{"student_no": "2023010101", "attended": true}]})),
    )
    .await;
    assert_eq!(saved.status().as_u16(), 200);
    let late = send_as(
        &app,
        Method::POST,
        Some(&club),
        &format!("/api/activities/{id}/results/finalize"),
        None,
    )
    .await;
    let body = assert_error(late, 422, "validation_failed").await;
    assert!(body["message"].as_str().unwrap().contains("late"), "{body}");
}

/// Scans that arrive together are written together (`api::attendance::coalesce`), and each still
/// gets its own answer: a hall of forty at once, one of them twice, and one phone passed on.
#[tokio::test]
async fn a_hall_scanning_at_once_gets_an_answer_each_and_one_row_per_student() {
    use diesel_async::RunQueryDsl;
    let app = demo_app().await;
    let id = running(&app).await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let tokens: Vec<String> = signed_in_students(&app, 40)
        .await
        .into_iter()
        .map(|(_, _, bearer)| bearer)
        .collect();
    let phone = |i: usize| format!("hall-phone-{i:02}");
    // Everyone on their own phone; the last student borrows the second one's; the first scans
    // twice.
    let mut scans: Vec<(usize, String)> = (0..40)
        .map(|i| (i, phone(if i == 39 { 1 } else { i })))
        .collect();
    scans.push((0, phone(0)));
    let responses = futures_util::future::join_all(
        scans
            .iter()
            .map(|(i, device)| scan(&app, &tokens[*i], &code, Some(device))),
    )
    .await;
    let mut outcomes = Vec::new();
    for ((i, _), response) in scans.iter().zip(responses) {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        outcomes.push((*i, status, body));
    }
    let of = |student: usize| -> Vec<(u16, String)> {
        outcomes
            .iter()
            .filter(|(i, _, _)| *i == student)
            .map(|(_, status, body)| (*status, body["code"].as_str().unwrap_or("ok").to_owned()))
            .collect()
    };
    let mut first = of(0);
    first.sort();
    assert_eq!(
        first,
        vec![(200, "ok".into()), (409, "already_checked_in".into())]
    );
    let mut shared = [of(1), of(39)].concat();
    shared.sort();
    assert_eq!(
        shared,
        vec![(200, "ok".into()), (409, "device_already_used".into())],
        "one phone, one student"
    );
    for i in 2..39 {
        assert_eq!(of(i), vec![(200, "ok".to_owned())], "student {i}");
    }
    for (i, status, body) in &outcomes {
        if *status == 200 {
            assert!(
                body["activity_title"].as_str().is_some(),
                "student {i}: {body}"
            );
        }
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        students: i64,
    }
    let stored: Count = diesel::sql_query(format!(
        "SELECT count(*) AS rows, count(DISTINCT student_id) AS students FROM attendance WHERE activity_id = {id}"
    ))
    .get_result(&mut app.db().await)
    .await
    .unwrap();
    assert_eq!(
        (stored.rows, stored.students),
        (39, 39),
        "a row for each 200, no more"
    );
}

/// PostgreSQL drops the server's connections in the middle of a hall's scans: every scan is
/// answered (checked in, or 503 to retry — never 500), and no scan is told it checked in without
/// its row.
#[tokio::test]
async fn scans_cut_off_by_terminated_connections_never_answer_200_without_the_row() {
    use diesel_async::RunQueryDsl;
    let app = demo_app().await;
    let id = running(&app).await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let students = signed_in_students(&app, 30).await;
    let tokens: Vec<String> = students
        .iter()
        .map(|(_, _, bearer)| bearer.clone())
        .collect();
    // The scans wait on a lock while their connections are terminated, three times over.
    let mut holder = app.db().await;
    diesel::sql_query("BEGIN")
        .execute(&mut holder)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE attendance IN EXCLUSIVE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    let killer = async {
        let mut admin = app.db().await;
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            diesel::sql_query(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = '{}' AND wait_event_type = 'Lock'",
                app.db_name
            ))
            .execute(&mut admin)
            .await
            .unwrap();
        }
        diesel::sql_query("ROLLBACK")
            .execute(&mut holder)
            .await
            .unwrap();
    };
    let phones: Vec<String> = (0..tokens.len())
        .map(|i| format!("cut-phone-{i}"))
        .collect();
    let scans = futures_util::future::join_all(
        tokens
            .iter()
            .zip(&phones)
            .map(|(bearer, phone)| scan(&app, bearer, &code, Some(phone))),
    );
    let (responses, ()) = tokio::join!(scans, killer);
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        student_id: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT student_id FROM attendance WHERE activity_id = {id}"
    ))
    .load(&mut app.db().await)
    .await
    .unwrap();
    let stored: std::collections::HashSet<i64> = rows.iter().map(|r| r.student_id).collect();
    let mut answered = std::collections::BTreeMap::new();
    for (student, response) in students.iter().zip(responses) {
        let status = response.status().as_u16();
        *answered.entry(status).or_insert(0) += 1;
        match status {
            200 => assert!(
                stored.contains(&student.1),
                "{} told 200 without a row",
                student.0
            ),
            503 => assert!(response.headers().contains_key("retry-after")),
            other => panic!("{}: {other} {}", student.0, response.text().await.unwrap()),
        }
    }
    eprintln!("answers by status: {answered:?}");
    assert!(
        answered.get(&503).copied().unwrap_or(0) > 0,
        "the faults hit: {answered:?}"
    );
    // Sent again as told (Retry-After), every scan checks in, once.
    for ((bearer, phone), student) in tokens.iter().zip(&phones).zip(&students) {
        let again = scan(&app, bearer, &code, Some(phone)).await;
        let status = again.status().as_u16();
        let first_stored = stored.contains(&student.1);
        assert_eq!(
            status,
            if first_stored { 409 } else { 200 },
            "{}",
            student.0
        );
    }
    let rows: Vec<Row> = diesel::sql_query(format!(
        "SELECT student_id FROM attendance WHERE activity_id = {id}"
    ))
    .load(&mut app.db().await)
    .await
    .unwrap();
    assert_eq!(rows.len(), students.len());
}

/// PostgreSQL stops answering in the middle of a hall's scans (its backends paused with
/// SIGSTOP, as a hung server or a stalled disk would): the server keeps answering — the scans
/// that cannot get a connection are told 503 with Retry-After within the pool's acquire timeout —
/// and when PostgreSQL resumes, the scans that were waiting on it finish; no 200 without its row.
#[tokio::test]
async fn scans_while_postgresql_is_paused_answer_503_and_finish_when_it_resumes() {
    use diesel_async::RunQueryDsl;
    let app = demo_app().await;
    let id = running(&app).await;
    let code = now_code(id, CodeKind::In, Utc::now().timestamp());
    let students = signed_in_students(&app, 12).await;
    let tokens: Vec<String> = students
        .iter()
        .map(|(_, _, bearer)| bearer.clone())
        .collect();
    // Both pooled connections open, then every backend of this database paused.
    let _ =
        futures_util::future::join_all((0..4).map(|_| get_as(&app, &tokens[0], "/api/me"))).await;
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut admin = app.db().await;
    let backends: Vec<Pid> = diesel::sql_query(format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = '{}' AND backend_type = 'client backend'
           AND pid <> pg_backend_pid()",
        app.db_name
    ))
    .load(&mut admin)
    .await
    .unwrap();
    assert!(!backends.is_empty());
    let signal = |name: &str| {
        for backend in &backends {
            let status = std::process::Command::new("kill")
                .args([name, &backend.pid.to_string()])
                .status()
                .unwrap();
            assert!(
                status.success(),
                "kill {name} {} (run as root or postgres)",
                backend.pid
            );
        }
    };
    signal("-STOP");
    let started = std::time::Instant::now();
    let phones: Vec<String> = (0..tokens.len())
        .map(|i| format!("paused-phone-{i}"))
        .collect();
    let burst: Vec<_> = tokens
        .iter()
        .zip(&phones)
        .map(|(bearer, phone)| {
            let request = app
                .client
                .post(app.url("/api/checkin"))
                .bearer_auth(bearer)
                .json(&json!({"token": code, "device_id": phone}));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let retry = response.headers().contains_key("retry-after");
                (status, retry, std::time::Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    signal("-CONT");
    let mut answers = Vec::new();
    for handle in burst {
        answers.push(handle.await.unwrap());
    }
    // While paused the server kept answering: the scans that found no turn were told 503 with
    // Retry-After within the pool's acquire timeout (1.5 s here); only those being written
    // waited for PostgreSQL.
    let while_paused: Vec<_> = answers
        .iter()
        .filter(|(_, _, at)| at.duration_since(started) < std::time::Duration::from_secs(4))
        .collect();
    assert!(
        !while_paused.is_empty(),
        "nothing was answered while PostgreSQL was paused"
    );
    assert!(
        while_paused
            .iter()
            .all(|(status, retry, _)| *status == 503 && *retry),
        "{answers:?}"
    );
    let rows: Vec<Pid> = diesel::sql_query(format!(
        "SELECT student_id::int AS pid FROM attendance WHERE activity_id = {id}"
    ))
    .load(&mut admin)
    .await
    .unwrap();
    let stored: std::collections::HashSet<i64> = rows.iter().map(|r| i64::from(r.pid)).collect();
    for (student, (status, retry, _)) in students.iter().zip(&answers) {
        match status {
            200 => assert!(
                stored.contains(&student.1),
                "{}: 200 without its row",
                student.0
            ),
            503 => assert!(*retry && !stored.contains(&student.1), "{}", student.0),
            other => panic!("{}: {other}", student.0),
        }
    }
}

/// The first `n` active students (by account name) of the demo, each signed in: (username,
/// account id, token).
async fn signed_in_students(app: &TestApp, n: usize) -> Vec<(String, i64, String)> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Student {
        #[diesel(sql_type = diesel::sql_types::Text)]
        username: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let students: Vec<Student> = diesel::sql_query(format!(
        "SELECT username, id FROM accounts WHERE kind = 'student' AND active ORDER BY username LIMIT {n}"
    ))
    .load(&mut app.db().await)
    .await
    .unwrap();
    assert_eq!(students.len(), n);
    let mut signed_in = Vec::new();
    for student in students {
        let bearer = token(app, &student.username).await;
        signed_in.push((student.username, student.id, bearer));
    }
    signed_in
}
