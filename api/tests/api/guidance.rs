//! Guidance (精准育人): a student behind the requirement is shown the open activities that
//! close their gap, missing category first; one who meets it, their interests; what they may
//! not or need not sign up to is left out; advisers see and remind only the students of their
//! subtree, once a day, audited, and the student is notified.

use crate::{
    auth::{demo_app, get_as, send_as, token},
    helpers::{TestApp, assert_error},
};
use chrono::{Duration, Utc};
use diesel::{QueryableByName, sql_types::BigInt};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

/// A club activity open for sign-up now: registration closes in `closes_in_days`, it starts an
/// hour later and lasts `hours`. `extra` overrides fields of the definition.
async fn open_activity(
    app: &TestApp,
    title: &str,
    category: &str,
    closes_in_days: i64,
    hours: i64,
    extra: Value,
) -> i64 {
    let club = token(app, "acm_admin").await;
    let acm = app.org_id("acm").await;
    let closes = Utc::now() + Duration::days(closes_in_days);
    let starts = closes + Duration::hours(1);
    let mut body = json!({
        "organizer_id": acm, "title": title, "category": category, "credit_level": "club",
        "starts_at": starts, "ends_at": starts + Duration::hours(hours), "place": "学生活动中心",
        "capacity": null, "registration_opens_at": Utc::now() - Duration::days(1),
        "registration_closes_at": closes, "enrolment_mode": "first_come"
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
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
    assert_eq!(published["status"], "published", "{published}");
    id
}

async fn sign_up(app: &TestApp, student: &str, id: i64) -> Value {
    let response = send_as(
        app,
        Method::POST,
        Some(&token(app, student).await),
        &format!("/api/activities/{id}/registrations"),
        Some(&json!({"answers": {}})),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// Points recorded for the student by their college, this term.
async fn adjust(app: &TestApp, student_no: &str, grants: &[(&str, i64)]) {
    let cs_admin = token(app, "cs_admin").await;
    for (category, points) in grants {
        let body = json!({"student_no": student_no, "category": category, "points": points,
            "reason": "历年补记", "occurred_on": "2026-10-12"});
        let response = send_as(
            app,
            Method::POST,
            Some(&cs_admin),
            "/api/points/adjustments",
            Some(&body),
        )
        .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
}

fn ids(suggestions: &Value) -> Vec<i64> {
    suggestions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["activity_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn guidance_a_student_behind_sees_their_missing_category_first() {
    let app = demo_app().await;
    // Lecture and practice met (lecture's term cap filled), volunteer and the total short.
    adjust(
        &app,
        "2023010101",
        &[("lecture", 200), ("practice", 200), ("innovation", 400)],
    )
    .await;
    let arts = open_activity(&app, "校园歌手赛", "arts_sports", 1, 2, json!({})).await;
    let lecture = open_activity(&app, "学术讲座", "lecture", 1, 2, json!({})).await;
    let short_service = open_activity(&app, "图书馆志愿", "volunteer", 2, 2, json!({})).await;
    let long_service = open_activity(&app, "社区志愿服务", "volunteer", 5, 4, json!({})).await;

    let student = token(&app, "2023010101").await;
    let mine: Value = get_as(&app, &student, "/api/me/suggestions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["behind"], true, "{mine}");
    let gap: Vec<&str> = mine["gap"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["category"].as_str().unwrap())
        .collect();
    assert_eq!(gap, ["volunteer", "total"], "{mine}");
    assert_eq!(mine["gap"][0]["points"], 200);
    assert_eq!(mine["gap"][0]["category_name"], "志愿服务");
    // Four hours of service close more of the volunteer gap than two; then the arts only add
    // to the total; the lecture, its category capped this term, brings nothing.
    assert_eq!(ids(&mine), [long_service, short_service, arts], "{mine}");
    let first = &mine["items"][0];
    assert_eq!(
        (
            first["reason"].as_str(),
            first["points"].as_i64(),
            first["hours"].as_f64(),
            first["closes"].as_i64()
        ),
        (Some("category"), Some(40), Some(4.0), Some(40)),
        "{first}"
    );
    assert_eq!(first["places_left"], Value::Null);
    assert_eq!(mine["items"][2]["reason"], "total");
    assert!(!ids(&mine).contains(&lecture));

    // Their adviser sees the same.
    let id = app.org_student_id("2023010101").await;
    let theirs: Value = get_as(
        &app,
        &token(&app, "cs_admin").await,
        &format!("/api/students/{id}/suggestions"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(theirs, mine);
}

#[tokio::test]
async fn guidance_a_student_who_meets_the_requirement_sees_their_interests() {
    let app = demo_app().await;
    adjust(
        &app,
        "2023010101",
        &[
            ("lecture", 200),
            ("volunteer", 200),
            ("practice", 200),
            ("competition", 200),
            // Twice, and within the category's term cap of 4: a participant still earns 0.5.
            ("innovation", 100),
            ("innovation", 100),
        ],
    )
    .await;
    let arts = open_activity(&app, "校园歌手赛", "arts_sports", 1, 2, json!({})).await;
    let innovation = open_activity(&app, "创业沙龙", "innovation", 6, 2, json!({})).await;
    let mine: Value = get_as(
        &app,
        &token(&app, "2023010101").await,
        "/api/me/suggestions",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(mine["behind"], false, "{mine}");
    assert_eq!(mine["gap"], json!([]));
    assert_eq!(ids(&mine), [innovation, arts], "{mine}");
    assert_eq!(mine["items"][0]["reason"], "interest");
    assert_eq!(mine["items"][0]["points"], 50);
    assert_eq!(mine["items"][1]["reason"], "soon");
}

#[tokio::test]
async fn guidance_leaves_out_signed_up_ineligible_and_full_activities() {
    let app = demo_app().await;
    let signed_up = open_activity(&app, "已报名的志愿", "volunteer", 1, 2, json!({})).await;
    sign_up(&app, "2023010101", signed_up).await;
    let em = app.org_id("em").await;
    let other_college = open_activity(
        &app,
        "经管学院志愿",
        "volunteer",
        1,
        2,
        json!({"eligibility": {"colleges": [em]}}),
    )
    .await;
    let full_review = open_activity(
        &app,
        "审核制志愿",
        "volunteer",
        1,
        2,
        json!({"capacity": 1, "enrolment_mode": "review"}),
    )
    .await;
    let pending = sign_up(&app, "2024020101", full_review).await;
    let approved = send_as(
        &app,
        Method::POST,
        Some(&token(&app, "acm_admin").await),
        &format!("/api/registrations/{}/approve", pending["id"]),
        Some(&json!({})),
    )
    .await;
    assert!(
        approved.status().is_success(),
        "{}",
        approved.text().await.unwrap()
    );
    let full_first_come = open_activity(
        &app,
        "先到先得志愿",
        "volunteer",
        1,
        2,
        json!({"capacity": 1}),
    )
    .await;
    sign_up(&app, "2024020101", full_first_come).await;
    let open = open_activity(
        &app,
        "社区志愿服务",
        "volunteer",
        3,
        2,
        json!({"capacity": 30}),
    )
    .await;

    let mine: Value = get_as(
        &app,
        &token(&app, "2023010101").await,
        "/api/me/suggestions",
    )
    .await
    .json()
    .await
    .unwrap();
    let got = ids(&mine);
    assert!(!got.contains(&signed_up), "{mine}");
    assert!(!got.contains(&other_college), "{mine}");
    assert!(!got.contains(&full_review), "{mine}");
    // Full, first come: a sign-up waits for a place, so it stays, marked.
    let waiting = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["activity_id"] == full_first_come)
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(
        (
            waiting["places_left"].as_i64(),
            waiting["waitlist"].as_bool()
        ),
        (Some(0), Some(true))
    );
    let listed = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["activity_id"] == open)
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(listed["places_left"], 30);
}

#[tokio::test]
async fn guidance_advisers_outside_the_subtree_see_and_remind_no_one() {
    let app = demo_app().await;
    let id = app.org_student_id("2023010101").await;
    for adviser in ["em_admin", "acm_admin"] {
        let bearer = token(&app, adviser).await;
        let response = get_as(&app, &bearer, &format!("/api/students/{id}/suggestions")).await;
        assert_error(response, 404, "not_found").await;
        let response = send_as(
            &app,
            Method::POST,
            Some(&bearer),
            &format!("/api/students/{id}/reminders"),
            None,
        )
        .await;
        assert_error(response, 404, "not_found").await;
    }
    let publisher = token(&app, "cs_publisher").await;
    let response = get_as(&app, &publisher, &format!("/api/students/{id}/suggestions")).await;
    assert_error(response, 403, "forbidden").await;
    let student = token(&app, "2023010101").await;
    let response = send_as(
        &app,
        Method::POST,
        Some(&student),
        &format!("/api/students/{id}/reminders"),
        None,
    )
    .await;
    assert_error(response, 403, "forbidden").await;
    let response = get_as(&app, &token(&app, "cs_admin").await, "/api/me/suggestions").await;
    assert_error(response, 403, "forbidden").await;
    let response = get_as(
        &app,
        &token(&app, "cs_admin").await,
        "/api/students/abc/suggestions",
    )
    .await;
    assert_eq!(response.status().as_u16() / 100, 4);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn guidance_an_adviser_reminds_once_a_day_audited_and_the_student_is_told() {
    let app = demo_app().await;
    let service = open_activity(&app, "社区志愿服务", "volunteer", 3, 4, json!({})).await;
    let id = app.org_student_id("2023010101").await;
    let cs_admin = token(&app, "cs_admin").await;
    let path = format!("/api/students/{id}/reminders");
    let response = send_as(&app, Method::POST, Some(&cs_admin), &path, None).await;
    assert_eq!(response.status(), 201);
    let sent: Value = response.json().await.unwrap();
    assert!(
        sent["title"].as_str().unwrap().contains("志愿服务"),
        "{sent}"
    );
    assert!(
        sent["body"].as_str().unwrap().contains("《社区志愿服务》"),
        "{sent}"
    );
    assert_eq!(sent["activity_ids"], json!([service]));

    let again = send_as(&app, Method::POST, Some(&cs_admin), &path, None).await;
    assert_error(again, 409, "already_reminded").await;
    // Another adviser over the student may still remind them today.
    let school = send_as(
        &app,
        Method::POST,
        Some(&token(&app, "admin").await),
        &path,
        None,
    )
    .await;
    assert_eq!(school.status(), 201);

    let audited: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'guidance.remind' AND target_id = $1",
    )
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .get_result(&mut app.db().await)
    .await
    .unwrap();
    assert_eq!(audited.n, 2);
    let notes: Value = get_as(&app, &token(&app, "2023010101").await, "/api/notifications")
        .await
        .json()
        .await
        .unwrap();
    let reminders: Vec<&Value> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "guidance_reminder")
        .collect();
    assert_eq!(reminders.len(), 2, "{notes}");
    assert_eq!(reminders[0]["title"], sent["title"]);
    assert_eq!(reminders[0]["activity_id"], service);
}
